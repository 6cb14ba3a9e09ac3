"""PostgreSQL only: the application's role owns nothing, so it cannot get past the audit
log's protections: no DISABLE TRIGGER, no session_replication_role, no DELETE,
TRUNCATE, ALTER or DROP. It still appends events (audit_append) and reads them."""

import io

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase

import audit
from audit.sql import BODY_ARGS
from audit.verify import verify_chain

pytestmark = pytest.mark.postgres_only


class AppRoleTest(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only: database roles")
        self.role = f"app_{connection.settings_dict['NAME']}"[:63]
        self._drop_role()
        audit.record(action="test.before")

    def tearDown(self):
        if connection.vendor == "postgresql":
            self._drop_role()

    def _drop_role(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [self.role])
            if cursor.fetchone():
                cursor.execute(f'DROP OWNED BY "{self.role}"')
                cursor.execute(f'DROP ROLE "{self.role}"')

    def app_connection(self):
        s = connection.settings_dict
        return psycopg.connect(
            host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, dbname=s["NAME"], user=self.role, autocommit=True
        )

    def refused(self, conn, statement) -> str:
        try:
            conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege as exc:
            return str(exc)
        self.fail(f"the application's role was allowed: {statement}")

    def test_the_app_role_cannot_get_past_the_audit_protections(self):
        out = io.StringIO()
        call_command("app_db_role", self.role, "--create", stdout=out)
        self.assertIn("owns nothing", out.getvalue())
        with self.app_connection() as conn:
            self.assertIn("must be owner", self.refused(conn, "ALTER TABLE audit_auditevent DISABLE TRIGGER USER"))
            self.assertIn("permission denied", self.refused(conn, "SET session_replication_role = replica"))
            self.assertIn("permission denied", self.refused(conn, "DELETE FROM audit_auditevent"))
            self.assertIn("permission denied", self.refused(conn, "UPDATE audit_auditevent SET reason = 'x'"))
            self.assertIn("permission denied", self.refused(conn, "TRUNCATE audit_auditevent"))
            self.assertIn("permission denied", self.refused(conn, "DELETE FROM audit_chainhead"))
            self.assertIn("must be owner", self.refused(conn, "DROP TABLE records_client CASCADE"))
            self.assertIn("must be owner", self.refused(conn, "ALTER TABLE records_client DROP COLUMN email"))
            self.assertIn("permission denied", self.refused(conn, "CREATE TABLE stash (x int)"))
            self.assertIn("must be owner", self.refused(conn, "DROP FUNCTION audit_append"))
            # What it must do, it does: append through audit_append, read the log.
            args = BODY_ARGS.count(",") + 1
            placeholders = ", ".join(["%s"] * args)
            row = conn.execute(
                f"SELECT out_seq FROM audit_append({placeholders})",  # noqa: S608
                ["2026-11-27T00:00:00Z", None, "", "", "test.as_app", None, "allowed", "", "", "", None, "", "r1"],
            ).fetchone()
            self.assertEqual(row[0], 2)
            self.assertEqual(conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0], 2)
        verdict = verify_chain()
        self.assertTrue(verdict.ok, str(verdict))

    def test_a_role_that_owns_tables_is_named_unfit(self):
        call_command("app_db_role", self.role, "--create", stdout=io.StringIO())
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE TABLE owned_by_app (x int); ALTER TABLE owned_by_app OWNER TO "{self.role}"')
        try:
            with self.assertRaisesMessage(CommandError, "owns (or inherits the owner of) owned_by_app"):
                call_command("app_db_role", self.role, stdout=io.StringIO())
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE owned_by_app")
