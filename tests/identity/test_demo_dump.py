"""A pg_dump of the seeded demo holds none of the demo's encrypted values, client emails
or client names, checked value by value: each expected value is read back through the
ORM (decrypted), then looked for in the dump."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings

from practice.models import User
from practice.roles import Role
from records import rotation
from records.fields import encrypted_fields
from records.models import Client
from tests.identity.test_canary_scan import pg_dump

pytestmark = pytest.mark.postgres_only

FERNET = re.compile(r"gAAAAA[A-Za-z0-9_\-]+=*")
HEX = re.compile(r"\b[0-9a-f]{16,}\b")

# Shorter values (an "M", a two-letter state) are not evidence of anything on their own.
MIN_LENGTH = 4


def strings_in(value) -> list[str]:
    """The text a decrypted value holds: a note's sections (a JSON object) one by one."""
    if value is None:
        return []
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return [s for item in items for s in strings_in(item)]
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text[:1] in "{[":
        try:
            return strings_in(json.loads(text))
        except ValueError:
            pass
    return [text]


@override_settings(DEBUG=True)
class DemoDumpTest(TransactionTestCase):
    def test_the_demo_dump_holds_no_encrypted_value_client_email_or_client_name(self):
        if connection.vendor != "postgresql":
            self.skipTest("pg_dump: PostgreSQL only")
        call_command("seed_demo", stdout=io.StringIO())

        expected: dict[str, str] = {}
        for model in rotation.encrypted_models():
            fields = encrypted_fields(model)
            for obj in model.objects.all():
                for field in fields:
                    for text in strings_in(getattr(obj, field.attname)):
                        if len(text.strip()) >= MIN_LENGTH:
                            expected.setdefault(text.strip(), f"{model._meta.label}.{field.name} #{obj.pk}")
        clients = list(Client.objects.exclude(disposed_at__isnull=False))
        self.assertGreaterEqual(len(clients), 3)
        for client in clients:
            for text in (client.first_name, client.last_name, client.legal_name, client.email):
                if text and len(text) >= MIN_LENGTH:
                    expected.setdefault(text, f"client {client.record_number}")
        portal_users = list(User.objects.filter(role=Role.CLIENT))
        self.assertTrue(portal_users, "the demo has a client with a portal account")
        for user in portal_users:
            self.assertTrue(user.email)
            expected.setdefault(user.email, f"portal account #{user.pk}")
        self.assertGreater(len(expected), 50)

        dump = pg_dump()
        self.assertIn("COPY public.practice_user ", dump)
        # Ciphertext and digests are random text in which a short name turns up by chance
        # ("alex" in base64): they are taken out before searching, and counted.
        ciphertexts = len(FERNET.findall(dump))
        self.assertGreater(ciphertexts, len(expected) // 2)
        folded = HEX.sub(" ", FERNET.sub(" ", dump)).casefold()
        found = {text: where for text, where in expected.items() if text.casefold() in folded}
        self.assertEqual(found, {}, f"{len(found)} of {len(expected)} values found in the dump")
