"""The audit tail: deleting the last events is detected, their sequence numbers are never
handed out again, and anchors are written outside the database every N events and
every M minutes and checked by verification by default."""

import io
import json
import tempfile
from datetime import timedelta
from pathlib import Path

import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

import audit
from audit import anchors
from audit.models import AuditEvent, ChainHead
from tests.audit.test_verify import raw, run_verify
from tests.base import PracticeTestCase


class DeletedTailTest(PracticeTestCase):
    def setUp(self):
        for i in range(10):
            audit.record(action="test.event", actor=self.alice, object_id=i)

    def test_a_deleted_tail_is_named_missing(self):
        raw("DELETE FROM audit_auditevent WHERE seq > 7")
        code, err = run_verify("--no-anchor")
        self.assertEqual(code, 1)
        self.assertIn("FAILED at seq 8: missing", err)
        self.assertIn("events 8..10 are gone", err)

    def test_after_a_deleted_tail_new_events_take_new_numbers(self):
        raw("DELETE FROM audit_auditevent WHERE seq > 7")
        event = audit.record(action="test.after")
        self.assertEqual(event.seq, 11)
        self.assertEqual(ChainHead.objects.get().seq, 11)
        self.assertFalse(AuditEvent.objects.filter(seq__in=[8, 9, 10]).exists())
        code, err = run_verify("--no-anchor")
        self.assertEqual(code, 1)
        self.assertIn("FAILED at seq 8: missing", err)

    def test_events_written_around_audit_append_are_not_collided_with(self):
        last = AuditEvent.objects.get(seq=10)
        raw(
            "INSERT INTO audit_auditevent (seq, occurred_at, actor_username, actor_role, action, outcome,"
            " object_type, object_id, reason, user_agent, request_id, prev_hash, hash)"
            " VALUES (11, %s, '', '', 'forged', 'allowed', '', '', '', '', '', %s, %s)",
            [last.occurred_at, "f" * 64, "e" * 64],
        )
        self.assertEqual(audit.record(action="test.after").seq, 12)
        code, err = run_verify("--no-anchor")
        self.assertEqual(code, 1)
        self.assertIn("FAILED at seq 11", err)


class AnchorFileTest(PracticeTestCase):
    def setUp(self):
        self.path = Path(tempfile.mkdtemp()) / "anchors.jsonl"
        self.settings_override = override_settings(
            AUDIT_ANCHOR_FILE=str(self.path), AUDIT_ANCHOR_EVERY_EVENTS=5, AUDIT_ANCHOR_EVERY_MINUTES=10
        )
        self.settings_override.enable()
        self.addCleanup(self.settings_override.disable)
        anchors._state.update(checked_at=0.0, file_time=0.0)

    def write(self, n):
        for i in range(n):
            with self.captureOnCommitCallbacks(execute=True):
                audit.record(action="test.event", actor=self.alice, object_id=i)

    def lines(self):
        return [json.loads(line) for line in self.path.read_text().splitlines()]

    def test_an_anchor_every_n_events_after_commit(self):
        self.write(12)
        # The first event (no anchor yet, so one is due at once), then every fifth.
        self.assertEqual([a["seq"] for a in self.lines()], [1, 5, 10])
        for anchor in self.lines():
            self.assertEqual(AuditEvent.objects.get(seq=anchor["seq"]).hash, anchor["hash"])
            self.assertEqual(len(anchor["hmac"]), 64)

    def test_nothing_is_anchored_before_the_event_commits(self):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            audit.record(action="test.event")
        self.assertFalse(self.path.exists())
        self.assertEqual(len(callbacks), 1)

    def test_an_anchor_every_m_minutes(self):
        self.write(2)
        self.assertEqual([a["seq"] for a in self.lines()], [1])
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            self.write(1)
        self.assertEqual([a["seq"] for a in self.lines()], [1, 3])

    def test_the_scheduled_command_appends_to_the_file(self):
        self.write(2)
        out = io.StringIO()
        call_command("audit_anchor", stdout=out)
        self.assertIn(f"appended to {self.path}", out.getvalue())
        self.assertEqual([a["seq"] for a in self.lines()], [1, 2])
        self.assertOneEvent("audit.anchor")

    def test_verification_checks_the_latest_anchor_by_default(self):
        self.write(10)
        code, out = run_verify()
        self.assertEqual(code, 0, out)
        self.assertIn("matches the anchor (latest: seq 10", out)

    def test_a_deleted_tail_with_a_rewritten_head_is_caught_by_the_anchor(self):
        self.write(10)
        # The owner deletes the tail and rewrites the head, so the chain alone looks whole.
        raw("DELETE FROM audit_auditevent WHERE seq > 7")
        seven = AuditEvent.objects.get(seq=7)
        raw("UPDATE audit_chainhead SET seq = 7, hash = %s WHERE id = 1", [seven.hash])
        self.assertEqual(run_verify("--no-anchor")[0], 0)
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn("FAILED at seq 10: anchor (the anchored event is gone)", err)

    def test_a_forged_last_anchor_fails(self):
        self.write(5)
        forged = self.lines()[-1] | {"hash": "0" * 64}
        with self.path.open("a") as handle:
            handle.write(json.dumps(forged) + "\n")
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn("HMAC is wrong", err)

    def test_a_missing_anchor_file_fails_once_anchors_were_due(self):
        self.write(6)
        self.path.unlink()
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn("no anchor in", err)

    def test_the_review_page_verification_checks_the_latest_anchor(self):
        self.write(5)
        raw("DELETE FROM audit_auditevent WHERE seq > 3")
        raw("UPDATE audit_chainhead SET seq = 3, hash = (SELECT hash FROM audit_auditevent WHERE seq = 3) WHERE id = 1")
        verdict = audit.services.verify_now(actor=self.avery)
        self.assertFalse(verdict.ok)
        self.assertEqual((verdict.bad_seq, verdict.problem), (5, "anchor"))
