"""After a key rotation with disclosures (and second factors, review comments and
client accounts) present, `--check` passes and, with the old key removed, every page of
the product reads for everyone who uses it: no decryption failure anywhere."""

from __future__ import annotations

import io

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from audit import services as audit_services
from audit.models import AuditEvent, FlagKind, Outcome
from emergency.services import emergency_review
from practice.models import AuthenticatorDevice
from records import rotation
from tests.base import sign_in
from tests.urls_util import PUBLIC_URL_NAMES
from tests.walk import WalkTestCase


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_key", "--no-progress", "--batch-size", "3", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class RotationWalkTest(WalkTestCase):
    def setUp(self):
        super().setUp()
        emergency_review(actor=self.avery, access_id=self.emergency.pk, decision="acknowledged", comment="Seen.")
        denied = AuditEvent.objects.filter(outcome=Outcome.DENIED).order_by("-seq").first() or self.deny_one()
        audit_services.review_flag(actor=self.avery, seq=denied.seq, kind=FlagKind.DENIED, comment="Looked at.")
        self.assertTrue(AuthenticatorDevice.objects.filter(user=self.alice).exists())

    def deny_one(self):
        self.sign_in(self.bob)
        self.client.get(f"/clients/{self.rec.record_number}/")
        return AuditEvent.objects.filter(outcome=Outcome.DENIED).latest("seq")

    def test_every_page_reads_without_the_old_key(self):
        old, new = list(settings.FIELD_ENCRYPTION_KEY), Fernet.generate_key().decode()
        with override_settings(FIELD_ENCRYPTION_KEY=[new, *old]):
            rotate("--prepare")
            rotate()
            self.assertIn("Every value decrypts with the newest key alone", rotate("--check"))
        labels = {m._meta.label for m in rotation.encrypted_models()}
        for label in ("practice.User", "practice.AuthenticatorDevice", "audit.ReviewComment", "consent.Disclosure"):
            self.assertIn(label, labels)
        with override_settings(FIELD_ENCRYPTION_KEY=[new]):
            rotate("--check")
            pages = 0
            for user in (self.alice, self.sam, self.avery, self.claire, self.bob):
                sign_in(self.client, user)
                for name, _route, path in self.routes(skip=PUBLIC_URL_NAMES | {"logout"}):
                    response = self.client.get(path)
                    self.assertNotEqual(response.status_code, 500, f"{user} GET {path} ({name})")
                    pages += 1
            self.assertGreater(pages, 200)
            self.assertFalse(AuditEvent.objects.filter(action="record.decrypt_failed").exists())
            # The second factor still verifies: the authenticator key was rotated too.
            device = AuthenticatorDevice.objects.get(user=self.alice)
            self.assertEqual(len(device.bin_key), 20)
