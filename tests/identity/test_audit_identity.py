"""The audit log keeps no readable client identity: a client actor is a pseudonym,
refusals name authorizations by number, and the signing hashes are keyed digests."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from consent.text import render_text, text_sha256
from records import services as records_services
from tests.consent.base import ConsentTestCase


def expected_digest(purpose: str, value: str, key: str | None = None) -> str:
    """Written out here, independent of practice.identity."""
    key = key or settings.IDENTITY_INDEX_KEY
    subkey = hmac.new(key.encode(), f"practice.audit.{purpose}".encode(), hashlib.sha256).digest()
    return hmac.new(subkey, value.encode(), hashlib.sha256).hexdigest()


class ClientActorPseudonymTest(ConsentTestCase):
    def test_a_client_actor_is_named_by_record_number_never_by_email_or_name(self):
        self.sign_in(self.claire)
        response = self.client.get(reverse("portal_record"))
        self.assertEqual(response.status_code, 200)
        events = AuditEvent.objects.filter(actor=self.claire)
        self.assertTrue(events.exists())
        for event in events:
            self.assertEqual(event.actor_username, f"client:{self.rec.record_number}")
            for text in ("claire", "Claire", "example.invalid", "Morgan", "Ellery"):
                self.assertNotIn(text, event.actor_username + event.reason)

    def test_staff_keep_their_username(self):
        records_services.chart_view(actor=self.alice, record_number=self.rec.record_number)
        self.assertEqual(self.assertOneEvent("chart.view").actor_username, "alice")

    def test_a_client_signing_an_authorization_leaves_a_keyed_digest_not_the_text_hash(self):
        auth = self.signed()
        event = self.assertOneEvent("authorization.sign", outcome="allowed")
        self.assertEqual(event.actor_username, f"client:{self.rec.record_number}")
        self.assertNotIn(auth.text_sha256, event.reason)
        self.assertNotIn(text_sha256(render_text(auth)), event.reason)
        self.assertIn(expected_digest("authorization.text", auth.text_sha256), event.reason)


class NoteSignDigestTest(ConsentTestCase):
    def test_note_sign_event_holds_no_plain_content_hash(self):
        note = self.write_note(sections={"subjective": "Slept well.", "plan": "Weekly."})
        note = records_services.note_sign(actor=self.alice, note_id=note.pk)
        self.assertEqual(len(note.content_sha256), 64)
        event = self.assertOneEvent("note.sign")
        self.assertNotIn(note.content_sha256, event.reason)
        self.assertNotIn("sha256", event.reason)
        self.assertEqual(event.reason, f"content hmac={expected_digest('note.content', note.content_sha256)}")
        # Keyed: under another key the digest differs, so the log alone confirms nothing.
        other = "another-identity-index-key-of-32-bytes-or-more"
        with override_settings(IDENTITY_INDEX_KEY=other):
            self.assertNotIn(expected_digest("note.content", note.content_sha256, other), event.reason)
