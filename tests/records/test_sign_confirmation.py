"""Signing confirms: "Save and sign" on the editor saves what is on screen first, then a
confirmation lists what will be locked; confirming signs exactly that version."""

from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import Outcome
from records import services
from records.models import SessionNote
from tests.records.base import RecordsTestCase

FORM = {
    "date_of_service": "2026-11-03",
    "duration_minutes": "50",
    "service_type": "individual",
    "template": "soap",
    "section_subjective": "Client describes a calmer week.",
    "section_plan": "Practice breathing exercise.",
}


def confirm_url(note, version):
    return f"{reverse('note_sign', args=[note.pk])}?version={version}"


class SaveAndSignTest(RecordsTestCase):
    def test_unsaved_changes_are_saved_then_shown_before_anything_is_locked(self):
        note = self.write_note()
        self.sign_in(self.alice)
        typed = {**FORM, "version": "1", "section_plan": "Typed after the last save.", "action": "sign"}
        response = self.client.post(reverse("note_edit", args=[note.pk]), typed)
        self.assertRedirects(response, confirm_url(note, 2), fetch_redirect_response=False)
        note.refresh_from_db()
        self.assertEqual((note.status, note.version), ("draft", 2))  # saved, not signed
        self.assertEqual(note.sections["plan"], "Typed after the last save.")
        page = self.client.get(confirm_url(note, 2))
        self.assertContains(page, "Signing locks the note for good")
        self.assertContains(page, "<h3>Plan</h3>", html=False)
        self.assertContains(page, "Typed after the last save.")
        self.assertContains(page, "<h3>Objective</h3>", html=False)
        self.assertContains(page, "(empty)")  # an empty section is listed as such
        self.assertContains(page, '<input type="hidden" name="version" value="2">', html=True)
        self.assertNotContains(page, "saved in another tab")
        event = self.events("note.view", actor=self.alice)[-1]
        self.assertEqual(event.reason, "sign confirmation")
        response = self.client.post(reverse("note_sign", args=[note.pk]), {"version": "2"})
        self.assertRedirects(response, reverse("note_detail", args=[note.pk]), fetch_redirect_response=False)
        note.refresh_from_db()
        self.assertEqual(note.status, "signed")
        self.assertEqual(note.sections["plan"], "Typed after the last save.")
        self.assertOneEvent("note.sign", actor=self.alice, client=self.rec)

    def test_nothing_to_save_goes_straight_to_the_confirmation_without_a_new_version(self):
        note = self.write_note(
            date_of_service=FORM["date_of_service"],
            sections={"subjective": FORM["section_subjective"], "plan": FORM["section_plan"]},
        )
        self.sign_in(self.alice)
        response = self.client.post(reverse("note_edit", args=[note.pk]), {**FORM, "version": "1", "action": "sign"})
        self.assertRedirects(response, confirm_url(note, 1), fetch_redirect_response=False)
        note.refresh_from_db()
        self.assertEqual(note.version, 1)
        self.assertEqual(self.events("note.update"), [])

    def test_a_new_note_can_go_straight_to_signing(self):
        self.sign_in(self.alice)
        url = reverse("note_create", args=[self.rec.record_number]) + "?template=soap"
        response = self.client.post(url, {**FORM, "action": "sign"})
        note = SessionNote.objects.get(client=self.rec)
        self.assertRedirects(response, confirm_url(note, 1), fetch_redirect_response=False)
        self.assertEqual(note.status, "draft")

    def test_save_draft_still_only_saves(self):
        note = self.write_note()
        self.sign_in(self.alice)
        response = self.client.post(reverse("note_edit", args=[note.pk]), {**FORM, "version": "1", "action": "save"})
        self.assertRedirects(response, reverse("note_edit", args=[note.pk]), fetch_redirect_response=False)
        note.refresh_from_db()
        self.assertEqual((note.status, note.version), ("draft", 2))

    def test_a_stale_editor_is_not_saved_nor_signed_409_with_the_text_kept(self):
        note = self.write_note()
        services.note_update(
            actor=self.alice,
            note_id=note.pk,
            version=1,
            date_of_service=note.date_of_service,
            duration_minutes=50,
            service_type="individual",
            template="soap",
            sections={"plan": "saved in another tab"},
        )
        self.sign_in(self.alice)
        typed = {**FORM, "version": "1", "section_plan": "My text from the old tab.", "action": "sign"}
        response = self.client.post(reverse("note_edit", args=[note.pk]), typed)
        self.assertContains(response, "My text from the old tab.", status_code=409)
        note.refresh_from_db()
        self.assertEqual((note.status, note.sections["plan"]), ("draft", "saved in another tab"))

    def test_invalid_content_is_not_saved_nor_sent_to_signing(self):
        note = self.write_note()
        self.sign_in(self.alice)
        bad = {**FORM, "version": "1", "date_of_service": "2999-01-01", "action": "sign"}
        response = self.client.post(reverse("note_edit", args=[note.pk]), bad)
        self.assertContains(response, "cannot be in the future")
        note.refresh_from_db()
        self.assertEqual((note.status, note.version), ("draft", 1))

    def test_the_confirmation_warns_when_the_draft_changed_since(self):
        note = self.write_note()
        self.sign_in(self.alice)
        page = self.client.get(confirm_url(note, 7))
        self.assertContains(page, "saved in another tab or session after yours")
        self.assertContains(page, '<input type="hidden" name="version" value="1">', html=True)

    def test_confirming_an_older_version_signs_nothing(self):
        note = self.write_note()
        self.sign_in(self.alice)
        self.client.get(confirm_url(note, 1))
        services.note_update(
            actor=self.alice,
            note_id=note.pk,
            version=1,
            date_of_service=note.date_of_service,
            duration_minutes=50,
            service_type="individual",
            template="soap",
            sections={"plan": "changed after the confirmation was opened"},
        )
        response = self.client.post(reverse("note_sign", args=[note.pk]), {"version": "1"})
        self.assertRedirects(response, reverse("note_edit", args=[note.pk]), fetch_redirect_response=False)
        note.refresh_from_db()
        self.assertEqual(note.status, "draft")
        self.assertEqual(self.events("note.sign", outcome=Outcome.DENIED)[-1].reason, "stale version 1, current 2")

    def test_a_sign_post_without_a_version_asks_first(self):
        note = self.write_note()
        self.sign_in(self.alice)
        response = self.client.post(reverse("note_sign", args=[note.pk]))
        self.assertRedirects(response, reverse("note_sign", args=[note.pk]), fetch_redirect_response=False)
        note.refresh_from_db()
        self.assertEqual(note.status, "draft")
        self.assertEqual(self.events("note.sign"), [])

    def test_pre_licensed_authors_are_told_about_the_co_signature(self):
        services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        note = self.write_note()
        self.sign_in(self.alice)
        page = self.client.get(confirm_url(note, 1))
        self.assertContains(page, "waits for your supervisor")
        self.assertContains(page, "left out of every disclosure package")
        response = self.client.post(reverse("note_sign", args=[note.pk]), {"version": "1"})
        shown = [str(m) for m in get_messages(response.wsgi_request)]
        self.assertIn("waits for your supervisor's co-signature", shown[0])

    def test_a_signed_note_has_no_confirmation_to_show(self):
        note = self.signed_note()
        self.sign_in(self.alice)
        response = self.client.get(confirm_url(note, 1))
        self.assertRedirects(response, reverse("note_detail", args=[note.pk]), fetch_redirect_response=False)
        self.assertEqual(self.events("note.sign", outcome=Outcome.DENIED)[-1].reason, "note is signed")

    def test_who_may_not_see_the_confirmation(self):
        note = self.write_note()
        services.assign(actor=self.avery, client=self.rec, counselor=self.bob, kind="co_therapist")
        for user, status in ((self.bob, 403), (self.sam, 404), (self.avery, 404), (self.claire, 404)):
            self.sign_in(user)
            self.assertEqual(self.client.get(confirm_url(note, 1)).status_code, status, user)
            self.assertIn(self.client.post(reverse("note_sign", args=[note.pk])).status_code, (403, 404), user)
        self.assertEqual(len(self.events("note.sign", outcome=Outcome.DENIED)), 8)
        self.assertEqual(self.events("note.view", outcome=Outcome.ALLOWED), [])
        note.refresh_from_db()
        self.assertEqual(note.status, "draft")

    def test_bad_versions_in_the_address_are_only_a_warning(self):
        note = self.write_note()
        self.sign_in(self.alice)
        for bad in ("x", "\x00", "9" * 400, "-1"):
            page = self.client.get(reverse("note_sign", args=[note.pk]), {"version": bad})
            self.assertContains(page, "saved in another tab or session after yours")
