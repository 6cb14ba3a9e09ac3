import re
from datetime import date, timedelta

from django.core import mail
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from audit.models import Outcome
from consent import pdf, services
from consent.models import Authorization, Disclosure
from consent.text import render_text, text_sha256
from practice.exceptions import NotFound, PermissionDenied
from practice.models import User
from tests.consent.base import BASE_URL, ConsentTestCase


class PrepareAndSendTest(ConsentTestCase):
    def test_counselor_prepares_through_the_form_and_sends(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("authorization_new", args=[self.rec.record_number]),
            {
                "kind": "general",
                "recipient_name": "Dr. Lee",
                "recipient_email": "lee@example.invalid",
                "categories": ["attendance", "diagnosis"],
                "information_from": "2026-01-01",
                "information_to": "2026-06-30",
                "purpose": "continuity",
                "expires_on": "2027-06-30",
            },
        )
        auth = Authorization.objects.get()
        self.assertRedirects(response, reverse("authorization_detail", args=[auth.pk]))
        self.client.post(
            reverse("authorization_send", args=[auth.pk]), {"shown_sha256": text_sha256(render_text(auth))}
        )
        auth.refresh_from_db()
        self.assertEqual(auth.status, "pending")
        self.assertIn(f"/my/authorizations/{auth.pk}/", mail.outbox[-1].body)
        self.assertOneEvent("authorization.create", actor=self.alice)
        self.assertOneEvent("authorization.send", actor=self.alice)

    def test_bad_input_is_explained_and_kept(self):
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("authorization_new", args=[self.rec.record_number]),
            {
                "kind": "general",
                "recipient_name": "Dr. Lee",
                "recipient_email": "not-an-email",
                "information_from": "2026-06-01",
                "information_to": "2026-01-01",
                "purpose": "other",
                "expires_on": "2020-01-01",
            },
        )
        for message in (
            "Enter a valid email address.",
            "The end of the period is before its start.",
            "Describe the purpose.",
            "The expiration date is in the past.",
            "Choose the information this authorization releases.",
        ):
            self.assertContains(response, message)
        self.assertContains(response, 'value="Dr. Lee"')
        self.assertFalse(Authorization.objects.exists())

    def test_minors_need_a_personal_representative(self):
        self.rec.is_minor = True
        self.rec.save()
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("authorization_new", args=[self.rec.record_number]),
            {
                "kind": "general",
                "recipient_name": "Dr. Lee",
                "recipient_email": "lee@example.invalid",
                "categories": ["attendance"],
                "information_from": "2026-01-01",
                "information_to": "2026-06-30",
                "purpose": "continuity",
                "expires_on": "2027-06-30",
            },
        )
        self.assertContains(response, "name the parent or guardian")

    def test_others_cannot_prepare_or_send(self):
        auth = self.prepare()
        for user in (self.bob, self.avery, self.claire, self.sam):
            self.sign_in(user)
            self.assertIn(
                self.client.get(reverse("authorization_new", args=[self.rec.record_number])).status_code, (403, 404)
            )
            response = self.client.post(reverse("authorization_send", args=[auth.pk]), {"shown_sha256": "0" * 64})
            self.assertIn(response.status_code, (403, 404))
        auth.refresh_from_db()
        self.assertEqual(auth.status, "draft")
        self.assertEqual(len(self.events("authorization.send", outcome=Outcome.DENIED)), 4)

    def test_a_client_without_an_account_is_invited_once(self):
        self.rec.user = None
        self.rec.save()
        auth = self.prepare()
        services.authorization_send(actor=self.alice, auth_id=auth.pk, request_base_url=BASE_URL)
        token = re.search(r"/invite/([\w-]+)/", mail.outbox[-1].body).group(1)
        self.assertEqual(mail.outbox[-1].to, ["claire@example.invalid"])
        response = self.client.post(
            reverse("invitation_accept", args=[token]),
            {"password1": "a-long-client-passphrase", "password2": "a-long-client-passphrase"},
        )
        self.assertRedirects(response, reverse("portal_home"))
        self.rec.refresh_from_db()
        self.assertEqual(self.rec.user.role, "client")
        self.assertOneEvent("invitation.accept", client=self.rec)
        self.client.logout()
        self.assertEqual(self.client.get(reverse("invitation_accept", args=[token])).status_code, 404)
        with self.assertRaises(NotFound):
            services.invitation_accept(token=token, password="another-long-passphrase")
        self.assertOneEvent("invitation.accept", outcome=Outcome.DENIED, reason="unknown, used or expired link")


PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5E"
    "rkJggg=="
)


class InvitationCollisionTest(ConsentTestCase):
    def test_an_email_that_already_has_an_account_gets_a_clear_message(self):
        self.rec.user = None
        self.rec.save()
        User.objects.create_client_user("claire@example.invalid", password="x-long-password-1")
        auth = self.prepare()
        services.authorization_send(actor=self.alice, auth_id=auth.pk, request_base_url=BASE_URL)
        token = re.search(r"/invite/([\w-]+)/", mail.outbox[-1].body).group(1)
        response = self.client.post(
            reverse("invitation_accept", args=[token]),
            {"password1": "a-long-client-passphrase", "password2": "a-long-client-passphrase"},
        )
        self.assertContains(response, "An account already uses this email address")
        self.rec.refresh_from_db()
        self.assertIsNone(self.rec.user)
        self.assertOneEvent("invitation.accept", outcome=Outcome.DENIED)


class SigningTest(ConsentTestCase):
    def setUp(self):
        self.auth = self.prepare()
        services.authorization_send(actor=self.alice, auth_id=self.auth.pk, request_base_url=BASE_URL)
        self.auth.refresh_from_db()
        self.text = render_text(self.auth)

    def sign(self, **overrides):
        data = {
            "typed_name": "Morgan Ellery",
            "agree": "on",
            "text_sha256": text_sha256(self.text),
            "signature_image": PNG,
            # Sent from the confirmation page (tests/portal cover the step before it).
            "confirmed": "True",
        }
        data.update(overrides)
        self.sign_in(self.claire)
        return self.client.post(
            reverse("portal_authorization", args=[self.auth.pk]),
            data,
            REMOTE_ADDR="198.51.100.7",
            HTTP_USER_AGENT="ClientBrowser/2",
        )

    def test_the_client_reads_the_whole_text_and_signs(self):
        self.sign_in(self.claire)
        page = self.client.get(reverse("portal_authorization", args=[self.auth.pk]))
        for statement in ("revoke this authorization", "does not depend on whether you sign", "redisclosed"):
            self.assertContains(page, statement)
        self.assertRedirects(self.sign(), reverse("portal_home"))
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "signed")
        self.assertEqual(self.auth.signed_text, self.text)
        self.assertTrue(self.auth.verify_text())
        self.assertEqual((self.auth.signed_ip, self.auth.signed_user_agent), ("198.51.100.7", "ClientBrowser/2"))
        self.assertTrue(self.auth.signature_image.startswith("data:image/png;base64,"))
        self.assertOneEvent("authorization.sign", actor=self.claire, client=self.rec)

    def test_refusals_name_the_problem(self):
        for overrides, message in (
            ({"typed_name": "Someone Else"}, "type your full name"),
            ({"text_sha256": "0" * 64}, "the form changed while you were reading it"),
            ({"agree": ""}, "This field is required."),
        ):
            self.assertContains(self.sign(**overrides), message)
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "pending")
        self.assertEqual(len(self.events("authorization.sign", outcome=Outcome.DENIED)), 2)

    def test_the_signed_text_is_frozen_and_its_pdf_has_a_certificate_page(self):
        self.sign()
        self.auth.refresh_from_db()
        # Later changes to the client or the counselor do not change what was signed.
        self.rec.last_name = "Changed"
        self.rec.save()
        self.sign_in(self.alice)
        page = self.client.get(reverse("authorization_detail", args=[self.auth.pk]))
        self.assertContains(page, "Client: Morgan Ellery (record")
        self.assertNotContains(page, "Client: Morgan Changed")
        with self.assertRaises(PermissionDenied):
            services.authorization_sign(
                actor=self.claire,
                auth_id=self.auth.pk,
                typed_name="Morgan Ellery",
                agree=True,
                shown_sha256=text_sha256(render_text(self.auth)),
                signature_image="",
                ip=None,
                user_agent="",
            )
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.signed_text, self.text)
        response = self.client.get(reverse("authorization_pdf", args=[self.auth.pk]))
        content = b"".join(response) if response.streaming else response.content
        self.assertTrue(content.startswith(b"%PDF"))
        self.assertGreaterEqual(len(re.findall(rb"/Type /Page\b", content)), 2)
        rows = dict(pdf.certificate_rows(self.auth))
        self.assertEqual(rows["SHA-256 of the text shown and signed"], self.auth.text_sha256)
        self.assertEqual(rows["From IP address"], "198.51.100.7")
        self.assertOneEvent("authorization.download", actor=self.alice)

    def test_the_client_may_decline(self):
        self.sign_in(self.claire)
        self.client.post(reverse("portal_decline", args=[self.auth.pk]))
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "declined")
        self.assertOneEvent("authorization.decline", actor=self.claire)

    def test_another_client_cannot_see_or_sign_it(self):
        other = User.objects.create_client_user("otherclient", password="x-long-password-1")
        self.other.user = other
        self.other.save()
        self.client.force_login(other)
        from tests.base import sign_in

        sign_in(self.client, other)
        self.assertEqual(self.client.get(reverse("portal_authorization", args=[self.auth.pk])).status_code, 404)
        self.assertEqual(self.client.post(reverse("portal_revoke", args=[self.auth.pk])).status_code, 404)
        self.assertOneEvent("authorization.view", actor=other, outcome=Outcome.DENIED)


