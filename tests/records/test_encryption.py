"""Confidential at rest: no clinical or identifying text in the database, and a wrong
key or a damaged value fails closed."""

import io
import os
import shutil
import subprocess
from datetime import date
from unittest import mock

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from audit.models import Outcome
from records import services
from records.fields import DecryptionError, encrypted_fields
from records.models import Addendum, Client, PsychotherapyNote, SessionNote
from tests.base import make_user
from tests.records.base import RecordsTestCase

CANARY = "CANARY7f3a"


def raw_rows(model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        return cursor.fetchall()


def plant_canaries(admin, counselor):
    client = services.client_create(
        actor=admin,
        first_name=f"{CANARY}first",
        last_name=f"{CANARY}last",
        preferred_name=f"{CANARY}pref",
        date_of_birth=date(1977, 7, 17),
        email=f"{CANARY}@example.invalid",
        phone=f"{CANARY}phone",
        address=f"{CANARY}address",
        emergency_contact=f"{CANARY}emergency",
        counselor=counselor,
    )
    note = services.note_create(
        actor=counselor,
        record_number=client.record_number,
        date_of_service=date(2026, 11, 2),
        duration_minutes=50,
        service_type="individual",
        template="soap",
        sections={"subjective": f"{CANARY}note", "plan": f"{CANARY}plan"},
    )
    services.note_sign(actor=counselor, note_id=note.pk)
    services.addendum_create(actor=counselor, note_id=note.pk, text=f"{CANARY}addendum")
    services.psychotherapy_note_create(
        actor=counselor, record_number=client.record_number, date_of_service=date(2026, 11, 2), text=f"{CANARY}pn"
    )
    return client


class CanaryTest(RecordsTestCase):
    def test_no_canary_in_any_table(self):
        client = plant_canaries(self.avery, self.alice)
        for model in (Client, SessionNote, Addendum, PsychotherapyNote):
            self.assertTrue(encrypted_fields(model))
            for row in raw_rows(model):
                text = " ".join(str(v) for v in row)
                self.assertNotIn(CANARY, text, model)
                self.assertNotIn("1977-07-17", text, model)
        # The ORM still reads every value back.
        self.assertEqual(Client.objects.get(pk=client.pk).first_name, f"{CANARY}first")
        self.assertEqual(Client.objects.get(pk=client.pk).date_of_birth, date(1977, 7, 17))


class PgDumpCanaryTest(TransactionTestCase):
    def test_no_canary_in_a_pg_dump(self):
        if connection.vendor != "postgresql":
            self.skipTest("pg_dump: PostgreSQL only")
        if not shutil.which("pg_dump"):
            self.skipTest("pg_dump is not installed")
        plant_canaries(make_user("adm", "practice_admin"), make_user("cou", "counselor"))
        db = connection.settings_dict
        env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
        dump = subprocess.run(
            [
                "pg_dump",
                "--data-only",
                "-h",
                db["HOST"] or "127.0.0.1",
                "-p",
                str(db["PORT"] or 5432),
                "-U",
                db["USER"],
                db["NAME"],
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=True,
        ).stdout
        self.assertIn("COPY public.records_client", dump)
        self.assertNotIn(CANARY, dump)


class FailClosedTest(RecordsTestCase):
    def test_wrong_key_shows_an_error_page_without_ciphertext_or_plaintext(self):
        self.write_note()
        self.sign_in(self.alice)
        with override_settings(FIELD_ENCRYPTION_KEY=[Fernet.generate_key().decode()]):
            response = self.client.get(reverse("chart", args=[self.rec.record_number]))
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "could not be opened", status_code=500)
        self.assertNotContains(response, "gAAAA", status_code=500)
        self.assertNotContains(response, "Morgan", status_code=500)
        self.assertOneEvent("record.decrypt_failed", actor=self.alice, outcome=Outcome.ERROR)

    def test_damaged_value_fails_closed(self):
        note = self.write_note()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE records_sessionnote SET content = %s WHERE id = %s", ["gAAAAAdamaged", note.pk])
        with self.assertRaises(DecryptionError) as caught:
            SessionNote.objects.get(pk=note.pk)
        self.assertNotIn("gAAAA", str(caught.exception))
        self.sign_in(self.alice)
        response = self.client.get(reverse("note_detail", args=[note.pk]))
        self.assertEqual(response.status_code, 500)
        self.assertNotContains(response, "gAAAA", status_code=500)

    def test_plaintext_written_around_the_field_is_not_shown_as_data(self):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE records_client SET first_name = %s WHERE id = %s", ["Planted", self.rec.pk])
        with self.assertRaises(DecryptionError):
            Client.objects.get(pk=self.rec.pk)


class RotationTest(RecordsTestCase):
    def test_rotate_then_drop_the_old_key_and_everything_reads(self):
        note = self.signed_note()
        services.addendum_create(actor=self.alice, note_id=note.pk, text="later addition")
        old = list(settings.FIELD_ENCRYPTION_KEY)
        new = Fernet.generate_key().decode()
        with override_settings(FIELD_ENCRYPTION_KEY=[new, *old]):
            out = io.StringIO()
            call_command("rotate_encryption_key", "--no-progress", "--batch-size", "1", stdout=out)
            self.assertIn("Re-encrypted", out.getvalue())
        with override_settings(FIELD_ENCRYPTION_KEY=[new]):
            self.assertEqual(Client.objects.get(pk=self.rec.pk).first_name, "Morgan")
            self.assertEqual(SessionNote.objects.get(pk=note.pk).sections["plan"], "Continue weekly.")
            self.assertEqual(Addendum.objects.get().text, "later addition")
            self.assertEqual(SessionNote.objects.get(pk=note.pk).compute_sha256(), note.content_sha256)
        self.assertOneEvent("key_rotation.finish", outcome=Outcome.ALLOWED)

    def test_an_interrupted_rotation_resumes(self):
        from records import rotation

        self.signed_note()
        old = list(settings.FIELD_ENCRYPTION_KEY)
        new = Fernet.generate_key().decode()
        with override_settings(FIELD_ENCRYPTION_KEY=[new, *old]):
            calls = {"n": 0}
            real = rotation._batches

            def interrupted(model, batch_size):
                for batch in real(model, batch_size):
                    calls["n"] += 1
                    if calls["n"] == 2:
                        raise KeyboardInterrupt
                    yield batch

            with mock.patch.object(rotation, "_batches", interrupted), self.assertRaises(KeyboardInterrupt):
                rotation.rotate_all(batch_size=1)
            first = rotation.rotate_all(batch_size=1)
            self.assertGreater(first.already_current, 0)
            self.assertGreater(first.rotated, 0)
            again = rotation.rotate_all(batch_size=1)
            self.assertEqual(again.rotated, 0)
        with override_settings(FIELD_ENCRYPTION_KEY=[new]):
            for model in (Client, SessionNote):
                list(model.objects.all())
