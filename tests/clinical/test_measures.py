import json
import re
from datetime import date

from django.core import mail
from django.db import connection

from clinical import services
from clinical.chart import score_chart
from clinical.instruments import GAD7, PHQ9
from clinical.models import Measure, MeasureAlert
from practice.exceptions import NotFound, PermissionDenied
from tests.clinical.base import ClinicalTestCase, completed
from tests.consent.base import BASE_URL

NO_RISK = [2, 2, 1, 1, 1, 1, 1, 1, 0]  # 10: moderate
RISK = [0, 1, 0, 0, 0, 0, 0, 0, 1]  # 2: minimal, but item 9 above 0


class ScoringTest(ClinicalTestCase):
    def test_bands_at_their_edges(self):
        expected = {
            0: "Minimal", 4: "Minimal", 5: "Mild", 9: "Mild", 10: "Moderate", 14: "Moderate",
            15: "Moderately severe", 19: "Moderately severe", 20: "Severe", 27: "Severe",
        }  # fmt: skip
        for score, label in expected.items():
            self.assertEqual(PHQ9.band(score).label, label, score)
        for score, label in {
            4: "Minimal",
            5: "Mild",
            10: "Moderate",
            14: "Moderate",
            15: "Severe",
            21: "Severe",
        }.items():
            self.assertEqual(GAD7.band(score).label, label, score)
        self.assertEqual(PHQ9.score([3] * 9), 27)
        self.assertEqual(GAD7.max_score, 21)
        with self.assertRaises(ValueError):
            PHQ9.score([4] + [0] * 8)
        with self.assertRaises(ValueError):
            GAD7.score([0] * 9)


class MeasureServiceTest(ClinicalTestCase):
    def test_assign_then_client_completes_in_the_portal_scored_and_encrypted(self):
        measure = services.measure_assign(actor=self.alice, record_number=self.rec.record_number, instrument="phq9")
        self.assertOneEvent("measure.assign", actor=self.alice, object_id=str(measure.pk))
        services.my_measure_complete(
            actor=self.claire, measure_id=measure.pk, instrument="phq9", answers=NO_RISK, base_url=BASE_URL
        )
        measure.refresh_from_db()
        self.assertEqual((measure.status, measure.score, measure.completed_via), ("completed", "10", "portal"))
        self.assertEqual(json.loads(measure.answers), NO_RISK)
        self.assertOneEvent("measure.complete", actor=self.claire, client=self.rec)
        with connection.cursor() as cursor:
            cursor.execute("SELECT answers, score FROM clinical_measure WHERE id = %s", [measure.pk])
            answers, score = cursor.fetchone()
        self.assertNotIn("[", answers)
        self.assertNotEqual(score, "10")
        self.assertFalse(MeasureAlert.objects.exists())
        self.assertEqual(mail.outbox, [])
        with self.assertRaises(NotFound):  # once only
            services.my_measure_complete(
                actor=self.claire, measure_id=measure.pk, instrument="phq9", answers=NO_RISK, base_url=BASE_URL
            )

    def test_item_nine_above_zero_alerts_the_counselor_at_once_without_clinical_text_in_the_email(self):
        measure = services.measure_assign(actor=self.alice, record_number=self.rec.record_number, instrument="phq9")
        with self.captureOnCommitCallbacks(execute=True):
            services.my_measure_complete(
                actor=self.claire, measure_id=measure.pk, instrument="phq9", answers=RISK, base_url=BASE_URL
            )
        alert = MeasureAlert.objects.get()
        self.assertEqual((alert.measure, alert.counselor, alert.reviewed_at), (measure, self.alice, None))
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, [self.alice.email])
        self.assertIn("a questionnaire needs your attention", message.subject)
        self.assertIn(f"{BASE_URL}/questionnaires/{measure.pk}/", message.body)
        text = (message.subject + message.body).lower()
        for clinical in (
            "phq",
            "gad",
            "score",
            "item",
            "9 ",
            "hurting",
            "dead",
            "morgan",
            "ellery",
            self.rec.record_number.lower(),
            "suicid",
        ):
            self.assertNotIn(clinical, text)
        # On the home page, at once.
        self.sign_in(self.alice)
        home = self.client.get("/")
        self.assertContains(home, "Questionnaires needing your attention")
        self.assertContains(home, f"/questionnaires/{measure.pk}/")
        self.sign_in(self.bob)
        self.assertNotContains(self.client.get("/"), f"/questionnaires/{measure.pk}/")

    def test_the_counselor_reviews_the_alert(self):
        measure = completed(self.alice, self.rec, "phq9", RISK)
        with self.assertRaises(NotFound):
            services.measure_alert_review(actor=self.sam, measure_id=measure.pk)
        services.measure_alert_review(actor=self.alice, measure_id=measure.pk)
        self.assertIsNotNone(MeasureAlert.objects.get().reviewed_at)
        self.assertOneEvent("measure.alert_review", actor=self.alice)
        self.sign_in(self.alice)
        self.assertNotContains(self.client.get("/"), f"/questionnaires/{measure.pk}/")

    def test_gad7_never_alerts(self):
        completed(self.alice, self.rec, "gad7", [3, 3, 3, 3, 3, 3, 3])
        self.assertFalse(MeasureAlert.objects.exists())

    def test_who_may_not(self):
        for person in (self.bob, self.sam, self.avery, self.root, self.claire):
            with self.subTest(person=person.username), self.assertRaises((NotFound, PermissionDenied)):
                services.measure_assign(actor=person, record_number=self.rec.record_number, instrument="gad7")
            with self.subTest(person=person.username), self.assertRaises((NotFound, PermissionDenied)):
                completed(person, self.rec, "gad7", [0] * 7)
        self.assertFalse(Measure.objects.exists())
        mine = completed(self.alice, self.rec, "phq9", NO_RISK)
        for person in (self.bob, self.avery, self.root, self.claire):
            with self.subTest(person=person.username), self.assertRaises(NotFound):
                services.measure_view(actor=person, measure_id=mine.pk)
        self.assertEqual(len(self.events("measure.view", outcome="denied")), 4)

    def test_another_clients_questionnaire_is_not_theirs_to_fill(self):
        theirs = services.measure_assign(actor=self.bob, record_number=self.other.record_number, instrument="phq9")
        with self.assertRaises(NotFound):
            services.my_measure(actor=self.claire, measure_id=theirs.pk)
        with self.assertRaises(NotFound):
            services.my_measure_complete(
                actor=self.claire, measure_id=theirs.pk, instrument="phq9", answers=NO_RISK, base_url=BASE_URL
            )
        theirs.refresh_from_db()
        self.assertEqual(theirs.status, "assigned")


