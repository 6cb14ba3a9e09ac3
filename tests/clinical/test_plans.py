from datetime import date, timedelta

from django.test import override_settings
from django.utils import timezone

from clinical import services
from clinical.models import TreatmentPlan
from practice.exceptions import NotFound, PermissionDenied
from tests.clinical.base import GOAL, OBJECTIVE, PROBLEM, ClinicalTestCase, draft_plan, sample_problems, signed_plan


class PlanServiceTest(ClinicalTestCase):
    def test_draft_then_signed_with_its_digest_and_events(self):
        draft = draft_plan(self.alice, self.rec)
        self.assertEqual((draft.version, draft.status), (1, "draft"))
        shown = services.plan_for_signing(actor=self.alice, plan_id=draft.pk)
        self.assertEqual(shown.problems[0].problem, PROBLEM)
        plan = services.plan_sign(actor=self.alice, plan_id=draft.pk, shown_sha256=shown.shown_sha256)
        plan.refresh_from_db()
        self.assertEqual((plan.status, plan.signed_by), ("signed", self.alice))
        self.assertRegex(plan.content_sha256, r"^[0-9a-f]{64}$")
        self.assertOneEvent("plan.create", actor=self.alice, object_id=str(plan.pk))
        self.assertOneEvent("plan.sign", actor=self.alice, object_id=str(plan.pk))

    def test_a_draft_changed_after_the_confirmation_page_is_not_signed(self):
        draft = draft_plan(self.alice, self.rec)
        shown = services.plan_for_signing(actor=self.alice, plan_id=draft.pk).shown_sha256
        services.plan_update(
            actor=self.alice,
            plan_id=draft.pk,
            edits=draft.edits,
            problems=sample_problems("Panic attacks at work"),
            review_date=draft.review_date,
        )
        with self.assertRaises(services.Conflict):
            services.plan_sign(actor=self.alice, plan_id=draft.pk, shown_sha256=shown)
        draft.refresh_from_db()
        self.assertEqual(draft.status, "draft")
        self.assertOneEvent("plan.sign", outcome="denied")

    def test_a_signed_plan_never_changes_a_change_is_a_new_version(self):
        first = signed_plan(self.alice, self.rec)
        with self.assertRaises(PermissionDenied):
            services.plan_update(
                actor=self.alice,
                plan_id=first.pk,
                edits=1,
                problems=sample_problems("x"),
                review_date=first.review_date,
            )
        second = draft_plan(self.alice, self.rec, problem="Sleep problems")
        self.assertEqual((second.version, second.previous_id), (2, first.pk))
        with self.assertRaises(services.Conflict):  # one draft at a time
            draft_plan(self.alice, self.rec)
        first.refresh_from_db()
        self.assertEqual((first.status, first.version), ("signed", 1))
        self.assertIn(PROBLEM, first.content)

    def test_only_the_author_changes_or_signs_a_draft(self):
        carol = self.make_cotherapist()
        draft = draft_plan(self.alice, self.rec)
        with self.assertRaises(PermissionDenied):
            services.plan_update(
                actor=carol, plan_id=draft.pk, edits=1, problems=sample_problems(), review_date=draft.review_date
            )
        for person in (self.bob, self.sam, self.avery, self.root, self.claire):
            with self.subTest(person=person.username), self.assertRaises((NotFound, PermissionDenied)):
                services.plan_sign(actor=person, plan_id=draft.pk, shown_sha256="0" * 64)
        draft.refresh_from_db()
        self.assertEqual(draft.status, "draft")

    def test_reading_is_for_the_chart_readers_only(self):
        plan = signed_plan(self.alice, self.rec)
        self.assertEqual(services.plan_view(actor=self.sam, plan_id=plan.pk).pk, plan.pk)
        self.assertOneEvent("plan.view", actor=self.sam, object_id=str(plan.pk))
        for person in (self.bob, self.avery, self.root, self.claire):
            with self.subTest(person=person.username), self.assertRaises(NotFound):
                services.plan_view(actor=person, plan_id=plan.pk)
        self.assertEqual(len(self.events("plan.view", outcome="denied")), 4)

    def test_client_acknowledges_their_own_current_plan_once(self):
        plan = signed_plan(self.alice, self.rec)
        services.my_plan_acknowledge(actor=self.claire, plan_id=plan.pk)
        plan.refresh_from_db()
        self.assertEqual(plan.acknowledged_by, self.claire)
        self.assertOneEvent("plan.acknowledge", actor=self.claire, client=self.rec)
        other = signed_plan(self.bob, self.other)
        with self.assertRaises(NotFound):
            services.my_plan_acknowledge(actor=self.claire, plan_id=other.pk)
        with self.assertRaises(PermissionDenied):
            services.my_plan_acknowledge(actor=self.alice, plan_id=plan.pk)
        other.refresh_from_db()
        self.assertIsNone(other.acknowledged_at)

    def test_a_draft_cannot_be_acknowledged(self):
        draft = draft_plan(self.alice, self.rec)
        with self.assertRaises(NotFound):
            services.my_plan_acknowledge(actor=self.claire, plan_id=draft.pk)

    def test_reviews_due_are_the_current_signed_plans_due_within_a_week(self):
        from clinical.selectors import reviews_due

        today = timezone.localdate()
        due = signed_plan(self.alice, self.rec, review_date=today + timedelta(days=3))
        signed_plan(self.bob, self.other, review_date=today + timedelta(days=30))
        self.assertEqual(list(reviews_due(self.alice)), [due])
        self.assertEqual(list(reviews_due(self.bob)), [])
        self.assertEqual(list(reviews_due(self.sam)), [])  # supervisors read; the care team reviews
        signed_plan(self.alice, self.rec, review_date=today + timedelta(days=90))
        self.assertEqual(list(reviews_due(self.alice)), [])  # a later version replaced it

    def make_cotherapist(self):
        from practice.roles import Role
        from records import services as records_services
        from tests.base import make_user

        carol = make_user("carol", Role.COUNSELOR)
        records_services.assign(actor=self.avery, client=self.rec, counselor=carol, kind="co_therapist")
        return carol


