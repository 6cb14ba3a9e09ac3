"""Second factors at rest: authenticator keys are encrypted (bound to their row),
recovery codes are stored as keyed digests, the key is shown once at enrollment, and
clients can turn an authenticator on from their account."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re
import time
from base64 import b32decode, b32encode
from binascii import hexlify

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Outcome
from practice.models import AuthenticatorDevice
from tests.base import PASSWORD, PracticeTestCase, make_user


def code_from_secret(secret_b32: str) -> str:
    totp = TOTP(b32decode(secret_b32), 30, 0, 6, 0)
    totp.time = time.time()
    return f"{totp.token():06d}"


def all_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed names
        return repr(cursor.fetchall())


def shown_secret(response) -> str:
    return re.search(r'id="totp-secret">([A-Z2-7]+)<', response.content.decode()).group(1)


class KeyAtRestTest(PracticeTestCase):
    def setUp(self):
        self.newbie = make_user("newbie", "counselor", totp=False)
        self.client.post(reverse("login"), {"username": "newbie", "password": PASSWORD})

    def test_the_key_is_encrypted_and_shown_once(self):
        first = shown_secret(self.client.get(reverse("two_factor_setup")))
        second = shown_secret(self.client.get(reverse("two_factor_setup")))
        self.assertNotEqual(first, second)  # each opening gives a new key
        self.assertEqual(len(self.events("auth.2fa_key_shown", actor=self.newbie)), 2)
        stored = all_text("practice_authenticatordevice")
        for form in (second, second.lower(), hexlify(b32decode(second)).decode()):
            self.assertNotIn(form, stored)
        self.assertEqual(all_text("otp_totp_totpdevice"), "[]")
        # The key shown first no longer works.
        response = self.client.post(reverse("two_factor_setup"), {"token": code_from_secret(first)})
        self.assertContains(response, "did not match")
        self.assertNotContains(response, "totp-secret")  # a refused code does not show the key again
        self.assertOneEvent("auth.2fa_enroll", outcome=Outcome.DENIED)
        # (django-otp throttles after a failure: let the next attempt through at once.)
        AuthenticatorDevice.objects.filter(user=self.newbie).update(throttling_failure_count=0)
        response = self.client.post(reverse("two_factor_setup"), {"token": code_from_secret(second)})
        self.assertContains(response, "Two-factor sign-in is on")
        # Never shown again.
        self.assertRedirects(
            self.client.get(reverse("two_factor_setup")), reverse("two_factor_verify"), fetch_redirect_response=False
        )
        self.assertEqual(len(self.events("auth.2fa_key_shown", actor=self.newbie)), 2)

    def test_recovery_codes_are_stored_as_keyed_digests_and_work_once(self):
        self.client.get(reverse("two_factor_setup"))
        device = AuthenticatorDevice.objects.get(user=self.newbie)
        response = self.client.post(reverse("two_factor_setup"), {"token": code_from_secret(device.secret_text)})
        codes = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())
        self.assertEqual(len(codes), 10)
        stored = all_text("otp_static_statictoken")
        subkey = hmac.new(settings.IDENTITY_INDEX_KEY.encode(), b"practice.otp.recovery", hashlib.sha256).digest()
        for code in codes:
            self.assertNotIn(code, stored)
            self.assertIn(hmac.new(subkey, code.encode(), hashlib.sha256).hexdigest()[:16], stored)
        self.client.logout()
        self.client.post(reverse("login"), {"username": "newbie", "password": PASSWORD})
        self.client.post(reverse("two_factor_verify"), {"token": codes[0]})
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        self.client.logout()
        self.client.post(reverse("login"), {"username": "newbie", "password": PASSWORD})
        response = self.client.post(reverse("two_factor_verify"), {"token": codes[0]})
        self.assertContains(response, "did not match")
        self.assertEqual(self.events("auth.2fa_verify", outcome=Outcome.DENIED)[-1].actor, self.newbie)

    def test_a_key_moved_to_another_device_row_fails_closed(self):
        from records.fields import DecryptionError

        self.client.get(reverse("two_factor_setup"))
        other = make_user("other", "counselor", totp=False)
        AuthenticatorDevice.objects.create(user=other, name="x", confirmed=False)
        mine = AuthenticatorDevice.objects.get(user=self.newbie)
        with connection.cursor() as cursor:
            cursor.execute("SELECT key FROM practice_authenticatordevice WHERE id = %s", [mine.pk])
            (ciphertext,) = cursor.fetchone()
            cursor.execute(
                "UPDATE practice_authenticatordevice SET key = %s WHERE user_id = %s", [ciphertext, other.pk]
            )
        with self.assertRaises(DecryptionError):
            AuthenticatorDevice.objects.get(user=other).bin_key  # noqa: B018


class ClientTurnsOnTwoFactorTest(PracticeTestCase):
    def test_a_client_turns_it_on_from_their_account_and_must_use_it(self):
        self.client.post(reverse("login"), {"username": "claire", "password": PASSWORD})
        home = self.client.get(reverse("home"))
        self.assertContains(home, reverse("two_factor_setup"))
        self.assertContains(home, "Turn on two-factor sign-in")
        page = self.client.get(reverse("two_factor_setup"))
        secret = shown_secret(page)
        device = AuthenticatorDevice.objects.get(user=self.claire)
        self.assertIn("client%20portal", device.config_url)  # no readable identity on the phone
        self.assertNotIn("idx", device.config_url)
        response = self.client.post(reverse("two_factor_setup"), {"token": code_from_secret(secret)})
        self.assertContains(response, "Two-factor sign-in is on")
        self.assertOneEvent("auth.2fa_enroll", actor=self.claire, outcome=Outcome.ALLOWED)
        self.assertContains(self.client.get(reverse("home")), "Two-factor sign-in is on")
        # Next sign-in: no page before the second factor.
        self.client.logout()
        self.client.post(reverse("login"), {"username": "claire", "password": PASSWORD})
        self.assertRedirects(self.client.get(reverse("home")), reverse("two_factor_verify"))
        response = self.client.post(reverse("two_factor_verify"), {"token": "000000"})
        self.assertContains(response, "did not match")
        self.assertEqual(self.events("auth.2fa_verify", outcome=Outcome.DENIED)[-1].actor, self.claire)
        # The same 30-second step: django-otp refuses a code used once already, and
        # throttles after the failure above. Let this attempt through at once.
        AuthenticatorDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
        self.client.post(reverse("two_factor_verify"), {"token": code_from_secret(secret)})
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_a_client_without_an_authenticator_is_not_asked_for_one(self):
        self.client.post(reverse("login"), {"username": "claire", "password": PASSWORD})
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)


class MigrationTest(PracticeTestCase):
    def test_existing_devices_and_codes_are_moved(self):
        key = "3132333435363738393031323334353637383930"
        old = TOTPDevice.objects.create(user=self.bob, name="old", confirmed=True, key=key)
        static = StaticDevice.objects.create(user=self.bob, name="codes", confirmed=True)
        StaticToken.objects.create(device=static, token="abcd2345")
        AuthenticatorDevice.objects.filter(user=self.bob).delete()

        class Editor:
            pass

        editor = Editor()
        editor.connection = connection
        migration = importlib.import_module("practice.migrations.0006_second_factors_encrypted")
        migration.move_second_factors(apps, editor)

        self.assertFalse(TOTPDevice.objects.filter(pk=old.pk).exists())
        moved = AuthenticatorDevice.objects.get(user=self.bob)
        self.assertEqual((moved.name, moved.confirmed, moved.key), ("old", True, key))
        self.assertNotIn(key, all_text("practice_authenticatordevice"))
        self.assertTrue(moved.verify_token(code_from_secret(b32encode(bytes.fromhex(key)).decode())))
        self.assertNotIn("abcd2345", all_text("otp_static_statictoken"))
        from practice.models import RecoveryCodeDevice

        self.assertTrue(RecoveryCodeDevice.objects.get(pk=static.pk).verify_token("abcd2345"))
        # Run again: nothing more changes.
        before = all_text("otp_static_statictoken")
        migration.move_second_factors(apps, editor)
        self.assertEqual(all_text("otp_static_statictoken"), before)
