"""Drafts carry a version: a save based on an older one is refused with a clear message
and the typed text kept; an edit posted to a signed note is refused with a message and
a denied event (it used to be dropped with a redirect and a note.view event)."""

from datetime import date

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


def _update(actor, note, version, plan):
    return services.note_update(
        actor=actor,
        note_id=note.pk,
        version=version,
        date_of_service=date(2026, 11, 2),
        duration_minutes=50,
        service_type="individual",
        template="soap",
        sections={"plan": plan},
    )


class DraftVersionTest(RecordsTestCase):
    def test_each_save_adds_one_to_the_version(self):
        note = self.write_note()
        self.assertEqual(note.version, 1)
        self.assertEqual(_update(self.alice, note, 1, "first").version, 2)
        self.assertEqual(_update(self.alice, note, 2, "second").version, 3)
        note.refresh_from_db()
        self.assertEqual((note.version, note.sections["plan"]), (3, "second"))

    def test_a_save_based_on_an_older_version_is_refused_and_recorded(self):
        note = self.write_note()
        _update(self.alice, note, 1, "saved in the other tab")
        with self.assertRaises(services.StaleDraft):
            _update(self.alice, note, 1, "typed in this tab")
        note.refresh_from_db()
        self.assertEqual((note.version, note.sections["plan"]), (2, "saved in the other tab"))
        event = self.assertOneEvent("note.update", outcome=Outcome.DENIED)
        self.assertEqual(event.reason, "stale version 1, current 2")
        self.assertNotIn("typed in this tab", event.reason)

    def test_editor_refuses_a_stale_save_with_a_message_and_keeps_the_typed_text(self):
        note = self.write_note()
        self.sign_in(self.alice)
        page = self.client.get(reverse("note_edit", args=[note.pk]))
        self.assertContains(page, 'name="version" value="1"')
        # Another session saves first.
        first = self.client.post(reverse("note_edit", args=[note.pk]), {**FORM, "version": "1"})
        self.assertRedirects(first, reverse("note_edit", args=[note.pk]))
        second = self.client.post(
            reverse("note_edit", args=[note.pk]), {**FORM, "version": "1", "section_plan": "My <b>own</b> plan text"}
        )
        self.assertContains(second, "was saved in another tab or session after you opened it", status_code=409)
        self.assertContains(second, "My &lt;b&gt;own&lt;/b&gt; plan text", status_code=409)
        self.assertContains(second, "Open the latest version", status_code=409)
        note.refresh_from_db()
        self.assertEqual((note.version, note.sections["plan"]), (2, "Practice breathing exercise."))
        self.assertOneEvent("note.update", actor=self.alice, outcome=Outcome.DENIED)

    def test_a_save_without_a_version_is_refused_as_stale(self):
        note = self.write_note()
        self.sign_in(self.alice)
        response = self.client.post(reverse("note_edit", args=[note.pk]), FORM)
        self.assertEqual(response.status_code, 409)
        note.refresh_from_db()
        self.assertEqual(note.version, 1)

    def test_twenty_four_saves_of_one_version_from_two_sessions_apply_once(self):
        note = self.write_note()
        applied, refused = 0, 0
        for i in range(24):
            try:
                _update(self.alice, note, 1, f"save {i}")
                applied += 1
            except services.StaleDraft:
                refused += 1
        self.assertEqual((applied, refused), (1, 23))
        note.refresh_from_db()
        self.assertEqual(note.sections["plan"], "save 0")

    def test_sign_refuses_a_draft_changed_since_the_signer_opened_it(self):
        note = self.write_note()
        _update(self.alice, note, 1, "changed elsewhere")
        self.sign_in(self.alice)
        response = self.client.post(reverse("note_sign", args=[note.pk]), {"version": "1"})
        self.assertRedirects(response, reverse("note_edit", args=[note.pk]), fetch_redirect_response=False)
        note.refresh_from_db()
        self.assertEqual(note.status, SessionNote.Status.DRAFT)
        self.assertOneEvent("note.sign", outcome=Outcome.DENIED)
        self.client.post(reverse("note_sign", args=[note.pk]), {"version": "2"})
        note.refresh_from_db()
        self.assertEqual(note.status, SessionNote.Status.SIGNED)

    def test_a_malformed_sign_version_signs_nothing(self):
        note = self.write_note()
        self.sign_in(self.alice)
        for bad in ("x", "²", "-1", "9" * 40):
            self.client.post(reverse("note_sign", args=[note.pk]), {"version": bad})
        note.refresh_from_db()
        self.assertEqual(note.status, SessionNote.Status.DRAFT)


class EditOfSignedNoteTest(RecordsTestCase):
    def test_an_edit_posted_to_a_signed_note_is_refused_with_a_message_and_a_denied_event(self):
        note = self.signed_note()
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("note_edit", args=[note.pk]), {**FORM, "version": "1", "section_plan": "changed"}
        )
        self.assertRedirects(response, reverse("note_detail", args=[note.pk]), fetch_redirect_response=False)
        shown = [str(m) for m in get_messages(response.wsgi_request)]
        self.assertEqual(shown, ["This note is signed and cannot be changed. Add an addendum instead."])
        event = self.assertOneEvent("note.update", actor=self.alice, outcome=Outcome.DENIED)
        self.assertEqual(event.reason, "note is signed")
        note.refresh_from_db()
        self.assertNotIn("changed", note.sections.values())

    def test_a_note_signed_between_opening_and_saving_refuses_the_save(self):
        note = self.write_note()
        services.note_sign(actor=self.alice, note_id=note.pk)
        with self.assertRaises(services.NoteLocked):
            _update(self.alice, note, 1, "late")
        self.assertEqual(self.events("note.update", outcome=Outcome.DENIED)[-1].reason, "note is signed")

    def test_co_therapist_posting_an_edit_gets_403_and_a_denied_event(self):
        note = self.write_note()
        services.assign(actor=self.avery, client=self.rec, counselor=self.bob, kind="co_therapist")
        self.sign_in(self.bob)
        response = self.client.post(reverse("note_edit", args=[note.pk]), {**FORM, "version": "1"})
        self.assertEqual(response.status_code, 403)
        self.assertOneEvent("note.update", actor=self.bob, outcome=Outcome.DENIED)
        note.refresh_from_db()
        self.assertEqual(note.version, 1)
