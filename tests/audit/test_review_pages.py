"""The review pages read in plain words: actions, people by name and role, times in the
practice's zone; each flag links to its own events; reviewed flags are listed with their
comments. Expected text is written out here, never taken from the code that makes it."""

import html
import re
from datetime import date, datetime

import time_machine
from django.test import override_settings
from django.urls import reverse

import audit
from audit.models import AuditEvent, FlagReview, Outcome
from audit.services import _append, _event_values
from records import services as records
from tests.records.base import RecordsTestCase

NIGHT = datetime(2026, 11, 4, 7, 30, 5)  # UTC: 02:30:05 in New York, 08:30:05 in Berlin
NOON = datetime(2026, 11, 4, 17, 0)  # 12:00 in New York


def table_text(response) -> str:
    """The visible text of the page's table body (tags dropped, entities decoded)."""
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def flag_cells(response) -> str:
    """The Flag column's cells: the flag and its link to its events."""
    return " ".join(re.findall(r'<td data-label="Flag">(.*?)</td>', response.content.decode(), re.S))


def rows(response) -> list[int]:
    return [e.seq for e in response.context["events"]]


class ClientAccountMixin:
    def link_portal_account(self):
        self.rec.user = self.claire
        self.rec.save(update_fields=["user"])


@override_settings(AUDIT_FLAG_WINDOW_DAYS=36500)
class LogWordsTest(ClientAccountMixin, RecordsTestCase):
    def log(self, **params):
        self.sign_in(self.avery)
        return self.client.get(reverse("audit_log"), params)

    def test_actions_in_words_and_people_by_name_with_their_role(self):
        records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        with self.assertRaises(records.NotFound):
            records.chart_view(actor=self.bob, record_number=self.rec.record_number)
        text = table_text(self.log(action="chart.view"))
        self.assertIn("Alice Test Counselor", text)
        self.assertIn("Opened a client's chart", text)
        self.assertIn("Bob Test Counselor", text)
        self.assertIn("Refused Tried to open a client's chart (refused)", text)
        for code in ("chart.view", "counselor ", "practice_admin"):
            self.assertNotIn(code, text)

    def test_sign_in_codes_and_roles_read_as_words(self):
        audit.record(action="auth.2fa_verify", actor=self.avery, object_type="user", object_id=self.avery.pk)
        audit.record(action="staff.role_change", actor=self.avery, object_type="user", object_id=self.sam.pk)
        text = table_text(self.log(action="auth.2fa_verify"))
        self.assertIn("Avery Test Practice admin Entered a two-factor code", text)
        self.assertNotIn("2fa", text)
        text = table_text(self.log(action="staff.role_change"))
        self.assertIn("Changed a staff member's role", text)
        self.assertIn("Account of Sam Test (clinical supervisor)", text)

    def test_a_client_is_shown_by_record_number_whichever_way_the_event_named_them(self):
        self.link_portal_account()
        number = self.rec.record_number
        new = audit.record(action="portal.view", actor=self.claire, client=self.rec)
        # An event written before client actors were named client:<record number>: the
        # account's username, which may be an email address, was kept.
        values = _event_values(
            action="portal.record",
            actor=self.claire,
            outcome=Outcome.ALLOWED,
            client=self.rec,
            object_type="client",
            object_id=self.rec.pk,
            reason="",
            actor_username=None,
        )
        values["actor_username"] = "claire@example.invalid"
        old_seq = _append(values)[0]
        response = self.log(client=number)
        text = table_text(response)
        self.assertEqual(text.count(f"Client {number} Client"), 2, text)
        self.assertIn("Opened their portal page", text)
        self.assertIn("Read their record in the portal", text)
        for hidden in ("claire", "Claire"):
            self.assertNotIn(hidden, text)
        self.assertTrue({new.seq, old_seq} <= set(rows(response)))

    def test_a_recipient_an_operator_and_a_failed_sign_in_have_no_account_but_a_name(self):
        audit.record(action="disclosure.download", actor_username="recipient", client=self.rec, outcome="denied")
        audit.record(
            action="staff.deactivate", actor_username="operator:ops", object_type="user", object_id=self.bob.pk
        )
        audit.record(action="auth.login_failed", outcome="denied", object_type="user", object_id=self.alice.pk)
        text = table_text(self.log(action="disclosure.download"))
        self.assertIn("Disclosure recipient Recipient of shared records", text)
        self.assertIn("Tried to download shared records (refused)", text)
        self.assertIn("Operator ops Server console Deactivated a staff account", table_text(self.log(action="staff.")))
        text = table_text(self.log(action="auth.login_failed"))
        self.assertIn("Someone not signed in Refused Tried to sign in (refused)", text)
        self.assertIn("Account of Alice Test (counselor)", text)

    def test_times_are_in_the_practice_time_zone(self):
        with time_machine.travel(NIGHT, tick=False):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        response = self.log(action="chart.view")
        self.assertIn("Nov 4, 2026 02:30:05", table_text(response))
        self.assertContains(response, "(New York time)")
        with override_settings(TIME_ZONE="Europe/Berlin"):
            response = self.log(action="chart.view")
            self.assertIn("Nov 4, 2026 08:30:05", table_text(response))
            self.assertContains(response, "(Berlin time)")

    def test_the_person_filter_names_people_as_the_rows_do(self):
        records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        response = self.log()
        page = response.content.decode()
        self.assertIn(f'<option value="{self.alice.pk}">Alice Test (counselor)</option>', page)
        self.assertIn(f'<option value="{self.sam.pk}">Sam Test (clinical supervisor)</option>', page)
        self.assertIn(f'<option value="{self.avery.pk}">Avery Test (practice admin)</option>', page)
        self.assertNotIn(">alice<", page)

    def test_a_client_named_in_a_row_can_be_chosen_in_the_person_filter(self):
        self.link_portal_account()
        event = audit.record(action="portal.view", actor=self.claire, client=self.rec)
        response = self.log(actor=self.claire.pk)
        self.assertEqual(rows(response), [event.seq])
        self.assertContains(
            response, f'<option value="{self.claire.pk}" selected>Client {self.rec.record_number} (client)</option>'
        )

    def test_the_action_filter_offers_words(self):
        page = self.log().content.decode()
        self.assertIn('<option value="chart.view">Open a client&#x27;s chart</option>', page)
        self.assertIn('<option value="note.">Any session note event</option>', page)

    def test_the_export_keeps_the_codes_and_adds_the_words(self):
        import csv
        import io

        records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        self.sign_in(self.avery)
        response = self.client.get(reverse("audit_export"), {"action": "chart.view"})
        table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        self.assertEqual(table[0][-3:], ["who", "who_role", "what"])
        self.assertEqual(table[1][4], "chart.view")
        self.assertEqual(table[1][-3:], ["Alice Test", "Counselor", "Opened a client's chart"])

    def test_a_row_for_a_flag_review_links_to_the_reviewed_event(self):
        audit.record(action="audit.flag_review", actor=self.avery, object_type="audit_event", object_id=41)
        self.assertContains(self.log(action="audit.flag_review"), 'href="/audit/?event=41">Event #41</a>')

    def test_page_queries_do_not_grow_with_rows(self):
        self.link_portal_account()
        for _ in range(3):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
            audit.record(action="portal.view", actor=self.claire, client=self.rec)
        self.sign_in(self.avery)
        self.client.get(reverse("audit_log"))  # warm the session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            self.client.get(reverse("audit_log"))
        for _ in range(20):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
            audit.record(action="portal.view", actor=self.claire, client=self.rec)
        with CaptureQueriesContext(connection) as many:
            self.client.get(reverse("audit_log"))
        self.assertEqual(len(many.captured_queries), len(few.captured_queries))


