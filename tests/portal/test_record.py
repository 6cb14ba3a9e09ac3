"""My record: signed notes and addenda only, the client's own only."""

from django.urls import reverse

from audit.models import Outcome
from records import services as records_services
from tests.portal.base import (
    ADDENDUM_TEXT,
    DRAFT_TEXT,
    OTHER_TEXT,
    PNOTE_TEXT,
    SIGNED_TEXT,
    PortalTestCase,
)


class MyRecordTest(PortalTestCase):
    def test_the_client_reads_signed_notes_with_their_addenda(self):
        self.sign_in(self.claire)
        page = self.client.get(reverse("portal_record"))
        self.assertContains(page, reverse("portal_note", args=[self.note.pk]))
        self.assertNotContains(page, reverse("portal_note", args=[self.draft.pk]))
        note = self.client.get(reverse("portal_note", args=[self.note.pk]))
        self.assertContains(note, SIGNED_TEXT)
        self.assertContains(note, ADDENDUM_TEXT)
        self.assertOneEvent("portal.record", actor=self.claire, client=self.rec)
        self.assertOneEvent("portal.note", actor=self.claire, client=self.rec, object_id=str(self.note.pk))

    def test_drafts_psychotherapy_notes_and_other_clients_notes_never_show(self):
        self.sign_in(self.claire)
        pages = [
            self.client.get(reverse("portal_record")),
            self.client.get(reverse("portal_note", args=[self.note.pk])),
        ]
        for page in pages:
            for text in (DRAFT_TEXT, PNOTE_TEXT, OTHER_TEXT):
                self.assertNotContains(page, text)
        for note_id in (self.draft.pk, self.other_note.pk, 999999):
            response = self.client.get(reverse("portal_note", args=[note_id]))
            self.assertEqual(response.status_code, 404, note_id)
            self.assertNotContains(response, DRAFT_TEXT, status_code=404)
        self.assertEqual(len(self.events("portal.note", outcome=Outcome.DENIED, actor=self.claire)), 3)

    def test_staff_have_no_portal_record(self):
        for user in (self.alice, self.sam, self.avery, self.root):
            self.sign_in(user)
            for name in ("portal_record", "portal_history"):
                self.assertEqual(self.client.get(reverse(name)).status_code, 403, f"{user} {name}")
            self.assertEqual(self.client.get(reverse("portal_note", args=[self.note.pk])).status_code, 403)
        self.assertEqual(len(self.events("portal.record", outcome=Outcome.DENIED)), 4)


class MyRecordQueryCountTest(PortalTestCase):
    def test_the_record_page_reads_the_same_number_of_queries_for_one_note_or_six(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.sign_in(self.claire)
        self.client.get(reverse("portal_record"))
        with CaptureQueriesContext(connection) as one:
            self.client.get(reverse("portal_record"))
        for _ in range(5):
            note = self.signed_note()
            records_services.addendum_create(actor=self.alice, note_id=note.pk, text="More.")
        with CaptureQueriesContext(connection) as six:
            page = self.client.get(reverse("portal_record"))
        self.assertEqual(len(page.context["notes"]), 6)
        self.assertEqual(len(one), len(six))