class RevocationTest(ConsentTestCase):
    def test_revocation_voids_an_issued_link_on_the_very_next_request(self):
        auth = self.signed()
        self.share()
        token = re.search(r"/d/([\w-]+)/", mail.outbox[-2].body).group(1)
        code = re.search(r"code .*: (\d+)", mail.outbox[-1].body).group(1)
        self.sign_in(self.claire)
        self.client.post(reverse("portal_revoke", args=[auth.pk]))
        self.client.logout()
        response = self.client.post(reverse("delivery_download", args=[token]), {"code": code})
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "This link was withdrawn", status_code=403)
        event = self.events("disclosure.download")[-1]
        self.assertEqual(event.outcome, Outcome.DENIED)
        self.assertIn("voided (authorization revoked)", event.reason)
        with self.assertRaises(services.ConsentDenied):
            self.share()
        self.assertOneEvent("authorization.revoke", actor=self.claire)

    def test_only_the_client_revokes(self):
        auth = self.signed()
        for user in (self.alice, self.avery, self.root):
            with self.assertRaises(NotFound):
                services.authorization_revoke(actor=user, auth_id=auth.pk)
        auth.refresh_from_db()
        self.assertEqual(auth.status, "signed")


class DeliveryTest(ConsentTestCase):
    def setUp(self):
        self.signed_note()
        self.signed()
        self.disclosure = self.share()
        self.token = re.search(r"/d/([\w-]+)/", mail.outbox[-2].body).group(1)
        self.code = re.search(r"code .*: (\d+)", mail.outbox[-1].body).group(1)

    def download(self, code=None, token=None):
        """The code, then (if accepted) the one-time download button of the page it gives."""
        url = reverse("delivery_download", args=[token or self.token])
        response = self.client.post(url, {"code": code or self.code})
        grant = re.search(r'name="grant" value="([^"]+)"', response.content.decode())
        return self.client.post(url, {"grant": grant.group(1)}) if grant else response

    def test_the_right_code_returns_the_package_with_its_notices(self):
        response = self.download()
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        import hashlib

        self.assertEqual(hashlib.sha256(response.content).hexdigest(), self.disclosure.package_sha256)
        self.assertOneEvent("disclosure.download", outcome=Outcome.ALLOWED, client=self.rec)

    def test_wrong_code_expired_overused_voided_and_unknown_are_refused_and_audited(self):
        self.assertEqual(self.download(code="00000000").status_code, 403)
        self.assertEqual(self.download(token="nope").status_code, 404)
        for _ in range(3):
            self.assertEqual(self.download().status_code, 200)
        self.assertEqual(self.download().status_code, 403)  # limit reached
        reasons = [e.reason for e in self.events("disclosure.download", outcome=Outcome.DENIED)]
        self.assertEqual(reasons, ["wrong access code", "unknown link", "download limit reached"])

    def test_expired_link(self):
        import time_machine
        from django.utils import timezone

        with time_machine.travel(timezone.now() + timedelta(days=8)):
            self.assertEqual(self.download().status_code, 403)
        self.assertEqual(self.events("disclosure.download")[-1].reason, "link expired")

    def test_cancelled_link(self):
        self.sign_in(self.alice)
        self.client.post(reverse("disclosure_cancel", args=[self.rec.record_number, self.disclosure.pk]))
        self.client.logout()
        self.assertEqual(self.download().status_code, 403)
        self.assertIn("cancelled", self.events("disclosure.download")[-1].reason)
        self.assertOneEvent("disclosure.cancel", actor=self.alice)

    def test_too_many_wrong_codes_void_the_link(self):
        for _ in range(5):
            self.download(code="11111111")
        self.assertEqual(self.download().status_code, 403)
        self.assertIn("too many wrong codes", self.events("disclosure.download")[-1].reason)

    def test_disclosure_records_are_append_only(self):
        with self.assertRaises((IntegrityError, DatabaseError)), transaction.atomic():
            Disclosure.objects.update(purpose="legal")
        with self.assertRaises((IntegrityError, DatabaseError)), transaction.atomic():
            Disclosure.objects.all().delete()


