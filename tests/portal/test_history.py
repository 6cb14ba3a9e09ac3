"""Who accessed my record: exactly this client's events, in plain words, in a fixed
number of queries."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import audit
from audit import selectors as audit_selectors
from audit.chain import body_text, chain_hash
from audit.models import AuditEvent, Outcome
from audit.services import _append, _event_values
from portal import services
from portal.history import describe
from records import services as records_services
from tests.portal.base import OTHER_RECIPIENT, REQUEST_ID, STAFF_IP, PortalTestCase


def bulk_events(count: int, *, clients, actor, action="note.view") -> None:
    """Append `count` chained events quickly (one INSERT per thousand), spread over
    `clients` in turn: a large log for the query-count test."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = last
    batch = []
    for i in range(count):
        values = _event_values(
            action=action,
            actor=actor,
            outcome=Outcome.ALLOWED,
            client=clients[i % len(clients)],
            object_type="session_note",
            object_id=i,
            reason="",
            actor_username=None,
        )
        seq += 1
        digest = chain_hash(seq, prev, body_text(values))
        batch.append(AuditEvent(seq=seq, prev_hash=prev, hash=digest, **values))
        prev = digest
    AuditEvent.objects.bulk_create(batch, batch_size=1000)


class AccessHistoryTest(PortalTestCase):
    def pages(self, **params):
        """Every entry of the history, walking the pages as a client would."""
        entries, before = [], None
        while True:
            response = self.client.get(reverse("portal_history"), params | ({"before": before} if before else {}))
            self.assertEqual(response.status_code, 200)
            entries += response.context["accesses"]
            before = response.context["next_before"]
            if not before:
                return entries

    def test_lists_exactly_this_clients_events_except_psychotherapy_notes(self):
        for i in range(30):  # more than a page
            audit.record(action="chart.view", actor=self.alice, client=self.rec, object_type="client", object_id=i)
        self.sign_in(self.claire)
        entries = self.pages()
        # Each page view is itself an event; the walk shows the log as of its first page.
        expected = set(
            AuditEvent.objects.filter(client=self.rec, seq__lte=entries[0].seq)
            .exclude(action__startswith="pnote.")
            .values_list("seq", flat=True)
        )
        self.assertEqual({e.seq for e in entries}, expected)
        self.assertEqual(len(entries), len(expected), "an event was listed twice")
        other_seqs = set(AuditEvent.objects.exclude(client=self.rec).values_list("seq", flat=True))
        self.assertFalse(other_seqs & {e.seq for e in entries})
        self.assertTrue(AuditEvent.objects.filter(client=self.rec, action="pnote.view").exists())
        self.assertFalse(any("psychotherapy" in e.what for e in entries))

    def test_plain_words_staff_by_name_the_client_as_you_recipients_from_the_disclosure(self):
        self.sign_in(self.claire)
        self.client.get(reverse("portal_record"))
        page = self.client.get(reverse("portal_history"))
        sentences = [e.sentence for e in page.context["accesses"]]
        self.assertIn("Alice Test read a session note", sentences)
        self.assertIn("You read your record", sentences)
        self.assertIn(
            f"Alice Test shared your information with Dr. Dana Whitlock (Eastside Clinic) "
            f"under authorization #{self.auth.pk}",
            sentences,
        )
        self.assertIn(
            f"You signed release form #{self.auth.pk} (recipient: Dr. Dana Whitlock, Eastside Clinic)", sentences
        )
        self.assertContains(page, "<strong>Alice Test</strong>, counselor, read a session note", html=False)
        # The recipient's name is not in the audit log: it came from the encrypted record.
        self.assertFalse(AuditEvent.objects.filter(reason__contains="Whitlock").exists())
        local = timezone.localtime(self.events("note.view", actor=self.alice)[0].occurred_at)
        # In the practice's time zone (America/New_York in tests), not UTC.
        self.assertContains(page, f"{local:%b} {local.day}, {local:%Y} · {local.hour % 12 or 12}:{local:%M} {local:%p}")

    def test_no_ip_addresses_request_ids_usernames_or_other_clients(self):
        self.sign_in(self.claire)
        page = self.client.get(reverse("portal_history"))
        for secret in (STAFF_IP, REQUEST_ID, "StaffBrowser", OTHER_RECIPIENT, "Jamie", "alice@", ">alice<"):
            self.assertNotContains(page, secret)

    def test_emergency_access_is_highlighted(self):
        from emergency import services as emergency

        emergency.emergency_open(
            actor=self.bob,
            record_number=self.rec.record_number,
            reason=emergency.Reason.values[0],
            justification="Client in crisis on the phone; counselor unreachable.",
        )
        records_services.note_view(actor=self.bob, note_id=self.note.pk)
        self.sign_in(self.claire)
        page = self.client.get(reverse("portal_history"))
        self.assertContains(page, 'class="access emergency"', count=2)  # the opening and the note read
        self.assertContains(page, "Emergency access")
        self.assertContains(page, "<strong>Bob Test</strong>, counselor, opened emergency access to your record")
        self.assertContains(page, "<strong>Bob Test</strong>, counselor, read a session note with emergency access")
        self.assertNotContains(page, "counselor unreachable")

    def test_refusals_read_as_attempts(self):
        audit.record(
            action="note.view", actor=self.bob, client=self.rec, outcome=Outcome.DENIED, object_type="session_note"
        )
        self.sign_in(self.claire)
        sentences = [e.sentence for e in self.client.get(reverse("portal_history")).context["accesses"]]
        self.assertIn("Bob Test tried to read a session note (refused)", sentences)

    def test_filter_by_month(self):
        long_ago = timezone.now() - timedelta(days=120)
        values = _event_values(
            action="note.print",
            actor=self.alice,
            outcome=Outcome.ALLOWED,
            client=self.rec,
            object_type="session_note",
            object_id=self.note.pk,
            reason="",
            actor_username=None,
            occurred_at=long_ago,
        )
        old_seq = _append(values)[0]
        self.sign_in(self.claire)
        month = timezone.localtime(long_ago).strftime("%Y-%m")
        entries = self.pages(month=month)
        self.assertEqual([e.seq for e in entries], [old_seq])
        self.assertEqual(entries[0].sentence, "Alice Test printed a session note")
        this_month = [e.seq for e in self.pages(month=timezone.localtime().strftime("%Y-%m"))]
        self.assertNotIn(old_seq, this_month)
        self.assertIn(self.events("note.view", actor=self.alice)[0].seq, this_month)
        self.assertOneEvent("portal.history", actor=self.claire, reason=f"month={month}")
        page = self.client.get(reverse("portal_history"), {"month": month})
        following = (timezone.localtime(long_ago).date().replace(day=1) + timedelta(days=32)).replace(day=1)
        self.assertContains(page, f'href="?month={following:%Y-%m}"')

    def test_a_bad_month_says_so(self):
        self.sign_in(self.claire)
        response = self.client.get(reverse("portal_history"), {"month": "March"})
        self.assertContains(response, "Give a month as year and month", status_code=400)

    def test_the_page_is_audited_and_refused_to_everyone_else(self):
        self.sign_in(self.claire)
        self.client.get(reverse("portal_history"))
        self.assertOneEvent("portal.history", actor=self.claire, client=self.rec)
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(reverse("portal_history")).status_code, 403)
        self.assertOneEvent("portal.history", actor=self.alice, outcome=Outcome.DENIED)


