"""A wrong FIELD_ENCRYPTION_KEY is refused at start, with a message naming it, and
nothing is written under it."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase, override_settings

from records import keycheck
from records.keycheck import KeyCheckFailed
from tests.records.base import RecordsTestCase

ROOT = Path(__file__).resolve().parents[2]


class KeyCheckStatesTest(RecordsTestCase):
    def setUp(self):
        if keycheck.state(connection) == keycheck.EMPTY:  # emptied by an earlier flush
            keycheck.write_initial(connection)
        self.key = list(settings.FIELD_ENCRYPTION_KEY)
        self.new = Fernet.generate_key().decode()

    def test_the_configured_key_reads_the_check_value(self):
        self.assertEqual(keycheck.state(connection), keycheck.OK)
        self.assertEqual(keycheck.enforce(connection), keycheck.OK)

    def test_a_wrong_key_is_refused_with_a_message_naming_the_variable(self):
        keycheck.forget()
        with override_settings(FIELD_ENCRYPTION_KEY=[self.new]), self.assertRaises(KeyCheckFailed) as caught:
            keycheck.enforce(connection)
        self.assertIn("FIELD_ENCRYPTION_KEY", str(caught.exception))
        self.assertIn("Nothing was written", str(caught.exception))

    def test_a_new_key_first_is_refused_until_the_rotation_moves_the_check_value(self):
        keycheck.forget()
        with override_settings(FIELD_ENCRYPTION_KEY=[self.new, *self.key]):
            with self.assertRaises(KeyCheckFailed) as caught:
                keycheck.enforce(connection)
            self.assertIn("rotate_encryption_key --prepare", str(caught.exception))
            self.assertEqual(keycheck.enforce(connection, allow_pending=True), keycheck.PENDING)
            self.assertTrue(keycheck.rotate_check_value(connection))
            keycheck.forget()
            self.assertEqual(keycheck.enforce(connection), keycheck.OK)
        # From then on the old key alone is refused: data is moving to the new key.
        keycheck.forget()
        with override_settings(FIELD_ENCRYPTION_KEY=self.key), self.assertRaises(KeyCheckFailed):
            keycheck.enforce(connection)
        keycheck.forget()

    def test_a_rotation_never_starts_from_a_wrong_list(self):
        with override_settings(FIELD_ENCRYPTION_KEY=[self.new]), self.assertRaises(KeyCheckFailed):
            keycheck.rotate_check_value(connection)

    def test_an_emptied_check_table_is_refilled_only_by_a_key_that_reads_the_data(self):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM records_keycheck")
        keycheck.forget()
        with override_settings(FIELD_ENCRYPTION_KEY=[self.new]), self.assertRaises(KeyCheckFailed):
            keycheck.enforce(connection)
        self.assertEqual(keycheck.state(connection), keycheck.EMPTY)
        self.assertEqual(keycheck.enforce(connection), keycheck.OK)
        self.assertEqual(keycheck.state(connection), keycheck.OK)


def _run(args, env, timeout=180):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


class WrongKeyAtStartTest(TransactionTestCase):
    """Real processes against their own database: manage.py, the WSGI module, gunicorn."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp, True)
        if connection.vendor == "postgresql":
            db = connection.settings_dict
            self.dbname = f"keycheck_{uuid.uuid4().hex[:10]}"
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {self.dbname}")
            self.addCleanup(self._drop)
            password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
            host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            self.url = f"postgresql://{db['USER']}{password}@{host}/{self.dbname}"
        else:
            self.url = f"sqlite:///{self.tmp / 'practice.sqlite3'}"
        self.right = Fernet.generate_key().decode()
        self.wrong = Fernet.generate_key().decode()

    def _drop(self):
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")

    def env(self, key):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "PYTEST"))}
        env.update(
            DJANGO_SETTINGS_MODULE="practice.settings",
            DJANGO_DEBUG="1",
            DJANGO_DATA_DIR=str(self.tmp),
            DATABASE_URL=self.url,
            SECRET_KEY="test-only-secret",
            AUDIT_ANCHOR_KEY="test-only-anchor",
            FIELD_ENCRYPTION_KEY=key,
            EMAIL_BACKEND="console",
        )
        return env

    def manage(self, key, *args):
        return _run([sys.executable, "manage.py", *args], self.env(key))

    def counts(self):
        sql = "SELECT (SELECT count(*) FROM records_client), (SELECT count(*) FROM audit_auditevent)"
        if connection.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql).fetchone()
        with sqlite3.connect(self.tmp / "practice.sqlite3") as conn:
            return conn.execute(sql).fetchone()

    CREATE_CLIENT = (
        "from datetime import date; from practice.models import User; from records import services; "
        "from audit.context import operator_context\n"
        "with operator_context('test'):\n"
        "    admin = User.objects.get_or_create(username='adm', defaults={'role': 'practice_admin'})[0]\n"
        "    services.client_create(actor=admin, first_name='Robin', last_name='Quay', date_of_birth=date(1980, 1, 1)"
        ")\n"
        "print('created')"
    )

    def assertRefused(self, result, fragment="FIELD_ENCRYPTION_KEY"):
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn(fragment, result.stderr)
        self.assertNotIn("created", result.stdout)

    def test_a_wrong_key_is_refused_everywhere_and_writes_nothing(self):
        migrated = self.manage(self.right, "migrate", "--no-input", "-v", "0")
        self.assertEqual(migrated.returncode, 0, migrated.stderr)
        made = self.manage(self.right, "shell", "-c", self.CREATE_CLIENT)
        self.assertIn("created", made.stdout, made.stderr)
        before = self.counts()
        self.assertEqual(before[0], 1)

        result = self.manage(self.wrong, "shell", "-c", self.CREATE_CLIENT)
        self.assertRefused(result)
        self.assertNotIn("Traceback", result.stderr)
        self.assertRefused(self.manage(self.wrong, "migrate", "--no-input"))
        self.assertRefused(_run([sys.executable, "-c", "import practice.wsgi"], self.env(self.wrong)))
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if gunicorn.exists():
            served = _run(
                [str(gunicorn), "practice.wsgi", "--bind", "127.0.0.1:0", "--workers", "1", "--timeout", "60"],
                self.env(self.wrong),
                timeout=120,
            )
            self.assertRefused(served)
        self.assertEqual(self.counts(), before)

        # A new key first is refused until the rotation (or --prepare) moves the check value.
        self.assertRefused(self.manage(f"{self.wrong},{self.right}", "shell", "-c", self.CREATE_CLIENT), "--prepare")
        self.assertEqual(self.counts(), before)
        prepared = self.manage(f"{self.wrong},{self.right}", "rotate_encryption_key", "--prepare")
        self.assertEqual(prepared.returncode, 0, prepared.stderr)
        self.assertIn("created", self.manage(f"{self.wrong},{self.right}", "shell", "-c", self.CREATE_CLIENT).stdout)
        # ...and from then on the old key alone is refused.
        after = self.counts()
        self.assertRefused(self.manage(self.right, "shell", "-c", self.CREATE_CLIENT))
        self.assertEqual(self.counts(), after)
