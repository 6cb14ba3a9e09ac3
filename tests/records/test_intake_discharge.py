"""Intake assessments and discharge summaries (structured note templates), and the
confirmation before a discharge or readmission, which then offers the summary."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from audit.models import Outcome
from records import services
from records.models import Client, SessionNote
from tests.records.base import RecordsTestCase

INTAKE = {
    "presenting_problem": "Panic attacks on the train since March.",
    "history": "No prior treatment. Father with depression.",
    "mental_status": "Alert, oriented, anxious affect, linear thought.",
    "risk_assessment": "Denies suicidal and homicidal ideation; no plan, no means.",
    "diagnostic_impressions": "Panic disorder, provisional.",
    "initial_plan": "Weekly CBT for twelve weeks.",
}
DISCHARGE = {
    "reason": "Goals met.",
    "progress": "No panic attack in eight weeks.",
    "recommendations": "Keep the breathing practice.",
    "referrals": "None needed.",
}


class StructuredTemplatesTest(RecordsTestCase):
    def test_intake_form_has_its_six_sections_and_defaults_to_an_intake_service(self):
        self.sign_in(self.alice)
        page = self.client.get(reverse("note_create", args=[self.rec.record_number]) + "?template=intk")
        self.assertEqual(page.status_code, 200)
        labels = [
            "Presenting problem",
            "History",
            "Mental status",
            "Risk assessment",
            "Diagnostic impressions",
            "Initial plan",
        ]
        positions = [page.content.decode().index(f">{label}</label>") for label in labels]
        self.assertEqual(positions, sorted(positions), "sections in the intake's order")
        self.assertContains(page, "New note: Intake assessment")
        self.assertContains(page, '<option value="intake" selected>')
        self.assertContains(page, "Suicidal and homicidal ideation")  # the prompt under the risk section

    def test_an_intake_is_written_signed_and_read_with_its_sections(self):
        self.sign_in(self.alice)
        form = {
            "date_of_service": "2026-11-03",
            "duration_minutes": "80",
            "service_type": "intake",
            "template": "intk",
            **{f"section_{k}": v for k, v in INTAKE.items()},
        }
        self.client.post(reverse("note_create", args=[self.rec.record_number]) + "?template=intk", form)
        note = SessionNote.objects.get(client=self.rec)
        self.assertEqual((note.template, note.service_type), ("intk", "intake"))
        self.assertEqual(note.sections, INTAKE)
        services.note_sign(actor=self.alice, note_id=note.pk)
        page = self.client.get(reverse("note_detail", args=[note.pk]))
        self.assertContains(page, "<h2>Risk assessment</h2>", html=False)
        self.assertContains(page, "Denies suicidal and homicidal ideation")
        self.assertContains(page, "Intake assessment")

    def test_a_discharge_summary_has_its_four_sections(self):
        note = self.write_note(template="disc", service_type="discharge", sections=DISCHARGE)
        self.assertEqual(
            [label for label, _ in note.labelled_sections()],
            ["Reason for discharge", "Progress toward goals", "Recommendations", "Referrals"],
        )
        self.assertEqual(dict(zip(DISCHARGE, [t for _, t in note.labelled_sections()], strict=True)), DISCHARGE)

    def test_sections_of_another_template_are_dropped(self):
        note = self.write_note(template="disc", sections={**DISCHARGE, "subjective": "not a discharge section"})
        self.assertNotIn("subjective", note.sections)

    def test_the_chart_offers_both_templates(self):
        self.sign_in(self.alice)
        page = self.client.get(reverse("chart", args=[self.rec.record_number]))
        self.assertContains(page, '<option value="intk">Intake assessment</option>', html=True)
        self.assertContains(page, '<option value="disc">Discharge summary</option>', html=True)


class DischargeConfirmationTest(RecordsTestCase):
    def url(self):
        return reverse("client_status", args=[self.rec.record_number])

    def today(self):
        return timezone.localdate()

    def test_discharge_asks_first_and_says_what_it_means(self):
        self.sign_in(self.alice)
        chart = self.client.get(reverse("chart", args=[self.rec.record_number]))
        self.assertContains(chart, f'href="{self.url()}"')
        self.assertNotContains(chart, 'name="discharged"')  # no one-click discharge on the chart
        page = self.client.get(self.url())
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "What discharge means")
        self.assertContains(page, "Nothing is deleted")
        self.assertContains(page, 'type="date" name="on"')
        self.assertContains(page, f'value="{self.today().isoformat()}"')
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.status, "active")  # asking changes nothing
        event = self.assertOneEvent("client.status_confirm", actor=self.alice, client=self.rec)
        self.assertEqual(event.reason, "discharge")

    def test_confirming_discharges_on_the_date_and_offers_the_summary(self):
        self.sign_in(self.alice)
        day = self.today() - timedelta(days=2)
        response = self.client.post(self.url(), {"discharged": "1", "on": day.isoformat()})
        self.assertRedirects(response, reverse("chart", args=[self.rec.record_number]))
        self.rec.refresh_from_db()
        self.assertEqual((self.rec.status, self.rec.discharged_on), ("discharged", day))
        event = self.assertOneEvent("client.discharge", actor=self.alice, client=self.rec)
        self.assertEqual(event.reason, f"on={day.isoformat()}")
        chart = self.client.get(reverse("chart", args=[self.rec.record_number]))
        new_summary = reverse("note_create", args=[self.rec.record_number]) + "?template=disc"
        self.assertContains(chart, f'href="{new_summary}"')
        self.assertContains(chart, "Write the discharge summary")
        form = self.client.get(new_summary)
        self.assertContains(form, "New note: Discharge summary")
        self.assertContains(form, f'value="{day.isoformat()}"')  # dated the day of discharge
        self.assertContains(form, '<option value="discharge" selected>')

    def test_the_offer_goes_once_a_summary_is_written(self):
        services.client_set_status(actor=self.alice, record_number=self.rec.record_number, discharged=True)
        self.write_note(template="disc", service_type="discharge", sections=DISCHARGE, date_of_service=self.today())
        self.sign_in(self.alice)
        chart = self.client.get(reverse("chart", args=[self.rec.record_number]))
        self.assertNotContains(chart, "Write the discharge summary")

    def test_a_supervisor_reading_the_chart_is_not_offered_the_summary(self):
        services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=False)
        services.client_set_status(actor=self.alice, record_number=self.rec.record_number, discharged=True)
        self.sign_in(self.sam)
        chart = self.client.get(reverse("chart", args=[self.rec.record_number]))
        self.assertEqual(chart.status_code, 200)
        self.assertNotContains(chart, "Write the discharge summary")
        self.assertNotContains(chart, "Readmit client")

    def test_readmission_asks_too(self):
        services.client_set_status(actor=self.alice, record_number=self.rec.record_number, discharged=True)
        self.sign_in(self.alice)
        page = self.client.get(self.url())
        self.assertContains(page, "What readmission means")
        self.assertNotContains(page, 'name="on"')
        response = self.client.post(self.url(), {"discharged": "0"})
        self.assertRedirects(response, reverse("chart", args=[self.rec.record_number]))
        self.rec.refresh_from_db()
        self.assertEqual((self.rec.status, self.rec.discharged_on), ("active", None))
        self.assertOneEvent("client.readmit", actor=self.alice, client=self.rec)

    def test_a_future_date_is_refused_with_the_reason_and_a_denied_event(self):
        self.sign_in(self.alice)
        response = self.client.post(
            self.url(), {"discharged": "1", "on": (self.today() + timedelta(days=1)).isoformat()}
        )
        self.assertContains(response, "cannot be in the future", status_code=400)
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.status, "active")
        self.assertOneEvent("client.discharge", outcome=Outcome.DENIED, actor=self.alice)

    def test_a_date_before_the_last_session_is_refused(self):
        note = self.write_note(date_of_service=self.today() - timedelta(days=3))
        services.note_sign(actor=self.alice, note_id=note.pk)
        self.sign_in(self.alice)
        early = (self.today() - timedelta(days=10)).isoformat()
        response = self.client.post(self.url(), {"discharged": "1", "on": early})
        self.assertContains(response, "cannot be before the last date of service", status_code=400)
        self.assertContains(response, f'value="{early}"', status_code=400)  # the typed date comes back
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.status, "active")

    def test_discharging_twice_changes_nothing_and_says_so(self):
        services.client_set_status(actor=self.alice, record_number=self.rec.record_number, discharged=True)
        self.rec.refresh_from_db()
        first = self.rec.discharged_on
        self.sign_in(self.alice)
        response = self.client.post(self.url(), {"discharged": "1", "on": self.today().isoformat()})
        self.assertContains(response, "already discharged", status_code=400)
        self.assertContains(response, "What readmission means", status_code=400)  # what can be done now
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.discharged_on, first)
        self.assertEqual(len(self.events("client.discharge", outcome=Outcome.DENIED)), 1)

    def test_bad_input_is_a_form_error_not_a_500(self):
        self.sign_in(self.alice)
        for data in (
            {"discharged": "1", "on": "not a date"},
            {"discharged": "1"},
            {"discharged": "maybe", "on": "2026-01-01"},
            {"discharged": "1", "on": "99999-01-01"},
            {"discharged": "1\x00", "on": "2026-01-01\x00"},
        ):
            response = self.client.post(self.url(), data)
            self.assertEqual(response.status_code, 400, data)
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.status, "active")

    def test_who_may_not_discharge(self):
        for user in (self.bob, self.sam, self.claire):
            self.sign_in(user)
            self.assertIn(self.client.get(self.url()).status_code, (403, 404), user)
            response = self.client.post(self.url(), {"discharged": "1", "on": self.today().isoformat()})
            self.assertIn(response.status_code, (403, 404), user)
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.status, "active")
        self.assertEqual(len(self.events("client.status_confirm", outcome=Outcome.DENIED)), 3)
        self.assertEqual(len(self.events("client.discharge", outcome=Outcome.DENIED)), 3)

    def test_a_practice_admin_confirms_and_returns_to_the_client_list(self):
        self.sign_in(self.avery)
        page = self.client.get(self.url())
        self.assertContains(page, "What discharge means")
        self.assertNotContains(page, f'href="{reverse("chart", args=[self.rec.record_number])}"')
        response = self.client.post(self.url(), {"discharged": "1", "on": self.today().isoformat()})
        self.assertRedirects(response, reverse("admin_clients"))
        self.assertOneEvent("client.discharge", actor=self.avery, client=self.rec)

    def test_a_disposed_record_is_neither_discharged_nor_readmitted(self):
        Client.objects.filter(pk=self.rec.pk).update(disposed_at=timezone.now(), status="discharged")
        Client.objects.filter(pk=self.rec.pk).update(discharged_on=date(2010, 1, 1))
        self.sign_in(self.avery)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertEqual(self.client.post(self.url(), {"discharged": "0"}).status_code, 404)
