"""Deny by default: every URL but the public few sends an anonymous visitor to sign-in,
and no staff page opens before the second factor is verified."""

from django.conf import settings
from django.urls import reverse

from tests.base import PracticeTestCase
from tests.urls_util import PUBLIC_URL_NAMES, application_urls


class AnonymousTest(PracticeTestCase):
    def test_every_non_public_url_redirects_anonymous_visitors_to_sign_in(self):
        checked = 0
        login = reverse(settings.LOGIN_URL)
        for name, path in application_urls():
            if name in PUBLIC_URL_NAMES:
                continue
            for method in ("get", "post"):
                response = getattr(self.client, method)(path, follow=True)
                self.assertTrue(response.redirect_chain, f"{method.upper()} {path} ({name}) answered directly")
                final = response.redirect_chain[-1][0]
                self.assertTrue(final.startswith(login), f"{path} ended at {final}")
            checked += 1
        self.assertGreater(checked, 10)

    def test_public_pages_answer_without_sign_in(self):
        for name in ("login", "healthz", "password_reset", "password_reset_done"):
            self.assertEqual(self.client.get(reverse(name)).status_code, 200, name)

    def test_health_says_ok(self):
        self.assertEqual(self.client.get("/healthz").content, b"ok")

    def test_static_files_are_served_without_sign_in(self):
        response = self.client.get("/static/css/app.css")
        self.assertEqual(response.status_code, 200)


class StaffWithoutSecondFactorTest(PracticeTestCase):
    def test_unverified_staff_reach_no_staff_page(self):
        for user in (self.alice, self.sam, self.avery, self.root):
            self.sign_in(user, verified=False)
            for name, path in application_urls():
                if name in PUBLIC_URL_NAMES or name in {
                    "two_factor_verify",
                    "two_factor_setup",
                    "keepalive",
                    "session_status",
                }:
                    continue
                response = self.client.get(path)
                self.assertEqual(response.status_code, 302, f"{user} GET {path}")
                self.assertEqual(response["Location"], reverse("two_factor_verify"), f"{user} GET {path}")
            self.client.logout()

    def test_staff_without_an_authenticator_are_sent_to_enrollment(self):
        from practice.models import AuthenticatorDevice

        AuthenticatorDevice.objects.filter(user=self.bob).delete()
        self.sign_in(self.bob, verified=False)
        response = self.client.get(reverse("home"))
        self.assertRedirects(response, reverse("two_factor_setup"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("two_factor_setup")).status_code, 200)

    def test_clients_do_not_need_a_second_factor(self):
        self.sign_in(self.claire)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
