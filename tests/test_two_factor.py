import re
import time

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken

from audit.models import Outcome
from practice.models import AuthenticatorDevice
from tests.base import PASSWORD, PracticeTestCase, make_user


def code_for(device: AuthenticatorDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


class EnrollmentTest(PracticeTestCase):
    def setUp(self):
        self.newbie = make_user("newbie", "counselor", totp=False)
        self.client.post(reverse("login"), {"username": "newbie", "password": PASSWORD})

    def test_first_sign_in_sends_staff_to_enrollment_with_a_qr_code(self):
        response = self.client.get(reverse("home"))
        self.assertRedirects(response, reverse("two_factor_setup"))
        page = self.client.get(reverse("two_factor_setup"))
        self.assertContains(page, 'src="data:image/svg+xml')
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
        device = AuthenticatorDevice.objects.get(user=self.newbie, confirmed=False)
        self.assertIn(secret, device.config_url)

    def test_confirming_with_a_code_turns_on_two_factor_and_shows_recovery_codes_once(self):
        self.client.get(reverse("two_factor_setup"))
        device = AuthenticatorDevice.objects.get(user=self.newbie, confirmed=False)
        before = self.client.session.session_key
        response = self.client.post(reverse("two_factor_setup"), {"token": code_for(device)})
        self.assertContains(response, "Two-factor sign-in is on")
        codes = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())
        self.assertEqual(len(codes), 10)
        self.assertNotEqual(self.client.session.session_key, before)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        self.assertOneEvent("auth.2fa_enroll", actor=self.newbie, outcome=Outcome.ALLOWED)
        # Enrollment cannot be repeated to replace the authenticator.
        self.assertRedirects(
            self.client.get(reverse("two_factor_setup")), reverse("two_factor_verify"), fetch_redirect_response=False
        )

    def test_a_wrong_first_code_is_refused_and_audited(self):
        self.client.get(reverse("two_factor_setup"))
        response = self.client.post(reverse("two_factor_setup"), {"token": "123456"})
        self.assertContains(response, "did not match")
        self.assertFalse(AuthenticatorDevice.objects.get(user=self.newbie).confirmed)
        self.assertOneEvent("auth.2fa_enroll", actor=self.newbie, outcome=Outcome.DENIED)


class RecoveryCodeTest(PracticeTestCase):
    def test_a_recovery_code_works_once(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("two_factor_recovery_codes"))
        code = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())[0]
        self.assertOneEvent("auth.recovery_codes_regenerated", actor=self.alice)
        self.client.logout()

        self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        response = self.client.post(reverse("two_factor_verify"), {"token": code})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        event = self.assertOneEvent("auth.2fa_verify", actor=self.alice, outcome=Outcome.ALLOWED)
        self.assertEqual(event.reason, "recovery code used")
        self.assertFalse(StaticToken.objects.filter(token=code).exists())
        self.client.logout()

        self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        response = self.client.post(reverse("two_factor_verify"), {"token": code})
        self.assertContains(response, "did not match")

    def test_regenerating_recovery_codes_needs_a_verified_session(self):
        self.sign_in(self.alice, verified=False)
        response = self.client.post(reverse("two_factor_recovery_codes"))
        self.assertRedirects(response, reverse("two_factor_verify"))
        self.assertEqual(self.events("auth.recovery_codes_regenerated"), [])


class VerifiedSessionTest(PracticeTestCase):
    """The session's second factor is checked on every request (practice.middleware.
    OTPMiddleware): the device must still exist, be confirmed, be a device, and be the
    user's own."""

    def set_device_id(self, value):
        session = self.client.session
        session[DEVICE_ID_SESSION_KEY] = value
        session.save()

    def assertRefused(self):
        response = self.client.get(reverse("caseload"))
        self.assertRedirects(response, reverse("two_factor_verify"), fetch_redirect_response=False)

    def test_a_verified_session_reaches_staff_pages(self):
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(reverse("caseload")).status_code, 200)

    def test_a_device_that_is_unconfirmed_or_gone_no_longer_verifies(self):
        self.sign_in(self.alice)
        device = AuthenticatorDevice.objects.get(user=self.alice)
        AuthenticatorDevice.objects.filter(pk=device.pk).update(confirmed=False)
        response = self.client.get(reverse("caseload"))
        self.assertRedirects(response, reverse("two_factor_setup"), fetch_redirect_response=False)
        self.assertNotIn(DEVICE_ID_SESSION_KEY, self.client.session)

        self.sign_in(self.bob)
        AuthenticatorDevice.objects.filter(user=self.bob).delete()
        response = self.client.get(reverse("caseload"))
        self.assertRedirects(response, reverse("two_factor_setup"), fetch_redirect_response=False)

    def test_another_users_device_does_not_verify(self):
        self.sign_in(self.alice)
        self.set_device_id(AuthenticatorDevice.objects.get(user=self.bob).persistent_id)
        self.assertRefused()
        self.assertNotIn(DEVICE_ID_SESSION_KEY, self.client.session)

    def test_a_model_that_is_not_a_device_or_a_damaged_id_does_not_verify(self):
        self.sign_in(self.alice)
        for value in (f"practice.user/{self.alice.pk}", "otp_totp.totpdevice/x", "nonsense", "no_app.model/1"):
            self.set_device_id(value)
            self.assertRefused()

    def test_a_recovery_code_verifies_the_session_for_the_next_requests(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("two_factor_recovery_codes"))
        code = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())[0]
        self.client.logout()
        self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        self.client.post(reverse("two_factor_verify"), {"token": code})
        self.assertTrue(self.client.session[DEVICE_ID_SESSION_KEY].startswith("practice.recoverycodedevice/"))
        self.assertEqual(self.client.get(reverse("caseload")).status_code, 200)
