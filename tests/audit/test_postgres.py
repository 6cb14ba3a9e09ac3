"""PostgreSQL only: TRUNCATE is refused, and many processes appending at once leave one
gapless, valid chain."""

import multiprocessing as mp
import os

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test import TestCase, TransactionTestCase

import audit
from audit.models import AuditEvent
from audit.verify import verify_chain

pytestmark = pytest.mark.postgres_only

PROCESSES = 8
EVENTS_PER_PROCESS = 1250


def _skip_unless_postgres(test):
    if connection.vendor != "postgresql":
        test.skipTest("PostgreSQL only")


class AppendOnlyOnPostgresTest(TestCase):
    def setUp(self):
        _skip_unless_postgres(self)
        audit.record(action="test.event")

    def test_truncate_update_and_delete_are_refused(self):
        for sql in (
            "TRUNCATE audit_auditevent CASCADE",
            "UPDATE audit_auditevent SET action = 'x'",
            "DELETE FROM audit_auditevent",
            "TRUNCATE audit_flagreview",
        ):
            with self.assertRaises(DatabaseError, msg=sql), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        self.assertEqual(AuditEvent.objects.count(), 1)


def _writer(n):
    # A fresh connection in each process (the parent closed its own before forking).
    for i in range(n):
        audit.record(action="concurrency.test", object_id=f"{os.getpid()}-{i}")
    connections.close_all()


class ConcurrentWritersTest(TransactionTestCase):
    def test_eight_processes_writing_ten_thousand_events_leave_one_valid_chain(self):
        _skip_unless_postgres(self)
        connections.close_all()
        ctx = mp.get_context("fork")
        procs = [ctx.Process(target=_writer, args=(EVENTS_PER_PROCESS,)) for _ in range(PROCESSES)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=600)
            self.assertEqual(p.exitcode, 0)
        total = PROCESSES * EVENTS_PER_PROCESS
        self.assertEqual(AuditEvent.objects.filter(action="concurrency.test").count(), total)
        seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        verdict = verify_chain()
        self.assertTrue(verdict.ok, str(verdict))
        self.assertEqual(verdict.checked, len(seqs))
