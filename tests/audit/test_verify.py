"""verify_audit_chain finds changed, missing, inserted and reordered events, and an
anchor catches a log rewritten from scratch."""

import io
import json
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.db import connection

import audit
from audit.chain import BODY_FIELDS, body_text, chain_hash
from audit.db import triggers_suspended
from audit.models import AuditEvent, ChainVerification
from tests.base import PracticeTestCase


def run_verify(*args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_chain", "--no-progress", *args, stdout=out, stderr=err)
        return 0, out.getvalue()
    except SystemExit as exc:
        return exc.code, err.getvalue()


def raw(sql, params=()):
    with triggers_suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


class VerifyTest(PracticeTestCase):
    def setUp(self):
        for i in range(10):
            audit.record(action="test.event", actor=self.alice, object_type="thing", object_id=i)

    def test_intact_log_verifies_and_the_verdict_is_kept_and_audited(self):
        code, out = run_verify()
        self.assertEqual(code, 0)
        self.assertIn("OK: 10 events verified", out)
        self.assertTrue(ChainVerification.objects.get().ok)
        self.assertOneEvent("audit.verify")

    def test_changed_event(self):
        raw("UPDATE audit_auditevent SET reason = 'edited' WHERE seq = 4")
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn("FAILED at seq 4: changed", err)
        verdict = ChainVerification.objects.get()
        self.assertEqual((verdict.ok, verdict.bad_seq, verdict.problem), (False, 4, "changed"))

    def test_missing_event(self):
        raw("DELETE FROM audit_auditevent WHERE seq = 6")
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn("FAILED at seq 6: missing", err)

    def test_inserted_event(self):
        # A forged event whose own hash is right but which does not link to seq 10.
        last = AuditEvent.objects.get(seq=10)
        values = {f: getattr(last, f) for f in BODY_FIELDS} | {"reason": "forged"}
        forged_prev = "f" * 64
        digest = chain_hash(11, forged_prev, body_text(values))
        raw(
            "INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_username, actor_role, action, client_id,"
            " outcome, object_type, object_id, reason, ip, user_agent, request_id, prev_hash, hash)"
            " VALUES (11, %s, %s, %s, %s, %s, NULL, %s, %s, %s, %s, NULL, %s, %s, %s, %s)",
            [
                last.occurred_at,
                last.actor_id,
                last.actor_username,
                last.actor_role,
                last.action,
                last.outcome,
                last.object_type,
                last.object_id,
                "forged",
                last.user_agent,
                last.request_id,
                forged_prev,
                digest,
            ],
        )
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn("FAILED at seq 11: inserted", err)

    def test_swapped_events(self):
        raw("UPDATE audit_auditevent SET seq = 1000 WHERE seq = 5")
        raw("UPDATE audit_auditevent SET seq = 5 WHERE seq = 6")
        raw("UPDATE audit_auditevent SET seq = 6 WHERE seq = 1000")
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn("FAILED at seq 5: reordered", err)
        self.assertIn("written as seq 6", err)


class AnchorTest(PracticeTestCase):
    def setUp(self):
        for i in range(5):
            audit.record(action="test.event", actor=self.alice, object_id=i)
        self.path = Path(tempfile.mkdtemp()) / "anchor.json"
        call_command("audit_anchor", "--output", str(self.path), stdout=io.StringIO())

    def test_anchor_is_signed_and_audited(self):
        anchor = json.loads(self.path.read_text())
        self.assertEqual(anchor["seq"], 5)
        self.assertEqual(len(anchor["hmac"]), 64)
        self.assertOneEvent("audit.anchor")

    def test_intact_log_matches_its_anchor(self):
        code, out = run_verify("--anchor", str(self.path))
        self.assertEqual(code, 0, out)
        self.assertIn("matches the anchor", out)

    def test_a_log_rewritten_from_scratch_fails_against_the_anchor(self):
        rows = list(AuditEvent.objects.order_by("seq"))
        raw("DELETE FROM audit_auditevent")
        prev = "0" * 64
        for event in rows:
            values = {f: getattr(event, f) for f in BODY_FIELDS}
            if event.seq == 3:
                values["reason"] = "rewritten"
            digest = chain_hash(event.seq, prev, body_text(values))
            raw(
                "INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_username, actor_role, action,"
                " client_id, outcome, object_type, object_id, reason, ip, user_agent, request_id, prev_hash, hash)"
                " VALUES (%s, %s, %s, %s, %s, %s, NULL, %s, %s, %s, %s, NULL, %s, %s, %s, %s)",
                [
                    event.seq,
                    event.occurred_at,
                    event.actor_id,
                    event.actor_username,
                    event.actor_role,
                    event.action,
                    event.outcome,
                    event.object_type,
                    event.object_id,
                    values["reason"],
                    event.user_agent,
                    event.request_id,
                    prev,
                    digest,
                ],
            )
            prev = digest
        # The owner rewrites the chain head as well (its last hash).
        raw("UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [rows[-1].seq, prev])
        self.assertEqual(run_verify()[0], 0)  # internally consistent: only the anchor tells
        code, err = run_verify("--anchor", str(self.path))
        self.assertEqual(code, 1)
        self.assertIn("rewritten up to the anchored event", err)

    def test_a_forged_anchor_is_refused(self):
        anchor = json.loads(self.path.read_text())
        anchor["hash"] = "0" * 64
        self.path.write_text(json.dumps(anchor))
        code, err = run_verify("--anchor", str(self.path))
        self.assertEqual(code, 1)
        self.assertIn("HMAC is wrong", err)
