"""Every consent URL refuses people outside the client's care team (staff pages) or
other than the client (portal pages), and each refusal is audited."""

from django.urls import reverse

from audit.models import AuditEvent, Outcome
from consent.models import DeliveryLink
from practice.models import User
from tests.base import sign_in
from tests.consent.base import ConsentTestCase


class ConsentUrlAccessTest(ConsentTestCase):
    def setUp(self):
        self.signed_note()
        self.auth = self.signed()
        self.disclosure = self.share()

    def staff_urls(self):
        rn = self.rec.record_number
        return [
            ("get", reverse("authorization_new", args=[rn])),
            ("post", reverse("authorization_from_request", args=[rn])),
            ("get", reverse("share", args=[rn])),
            ("post", reverse("share", args=[rn])),
            ("get", reverse("disclose_legal", args=[rn])),
            ("post", reverse("disclosure_cancel", args=[rn, self.disclosure.pk])),
            ("get", reverse("accounting", args=[rn])),
            ("get", reverse("accounting_pdf", args=[rn])),
            ("get", reverse("authorization_detail", args=[self.auth.pk])),
            ("post", reverse("authorization_send", args=[self.auth.pk])),
            ("get", reverse("authorization_pdf", args=[self.auth.pk])),
        ]

    def portal_urls(self):
        return [
            ("get", reverse("portal_authorization", args=[self.auth.pk])),
            ("post", reverse("portal_decline", args=[self.auth.pk])),
            ("post", reverse("portal_revoke", args=[self.auth.pk])),
            ("get", reverse("portal_authorization_pdf", args=[self.auth.pk])),
        ]

    def test_staff_pages_refuse_everyone_outside_the_care_team(self):
        before = AuditEvent.objects.filter(outcome=Outcome.DENIED).count()
        for user in (self.bob, self.avery, self.root, self.claire):
            sign_in(self.client, user)
            for method, url in self.staff_urls():
                response = getattr(self.client, method)(url)
                self.assertIn(response.status_code, (403, 404), f"{user} {method} {url}")
                self.assertNotContains(response, "Morgan", status_code=response.status_code)
        self.assertGreaterEqual(AuditEvent.objects.filter(outcome=Outcome.DENIED).count() - before, 4 * 11)
        self.assertIsNone(DeliveryLink.objects.get().voided_at)

    def test_portal_pages_refuse_staff_and_other_clients(self):
        other = User.objects.create_client_user("other-client", password="x-long-password-1")
        self.other.user = other
        self.other.save()
        for user in (self.alice, self.avery, self.root, other):
            sign_in(self.client, user)
            for method, url in self.portal_urls():
                response = getattr(self.client, method)(url)
                self.assertIn(response.status_code, (403, 404), f"{user} {method} {url}")
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "signed")

    def test_portal_home_and_accounting_are_for_clients_only(self):
        for user in (self.alice, self.avery):
            sign_in(self.client, user)
            self.assertEqual(self.client.get(reverse("portal_home")).status_code, 403)
            self.assertEqual(self.client.get(reverse("portal_accounting")).status_code, 403)
        self.assertEqual(len(self.events("portal.view", outcome=Outcome.DENIED)), 2)
