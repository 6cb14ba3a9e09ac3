"""Item 5: disclosure packages and the client's copy of the record include diagnoses,
treatment plans, assessments (questionnaires, intake assessments) and discharge
summaries when those categories are chosen."""

import base64
import io
from datetime import date

from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from clinical import services
from tests.clinical.base import GOAL, INTERVENTION, OBJECTIVE, PROBLEM, ClinicalTestCase, completed, signed_plan


def pdf_text(content: bytes) -> str:
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


class PackageTest(ClinicalTestCase):
    def package(self, categories):
        self.signed(categories=sorted(categories))
        disclosure = self.share(categories=frozenset(categories))
        return pdf_text(base64.b64decode(disclosure.package))

    def test_a_package_with_a_diagnosis_and_a_treatment_plan_prints_them(self):
        self.diagnose("F32.1", kind="primary", onset_date=date(2026, 6, 1))
        signed_plan(self.alice, self.rec)
        text = self.package({"diagnosis", "treatment_plan"})
        self.assertIn("F32.1 Major depressive disorder, single episode, moderate — Primary", text)
        self.assertIn("onset June 01, 2026", text)
        for expected in (PROBLEM, GOAL, OBJECTIVE, INTERVENTION, "Treatment plan, version 1"):
            self.assertIn(expected, text)
        self.assertNotIn("No records of this kind for this period.", text)

    def test_assessments_are_the_questionnaires_of_the_period_and_categories_not_chosen_stay_out(self):
        self.diagnose("F41.1")
        completed(self.alice, self.rec, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0])
        text = self.package({"assessments"})
        self.assertIn("PHQ-9", text)
        self.assertIn("8 of 27, mild", text)
        self.assertNotIn("F41.1", text)
        self.assertNotIn("Generalized anxiety", text)

    def test_nothing_outside_the_period(self):
        self.diagnose("F41.1", onset_date=date(2026, 1, 5))
        later = services.diagnoses_view(actor=self.alice, record_number=self.rec.record_number)["current"][0]
        services.diagnosis_revise(
            actor=self.alice, diagnosis_id=later.pk, kind="primary", onset_date=date(2026, 1, 5),
            resolved_date=date(2026, 2, 1),
        )  # fmt: skip
        # The package covers March to November: the diagnosis was resolved in February.
        text = self.package({"diagnosis"})
        self.assertNotIn("F41.1", text)
        self.assertIn("No records of this kind for this period.", text)
        # A drafted plan is not part of the record.
        from tests.clinical.base import draft_plan

        draft_plan(self.alice, self.rec)
        self.assertIn("No records of this kind for this period.", self.package({"treatment_plan"}))


class RecordCopyTest(ClinicalTestCase):
    def setUp(self):
        self.first = self.diagnose("F41.1", kind="provisional")
        self.revised = services.diagnosis_revise(
            actor=self.alice, diagnosis_id=self.first.pk, kind="primary", onset_date=None, resolved_date=None
        )
        self.plan = signed_plan(self.alice, self.rec)
        self.measure = completed(self.alice, self.rec, "gad7", [2, 2, 2, 1, 1, 1, 1])
        # Another client's clinical record never reaches claire's copy.
        services.diagnosis_add(actor=self.bob, record_number=self.other.record_number, code="F43.10", kind="primary")
        self.sign_in(self.claire)

    def test_the_pdf_holds_diagnoses_with_their_history_the_plan_and_the_scores(self):
        text = pdf_text(self.client.post(reverse("portal_copy_pdf")).content)
        self.assertIn("F41.1 Generalized anxiety disorder — Provisional", text)
        self.assertIn("replaced by a later entry", text)
        self.assertIn("F41.1 Generalized anxiety disorder — Primary", text)
        self.assertIn(PROBLEM, text)
        self.assertIn("GAD-7", text)
        self.assertIn("10 of 21, moderate", text)
        self.assertNotIn("F43.10", text)

    def test_the_fhir_bundle_has_conditions_a_care_plan_and_observations(self):
        bundle = Bundle.model_validate_json(self.client.post(reverse("portal_copy_fhir")).content)
        by_type = {}
        for entry in bundle.entry:
            by_type.setdefault(entry.resource.get_resource_type(), []).append(entry.resource)
        conditions = {c.id: c for c in by_type["Condition"]}
        self.assertEqual(set(conditions), {f"diagnosis-{self.first.pk}", f"diagnosis-{self.revised.pk}"})
        current = conditions[f"diagnosis-{self.revised.pk}"]
        self.assertEqual(current.code.coding[0].system, "http://hl7.org/fhir/sid/icd-10-cm")
        self.assertEqual(current.code.coding[0].code, "F41.1")
        self.assertEqual(current.verificationStatus.coding[0].code, "confirmed")
        self.assertEqual(conditions[f"diagnosis-{self.first.pk}"].verificationStatus.coding[0].code, "provisional")
        (plan,) = by_type["CarePlan"]
        self.assertEqual((plan.id, plan.status, plan.intent), (f"plan-{self.plan.pk}", "active", "plan"))
        (goal,) = by_type["Goal"]
        self.assertEqual(goal.description.text, GOAL)
        self.assertEqual(goal.target[0].measure.text, OBJECTIVE)
        self.assertEqual(str(goal.target[0].dueDate), "2027-02-01")
        (observation,) = by_type["Observation"]
        self.assertEqual(observation.code.coding[0].code, "70274-6")
        self.assertEqual(observation.valueInteger, 10)
        self.assertEqual(observation.interpretation[0].text, "Moderate")
        self.assertEqual(len(observation.component), 7)


class NotesInPackagesTest(ClinicalTestCase):
    """Assessments include signed intake assessments (note template `intk`); the
    discharge summary is the signed discharge notes (`disc`)."""

    def structured_note(self, template, sections, *, sign=True):
        from records import services as records_services

        note = records_services.note_create(
            actor=self.alice,
            record_number=self.rec.record_number,
            date_of_service=date(2026, 10, 1),
            duration_minutes=60,
            service_type="intake" if template == "intk" else "individual",
            template=template,
            sections=sections,
        )
        return records_services.note_sign(actor=self.alice, note_id=note.pk) if sign else note

    def package(self, categories):
        self.signed(categories=sorted(categories))
        return pdf_text(base64.b64decode(self.share(categories=frozenset(categories)).package))

    def test_signed_intake_and_discharge_notes_are_filed_under_their_categories(self):
        self.structured_note("intk", {"presenting_problem": "Panic attacks on the commute since May."})
        self.structured_note("intk", {"presenting_problem": "An unsigned draft intake."}, sign=False)
        self.structured_note("disc", {"reason": "Goals met; client moving to another city."})
        text = self.package({"assessments", "discharge_summary"})
        self.assertIn("Intake assessment, October 01, 2026", text)
        self.assertIn("Presenting problem: Panic attacks on the commute since May.", text)
        self.assertNotIn("An unsigned draft intake.", text)
        self.assertIn("Discharge summary, October 01, 2026", text)
        self.assertIn("Reason for discharge: Goals met; client moving to another city.", text)

    def test_a_pre_licensed_counselors_intake_waits_for_co_signature(self):
        from records import services as records_services

        records_services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        note = self.structured_note("intk", {"presenting_problem": "Awaiting the supervisor."})
        self.assertIn("No records of this kind for this period.", self.package({"assessments"}))
        records_services.note_cosign(actor=self.sam, note_id=note.pk)
        self.assertIn("Awaiting the supervisor.", self.package({"assessments"}))
