from datetime import date

from django.db import connection

from audit.models import AuditEvent
from clinical import icd10, services
from clinical.models import Diagnosis
from practice.exceptions import NotFound, PermissionDenied
from tests.clinical.base import ClinicalTestCase
from tests.retention.base import RetentionTestCase


class IcdTest(ClinicalTestCase):
    def test_finds_by_code_prefix_and_by_words_billable_only(self):
        codes = [c for c, _ in icd10.search("F41")]
        self.assertIn("F41.1", codes)
        self.assertNotIn("F41", codes)  # a category: not billable
        self.assertEqual(icd10.search("generalized anxiety disorder")[0], ("F41.1", "Generalized anxiety disorder"))
        self.assertIn(
            ("F32.1", "Major depressive disorder, single episode, moderate"), icd10.search("major depressive moderate")
        )
        self.assertEqual(icd10.search(""), [])
        self.assertEqual(icd10.search("\x00"), [])

    def test_billable(self):
        self.assertEqual(icd10.billable("f411"), "Generalized anxiety disorder")
        self.assertIsNone(icd10.billable("F41"))
        self.assertIsNone(icd10.billable("ZZZ.9"))


class DiagnosisServiceTest(ClinicalTestCase):
    def test_counselor_adds_with_official_description_and_event(self):
        d = self.diagnose("f32.1", kind="primary", onset_date=date(2026, 9, 1))
        d.refresh_from_db()
        self.assertEqual((d.code, d.description), ("F32.1", "Major depressive disorder, single episode, moderate"))
        self.assertEqual(d.added_by, self.alice)
        self.assertOneEvent("diagnosis.create", actor=self.alice, client=self.rec, object_id=str(d.pk))

    def test_code_and_description_are_encrypted_in_the_table(self):
        d = self.diagnose("F41.1")
        with connection.cursor() as cursor:
            cursor.execute("SELECT code, description FROM clinical_diagnosis WHERE id = %s", [d.pk])
            code, description = cursor.fetchone()
        self.assertNotIn("F41", code)
        self.assertNotIn("anxiety", description.lower())

    def test_refused_to_everyone_outside_the_care_team(self):
        for person in (self.bob, self.sam, self.avery, self.root, self.claire):
            with self.subTest(person=person.username), self.assertRaises((NotFound, PermissionDenied)):
                services.diagnosis_add(actor=person, record_number=self.rec.record_number, code="F41.1", kind="primary")
        self.assertFalse(Diagnosis.objects.exists())
        self.assertEqual(len(self.events("diagnosis.create", outcome="denied")), 5)

    def test_not_a_billable_code_writes_nothing(self):
        with self.assertRaises(ValueError):
            self.diagnose("F41")
        self.assertFalse(Diagnosis.objects.exists())

    def test_a_revision_is_a_new_row_and_the_old_one_is_kept(self):
        first = self.diagnose("F41.1", kind="provisional")
        revised = services.diagnosis_revise(
            actor=self.alice, diagnosis_id=first.pk, kind="primary", onset_date=None, resolved_date=date(2026, 11, 1)
        )
        self.assertEqual(revised.previous_id, first.pk)
        first.refresh_from_db()
        self.assertEqual(first.kind, "provisional")
        self.assertIsNone(first.resolved_date)
        history = services.diagnoses_view(actor=self.sam, record_number=self.rec.record_number)
        self.assertEqual([d.pk for d in history["history"]], [first.pk, revised.pk])
        self.assertEqual([d.pk for d in history["current"]], [revised.pk])
        self.assertFalse(history["can_write"])  # the supervisor reads, does not write
        self.assertOneEvent("diagnosis.revise", actor=self.alice, object_id=str(revised.pk))
        self.assertOneEvent("diagnosis.list", actor=self.sam, client=self.rec)

    def test_a_replaced_row_is_not_revised_again(self):
        first = self.diagnose()
        services.diagnosis_revise(
            actor=self.alice, diagnosis_id=first.pk, kind="secondary", onset_date=None, resolved_date=None
        )
        with self.assertRaises(services.Conflict):
            services.diagnosis_revise(
                actor=self.alice, diagnosis_id=first.pk, kind="primary", onset_date=None, resolved_date=None
            )
        self.assertEqual(Diagnosis.objects.count(), 2)
        self.assertOneEvent("diagnosis.revise", outcome="denied")

    def test_entered_in_error_leaves_the_current_list(self):
        first = self.diagnose()
        services.diagnosis_revise(
            actor=self.alice,
            diagnosis_id=first.pk,
            kind="primary",
            onset_date=None,
            resolved_date=None,
            entered_in_error=True,
        )
        view = services.diagnoses_view(actor=self.alice, record_number=self.rec.record_number)
        self.assertEqual(view["current"], [])
        self.assertEqual(len(view["history"]), 2)

    def test_others_cannot_read_or_revise(self):
        first = self.diagnose()
        for person in (self.bob, self.avery, self.root, self.claire):
            with self.subTest(person=person.username):
                with self.assertRaises(NotFound):
                    services.diagnoses_view(actor=person, record_number=self.rec.record_number)
                with self.assertRaises(NotFound):
                    services.diagnosis_revise(
                        actor=person, diagnosis_id=first.pk, kind="primary", onset_date=None, resolved_date=None
                    )
        with self.assertRaises(NotFound):
            services.diagnosis_revise(
                actor=self.sam, diagnosis_id=first.pk, kind="primary", onset_date=None, resolved_date=None
            )
        self.assertEqual(Diagnosis.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="diagnosis.list", outcome="denied").count(), 4)


