"""Every disclosure passes the consent gate; each missing element is named and audited."""

import re
from datetime import date, timedelta

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import Outcome
from consent import services
from consent.models import Disclosure
from practice.exceptions import NotFound, PermissionDenied
from tests.consent.base import RECIPIENT, ConsentTestCase


class GateTest(ConsentTestCase):
    def assertDenied(self, fragment: str, **overrides):
        before = Disclosure.objects.count()
        with self.assertRaises(services.ConsentDenied) as caught:
            self.share(**overrides)
        self.assertTrue(
            any(fragment in r for r in caught.exception.decision.reasons), caught.exception.decision.reasons
        )
        event = self.events("disclosure.share", outcome=Outcome.DENIED)[-1]
        self.assertIn(fragment, event.reason)
        self.assertEqual(event.client, self.rec)
        self.assertEqual(Disclosure.objects.count(), before)

    def test_no_authorization(self):
        self.assertDenied("no authorization is on file")

    def test_expired_authorization(self):
        self.signed(expires_on=timezone.localdate() + timedelta(days=1))
        with time_machine.travel(timezone.now() + timedelta(days=3)):
            self.assertDenied("expired on")

    def test_revoked_authorization(self):
        auth = self.signed()
        services.authorization_revoke(actor=self.claire, auth_id=auth.pk)
        self.assertDenied("was revoked on")

    def test_another_recipient(self):
        auth = self.signed()
        self.assertDenied(f"authorization #{auth.pk} names a different recipient", recipient_name="Someone Else")
        # The refusal names the authorization by number, never either recipient.
        event = self.events("disclosure.share", outcome=Outcome.DENIED)[-1]
        for name in (RECIPIENT["recipient_name"], "Whitlock", "Someone Else", RECIPIENT["recipient_email"]):
            self.assertNotIn(name, event.reason)

    def test_categories_not_covered(self):
        self.signed()
        self.assertDenied("does not cover: Diagnosis", categories=frozenset({"progress_notes", "diagnosis"}))

    def test_date_range_not_covered(self):
        self.signed()
        self.assertDenied("covers information from", information_from=date(2025, 6, 1))

    def test_purpose_not_covered(self):
        self.signed()
        self.assertDenied("is for the purpose", purpose="legal")

    def test_psychotherapy_notes_under_a_general_authorization(self):
        from records import services as records

        records.psychotherapy_note_create(
            actor=self.alice,
            record_number=self.rec.record_number,
            date_of_service=date(2026, 5, 5),
            text="process note",
        )
        self.signed()
        self.assertDenied("does not cover psychotherapy notes", categories=frozenset(), psychotherapy_notes=True)

    def test_pending_authorization_is_not_enough(self):
        auth = self.prepare()
        services.authorization_send(actor=self.alice, auth_id=auth.pk, request_base_url="http://testserver")
        self.assertDenied("not signed")

    def test_the_matching_authorization_allows_it_and_it_is_audited(self):
        self.note = self.signed_note()
        auth = self.signed()
        disclosure = self.share()
        self.assertEqual(disclosure.authorization, auth)
        self.assertTrue(disclosure.package_sha256)
        event = self.assertOneEvent("disclosure.share", outcome=Outcome.ALLOWED)
        self.assertEqual(event.object_id, str(disclosure.pk))
        # Link and code arrive in separate messages.
        to_recipient = [m for m in mail.outbox if m.to == [RECIPIENT["recipient_email"]]]
        self.assertEqual(len(to_recipient), 2)
        self.assertIn("/d/", to_recipient[0].body)
        self.assertNotIn("/d/", to_recipient[1].body)

    def test_psychotherapy_notes_authorization_allows_only_psychotherapy_notes(self):
        from records import services as records

        records.psychotherapy_note_create(
            actor=self.alice,
            record_number=self.rec.record_number,
            date_of_service=date(2026, 5, 5),
            text="process note",
        )
        self.signed(kind="psychotherapy_notes")
        disclosure = self.share(categories=frozenset(), psychotherapy_notes=True)
        self.assertTrue(disclosure.includes_psychotherapy_notes)
        self.assertDenied("covers psychotherapy notes only")

    def test_substance_use_disclosures_carry_the_part_2_flag(self):
        self.signed(categories=["progress_notes", "substance_use"])
        disclosure = self.share(categories=frozenset({"substance_use"}))
        self.assertTrue(disclosure.includes_substance_use)


