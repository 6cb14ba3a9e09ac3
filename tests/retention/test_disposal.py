"""Disposal: two different practice admins; afterwards nothing of the client's clinical
or identifying text is left anywhere raw SQL (or pg_dump) can see, while the tombstone,
the certificate and the audit chain remain, and the chain still verifies."""

import io
import os
import shutil
import subprocess

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test import TransactionTestCase
from django.urls import reverse

from audit.models import AuditEvent, Outcome
from audit.verify import verify_chain
from consent.models import Authorization, Disclosure
from emergency.models import EmergencyAccess
from practice.models import AuthenticatorDevice, User
from practice.roles import Role
from records.models import Addendum, Client, PsychotherapyNote, SessionNote
from retention import services
from retention.models import Disposal, LegalHold
from tests.base import current_code, make_user
from tests.retention.base import CANARY, RetentionTestCase, decrypted_tokens, plant_old_client, raw_text_everywhere


def client_ciphertexts(client) -> list[str]:
    """Every encrypted value that belongs to the client, as stored."""
    from records.fields import encrypted_fields

    values = []
    for model, lookup in (
        (Client, "pk"),
        (SessionNote, "client"),
        (Addendum, "note__client"),
        (PsychotherapyNote, "client"),
        (Authorization, "client"),
        (Disclosure, "client"),
        (EmergencyAccess, "client"),
        (LegalHold, "client"),
    ):
        columns = [f.attname for f in encrypted_fields(model)]
        pks = list(model.objects.filter(**{lookup: client.pk}).values_list("pk", flat=True))
        for pk in pks:
            with connection.cursor() as cursor:
                cols = ", ".join(connection.ops.quote_name(c) for c in columns)
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"SELECT {cols} FROM {table} WHERE id = %s", [pk])  # noqa: S608
                values += [v for v in cursor.fetchone() if v]
    return values


class TwoAdminsTest(RetentionTestCase):
    def test_the_proposer_cannot_approve(self):
        disposal = services.disposal_propose(actor=self.avery, record_number=self.old.record_number)
        with self.assertRaisesMessage(services.RetentionRefused, "two different practice admins"):
            services.disposal_approve(actor=self.avery, disposal_id=disposal.pk)
        self.assertTrue(SessionNote.objects.filter(client=self.old).exists())
        self.assertOneEvent("retention.dispose", actor=self.avery, outcome=Outcome.DENIED)
        # The database says so too.
        with self.assertRaises(IntegrityError), transaction.atomic():
            Disposal.objects.filter(pk=disposal.pk).update(approved_by=self.avery)

    def test_the_page_offers_approval_only_to_another_admin(self):
        disposal = services.disposal_propose(actor=self.avery, record_number=self.old.record_number)
        self.sign_in(self.avery)
        self.assertNotContains(
            self.client.get(reverse("retention_overview")), reverse("disposal_approve", args=[disposal.pk])
        )
        self.client.post(reverse("disposal_approve", args=[disposal.pk]))
        self.assertTrue(SessionNote.objects.filter(client=self.old).exists())
        self.sign_in(self.blair)
        self.assertContains(
            self.client.get(reverse("retention_overview")), reverse("disposal_approve", args=[disposal.pk])
        )

    def test_counselors_and_clients_cannot_approve(self):
        disposal = services.disposal_propose(actor=self.avery, record_number=self.old.record_number)
        for user in (self.alice, self.sam, self.claire):
            self.sign_in(user)
            self.assertEqual(self.client.post(reverse("disposal_approve", args=[disposal.pk])).status_code, 403)
        self.assertTrue(SessionNote.objects.filter(client=self.old).exists())

    def dispose_record(self, step, target, username, code=None):
        user = User.objects.get(username=username)
        code = current_code(user) if code is None else code
        out = io.StringIO()
        call_command("dispose_record", step, target, "--as", username, "--code", code, stdout=out)
        return out.getvalue()

    def test_two_admins_through_the_management_command(self):
        self.dispose_record("propose", self.old.record_number, "avery")
        disposal = Disposal.objects.get()
        with self.assertRaisesMessage(CommandError, "two different"):
            # The proposal used up avery's code for this 30 s step; forget that, so the
            # refusal seen is the two-person rule's, not the code's.
            AuthenticatorDevice.objects.filter(user=self.avery).update(last_t=-1)
            self.dispose_record("approve", str(disposal.pk), "avery")
        self.assertIn("disposed of", self.dispose_record("approve", str(disposal.pk), "blair"))
        self.assertFalse(SessionNote.objects.filter(client=self.old).exists())
        self.assertEqual(
            self.assertOneEvent("retention.dispose", actor=self.blair).user_agent, "manage.py dispose_record"
        )

    def test_the_command_needs_the_acting_admins_own_code(self):
        """One operator who knows two usernames is not two admins: --as goes on only with
        that admin's current two-factor code, and a missing or wrong one is recorded."""
        self.dispose_record("propose", self.old.record_number, "avery")
        disposal = Disposal.objects.get()
        for code in ("", "000000", current_code(self.avery)):
            with self.assertRaisesMessage(CommandError, "two-factor code is needed"):
                self.dispose_record("approve", str(disposal.pk), "blair", code=code or " ")
        self.assertTrue(SessionNote.objects.filter(client=self.old).exists())
        disposal.refresh_from_db()
        self.assertEqual(disposal.status, Disposal.Status.PROPOSED)
        refused = self.events("retention.dispose", outcome=Outcome.DENIED)
        self.assertEqual(len(refused), 3)
        self.assertEqual(refused[0].actor_username, "operator as blair")
        self.assertEqual(refused[0].user_agent, "manage.py dispose_record")

    def test_a_code_is_good_for_one_step(self):
        self.dispose_record("propose", self.old.record_number, "avery")
        disposal = Disposal.objects.get()
        code = current_code(self.blair)
        with self.assertRaisesMessage(CommandError, "no such record"):
            self.dispose_record("approve", "999999", "blair", code=code)
        with self.assertRaisesMessage(CommandError, "two-factor code is needed"):
            self.dispose_record("approve", str(disposal.pk), "blair", code=code)
        self.assertTrue(SessionNote.objects.filter(client=self.old).exists())