class AccountingTest(ConsentTestCase):
    def test_lists_exactly_the_disclosures_with_date_recipient_description_and_purpose(self):
        self.signed(categories=["attendance", "progress_notes", "diagnosis"])
        first = self.share(categories=frozenset({"attendance"}))
        second = self.share(categories=frozenset({"progress_notes", "diagnosis"}))
        self.other_disclosure_for_another_client()
        self.sign_in(self.claire)
        page = self.client.get(reverse("portal_accounting"))
        rows = page.context["disclosures"]
        self.assertEqual({d.pk for d in rows}, {first.pk, second.pk})
        self.assertContains(page, "Dr. Dana Whitlock, Eastside Clinic")
        self.assertContains(page, "Attendance and dates of service (Mar 01, 2026 – Nov 30, 2026)")
        self.assertContains(page, "Continuity of care")
        pdf_response = self.client.get(reverse("portal_accounting_pdf"))
        self.assertTrue(pdf_response.content.startswith(b"%PDF"))
        self.assertOneEvent("accounting.view", actor=self.claire)
        self.assertOneEvent("accounting.print", actor=self.claire)

    def other_disclosure_for_another_client(self):
        services.disclose_without_authorization(
            actor=self.bob,
            record_number=self.other.record_number,
            base_url=BASE_URL,
            legal_basis="court_order",
            justification="Subpoena with a court order, case 26-CV-1234, reviewed.",
            court_name="Superior Court of Example County",
            court_date=date(2026, 1, 15),
            court_reference="26-CV-1234",
            recipient_name="Court clerk",
            recipient_organization="",
            recipient_email="clerk@example.invalid",
            categories=frozenset({"attendance"}),
            information_from=date(2026, 1, 1),
            information_to=date(2026, 2, 1),
            purpose="legal",
            psychotherapy_notes=False,
        )

    def test_others_cannot_read_the_accounting(self):
        for user in (self.bob, self.avery):
            self.sign_in(user)
            self.assertIn(self.client.get(reverse("accounting", args=[self.rec.record_number])).status_code, (403, 404))
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(reverse("portal_accounting")).status_code, 403)
