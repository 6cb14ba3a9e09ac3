"""The foundation's audit log: hash-chained, gapless, append-only, and fail-closed."""

from unittest import mock

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

import audit
from audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from audit.models import AuditEvent
from tests.base import PASSWORD, PracticeTestCase


class AuditChainTest(PracticeTestCase):
    def test_events_are_numbered_without_gaps_and_chained(self):
        for i in range(5):
            audit.record(action="test.event", actor=self.alice, object_type="thing", object_id=i)
        events = list(AuditEvent.objects.order_by("seq"))
        self.assertEqual([e.seq for e in events], list(range(1, len(events) + 1)))
        previous = GENESIS_HASH
        for event in events:
            self.assertEqual(event.prev_hash, previous)
            values = {f: getattr(event, f) for f in HASHED_FIELDS}
            self.assertEqual(event.hash, event_hash(values))
            previous = event.hash

    def test_changing_any_hashed_field_changes_the_hash(self):
        event = audit.record(action="test.event", actor=self.alice)
        values = {f: getattr(event, f) for f in HASHED_FIELDS}
        for field in ("action", "outcome", "actor_username", "reason"):
            self.assertNotEqual(event_hash({**values, field: "tampered"}), event.hash, field)

    def test_events_keep_the_request_context(self):
        self.client.post(
            reverse("login"),
            {"username": "claire", "password": PASSWORD},
            REMOTE_ADDR="192.0.2.10",
            HTTP_USER_AGENT="TestBrowser/1.0",
        )
        event = self.assertOneEvent("auth.login")
        self.assertEqual((event.ip, event.user_agent, event.actor_role), ("192.0.2.10", "TestBrowser/1.0", "client"))
        self.assertEqual(len(event.request_id), 32)

    def test_update_and_delete_are_rejected_by_the_database(self):
        audit.record(action="test.event", actor=self.alice)
        with self.assertRaises((IntegrityError, DatabaseError)), transaction.atomic():
            AuditEvent.objects.update(action="changed")
        with self.assertRaises((IntegrityError, DatabaseError)), transaction.atomic():
            AuditEvent.objects.all().delete()
        with self.assertRaises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as c:
            c.execute("UPDATE audit_auditevent SET reason = 'x'")
        self.assertEqual(AuditEvent.objects.get().action, "test.event")

    def test_deleting_a_user_with_history_is_refused(self):
        from django.db.models import ProtectedError

        audit.record(action="test.event", actor=self.bob)
        with self.assertRaises(ProtectedError):
            self.bob.delete()


class AuditFailClosedTest(PracticeTestCase):
    def failing_audit(self):
        return mock.patch("audit.services._append", side_effect=DatabaseError("disk full"))

    def test_sign_in_fails_when_its_audit_event_cannot_be_written(self):
        with self.failing_audit(), self.assertRaises(DatabaseError):
            self.client.post(reverse("login"), {"username": "claire", "password": PASSWORD})
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(AuditEvent.objects.count(), 0)

    def test_staff_creation_is_rolled_back_when_its_audit_event_cannot_be_written(self):
        from practice.models import User
        from tests.base import sign_in

        sign_in(self.client, self.avery)
        with self.failing_audit(), self.assertRaises(DatabaseError):
            self.client.post(
                reverse("staff_create"),
                {
                    "username": "ghost",
                    "first_name": "G",
                    "last_name": "H",
                    "email": "g@example.invalid",
                    "role": "counselor",
                },
            )
        self.assertFalse(User.objects.filter(username="ghost").exists())


class BodyParityTest(PracticeTestCase):
    """The SQL audit_body() and Python body_text() write the same text (PostgreSQL)."""

    def test_tricky_values_give_the_same_body(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only")
        from audit.chain import BODY_FIELDS, body_text
        from audit.context import RequestContext, reset, set_current
        from audit.sql import BODY_COLUMNS

        token = set_current(RequestContext(request_id="r" * 32, ip="0:0:0:0:0:0:0:1", user_agent='Agent "x" \\ é'))
        try:
            event = audit.record(
                action="test.parity",
                actor=self.alice,
                reason='quote " backslash \\ newline \n tab \t \x01 € 😀 \x7f',
                object_id="x/ü",
            )
        finally:
            reset(token)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT audit_body({BODY_COLUMNS}) FROM audit_auditevent WHERE seq = %s", [event.seq])
            in_sql = cursor.fetchone()[0]
        stored = AuditEvent.objects.get(seq=event.seq)
        self.assertEqual(body_text({f: getattr(stored, f) for f in BODY_FIELDS}), in_sql)
        self.assertEqual(stored.ip, "::1")