class ChartTest(ClinicalTestCase):
    def test_geometry_follows_the_scores_and_marks_the_bands(self):
        chart = score_chart(PHQ9, [(date(2026, 9, 1), 18), (date(2026, 10, 1), 12), (date(2026, 11, 1), 6)])
        self.assertEqual([b.label for b in chart.bands], ["Minimal", "Mild", "Moderate", "Moderately severe", "Severe"])
        xs = [p.x for p in chart.points]
        ys = [p.y for p in chart.points]
        self.assertEqual(xs, sorted(xs))
        self.assertEqual(xs[0], chart.plot_left)
        self.assertEqual(xs[-1], chart.plot_right)
        self.assertLess(ys[0], ys[1])  # a higher score is drawn higher (smaller y)
        self.assertLess(ys[1], ys[2])
        # 27 at the top of the plot, 0 at its bottom.
        self.assertEqual(score_chart(PHQ9, [(date(2026, 1, 1), 27)]).points[0].y, chart.plot_top)
        self.assertEqual(score_chart(PHQ9, [(date(2026, 1, 1), 0)]).points[0].y, chart.plot_bottom)

    def test_the_page_draws_it_as_inline_svg_without_script_or_style(self):
        for answers in ([2] * 9, [1] * 9, [0] * 9):
            completed(self.alice, self.rec, "phq9", answers)
        self.sign_in(self.alice)
        page = self.client.get(f"/clients/{self.rec.record_number}/questionnaires/").content.decode()
        svg = page[page.index("<svg") : page.index("</svg>")]
        self.assertEqual(svg.count("<circle"), 3)
        self.assertIn("<polyline", svg)
        self.assertIn("Moderately severe", svg)
        self.assertNotIn("<script", svg)
        self.assertNotIn("style=", svg)
        self.assertNotRegex(svg, re.compile(r"\son\w+="))
        self.assertIn("18 (Moderately severe)", svg)


class MeasurePagesTest(ClinicalTestCase):
    def test_counselor_enters_in_session_and_a_missing_answer_keeps_the_others(self):
        self.sign_in(self.alice)
        url = f"/clients/{self.rec.record_number}/questionnaires/enter/"
        data = {"instrument": "gad7", **{f"item_{n}": "2" for n in range(1, 7)}}
        response = self.client.post(url, data)
        self.assertContains(response, "Choose an answer for this question.", status_code=400)
        self.assertContains(response, 'value="2" id="id_item_1_2" required checked', status_code=400)
        data["item_7"] = "3"
        response = self.client.post(url, data)
        measure = Measure.objects.get()
        self.assertRedirects(response, f"/questionnaires/{measure.pk}/")
        detail = self.client.get(f"/questionnaires/{measure.pk}/")
        self.assertContains(detail, "15")
        self.assertContains(detail, "Severe")

    def test_client_fills_in_the_portal(self):
        measure = services.measure_assign(actor=self.alice, record_number=self.rec.record_number, instrument="gad7")
        self.sign_in(self.claire)
        self.assertContains(self.client.get("/my/"), f"/my/questionnaires/{measure.pk}/")
        self.assertContains(self.client.get("/"), f"/my/questionnaires/{measure.pk}/")
        page = self.client.get(f"/my/questionnaires/{measure.pk}/")
        self.assertContains(page, GAD7.items[0])
        data = {"instrument": "gad7", **{f"item_{n}": "1" for n in range(1, 8)}}
        self.assertRedirects(self.client.post(f"/my/questionnaires/{measure.pk}/", data), "/my/")
        measure.refresh_from_db()
        self.assertEqual(measure.score, "7")
        self.assertEqual(self.client.get(f"/my/questionnaires/{measure.pk}/").status_code, 404)

    def test_a_posted_instrument_that_is_not_the_questionnaires_is_refused(self):
        measure = services.measure_assign(actor=self.alice, record_number=self.rec.record_number, instrument="phq9")
        self.sign_in(self.claire)
        data = {"instrument": "gad7", **{f"item_{n}": "0" for n in range(1, 8)}}
        self.assertEqual(self.client.post(f"/my/questionnaires/{measure.pk}/", data).status_code, 404)
        measure.refresh_from_db()
        self.assertEqual(measure.status, "assigned")

    def test_practice_admin_sees_no_scores(self):
        measure = completed(self.alice, self.rec, "phq9", NO_RISK)
        self.sign_in(self.avery)
        self.assertEqual(self.client.get(f"/questionnaires/{measure.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/clients/{self.rec.record_number}/questionnaires/").status_code, 404)
