from datetime import date

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


class NoteWritingTest(RecordsTestCase):
    def test_counselor_writes_a_draft_through_the_editor(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("note_create", args=[self.rec.record_number]) + "?template=soap", FORM)
        note = SessionNote.objects.get(client=self.rec)
        self.assertRedirects(response, reverse("note_edit", args=[note.pk]))
        self.assertEqual(note.sections["subjective"], "Client describes a calmer week.")
        self.assertEqual(note.status, "draft")
        self.assertOneEvent("note.create", actor=self.alice, client=self.rec)

    def test_bad_input_gets_a_clear_message_and_keeps_the_text(self):
        self.sign_in(self.alice)
        bad = {**FORM, "date_of_service": "2999-01-01", "duration_minutes": "0"}
        response = self.client.post(reverse("note_create", args=[self.rec.record_number]) + "?template=soap", bad)
        self.assertContains(response, "cannot be in the future")
        self.assertContains(response, "Client describes a calmer week.")
        self.assertFalse(SessionNote.objects.exists())

    def test_signing_locks_the_note_with_signer_time_and_hash(self):
        note = self.write_note()
        self.sign_in(self.alice)
        self.client.post(reverse("note_sign", args=[note.pk]), {"version": "1"})
        note.refresh_from_db()
        self.assertEqual((note.status, note.signed_by), ("signed", self.alice))
        self.assertIsNotNone(note.signed_at)
        self.assertEqual(note.content_sha256, note.compute_sha256())
        self.assertFalse(note.needs_cosign)
        self.assertOneEvent("note.sign", actor=self.alice, client=self.rec)

    def test_a_signed_note_cannot_be_changed_by_form_url_or_service(self):
        note = self.signed_note()
        original = (note.content, note.content_sha256)
        self.sign_in(self.alice)
        # The edit page sends the author to the read-only view.
        self.assertRedirects(
            self.client.get(reverse("note_edit", args=[note.pk])), reverse("note_detail", args=[note.pk])
        )
        response = self.client.post(reverse("note_edit", args=[note.pk]), {**FORM, "section_plan": "changed"})
        self.assertRedirects(response, reverse("note_detail", args=[note.pk]), fetch_redirect_response=False)
        self.assertEqual(self.client.post(reverse("note_sign", args=[note.pk])).status_code, 403)
        with self.assertRaises(services.NoteLocked):
            services.note_update(
                actor=self.alice,
                note_id=note.pk,
                version=note.version,
                date_of_service=date(2026, 11, 2),
                duration_minutes=10,
                service_type="crisis",
                template="soap",
                sections={"plan": "x"},
            )
        with self.assertRaises(services.NoteLocked):
            services.note_sign(actor=self.alice, note_id=note.pk)
        note.refresh_from_db()
        self.assertEqual((note.content, note.content_sha256), original)
        self.assertEqual(note.content_sha256, note.compute_sha256())
        self.assertGreaterEqual(len(self.events("note.update", outcome=Outcome.DENIED)), 1)

    def test_only_the_author_edits_a_draft(self):
        note = self.write_note()
        services.assign(actor=self.avery, client=self.rec, counselor=self.bob, kind="co_therapist")
        with self.assertRaises(services.PermissionDenied):
            services.note_update(
                actor=self.bob,
                note_id=note.pk,
                version=note.version,
                date_of_service=date(2026, 11, 2),
                duration_minutes=10,
                service_type="crisis",
                template="soap",
                sections={"plan": "x"},
            )
        self.assertOneEvent("note.update", actor=self.bob, outcome=Outcome.DENIED)

    def test_addendum_is_signed_and_shown_under_the_original(self):
        note = self.signed_note()
        self.sign_in(self.alice)
        self.client.post(reverse("addendum_create", args=[note.pk]), {"text": "Correction: session was 45 minutes."})
        page = self.client.get(reverse("note_detail", args=[note.pk]))
        self.assertContains(page, "Correction: session was 45 minutes.")
        self.assertContains(page, "Reports better sleep.")
        addendum = note.addenda.get()
        self.assertEqual(len(addendum.content_sha256), 64)
        self.assertOneEvent("addendum.create", actor=self.alice, client=self.rec)

    def test_drafts_take_no_addenda_and_empty_addenda_are_refused(self):
        note = self.write_note()
        self.sign_in(self.alice)
        self.assertEqual(self.client.post(reverse("addendum_create", args=[note.pk]), {"text": "x"}).status_code, 403)
        signed = self.signed_note()
        self.assertEqual(self.client.post(reverse("addendum_create", args=[signed.pk]), {"text": ""}).status_code, 400)
        self.assertFalse(signed.addenda.exists())

    def test_a_refused_addendum_keeps_its_text_and_says_why(self):
        signed = self.signed_note()
        self.sign_in(self.alice)
        text = "Correction <with markup> " + "x" * 20000
        response = self.client.post(reverse("addendum_create", args=[signed.pk]), {"text": text})
        self.assertContains(response, "Ensure this value has at most 20000 characters", status_code=400)
        self.assertContains(response, "Correction &lt;with markup&gt; x", status_code=400)  # kept, escaped
        self.assertContains(response, 'aria-invalid="true"', status_code=400)
        self.assertFalse(signed.addenda.exists())


