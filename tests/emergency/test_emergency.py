"""Emergency (break-glass) access: bob (a counselor not on the care team) opens a
read-only, time-limited access to alice's client `rec`."""

from datetime import date, timedelta

import time_machine
from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, FlagKind, FlagReview, Outcome
from audit.selectors import flags
from emergency import services
from emergency.models import EmergencyAccess, Reason
from practice.exceptions import NotFound, PermissionDenied
from records import services as records_services
from tests.records.base import RecordsTestCase

JUSTIFICATION = "Client called the crisis line; assigned counselor unreachable."


class EmergencyTestCase(RecordsTestCase):
    def open_for(self, user=None, **overrides):
        kwargs = {
            "record_number": self.rec.record_number,
            "reason": Reason.RISK_TO_CLIENT,
            "justification": JUSTIFICATION,
        }
        kwargs.update(overrides)
        with self.captureOnCommitCallbacks(execute=True):
            return services.emergency_open(actor=user or self.bob, **kwargs)


class OpeningTest(EmergencyTestCase):
    def test_cannot_be_opened_without_a_reason(self):
        for overrides in ({"reason": ""}, {"reason": "curiosity"}, {"justification": ""}, {"justification": "short"}):
            with self.assertRaises(services.EmergencyRefused):
                self.open_for(**overrides)
        self.assertFalse(EmergencyAccess.objects.exists())
        denied = self.events("emergency.open", actor=self.bob, outcome=Outcome.DENIED)
        self.assertEqual(len(denied), 4)

    def test_the_form_without_a_reason_keeps_the_text_and_opens_nothing(self):
        self.sign_in(self.bob)
        response = self.client.post(
            reverse("emergency_open"), {"record_number": self.rec.record_number, "justification": JUSTIFICATION}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, JUSTIFICATION, status_code=400)
        self.assertFalse(EmergencyAccess.objects.exists())
        self.assertOneEvent("emergency.open", actor=self.bob, outcome=Outcome.DENIED)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)

    def test_counselor_opens_it_and_reads_the_chart_with_marked_events(self):
        note = self.signed_note()
        self.sign_in(self.bob)
        response = self.client.post(
            reverse("emergency_open"),
            {"record_number": self.rec.record_number, "reason": Reason.RISK_TO_OTHERS, "justification": JUSTIFICATION},
        )
        self.assertRedirects(response, reverse("chart", args=[self.rec.record_number]), fetch_redirect_response=False)
        access = EmergencyAccess.objects.get()
        self.assertEqual((access.user, access.client, access.reason), (self.bob, self.rec, Reason.RISK_TO_OTHERS))
        self.assertAlmostEqual(
            (access.expires_at - access.opened_at).total_seconds(), 60 * 60, delta=1
        )  # the default, 60 minutes
        chart = self.client.get(reverse("chart", args=[self.rec.record_number]))
        self.assertContains(chart, reverse("note_detail", args=[note.pk]))
        self.assertContains(chart, "emergency-banner")
        self.assertContains(chart, "js/emergency.js")
        self.assertEqual(self.client.get(reverse("note_detail", args=[note.pk])).status_code, 200)
        self.assertEqual(self.client.get(reverse("note_print", args=[note.pk])).status_code, 200)
        opened = self.assertOneEvent("emergency.open", actor=self.bob, outcome=Outcome.ALLOWED)
        self.assertEqual(opened.client, self.rec)
        self.assertNotIn("crisis line", opened.reason)  # the justification is not in the log
        for action in ("emergency.chart_view", "emergency.note_view", "emergency.note_print"):
            event = self.assertOneEvent(action, actor=self.bob)
            self.assertEqual(event.client, self.rec)
            self.assertIn(f"#{access.pk}", event.reason)
        self.assertFalse(self.events("chart.view", actor=self.bob))
        self.assertFalse(self.events("note.view", actor=self.bob))

    def test_supervisor_of_another_team_may_open_it(self):
        self.open_for(self.sam, record_number=self.other.record_number)
        self.sign_in(self.sam)
        self.assertEqual(self.client.get(reverse("chart", args=[self.other.record_number])).status_code, 200)
        self.assertOneEvent("emergency.chart_view", actor=self.sam)

    @override_settings(EMERGENCY_ACCESS_MINUTES=15)
    def test_duration_is_a_setting(self):
        access = self.open_for()
        self.assertEqual(access.expires_at - access.opened_at, timedelta(minutes=15))