class DisposalTest(RetentionTestCase):
    def dispose(self):
        disposal = services.disposal_propose(actor=self.avery, record_number=self.old.record_number)
        self.sign_in(self.blair)
        response = self.client.post(reverse("disposal_approve", args=[disposal.pk]))
        self.assertRedirects(response, reverse("retention_overview"), fetch_redirect_response=False)
        disposal.refresh_from_db()
        return disposal

    def test_removes_content_and_identifying_data_and_keeps_tombstone_certificate_and_audit(self):
        before = client_ciphertexts(self.old)
        self.assertGreater(len(before), 15)
        self.assertIn(CANARY, raw_text_everywhere() + "\n".join(decrypted_tokens(raw_text_everywhere())))
        events_before = AuditEvent.objects.filter(client=self.old).count()
        rec_notes = SessionNote.objects.filter(client=self.rec).count()

        disposal = self.dispose()

        self.assertEqual(disposal.status, "completed")
        self.assertEqual((disposal.proposed_by, disposal.approved_by), (self.avery, self.blair))
        # Rows gone.
        for model, lookup in (
            (SessionNote, "client"),
            (Addendum, "note__client"),
            (PsychotherapyNote, "client"),
            (Authorization, "client"),
            (Disclosure, "client"),
            (EmergencyAccess, "client"),
            (LegalHold, "client"),
        ):
            self.assertFalse(model.objects.filter(**{lookup: self.old}).exists(), model)
        self.assertEqual(SessionNote.objects.filter(client=self.rec).count(), rec_notes)  # others untouched
        # Tombstone: the client row with its record number and dates, every encrypted value gone.
        tomb = Client.objects.get(pk=self.old.pk)
        self.assertEqual(tomb.record_number, self.old.record_number)
        self.assertIsNotNone(tomb.disposed_at)
        self.assertEqual(tomb.last_service_date, self.old.last_service_date)
        self.assertEqual((tomb.first_name, tomb.last_name, tomb.date_of_birth, tomb.email), (None, None, None, None))
        self.assertEqual(tomb.legal_name, "Disposed record")
        self.assertEqual((disposal.retain_until.isoformat(), disposal.years_after_service), ("2019-03-01", 7))
        self.assertEqual(disposal.removed["session_notes"], 1)
        self.assertEqual(disposal.removed["disclosures"], 1)
        # The portal account is emptied and closed.
        portal = User.objects.get(pk=self.old.user_id)
        self.assertFalse(portal.is_active)
        self.assertFalse(portal.has_usable_password())
        self.assertNotIn(CANARY.lower(), portal.username + (portal.email or ""))
        self.assertEqual((portal.email, portal.email_index), (None, ""))
        # Raw SQL: no canary in any table, in plain text or in any value that still decrypts.
        everything = raw_text_everywhere()
        self.assertNotIn(CANARY, everything)
        self.assertNotIn(CANARY.lower(), everything)
        for plaintext in decrypted_tokens(everything):
            self.assertNotIn(CANARY, plaintext)
            self.assertNotIn(CANARY.lower(), plaintext)
        for ciphertext in before:
            self.assertNotIn(ciphertext, everything)
        # The audit trail stays whole, and still verifies.
        self.assertEqual(AuditEvent.objects.filter(client=self.old).count(), events_before + 2)  # proposed, disposed
        event = self.assertOneEvent("retention.dispose", actor=self.blair)
        self.assertEqual(event.seq, disposal.audit_seq)
        self.assertNotIn(CANARY, event.reason)
        self.assertTrue(verify_chain().ok)
        # The certificate.
        response = self.client.get(reverse("disposal_certificate", args=[disposal.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertOneEvent("retention.certificate", actor=self.blair)
        page = self.client.get(reverse("retention_overview"))
        self.assertContains(page, reverse("disposal_certificate", args=[disposal.pk]))
        self.assertNotContains(page, f'name="record_number" value="{self.old.record_number}"')

    def test_pages_after_disposal_show_the_tombstone_without_errors(self):
        self.dispose()
        self.sign_in(self.avery)
        page = self.client.get(reverse("admin_clients"))
        self.assertContains(page, "Disposed record")
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(reverse("chart", args=[self.old.record_number])).status_code, 404)
        self.assertEqual(self.client.get(reverse("caseload")).status_code, 200)

    def test_a_disposed_record_is_not_disposed_of_twice(self):
        self.dispose()
        with self.assertRaises(services.RetentionRefused):
            services.disposal_propose(actor=self.avery, record_number=self.old.record_number)

    def test_certificate_is_for_practice_admins_only(self):
        disposal = self.dispose()
        for user in (self.alice, self.claire):
            self.sign_in(user)
            self.assertEqual(self.client.get(reverse("disposal_certificate", args=[disposal.pk])).status_code, 403)

    def test_the_certificate_text(self):
        from pypdf import PdfReader

        disposal = self.dispose()
        _, pdf = services.certificate_pdf(actor=self.avery, disposal_id=disposal.pk)
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        for expected in (
            self.old.record_number,
            "2019-03-01",
            "7 years after the last date of service",
            "Avery Test",
            "Blair Test",
            "Session notes: 1",
            "backups",
        ):
            self.assertIn(expected, text)
        self.assertNotIn(CANARY, text)


class PgDumpAfterDisposalTest(TransactionTestCase):
    def test_pg_dump_finds_nothing_of_the_client(self):
        if connection.vendor != "postgresql":
            self.skipTest("pg_dump: PostgreSQL only")
        if not shutil.which("pg_dump"):
            self.skipTest("pg_dump is not installed")
        admin, other = make_user("adm1", Role.PRACTICE_ADMIN), make_user("adm2", Role.PRACTICE_ADMIN)
        counselor, on_call = make_user("cou1", Role.COUNSELOR), make_user("cou2", Role.COUNSELOR)
        client = plant_old_client(admin=admin, counselor=counselor, other_admin=other, emergency_user=on_call)
        before = client_ciphertexts(client)
        self.assertIn(CANARY, "\n".join(decrypted_tokens(self.dump())))
        disposal = services.disposal_propose(actor=admin, record_number=client.record_number)
        services.disposal_approve(actor=other, disposal_id=disposal.pk)
        dump = self.dump()
        self.assertIn("COPY public.retention_disposal", dump)
        self.assertIn(client.record_number, dump)  # the tombstone
        self.assertNotIn(CANARY, dump)
        self.assertNotIn(CANARY.lower(), dump)
        for plaintext in decrypted_tokens(dump):
            self.assertNotIn(CANARY, plaintext)
        for ciphertext in before:
            self.assertNotIn(ciphertext, dump)
        self.assertTrue(verify_chain().ok)

    def dump(self) -> str:
        db = connection.settings_dict
        env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
        return subprocess.run(
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
