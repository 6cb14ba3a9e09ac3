"""The practice admin's review pages."""

import csv
import io
from datetime import datetime
from unittest import mock

import time_machine
from django.test import override_settings
from django.urls import reverse

import audit
from audit.models import AuditEvent, FlagReview, Outcome
from records import services as records
from tests.base import sign_in
from tests.records.base import RecordsTestCase
from tests.urls_util import application_urls


class ReviewAccessTest(RecordsTestCase):
    def test_only_practice_admins_review_and_refusals_are_logged(self):
        review = {"audit_log", "audit_export", "audit_flags", "audit_flag_review", "audit_verify"}
        urls = [path for name, path in application_urls() if name in review]
        self.assertEqual(len(urls), len(review))
        for user in (self.alice, self.sam, self.claire, self.bob):
            sign_in(self.client, user)
            for path in urls:
                response = self.client.post(path) if path.endswith(("/review/", "/verify/")) else self.client.get(path)
                self.assertEqual(response.status_code, 403, f"{user} {path}")
        self.assertEqual(
            AuditEvent.objects.filter(action__startswith="audit.", outcome=Outcome.DENIED).count(), 4 * len(urls)
        )
        self.assertFalse(FlagReview.objects.exists())

    def test_superuser_without_the_admin_role_is_refused(self):
        self.bob.is_superuser = True
        self.bob.save()
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(reverse("audit_log")).status_code, 403)