class HistoryQueryCountTest(PortalTestCase):
    """The page reads one page of this client's events and the recipients it names:
    three queries, with 10 events in the log or with 10,000."""

    def name_a_recipient_on_the_first_page(self):
        """As the small log's first page does: an authorization and a disclosure."""
        audit.record(
            action="authorization.view",
            actor=self.claire,
            client=self.rec,
            object_type="authorization",
            object_id=self.auth.pk,
        )
        audit.record(
            action="disclosure.share",
            actor=self.alice,
            client=self.rec,
            object_type="disclosure",
            object_id=self.disclosure.pk,
        )

    def page_queries(self, expected: int):
        with self.assertNumQueries(expected):
            events, _ = audit_selectors.client_history_page(self.rec.pk)
            entries = describe(self.rec, events)
        return entries

    def test_same_number_of_queries_with_10_and_with_10000_events(self):
        # Both logs name an authorization and a disclosure on the first page.
        share_events = [self.events("disclosure.share")[-1], self.events("authorization.sign")[-1]]
        self.assertEqual(len(share_events), 2)
        small = AuditEvent.objects.count()
        self.assertLess(small, 60)
        few = self.page_queries(3)
        bulk_events(10_000, clients=[self.other, self.rec], actor=self.bob)
        self.name_a_recipient_on_the_first_page()
        self.assertGreater(AuditEvent.objects.count(), 10_000)
        many = self.page_queries(3)
        self.assertEqual(len(many), audit_selectors.HISTORY_PAGE_SIZE)
        self.assertGreater(len(few), 10)

    def test_the_service_query_count_does_not_grow_with_the_log(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        services.access_history(actor=self.claire)
        with CaptureQueriesContext(connection) as small:
            services.access_history(actor=self.claire)
        bulk_events(10_000, clients=[self.rec, self.other], actor=self.alice)
        self.name_a_recipient_on_the_first_page()
        with CaptureQueriesContext(connection) as large:
            services.access_history(actor=self.claire)
        self.assertEqual(len(small), len(large))


class SupervisionAndDischargeWordsTest(PortalTestCase):
    def test_a_return_for_revision_and_the_discharge_confirmation_read_in_plain_words(self):
        from records import services as records_services

        records_services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        self.alice.refresh_from_db()
        note = self.signed_note()
        records_services.note_return(actor=self.sam, note_id=note.pk, comment="Add the plan.")
        records_services.client_status_review(actor=self.alice, record_number=self.rec.record_number)
        self.sign_in(self.claire)
        sentences = [e.sentence for e in self.client.get(reverse("portal_history")).context["accesses"]]
        self.assertIn("Sam Test returned a session note to its author for revision", sentences)
        self.assertIn("Alice Test opened the page to discharge or readmit you", sentences)