class WhoMayNotTest(EmergencyTestCase):
    def test_clients_admins_and_superusers_may_not_open_it(self):
        for user in (self.claire, self.avery, self.root):
            with self.assertRaises(PermissionDenied):
                self.open_for(user)
            self.sign_in(user)
            self.assertEqual(self.client.get(reverse("emergency_open")).status_code, 403, user)
            response = self.client.post(
                reverse("emergency_open"),
                {"record_number": self.rec.record_number, "reason": Reason.COVERING, "justification": JUSTIFICATION},
            )
            self.assertEqual(response.status_code, 403, user)
            self.client.logout()
        self.assertFalse(EmergencyAccess.objects.exists())
        self.assertEqual(AuditEvent.objects.filter(action="emergency.open", outcome=Outcome.DENIED).count(), 9)

    def test_the_assigned_counselor_and_the_supervisor_need_none(self):
        for user in (self.alice, self.sam):
            with self.assertRaises(services.EmergencyRefused):
                self.open_for(user)
        self.assertFalse(EmergencyAccess.objects.exists())

    def test_deactivated_counselor_may_not(self):
        self.bob.is_active = False
        self.bob.save()
        with self.assertRaises(PermissionDenied):
            self.open_for()

    def test_unknown_record_number_is_404_and_audited(self):
        with self.assertRaises(NotFound):
            self.open_for(record_number="C-999999")
        self.assertOneEvent("emergency.open", actor=self.bob, outcome=Outcome.DENIED)


class ReadOnlyTest(EmergencyTestCase):
    def test_no_notes_no_addenda_no_shares_no_status_change(self):
        note = self.signed_note()
        self.open_for()
        self.sign_in(self.bob)
        rn = self.rec.record_number
        refused = [
            ("get", reverse("note_create", args=[rn]), None),
            ("post", reverse("note_create", args=[rn]), {"date_of_service": "2026-11-01", "section_plan": "x"}),
            ("get", reverse("psychotherapy_note_create", args=[rn]), None),
            ("post", reverse("addendum_create", args=[note.pk]), {"text": "an addendum"}),
            ("post", reverse("client_status", args=[rn]), {"discharged": "1"}),
            ("get", reverse("share", args=[rn]), None),
            ("get", reverse("authorization_new", args=[rn]), None),
        ]
        for method, url, data in refused:
            response = getattr(self.client, method)(url, data)
            self.assertIn(response.status_code, (403, 404), url)
        self.assertEqual(note.addenda.count(), 0)
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.status, "active")
        chart = self.client.get(reverse("chart", args=[rn]))
        self.assertNotContains(chart, reverse("note_create", args=[rn]))
        self.assertNotContains(chart, reverse("share", args=[rn]))

    def test_psychotherapy_notes_stay_closed(self):
        pnote = records_services.psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 11, 2), text="private"
        )
        self.open_for()
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(reverse("psychotherapy_note_detail", args=[pnote.pk])).status_code, 404)
        chart = self.client.get(reverse("chart", args=[self.rec.record_number]))
        self.assertNotContains(chart, reverse("psychotherapy_note_detail", args=[pnote.pk]))
        self.assertNotContains(chart, "private")

    def test_other_clients_stay_closed(self):
        self.open_for()
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(reverse("chart", args=[self.other.record_number])).status_code, 200)
        # bob's own client; alice's other clients are not opened by bob's grant on rec
        third = records_services.client_create(
            actor=self.avery, first_name="Q", last_name="R", date_of_birth=date(1980, 1, 1), counselor=self.alice
        )
        self.assertEqual(self.client.get(reverse("chart", args=[third.record_number])).status_code, 404)


class ExpiryTest(EmergencyTestCase):
    def test_expires_on_time(self):
        note = self.signed_note()
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            self.open_for()
        with time_machine.travel(start + timedelta(minutes=59, seconds=59), tick=False):
            self.sign_in(self.bob)
            self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 200)
        with time_machine.travel(start + timedelta(minutes=60, seconds=1), tick=False):
            self.sign_in(self.bob)
            self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)
            self.assertEqual(self.client.get(reverse("note_detail", args=[note.pk])).status_code, 404)
            self.assertNotContains(self.client.get(reverse("caseload")), "emergency-banner")
        self.assertEqual(len(self.events("chart.view", actor=self.bob, outcome=Outcome.DENIED)), 1)

    def test_ending_it_early_closes_the_chart(self):
        access = self.open_for()
        self.sign_in(self.bob)
        self.assertEqual(self.client.post(reverse("emergency_end", args=[access.pk])).status_code, 302)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)
        self.assertOneEvent("emergency.end", actor=self.bob)

    def test_nobody_ends_someone_elses_access(self):
        access = self.open_for()
        self.sign_in(self.sam)
        self.assertEqual(self.client.post(reverse("emergency_end", args=[access.pk])).status_code, 404)
        access.refresh_from_db()
        self.assertIsNone(access.ended_at)

    def test_the_banner_shows_the_time_left_on_every_page(self):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            self.open_for()
        with time_machine.travel(start + timedelta(minutes=20), tick=False):
            self.sign_in(self.bob)
            for name in ("home", "caseload", "password_change"):
                response = self.client.get(reverse(name))
                self.assertContains(response, 'data-emergency-remaining="2400"', msg_prefix=name)