class ReviewLogTest(RecordsTestCase):
    def test_filter_by_client_newest_first_and_the_view_is_audited(self):
        records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        records.chart_view(actor=self.bob, record_number=self.other.record_number)
        self.sign_in(self.avery)
        response = self.client.get(reverse("audit_log"), {"client": self.rec.record_number})
        events = response.context["events"]
        self.assertTrue(events)
        self.assertTrue(all(e.client_id == self.rec.pk for e in events))
        self.assertEqual([e.seq for e in events], sorted((e.seq for e in events), reverse=True))
        view = AuditEvent.objects.filter(action="audit.view").latest("seq")
        self.assertEqual(view.actor, self.avery)
        self.assertIn(f"client_id={self.rec.pk}", view.reason)

    def test_filter_by_person_action_outcome_and_dates(self):
        self.client.get(reverse("chart", args=[self.rec.record_number]))
        sign_in(self.client, self.bob)
        self.client.get(reverse("chart", args=[self.rec.record_number]))  # denied
        self.sign_in(self.avery)
        response = self.client.get(
            reverse("audit_log"),
            {
                "actor": self.bob.pk,
                "action": "chart.",
                "outcome": "denied",
                "date_from": "2000-01-01",
                "date_to": "2999-12-31",
            },
        )
        events = response.context["events"]
        self.assertEqual([(e.actor_id, e.action, e.outcome) for e in events], [(self.bob.pk, "chart.view", "denied")])

    def test_bad_filters_get_a_clear_message(self):
        self.sign_in(self.avery)
        response = self.client.get(
            reverse("audit_log"), {"client": "C-999999", "date_from": "2026-02-01", "date_to": "2026-01-01"}
        )
        self.assertContains(response, "No client has that record number.")
        self.assertContains(response, "The start date is after the end date.")

    def test_keyset_pagination_walks_every_event_once(self):
        for i in range(120):
            audit.record(action="test.bulk", actor=self.alice, object_id=i)
        self.sign_in(self.avery)
        seen, before = [], None
        while True:
            params = {"action": "test.bulk"} | ({"before": before} if before else {})
            response = self.client.get(reverse("audit_log"), params)
            seen += [e.object_id for e in response.context["events"]]
            before = response.context["next_before"]
            if not before:
                break
        self.assertEqual(sorted(seen, key=int), [str(i) for i in range(120)])

    def test_list_queries_do_not_grow_with_the_page(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.sign_in(self.avery)
        for _ in range(5):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        self.client.get(reverse("audit_log"))
        with CaptureQueriesContext(connection) as few:
            self.client.get(reverse("audit_log"))
        for _ in range(60):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        with CaptureQueriesContext(connection) as many:
            self.client.get(reverse("audit_log"))
        self.assertEqual(len(few), len(many))

    def test_csv_export_is_audited_and_safe_for_spreadsheets(self):
        audit.record(action="test.csv", actor=self.alice, reason='=HYPERLINK("x")')
        self.sign_in(self.avery)
        response = self.client.get(reverse("audit_export"), {"action": "test.csv"})
        self.assertEqual(response["Content-Type"], "text/csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        self.assertEqual(rows[0][0], "seq")
        self.assertEqual(len(rows), 2)
        self.assertTrue(rows[1][9].startswith("'="))
        self.assertOneEvent("audit.export", actor=self.avery)

    def test_verify_now_shows_the_verdict(self):
        self.sign_in(self.avery)
        response = self.client.post(reverse("audit_verify"), follow=True)
        self.assertContains(response, "Chain intact")
        self.assertOneEvent("audit.verify", actor=self.avery)


TZ_NOON = datetime(2026, 11, 4, 17, 0)  # a Wednesday, 12:00 in New York
TZ_NIGHT = datetime(2026, 11, 4, 7, 30)  # 02:30 in New York


@override_settings(AUDIT_BURST_CHARTS=3, AUDIT_BURST_MINUTES=10, AUDIT_FLAG_WINDOW_DAYS=36500)
class FlagsTest(RecordsTestCase):
    def flags(self):
        self.sign_in(self.avery)
        return {(f.kind, f.event.action) for f in self.client.get(reverse("audit_flags")).context["flags"]}

    def test_after_hours_access_is_flagged_and_office_hours_access_is_not(self):
        with time_machine.travel(TZ_NOON, tick=False):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        self.assertNotIn(("after_hours", "chart.view"), self.flags())
        with time_machine.travel(TZ_NIGHT, tick=False):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        self.assertIn(("after_hours", "chart.view"), self.flags())

    def test_denied_attempts_and_emergency_access_are_flagged(self):
        with time_machine.travel(TZ_NOON, tick=False):
            audit.record(action="emergency.access", actor=self.bob, client=self.rec, reason="client in crisis")
            with self.assertRaises(records.NotFound):
                records.chart_view(actor=self.bob, record_number=self.rec.record_number)
        flags = self.flags()
        self.assertIn(("emergency", "emergency.access"), flags)
        self.assertIn(("denied", "chart.view"), flags)

    def test_many_charts_in_a_short_time_is_flagged(self):
        extra = [
            records.client_create(
                actor=self.avery,
                first_name="N",
                last_name=str(i),
                date_of_birth=datetime(1990, 1, 1).date(),
                counselor=self.alice,
            )
            for i in range(2)
        ]
        with time_machine.travel(TZ_NOON, tick=False) as t:
            for client in [self.rec, *extra]:
                records.chart_view(actor=self.alice, record_number=client.record_number)
                t.shift(60)
        self.assertIn(("many_charts", "chart.view"), self.flags())

    def test_marking_a_flag_reviewed_records_the_comment_and_hides_it(self):
        with time_machine.travel(TZ_NIGHT, tick=False):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        event = AuditEvent.objects.get(action="chart.view")
        self.sign_in(self.avery)
        response = self.client.post(
            reverse("audit_flag_review"),
            {"seq": event.seq, "kind": "after_hours", "comment": "On-call night, expected."},
        )
        self.assertRedirects(response, reverse("audit_flags"))
        review = FlagReview.objects.get()
        self.assertEqual((review.reviewer, review.comment_text.text), (self.avery, "On-call night, expected."))
        self.assertEqual(review.comment, "")  # the typed text is kept encrypted, not on the review row
        logged = self.assertOneEvent("audit.flag_review", actor=self.avery)
        # The kind of flag is in the log; the comment (it may name people) is not.
        self.assertEqual(logged.reason, "after_hours")
        self.assertNotIn(("after_hours", "chart.view"), self.flags())

    def test_a_review_needs_a_comment(self):
        with time_machine.travel(TZ_NIGHT, tick=False):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        event = AuditEvent.objects.get(action="chart.view")
        self.sign_in(self.avery)
        self.client.post(reverse("audit_flag_review"), {"seq": event.seq, "kind": "after_hours", "comment": ""})
        self.assertFalse(FlagReview.objects.exists())

    def test_a_review_cannot_be_rewritten(self):
        from django.db import DatabaseError, IntegrityError, transaction

        with time_machine.travel(TZ_NIGHT, tick=False):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        event = AuditEvent.objects.get(action="chart.view")
        audit.services.review_flag(actor=self.avery, seq=event.seq, kind="after_hours", comment="ok")
        with self.assertRaises((IntegrityError, DatabaseError)), transaction.atomic():
            FlagReview.objects.update(comment="changed")
        with mock.patch("audit.services.record") as rec:
            audit.services.review_flag(actor=self.avery, seq=event.seq, kind="after_hours", comment="again")
            rec.assert_not_called()
        self.assertEqual(FlagReview.objects.get().comment_text.text, "ok")