@override_settings(AUDIT_BURST_CHARTS=3, AUDIT_BURST_MINUTES=10, AUDIT_FLAG_WINDOW_DAYS=36500)
class FlagLinksTest(RecordsTestCase):
    def flags_page(self):
        self.sign_in(self.avery)
        return self.client.get(reverse("audit_flags"))

    def follow(self, href: str):
        return self.client.get(html.unescape(href))

    def test_a_denied_attempt_links_to_that_event_only(self):
        with time_machine.travel(NOON, tick=False), self.assertRaises(records.NotFound):
            records.chart_view(actor=self.bob, record_number=self.rec.record_number)
        seq = AuditEvent.objects.get(action="chart.view", outcome="denied").seq
        response = self.flags_page()
        href = f"/audit/?event={seq}"
        self.assertContains(response, f'href="{href}">Event #{seq}</a>')
        self.assertNotIn("?actor=", flag_cells(response))
        shown = self.follow(href)
        self.assertEqual(rows(shown), [seq])
        self.assertContains(shown, f"Showing event #{seq}")

    def test_a_disclosure_recipient_flag_links_to_its_event_not_the_whole_log(self):
        with time_machine.travel(NOON, tick=False):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
            event = audit.record(
                action="disclosure.download", actor_username="recipient", outcome=Outcome.DENIED, reason="wrong code"
            )
        response = self.flags_page()
        self.assertNotIn("?actor=", flag_cells(response))
        href = f"/audit/?event={event.seq}"
        self.assertContains(response, f'href="{href}">Event #{event.seq}</a>')
        self.assertEqual(rows(self.follow(href)), [event.seq])

    def test_many_charts_links_to_the_run_of_chart_openings(self):
        extra = [
            records.client_create(
                actor=self.avery, first_name="N", last_name=str(i), date_of_birth=date(1990, 1, 1), counselor=self.alice
            )
            for i in range(2)
        ]
        with time_machine.travel(NOON, tick=False) as t:
            for client in [self.rec, *extra]:
                records.chart_view(actor=self.alice, record_number=client.record_number)
                t.shift(60)
            records.chart_view(actor=self.bob, record_number=self.other.record_number)  # not in the run
        seqs = list(
            AuditEvent.objects.filter(action="chart.view", actor=self.alice)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
        response = self.flags_page()
        href = f"/audit/?actor={self.alice.pk}&amp;action=chart.view&amp;from_event={seqs[0]}&amp;to_event={seqs[-1]}"
        self.assertContains(response, f'href="{href}">Events #{seqs[0]}–#{seqs[-1]}</a>')
        shown = self.follow(href)
        self.assertEqual(sorted(rows(shown)), seqs)

    def test_self_provisioning_links_to_the_assignment_and_to_the_account_s_creation(self):
        from practice import services as staff

        dana = staff.staff_create(
            actor=self.avery,
            username="dana",
            first_name="Dana",
            last_name="Reyes",
            email="dana@example.invalid",
            role="practice_admin",
        )
        staff.staff_change_role(actor=self.root, user=dana, role="counselor")
        dana.refresh_from_db()
        records.assign(actor=self.avery, client=self.rec, counselor=dana, kind="co_therapist")
        created = AuditEvent.objects.get(action="staff.create", object_id=str(dana.pk)).seq
        assigned = AuditEvent.objects.get(action="assignment.assign", object_id=str(dana.pk)).seq
        response = self.flags_page()
        self.assertContains(
            response, f'href="/audit/?event={assigned}">Event #{assigned}</a> · <a href="/audit/?event={created}">'
        )
        text = table_text(response)
        self.assertIn("Assigned a counselor to a client", text)
        self.assertIn("Account of Dana Reyes (counselor)", text)
        # The role change's reason reads in words, its stored text unchanged.
        self.assertIn("practice admin", text)
        self.assertNotIn("practice_admin", text)

    def test_flags_name_people_and_actions_in_words(self):
        with time_machine.travel(NOON, tick=False), self.assertRaises(records.NotFound):
            records.chart_view(actor=self.bob, record_number=self.rec.record_number)
        text = table_text(self.flags_page())
        self.assertIn("Denied attempt", text)
        self.assertIn("Bob Test Counselor", text)
        self.assertIn("Tried to open a client's chart (refused)", text)
        self.assertIn("Nov 4, 2026 12:00:00", text)

    def test_a_bad_event_link_says_so_and_shows_nothing(self):
        self.sign_in(self.avery)
        response = self.client.get(reverse("audit_log"), {"event": "x"})
        self.assertContains(response, "That link to an event is not valid.")
        self.assertEqual(rows(response), [])


@override_settings(AUDIT_FLAG_WINDOW_DAYS=36500)
class ReviewedFlagsTest(RecordsTestCase):
    def review(self, event, comment):
        self.sign_in(self.avery)
        self.client.post(reverse("audit_flag_review"), {"seq": event.seq, "kind": "after_hours", "comment": comment})

    def test_reviewed_flags_are_listed_with_comment_reviewer_and_time(self):
        with time_machine.travel(NIGHT, tick=False):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        event = AuditEvent.objects.get(action="chart.view")
        with time_machine.travel(NOON, tick=False):
            self.review(event, "On-call night, expected.")
        self.assertEqual(FlagReview.objects.count(), 1)
        self.sign_in(self.avery)  # a fresh session, after the trip in time
        # Gone from the flags to review ...
        self.assertNotContains(self.client.get(reverse("audit_flags")), f"?event={event.seq}")
        # ... and listed among the reviewed ones.
        response = self.client.get(reverse("audit_flags_reviewed"))
        text = table_text(response)
        self.assertIn("Outside office hours", text)
        self.assertIn("“On-call night, expected.”", text)
        self.assertIn("Avery Test (practice admin), Nov 4, 2026 12:00", text)
        self.assertIn("Alice Test Counselor", text)
        self.assertIn("Opened a client's chart", text)
        self.assertContains(response, f'href="/audit/?event={event.seq}">Event #{event.seq}</a>')
        self.assertOneEvent("audit.flags_reviewed_view", actor=self.avery, outcome=Outcome.ALLOWED)

    def test_reviewing_is_audited_and_so_is_looking_at_the_reviews(self):
        with time_machine.travel(NIGHT, tick=False):
            records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        event = AuditEvent.objects.get(action="chart.view")
        self.review(event, "Checked with Alice.")
        logged = self.assertOneEvent("audit.flag_review", actor=self.avery)
        self.assertEqual((logged.object_type, logged.object_id), ("audit_event", str(event.seq)))
        self.client.get(reverse("audit_flags_reviewed"))
        self.client.get(reverse("audit_flags"))
        self.assertOneEvent("audit.flags_reviewed_view", actor=self.avery)
        self.assertOneEvent("audit.flags_view", actor=self.avery)
        # The review's own event reads as words on the log, linking to the reviewed event.
        text = table_text(self.client.get(reverse("audit_log"), {"action": "audit.flag_review"}))
        self.assertIn("Avery Test Practice admin Marked a flag reviewed", text)
        self.assertIn(f"Event #{event.seq}", text)

    def test_nothing_reviewed_yet(self):
        self.sign_in(self.avery)
        self.assertContains(self.client.get(reverse("audit_flags_reviewed")), "No flag has been reviewed yet.")


class WhoMayNotReviewTest(ClientAccountMixin, RecordsTestCase):
    """Counselors (assigned or not), a supervisor and a client get 403, each refusal one
    denied event under the page's own action; a stranger is sent to sign in."""

    PAGES = (
        ("get", "audit_log", "audit.view"),
        ("get", "audit_export", "audit.export"),
        ("get", "audit_flags", "audit.flags_view"),
        ("get", "audit_flags_reviewed", "audit.flags_reviewed_view"),
        ("post", "audit_flag_review", "audit.flag_review"),
        ("post", "audit_verify", "audit.verify"),
    )

    def test_refused_with_one_denied_event_each(self):
        self.link_portal_account()
        for user in (self.alice, self.bob, self.sam, self.claire):
            self.sign_in(user)
            for method, name, action in self.PAGES:
                with self.subTest(user=user.username, page=name):
                    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
                    response = getattr(self.client, method)(reverse(name), {"seq": 1, "kind": "denied", "comment": "x"})
                    self.assertEqual(response.status_code, 403)
                    new = list(AuditEvent.objects.filter(seq__gt=before).values_list("action", "outcome", "actor_id"))
                    self.assertEqual(new, [(action, Outcome.DENIED, user.pk)])
        self.assertFalse(FlagReview.objects.exists())

    def test_a_stranger_is_sent_to_sign_in_and_nothing_is_read(self):
        for method, name, _ in self.PAGES:
            with self.subTest(page=name):
                response = getattr(self.client, method)(reverse(name))
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertFalse(AuditEvent.objects.filter(action__startswith="audit.", outcome=Outcome.ALLOWED).exists())


class EmergencyQueueWordsTest(RecordsTestCase):
    def test_the_queue_names_people_with_their_role_and_links_to_the_events(self):
        from emergency import services as emergency

        access = emergency.emergency_open(
            actor=self.bob,
            record_number=self.rec.record_number,
            reason="risk_to_client",
            justification="Client called in crisis; Alice is away today.",
        )
        records.chart_view(actor=self.bob, record_number=self.rec.record_number)
        records.chart_view(actor=self.alice, record_number=self.rec.record_number)
        self.sign_in(self.avery)
        response = self.client.get(reverse("emergency_queue"))
        text = table_text(response)
        self.assertIn(f"{access.pk} ", text)
        self.assertIn("Bob Test Counselor", text)
        href = f"/audit/?actor={self.bob.pk}&amp;client={self.rec.record_number}&amp;action=emergency."
        self.assertContains(response, f'href="{href}">Emergency events in the log</a>')
        shown = self.client.get(html.unescape(href))
        actions = sorted(e.action for e in shown.context["events"])
        self.assertEqual(actions, ["emergency.chart_view", "emergency.open"])
        self.assertIn("Opened a client's chart with emergency access", table_text(shown))