class CoSignTest(RecordsTestCase):
    def setUp(self):
        services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        self.alice.refresh_from_db()

    def test_pre_licensed_notes_wait_for_the_supervisor_and_are_listed_for_both(self):
        note = self.signed_note(self.alice)
        self.assertTrue(note.awaiting_cosign)
        for user, heading in (
            (self.alice, "Awaiting co-signature by your supervisor"),
            (self.sam, "Awaiting your co-signature"),
        ):
            self.sign_in(user)
            self.assertContains(self.client.get(reverse("caseload")), heading)
        self.sign_in(self.sam)
        self.client.post(reverse("note_cosign", args=[note.pk]))
        note.refresh_from_db()
        self.assertEqual(note.cosigned_by, self.sam)
        self.assertOneEvent("note.cosign", actor=self.sam, client=self.rec)

    def test_nobody_else_cosigns(self):
        note = self.signed_note(self.alice)
        for user in (self.alice, self.bob, self.avery):
            self.sign_in(user)
            self.assertIn(self.client.post(reverse("note_cosign", args=[note.pk])).status_code, (403, 404))
        note.refresh_from_db()
        self.assertIsNone(note.cosigned_at)
        self.assertEqual(len(self.events("note.cosign", outcome=Outcome.DENIED)), 3)


class DischargeTest(RecordsTestCase):
    def test_signing_records_the_last_date_of_service(self):
        self.signed_note()
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.last_service_date, date(2026, 11, 2))
        self.write_note(date_of_service=date(2026, 11, 20))  # a draft does not count
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.last_service_date, date(2026, 11, 2))

    def test_assigned_counselor_discharges_and_readmits(self):
        self.sign_in(self.alice)
        self.client.post(
            reverse("client_status", args=[self.rec.record_number]), {"discharged": "1", "on": date.today().isoformat()}
        )
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.status, "discharged")
        self.assertIsNotNone(self.rec.discharged_on)
        self.assertOneEvent("client.discharge", actor=self.alice, client=self.rec)
        self.client.post(reverse("client_status", args=[self.rec.record_number]), {"discharged": "0"})
        self.rec.refresh_from_db()
        self.assertEqual((self.rec.status, self.rec.discharged_on), ("active", None))
        self.assertOneEvent("client.readmit", actor=self.alice)

    def test_others_cannot_discharge(self):
        for user in (self.bob, self.sam, self.claire):
            self.sign_in(user)
            response = self.client.post(
                reverse("client_status", args=[self.rec.record_number]),
                {"discharged": "1", "on": date.today().isoformat()},
            )
            self.assertIn(response.status_code, (403, 404), user)
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.status, "active")
        self.assertEqual(len(self.events("client.discharge", outcome=Outcome.DENIED)), 3)

    def test_a_practice_admin_may_discharge_without_reading_the_chart(self):
        services.client_set_status(actor=self.avery, record_number=self.rec.record_number, discharged=True)
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.status, "discharged")
        self.assertOneEvent("client.discharge", actor=self.avery)