class ShareAccessTest(ConsentTestCase):
    def test_only_the_care_team_shares(self):
        self.signed()
        for user in (self.bob, self.sam, self.avery, self.root, self.claire):
            with self.assertRaises((NotFound, PermissionDenied)):
                self.share(actor=user)
        self.assertFalse(Disclosure.objects.exists())
        self.assertEqual(len(self.events("disclosure.share", outcome=Outcome.DENIED)), 5)

    def test_share_page_shows_the_reasons_and_offers_a_new_authorization(self):
        self.sign_in(self.alice)
        data = {
            **RECIPIENT,
            "categories": ["progress_notes"],
            "information_from": "2026-03-01",
            "information_to": "2026-11-30",
            "purpose": "continuity",
        }
        response = self.client.post(reverse("share", args=[self.rec.record_number]), data)
        self.assertContains(response, "no authorization is on file", status_code=403)
        self.assertContains(response, "Prepare an authorization for exactly this", status_code=403)
        response = self.client.post(reverse("authorization_from_request", args=[self.rec.record_number]), data)
        auth = self.rec.authorizations.get()
        # Prepared, not sent: first what the client would receive.
        self.assertRedirects(response, reverse("authorization_send", args=[auth.pk]))
        self.assertEqual(
            (auth.status, auth.categories, auth.recipient_name),
            ("draft", ["progress_notes"], RECIPIENT["recipient_name"]),
        )
        self.assertEqual([m for m in mail.outbox if "waiting for your signature" in m.subject], [])
        page = self.client.get(reverse("authorization_send", args=[auth.pk]))
        self.assertContains(page, "Send this form to Morgan Ellery?")
        shown = re.search(r'name="shown_sha256" value="([0-9a-f]{64})"', page.content.decode()).group(1)
        self.client.post(reverse("authorization_send", args=[auth.pk]), {"shown_sha256": shown})
        auth.refresh_from_db()
        self.assertEqual(auth.status, "pending")


class LegalPathTest(ConsentTestCase):
    def legal(self, **overrides):
        fields = {
            "legal_basis": "duty_to_warn",
            "justification": "Client disclosed a specific, credible threat against an identified person.",
        }
        fields.update(overrides)
        return services.disclose_without_authorization(
            actor=self.alice,
            record_number=self.rec.record_number,
            base_url="http://testserver",
            **fields,
            **self.request(
                recipient_name="County Sheriff",
                recipient_organization="",
                recipient_email="sheriff@example.invalid",
                purpose="other",
            ),
        )

    def test_needs_a_basis_and_a_justification_and_tells_the_admins(self):
        with self.assertRaises(PermissionDenied):
            self.legal(justification="because")
        disclosure = self.legal().disclosure
        self.assertIsNone(disclosure.authorization)
        self.assertEqual(
            disclosure.purpose_text(), "Serious and imminent threat (duty to warn or protect) (45 CFR 164.512(j)(1)(i))"
        )
        self.assertTrue(any(self.avery.email in m.to for m in mail.outbox))
        self.assertOneEvent("disclosure.legal", actor=self.alice, outcome=Outcome.ALLOWED)
        refused = self.assertOneEvent("disclosure.legal", actor=self.alice, outcome=Outcome.DENIED)
        self.assertIn("justification of at least 20 characters", refused.reason)
        _, rows = services.accounting(actor=self.alice, record_number=self.rec.record_number)
        self.assertEqual(rows, [disclosure])

    def test_others_cannot_use_the_legal_path(self):
        with self.assertRaises(NotFound):
            services.disclose_without_authorization(
                actor=self.bob,
                record_number=self.rec.record_number,
                base_url="x",
                legal_basis="court_order",
                justification="x" * 30,
                **self.request(),
            )
        self.assertOneEvent("disclosure.legal", actor=self.bob, outcome=Outcome.DENIED)