class AdminsAndReviewTest(EmergencyTestCase):
    def test_admins_are_emailed_without_clinical_or_identifying_text(self):
        access = self.open_for()
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(sorted(message.to), ["avery@example.invalid", "root@example.invalid"])
        self.assertIn(self.rec.record_number, message.body)
        for secret in ("Morgan", "Ellery", "crisis line"):
            self.assertNotIn(secret, message.body + message.subject)
        self.assertOneEvent("emergency.notify", object_id=str(access.pk))

    def test_events_are_flagged_on_the_review_pages(self):
        self.open_for()
        self.sign_in(self.bob)
        self.client.get(reverse("chart", args=[self.rec.record_number]))
        kinds = {(f.kind, f.event.action) for f in flags()}
        self.assertIn((FlagKind.EMERGENCY, "emergency.open"), kinds)
        self.assertIn((FlagKind.EMERGENCY, "emergency.chart_view"), kinds)

    def test_review_queue_acknowledge_with_comment(self):
        access = self.open_for()
        self.sign_in(self.avery)
        queue = self.client.get(reverse("emergency_queue"))
        self.assertContains(queue, f'data-access="{access.pk}"')
        self.assertContains(queue, "crisis line")  # the justification, for the reviewer
        self.assertOneEvent("audit.emergency_queue", actor=self.avery)
        response = self.client.post(
            reverse("emergency_review", args=[access.pk]), {"decision": "acknowledged", "comment": "Spoke with Bob."}
        )
        self.assertRedirects(response, reverse("emergency_queue"))
        access.refresh_from_db()
        self.assertEqual(
            (access.review, access.reviewed_by, access.review_comment), ("acknowledged", self.avery, "Spoke with Bob.")
        )
        event = self.assertOneEvent("audit.emergency_review", actor=self.avery)
        # The decision is in the log; the comment (it may name people) is not.
        self.assertEqual(event.reason, "acknowledged")
        self.assertNotIn("Bob", event.reason)
        self.assertTrue(FlagReview.objects.filter(event__action="emergency.open", kind=FlagKind.EMERGENCY).exists())
        self.assertNotIn("emergency.open", {f.event.action for f in flags()})
        # Written once.
        with self.assertRaises(PermissionDenied):
            services.emergency_review(actor=self.root, access_id=access.pk, decision="escalated", comment="again")

    def test_review_needs_a_comment_and_a_decision(self):
        access = self.open_for()
        self.sign_in(self.avery)
        self.client.post(reverse("emergency_review", args=[access.pk]), {"decision": "escalated", "comment": ""})
        self.client.post(reverse("emergency_review", args=[access.pk]), {"decision": "ignore", "comment": "x"})
        access.refresh_from_db()
        self.assertEqual(access.review, "pending")

    def test_only_admins_see_or_review_the_queue(self):
        access = self.open_for()
        for user in (self.alice, self.bob, self.sam, self.claire):
            self.sign_in(user)
            self.assertEqual(self.client.get(reverse("emergency_queue")).status_code, 403, user)
            response = self.client.post(
                reverse("emergency_review", args=[access.pk]), {"decision": "acknowledged", "comment": "fine"}
            )
            self.assertEqual(response.status_code, 403, user)
            self.client.logout()
        access.refresh_from_db()
        self.assertEqual(access.review, "pending")


class AccessHistoryTest(EmergencyTestCase):
    def test_the_clients_access_history_data_names_the_emergency(self):
        """The client's access history is built from the audit events of their record;
        an emergency access is there under its own actions."""
        self.open_for()
        self.sign_in(self.bob)
        self.client.get(reverse("chart", args=[self.rec.record_number]))
        actions = list(
            AuditEvent.objects.filter(client=self.rec, action__startswith="emergency.")
            .order_by("seq")
            .values_list("action", "actor_id")
        )
        self.assertEqual(
            actions,
            [("emergency.open", self.bob.pk), ("emergency.notify", self.bob.pk), ("emergency.chart_view", self.bob.pk)],
        )


class DemoTest(TestCase):
    @override_settings(DEBUG=True)
    def test_the_demo_has_a_past_emergency_access_waiting_for_review(self):
        import io

        from django.core.management import call_command

        from audit.verify import verify_chain

        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
        access = EmergencyAccess.objects.get()
        self.assertEqual(access.review, "pending")
        self.assertFalse(access.is_active)
        self.assertIn("emergency", {f.kind for f in flags()})
        self.assertTrue(verify_chain().ok)
        # ... and a former client past the retention date, waiting in the disposal queue.
        from retention.selectors import current_policy, due_for_disposal

        self.assertEqual([d.client.last_service_date.year for d in due_for_disposal(current_policy())], [2015])
