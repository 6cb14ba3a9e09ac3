"""The lock order written down in audit.services, checked:

- no service opens its own transaction.atomic(): writing services use audit.writing(),
  which takes the chain lock first;
- every select_for_update locks only its own table's rows, FOR NO KEY UPDATE;
- on PostgreSQL, each writing service's statements: the chain lock comes before any row
  lock or change.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from django.core import mail
from django.db import connection
from django.test import TestCase

from consent import services as consent_services
from consent.models import DeliveryLink
from consent.text import render_text, text_sha256
from records import services
from tests.consent.base import BASE_URL, ConsentTestCase

ROOT = Path(__file__).resolve().parent.parent
# Every first-party app (a folder with an apps.py).
APPS = sorted(path.parent.name for path in ROOT.glob("*/apps.py"))


def _sources(pattern: str):
    for app in APPS:
        for path in sorted((ROOT / app).rglob(pattern)):
            if "migrations" not in path.parts:
                yield path


def _service_modules():
    for app in APPS:
        base = ROOT / app
        yield from ([base / "services.py"] if (base / "services.py").exists() else [])
        yield from sorted((base / "services").glob("*.py")) if (base / "services").is_dir() else []


class LockOrderInTheSourceTest(TestCase):
    def test_services_open_writing_transactions_only_through_audit_writing(self):
        offenders = []
        for path in _service_modules():
            if path == ROOT / "audit" / "services.py":
                continue  # where audit.writing() itself lives
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"transaction\.atomic\(", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
        self.assertEqual(offenders, [], "use audit.writing() (the lock order in audit/services.py)")

    def test_every_row_lock_is_on_its_own_rows_and_no_key(self):
        found, offenders = 0, []
        for path in _sources("*.py"):
            text = path.read_text()
            for match in re.finditer(r"select_for_update\(([^)]*\)?[^)]*)\)", text):
                found += 1
                args = match.group(1)
                if 'of=("self",)' not in args or "no_key=True" not in args:
                    offenders.append(f"{path.relative_to(ROOT)}: select_for_update({args})")
        self.assertGreater(found, 5)  # the scan sees the services' locks
        self.assertEqual(offenders, [])


class ChainLockComesFirstTest(ConsentTestCase):
    """PostgreSQL: the statements each writing service sends, in order."""

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only: the advisory lock")

    def statements(self, call):
        sent = []

        def capture(execute, sql, params, many, context):
            sent.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            result = call()
        return result, sent

    def assertChainLockFirst(self, call):
        result, sent = self.statements(call)
        lock = next((i for i, sql in enumerate(sent) if "pg_advisory_xact_lock" in sql), None)
        self.assertIsNotNone(lock, "the service never took the chain lock")
        for i, sql in enumerate(sent):
            upper = sql.upper()
            if "FOR UPDATE" in upper:
                self.fail(f"a FOR UPDATE lock (use no_key=True): {sql[:200]}")
            changes = "FOR NO KEY UPDATE" in upper or re.match(r"\s*(INSERT|UPDATE|DELETE)\b", upper)
            if changes or "AUDIT_APPEND" in upper:
                self.assertGreater(i, lock, f"before the chain lock: {sql[:200]}")
        return result

    def test_note_services(self):
        note = self.write_note()
        note = self.assertChainLockFirst(
            lambda: services.note_update(
                actor=self.alice,
                note_id=note.pk,
                version=1,
                date_of_service=date(2026, 11, 2),
                duration_minutes=50,
                service_type="individual",
                template="soap",
                sections={"plan": "x"},
            )
        )
        self.assertChainLockFirst(lambda: services.note_sign(actor=self.alice, note_id=note.pk))
        self.assertChainLockFirst(lambda: services.addendum_create(actor=self.alice, note_id=note.pk, text="more"))

    def test_cosign(self):
        services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        self.alice.refresh_from_db()
        note = self.signed_note()
        self.assertChainLockFirst(lambda: services.note_return(actor=self.sam, note_id=note.pk, comment="Revise."))
        # The author's answer locks the note, then its return.
        self.assertChainLockFirst(lambda: services.addendum_create(actor=self.alice, note_id=note.pk, text="Done."))
        self.assertChainLockFirst(lambda: services.note_cosign(actor=self.sam, note_id=note.pk))

    def test_supervision_and_discharge(self):
        self.assertChainLockFirst(
            lambda: services.set_supervision(
                actor=self.avery, counselor=self.bob, supervisor=self.sam, pre_licensed=True
            )
        )
        self.assertChainLockFirst(
            lambda: services.client_set_status(actor=self.alice, record_number=self.rec.record_number, discharged=True)
        )

    def test_authorization_sign_revoke_share_and_download(self):
        auth = self.prepare()
        consent_services.authorization_send(actor=self.alice, auth_id=auth.pk, request_base_url=BASE_URL)
        auth.refresh_from_db()
        self.assertChainLockFirst(
            lambda: consent_services.authorization_sign(
                actor=self.claire,
                auth_id=auth.pk,
                typed_name="Morgan Ellery",
                agree=True,
                shown_sha256=text_sha256(render_text(auth)),
                signature_image="",
                ip="192.0.2.5",
                user_agent="Test",
            )
        )
        self.signed_note()
        self.assertChainLockFirst(lambda: self.share())
        link = DeliveryLink.objects.get()
        token = re.search(r"/d/([\w-]+)/", mail.outbox[-2].body).group(1)
        code = re.search(r"code .*: (\d+)", mail.outbox[-1].body).group(1)
        grant = {}
        self.assertChainLockFirst(
            lambda: grant.setdefault("value", consent_services.delivery_unlock(token=token, code=code)[1])
        )
        self.assertChainLockFirst(lambda: consent_services.delivery_download(token=token, grant=grant["value"]))
        self.assertEqual(DeliveryLink.objects.get(pk=link.pk).downloads, 1)
        self.assertChainLockFirst(lambda: consent_services.authorization_revoke(actor=self.claire, auth_id=auth.pk))

    def test_clinical_record_services(self):
        from clinical import services as clinical_services
        from tests.clinical.base import draft_plan, sample_problems

        diagnosis = self.assertChainLockFirst(
            lambda: clinical_services.diagnosis_add(
                actor=self.alice, record_number=self.rec.record_number, code="F41.1", kind="primary"
            )
        )
        self.assertChainLockFirst(
            lambda: clinical_services.diagnosis_revise(
                actor=self.alice, diagnosis_id=diagnosis.pk, kind="secondary", onset_date=None, resolved_date=None
            )
        )
        plan = draft_plan(self.alice, self.rec)
        self.assertChainLockFirst(
            lambda: clinical_services.plan_update(
                actor=self.alice, plan_id=plan.pk, edits=1, problems=sample_problems("x"), review_date=plan.review_date
            )
        )
        shown = clinical_services.plan_for_signing(actor=self.alice, plan_id=plan.pk).shown_sha256
        self.assertChainLockFirst(
            lambda: clinical_services.plan_sign(actor=self.alice, plan_id=plan.pk, shown_sha256=shown)
        )
        self.assertChainLockFirst(lambda: clinical_services.my_plan_acknowledge(actor=self.claire, plan_id=plan.pk))
        measure = self.assertChainLockFirst(
            lambda: clinical_services.measure_assign(
                actor=self.alice, record_number=self.rec.record_number, instrument="phq9"
            )
        )
        self.assertChainLockFirst(
            lambda: clinical_services.my_measure_complete(
                actor=self.claire, measure_id=measure.pk, instrument="phq9", answers=[1] * 9, base_url=BASE_URL
            )
        )
        self.assertChainLockFirst(
            lambda: clinical_services.measure_alert_review(actor=self.alice, measure_id=measure.pk)
        )