class DiagnosisPagesTest(ClinicalTestCase):
    def test_find_by_words_then_add(self):
        self.sign_in(self.alice)
        url = f"/clients/{self.rec.record_number}/diagnoses/new/"
        response = self.client.post(url, {"q": "generalized anxiety", "find": "1"})
        self.assertContains(response, "F41.1")
        self.assertContains(response, "Generalized anxiety disorder")
        response = self.client.post(url, {"q": "generalized anxiety", "code": "F41.1", "kind": "primary"})
        self.assertRedirects(response, f"/clients/{self.rec.record_number}/diagnoses/")
        self.assertEqual(Diagnosis.objects.get().code, "F41.1")
        page = self.client.get(f"/clients/{self.rec.record_number}/")
        self.assertContains(page, "Generalized anxiety disorder")

    def test_a_bad_code_gives_the_form_back_with_a_message(self):
        self.sign_in(self.alice)
        response = self.client.post(
            f"/clients/{self.rec.record_number}/diagnoses/new/", {"q": "F41", "code": "F41", "kind": "primary"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Not a billable ICD-10-CM code", status_code=400)
        self.assertContains(response, 'value="F41"', status_code=400)
        self.assertFalse(Diagnosis.objects.exists())

    def test_revise_page_and_resolved_before_onset_refused(self):
        d = self.diagnose(onset_date=date(2026, 5, 1))
        self.sign_in(self.alice)
        response = self.client.post(
            f"/diagnoses/{d.pk}/", {"kind": "primary", "onset_date": "2026-05-01", "resolved_date": "2026-04-01"}
        )
        self.assertContains(response, "cannot be before the onset", status_code=400)
        response = self.client.post(
            f"/diagnoses/{d.pk}/", {"kind": "primary", "onset_date": "2026-05-01", "resolved_date": "2026-10-01"}
        )
        self.assertRedirects(response, f"/clients/{self.rec.record_number}/diagnoses/")
        self.assertEqual(Diagnosis.objects.count(), 2)

    def test_unassigned_counselor_gets_404(self):
        d = self.diagnose()
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(f"/clients/{self.rec.record_number}/diagnoses/").status_code, 404)
        self.assertEqual(self.client.get(f"/diagnoses/{d.pk}/").status_code, 404)

    def test_practice_admin_reads_no_diagnosis(self):
        d = self.diagnose()
        self.sign_in(self.avery)
        self.assertEqual(self.client.get(f"/clients/{self.rec.record_number}/diagnoses/").status_code, 404)
        self.assertEqual(self.client.get(f"/diagnoses/{d.pk}/").status_code, 404)


class DiagnosisDisposalTest(RetentionTestCase):
    def test_an_approved_disposal_removes_the_diagnoses_and_their_history(self):
        from retention import services as retention_services

        first = services.diagnosis_add(
            actor=self.alice, record_number=self.old.record_number, code="F41.1", kind="primary"
        )
        services.diagnosis_revise(
            actor=self.alice, diagnosis_id=first.pk, kind="secondary", onset_date=None, resolved_date=None
        )
        kept = services.diagnosis_add(
            actor=self.alice, record_number=self.rec.record_number, code="F32.1", kind="primary"
        )
        disposal = retention_services.disposal_propose(actor=self.avery, record_number=self.old.record_number)
        retention_services.disposal_approve(actor=self.blair, disposal_id=disposal.pk)
        self.assertFalse(Diagnosis.objects.filter(client=self.old).exists())
        self.assertEqual(list(Diagnosis.objects.all()), [kept])
        event = self.assertOneEvent("retention.dispose", actor=self.blair)
        self.assertIn("diagnoses", event.reason)
