"""Key rotation finishes with disclosures present, --check proves the old key can go,
every page reads without it, and the append-only tables open to nothing else."""

import io
import re
from datetime import date
from unittest import mock

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.urls import reverse

import audit
from audit.models import AuditEvent, FlagReview, Outcome
from audit.services import maintenance
from consent import services as consent
from consent.models import Disclosure
from records import rotation, services
from records.fields import crypter
from records.models import PsychotherapyNote
from tests.consent.base import BASE_URL, RECIPIENT, ConsentTestCase


def rotate(*args):
    out = io.StringIO()
    call_command("rotate_encryption_key", "--no-progress", "--batch-size", "2", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class RotationWithDisclosuresTest(ConsentTestCase):
    def setUp(self):
        self.note = self.signed_note()
        services.addendum_create(actor=self.alice, note_id=self.note.pk, text="A later addition.")
        self.pn = services.psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 5, 5), text="Process."
        )
        self.auth = self.signed()
        mail.outbox.clear()
        self.disclosure = self.share()
        self.legal = consent.disclose_without_authorization(
            actor=self.alice,
            record_number=self.rec.record_number,
            base_url=BASE_URL,
            legal_basis="duty_to_warn",
            justification="A specific, credible threat against an identified person.",
            **self.request(
                recipient_name="County Sheriff",
                recipient_organization="",
                recipient_email="sheriff@example.invalid",
                purpose="other",
            ),
        )
        self.old = list(settings.FIELD_ENCRYPTION_KEY)
        self.new = Fernet.generate_key().decode()

    def raw_disclosure_values(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT recipient_name, package, purpose, package_sha256 FROM consent_disclosure ORDER BY id"
            )
            return cursor.fetchall()

    def test_rotation_finishes_check_passes_and_every_page_reads_without_the_old_key(self):
        before = self.raw_disclosure_values()
        with override_settings(FIELD_ENCRYPTION_KEY=[self.new, *self.old]):
            with self.assertRaises(CommandError) as caught:
                rotate("--check")
            self.assertIn("consent.Disclosure.package", str(caught.exception))
            self.assertOneEvent("key_rotation.check", outcome=Outcome.ERROR)
            output = rotate()
            self.assertIn("Run with --check", output)
            self.assertIn("Every value decrypts with the newest key alone", rotate("--check"))
        after = self.raw_disclosure_values()
        for (name0, package0, purpose0, sha0), (name1, package1, purpose1, sha1) in zip(before, after, strict=True):
            self.assertNotEqual(name0, name1)  # re-encrypted...
            self.assertNotEqual(package0, package1)
            self.assertEqual((purpose0, sha0), (purpose1, sha1))  # ...and nothing else changed
        self.assertOneEvent("key_rotation.start")
        finish = self.assertOneEvent("key_rotation.finish", outcome=Outcome.ALLOWED)
        self.assertRegex(finish.reason, r"rotated=[1-9]")
        rotated_tables = {e.object_id for e in self.events("maintenance.rotation")}
        self.assertEqual(rotated_tables, {"consent_disclosure"})
        self.assertFalse(self.events("key_rotation.error"))

        with override_settings(FIELD_ENCRYPTION_KEY=[self.new]):
            rotate("--check")
            self.assertEqual(len(self.events("key_rotation.check", outcome=Outcome.ALLOWED)), 2)
            self.walk_every_page()

    def walk_every_page(self):
        self.sign_in(self.alice)
        for url, text in (
            (reverse("caseload"), "Ellery"),
            (reverse("chart", args=[self.rec.record_number]), "Morgan"),
            (reverse("note_detail", args=[self.note.pk]), "Continue weekly."),
            (reverse("note_detail", args=[self.note.pk]), "A later addition."),
            (reverse("note_print", args=[self.note.pk]), "Continue weekly."),
            (reverse("psychotherapy_note_detail", args=[self.pn.pk]), "Process."),
            (reverse("authorization_detail", args=[self.auth.pk]), RECIPIENT["recipient_name"]),
            (reverse("accounting", args=[self.rec.record_number]), "County Sheriff"),
        ):
            response = self.client.get(url)
            self.assertContains(response, text, msg_prefix=url)
        for url in (
            reverse("accounting_pdf", args=[self.rec.record_number]),
            reverse("authorization_pdf", args=[self.auth.pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 200, url)
        self.sign_in(self.avery)
        self.assertContains(self.client.get(reverse("admin_clients")), "Ellery")
        self.sign_in(self.claire)
        self.assertContains(self.client.get(reverse("portal_home")), RECIPIENT["recipient_name"])
        self.assertContains(self.client.get(reverse("portal_accounting")), RECIPIENT["recipient_name"])
        # The recipient's download: the disclosure's package, decrypted under the new key.
        self.client.logout()
        link, code = self.delivery_for(RECIPIENT["recipient_email"])
        page = self.client.post(link, {"code": code}).content.decode()
        grant = re.search(r'name="grant" value="([^"]+)"', page).group(1)
        response = self.client.post(link, {"grant": grant})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertFalse(self.events("record.decrypt_failed"))

    def delivery_for(self, email):
        bodies = [m.body for m in mail.outbox if m.to == [email]]
        link = re.search(r"https?://[^/\s]+(/d/[^\s]+/)", bodies[0]).group(1)
        code = re.search(r"\b(\d{8})\b", bodies[1]).group(1)
        return link, code

    def test_an_interrupted_rotation_writes_its_error_and_the_next_run_finishes(self):
        real = rotation._batches
        calls = {"n": 0}

        def interrupted(model, batch_size):
            for batch in real(model, batch_size):
                calls["n"] += 1
                if calls["n"] == 3:
                    raise KeyboardInterrupt
                yield batch

        with override_settings(FIELD_ENCRYPTION_KEY=[self.new, *self.old]):
            with mock.patch.object(rotation, "_batches", interrupted), self.assertRaises(KeyboardInterrupt):
                rotate()
            self.assertOneEvent("key_rotation.error", outcome=Outcome.ERROR)
            self.assertFalse(self.events("key_rotation.finish"))
            rotate()
            self.assertOneEvent("key_rotation.finish", outcome=Outcome.ALLOWED)
            rotate("--check")
        with override_settings(FIELD_ENCRYPTION_KEY=[self.new]):
            self.assertEqual(Disclosure.objects.get(pk=self.legal.disclosure_id).recipient_name, "County Sheriff")
            self.assertEqual(PsychotherapyNote.objects.get().text, "Process.")

    def test_a_value_no_key_reads_stops_the_rotation_with_an_error_event(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE records_sessionnote SET content = %s WHERE id = %s",
                [Fernet(Fernet.generate_key()).encrypt(b"x").decode(), self.note.pk],
            )
        with override_settings(FIELD_ENCRYPTION_KEY=[self.new, *self.old]), self.assertRaises(CommandError) as caught:
            rotate()
        self.assertIn("records.SessionNote.content", str(caught.exception))
        self.assertOneEvent("key_rotation.error", outcome=Outcome.ERROR)

    def test_check_fails_while_a_value_is_under_the_old_key(self):
        with override_settings(FIELD_ENCRYPTION_KEY=[self.new, *self.old]):
            rotate()
            # A process still running with only the old key wrote this afterwards.
            with connection.cursor() as cursor:
                cursor.execute("SELECT id, text FROM records_addendum")
                pk, token = cursor.fetchone()
                plaintext = crypter().decrypt(token.encode())
                cursor.execute(
                    "UPDATE records_addendum SET text = %s WHERE id = %s",
                    [Fernet(self.old[0]).encrypt(plaintext).decode(), pk],
                )
            with self.assertRaises(CommandError) as caught:
                rotate("--check")
            self.assertIn("records.Addendum.text=1", str(caught.exception))
            rotate()
            rotate("--check")


class AppendOnlyStillRefusesTest(ConsentTestCase):
    """The rotation mode opens the ciphertext columns of disclosure records to UPDATE,
    inside one transaction, and nothing else, ever."""

    def setUp(self):
        self.signed_note()
        self.signed()
        self.disclosure = self.share()
        event = audit.record(action="test.event")
        FlagReview.objects.create(event=event, kind="denied", reviewer=self.avery, comment="Looked at.")
        self.token = Fernet(settings.FIELD_ENCRYPTION_KEY[0]).encrypt(b"x").decode()

    def assertRefused(self, sql, params=(), mode=True):
        with self.assertRaises(DatabaseError, msg=sql), transaction.atomic():
            if mode:
                with maintenance("rotation", table="test"), connection.cursor() as cursor:
                    cursor.execute(sql, params)
            else:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)

    def test_every_other_change_is_refused_in_rotation_mode_and_out_of_it(self):
        pk = self.disclosure.pk
        refused = [
            ("UPDATE consent_disclosure SET purpose = 'other' WHERE id = %s", [pk]),
            ("UPDATE consent_disclosure SET package_sha256 = 'x' WHERE id = %s", [pk]),
            ("UPDATE consent_disclosure SET package = %s, purpose = 'other' WHERE id = %s", [self.token, pk]),
            ("DELETE FROM consent_disclosure WHERE id = %s", [pk]),
            ("UPDATE audit_auditevent SET reason = 'x'", []),
            ("DELETE FROM audit_auditevent", []),
            ("UPDATE audit_flagreview SET comment = 'x'", []),
            ("DELETE FROM audit_flagreview", []),
        ]
        for sql, params in refused:
            self.assertRefused(sql, params, mode=True)
            self.assertRefused(sql, params, mode=False)
        # The ciphertext column alone: refused without the mode...
        self.assertRefused("UPDATE consent_disclosure SET package = %s WHERE id = %s", [self.token, pk], mode=False)
        if connection.vendor == "postgresql":
            for table in ("consent_disclosure", "audit_auditevent", "audit_flagreview"):
                self.assertRefused(f"TRUNCATE {table} CASCADE", mode=True)
                self.assertRefused(f"TRUNCATE {table} CASCADE", mode=False)
        self.assertEqual(Disclosure.objects.count(), 1)

    def test_the_mode_ends_with_its_block_and_is_recorded(self):
        pk = self.disclosure.pk
        before = AuditEvent.objects.count()
        with transaction.atomic():
            with maintenance("rotation", table="consent_disclosure", reason="test"), connection.cursor() as cursor:
                cursor.execute("UPDATE consent_disclosure SET package = %s WHERE id = %s", [self.token, pk])
            # ...accepted in the mode, and the mode is over once its block ends.
            with self.assertRaises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE consent_disclosure SET package = %s WHERE id = %s", [self.token, pk])
        self.assertEqual(AuditEvent.objects.count(), before + 1)
        self.assertOneEvent("maintenance.rotation", object_id="consent_disclosure")

    def test_an_unknown_mode_opens_nothing(self):
        with (
            self.assertRaises(DatabaseError),
            transaction.atomic(),
            maintenance("disposal", table="consent_disclosure"),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE consent_disclosure SET package = %s", [self.token])


class RotationCoversEveryEncryptedTableTest(ConsentTestCase):
    def test_every_model_with_encrypted_fields_is_rotated(self):
        labels = {m._meta.label for m in rotation.encrypted_models()}
        expected = {"records.Client", "records.SessionNote", "records.Addendum", "records.PsychotherapyNote"}
        expected |= {"consent.Disclosure", "consent.Authorization"}
        self.assertLessEqual(expected, labels)
