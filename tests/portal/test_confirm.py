"""Irreversible actions confirm first, without JavaScript: signing, declining, revoking.
The authorization reads as a page, notices before the signature fields."""

from django.urls import reverse

from consent.models import Authorization
from consent.text import render_text, text_sha256
from tests.consent.base import BASE_URL
from tests.portal.base import PortalTestCase


class ConfirmTest(PortalTestCase):
    def pending(self) -> Authorization:
        from consent import services

        auth = self.prepare()
        services.authorization_send(actor=self.alice, auth_id=auth.pk, request_base_url=BASE_URL)
        auth.refresh_from_db()
        return auth

    def sign_data(self, auth, **extra):
        return {
            "typed_name": "Morgan Ellery",
            "agree": "on",
            "text_sha256": text_sha256(render_text(auth)),
            "signature_image": "",
        } | extra

    def test_revoking_shows_what_happens_then_revokes(self):
        self.sign_in(self.claire)
        home = self.client.get(reverse("portal_home"))
        self.assertContains(home, f'href="{reverse("portal_revoke", args=[self.auth.pk])}"')
        self.assertNotContains(home, f'action="{reverse("portal_revoke", args=[self.auth.pk])}"')
        page = self.client.get(reverse("portal_revoke", args=[self.auth.pk]))
        self.assertContains(page, "This cannot be undone.")
        self.assertContains(page, "Dr. Dana Whitlock")
        self.assertContains(page, f'action="{reverse("portal_revoke", args=[self.auth.pk])}"')
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "signed")
        self.assertRedirects(self.client.post(reverse("portal_revoke", args=[self.auth.pk])), reverse("portal_home"))
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "revoked")
        self.assertOneEvent("authorization.revoke", actor=self.claire)

    def test_declining_confirms_first(self):
        auth = self.pending()
        self.sign_in(self.claire)
        page = self.client.get(reverse("portal_decline", args=[auth.pk]))
        self.assertContains(page, "This cannot be undone.")
        auth.refresh_from_db()
        self.assertEqual(auth.status, "pending")
        self.client.post(reverse("portal_decline", args=[auth.pk]))
        auth.refresh_from_db()
        self.assertEqual(auth.status, "declined")

    def test_signing_asks_for_confirmation_and_keeps_what_was_typed(self):
        auth = self.pending()
        self.sign_in(self.claire)
        url = reverse("portal_authorization", args=[auth.pk])
        confirm = self.client.post(url, self.sign_data(auth))
        self.assertTemplateUsed(confirm, "portal/confirm_sign.html")
        self.assertContains(confirm, "This cannot be undone.")
        self.assertContains(confirm, 'name="confirmed" value="True"')
        self.assertContains(confirm, 'name="typed_name" value="Morgan Ellery"')
        auth.refresh_from_db()
        self.assertEqual(auth.status, "pending")
        self.assertFalse(self.events("authorization.sign", object_id=str(auth.pk)))

        back = self.client.post(url, self.sign_data(auth, back="1", confirmed="True"))
        self.assertTemplateUsed(back, "portal/authorization.html")
        self.assertContains(back, 'value="Morgan Ellery"')

        self.assertRedirects(self.client.post(url, self.sign_data(auth, confirmed="True")), reverse("portal_home"))
        auth.refresh_from_db()
        self.assertEqual(auth.status, "signed")

    def test_a_wrong_name_is_caught_before_the_confirmation(self):
        auth = self.pending()
        self.sign_in(self.claire)
        response = self.client.post(
            reverse("portal_authorization", args=[auth.pk]), self.sign_data(auth, typed_name="M. Ellery")
        )
        self.assertTemplateUsed(response, "portal/authorization.html")
        self.assertContains(response, "type your full name exactly as shown on the form")
        self.assertContains(response, 'value="M. Ellery"')

    def test_confirmation_pages_refuse_other_clients(self):
        self.sign_in(self.olive)
        for name in ("portal_revoke", "portal_decline"):
            self.assertEqual(self.client.get(reverse(name, args=[self.auth.pk])).status_code, 404)


class ReadableFormTest(PortalTestCase):
    def test_the_text_is_a_page_with_headings_lists_and_notices_before_the_signature_fields(self):
        from consent import services

        auth = self.prepare()
        services.authorization_send(actor=self.alice, auth_id=auth.pk, request_base_url=BASE_URL)
        self.sign_in(self.claire)
        html = self.client.get(reverse("portal_authorization", args=[auth.pk])).content.decode()
        self.assertNotIn('class="document pre"', html)
        self.assertIn("<h3>Who receives the information</h3>", html)
        self.assertIn("<li>Progress notes</li>", html)
        form_at = html.index('id="sign-form"')
        for notice in (
            "does not depend on whether you sign",
            "redisclosed by the recipient",
            "revoke this authorization",
        ):
            self.assertLess(html.index(notice), form_at, notice)
        self.assertIn('class="notice"', html)
        # Every line of the signed text is on the page.
        import html as html_lib

        page_text = html_lib.unescape(html)
        for line in render_text(auth).splitlines():
            words = line.strip().removeprefix("- ").removesuffix(":")
            if words:
                self.assertIn(words, page_text)