class PlanPagesTest(ClinicalTestCase):
    def form(self, **overrides):
        data = {
            "review_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "p1_problem": PROBLEM,
            "p1_goal": GOAL,
            "p1_o1": OBJECTIVE,
            "p1_o1_date": "2027-03-01",
            "p1_interventions": "CBT",
        }
        data.update(overrides)
        return data

    def test_write_confirm_and_sign_in_the_browser_flow(self):
        self.sign_in(self.alice)
        response = self.client.post(f"/clients/{self.rec.record_number}/plans/new/", self.form())
        plan = TreatmentPlan.objects.get()
        self.assertRedirects(response, f"/plans/{plan.pk}/")
        confirm = self.client.get(f"/plans/{plan.pk}/sign/")
        self.assertContains(confirm, "Signing locks exactly what is shown below")
        self.assertContains(confirm, PROBLEM)
        self.assertContains(confirm, OBJECTIVE)
        digest = confirm.context["plan"].shown_sha256
        response = self.client.post(f"/plans/{plan.pk}/sign/", {"shown_sha256": digest})
        self.assertRedirects(response, f"/plans/{plan.pk}/")
        plan.refresh_from_db()
        self.assertTrue(plan.is_signed)
        self.assertContains(self.client.get(f"/clients/{self.rec.record_number}/"), "Version 1, signed")

    def test_an_objective_without_target_date_gives_the_form_back(self):
        self.sign_in(self.alice)
        response = self.client.post(f"/clients/{self.rec.record_number}/plans/new/", self.form(p1_o1_date=""))
        self.assertContains(response, "Give the objective a target date.", status_code=400)
        self.assertContains(response, OBJECTIVE, status_code=400)
        self.assertFalse(TreatmentPlan.objects.exists())

    def test_a_review_date_in_the_past_is_refused(self):
        self.sign_in(self.alice)
        response = self.client.post(
            f"/clients/{self.rec.record_number}/plans/new/", self.form(review_date=str(date(2020, 1, 1)))
        )
        self.assertContains(response, "cannot be in the past", status_code=400)

    def test_unassigned_counselor_and_admin_get_404(self):
        plan = signed_plan(self.alice, self.rec)
        for person in (self.bob, self.avery):
            self.sign_in(person)
            self.assertEqual(self.client.get(f"/plans/{plan.pk}/").status_code, 404)
            self.assertEqual(self.client.get(f"/clients/{self.rec.record_number}/plans/").status_code, 404)

    def test_the_caseload_and_home_show_a_review_due(self):
        signed_plan(self.alice, self.rec, review_date=timezone.localdate() + timedelta(days=2))
        self.sign_in(self.alice)
        self.assertContains(self.client.get("/caseload/"), "Treatment plan reviews due")
        home = self.client.get("/")
        self.assertContains(home, "Treatment plan reviews due")
        self.assertContains(home, f'href="/clients/{self.rec.record_number}/plans/"')
        self.assertOneEvent("home.view", actor=self.alice)
        self.sign_in(self.bob)
        self.assertNotContains(self.client.get("/"), f"/clients/{self.rec.record_number}/plans/")

    @override_settings(DEBUG=False)
    def test_the_portal_shows_the_plan_and_takes_the_acknowledgement(self):
        plan = signed_plan(self.alice, self.rec)
        self.sign_in(self.claire)
        page = self.client.get("/my/record/")
        self.assertContains(page, PROBLEM)
        self.assertContains(page, "I have read my treatment plan")
        self.assertContains(self.client.get(f"/my/plans/{plan.pk}/acknowledge/"), GOAL)
        self.assertRedirects(self.client.post(f"/my/plans/{plan.pk}/acknowledge/"), "/my/record/")
        plan.refresh_from_db()
        self.assertIsNotNone(plan.acknowledged_at)
        self.assertContains(self.client.get("/my/record/"), "You acknowledged this plan")
