"""A lockout that holds: failures counted against a username are cleared only by that
account's own successful sign-in, and what was typed into the username box is never
stored readable (axes counts a keyed hash of it)."""

import hashlib
import logging

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from practice.lockout import username_key
from tests.base import PASSWORD, PracticeTestCase, make_user


@override_settings(AXES_FAILURE_LIMIT=5)
class InterleavedLockoutTest(PracticeTestCase):
    """The attack from issue 9: four wrong guesses for the victim, then a sign-in to the
    attacker's own account, five times over; then the right password."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.mallory = make_user("mallory", "client")

    def guess(self, username, password, ip):
        return self.client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)

    def attack(self, ip_for_round):
        for round_ in range(5):
            ip = ip_for_round(round_)
            for _ in range(4):
                self.guess("claire", "wrong-guess-123", ip)
            self.guess("mallory", PASSWORD, ip)
            self.client.post(reverse("logout"), REMOTE_ADDR=ip)
        return self.guess("claire", PASSWORD, ip_for_round(5))

    def assertLockedOut(self, response):
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Sign-in paused", status_code=429)
        self.assertNotEqual(self.client.session.get("_auth_user_id"), str(self.claire.pk))
        self.assertFalse(AuditEvent.objects.filter(action="auth.login", actor=self.claire).exists())

    def test_twenty_wrong_guesses_interleaved_with_own_sign_ins_end_in_a_lockout(self):
        self.assertLockedOut(self.attack(lambda round_: "10.0.0.66"))
        self.assertTrue(self.events("auth.lockout", object_id=str(self.claire.pk)))

    def test_the_lockout_holds_when_each_round_comes_from_a_new_address(self):
        self.assertLockedOut(self.attack(lambda round_: f"10.0.{round_}.66"))

    def test_a_successful_sign_in_clears_only_its_own_failures(self):
        for _ in range(4):
            self.guess("claire", "typo-typo-typo", "10.1.1.1")
            self.guess("alice", "typo-typo-typo", "10.2.2.2")
        self.assertEqual(self.guess("alice", PASSWORD, "10.2.2.2").status_code, 302)
        self.assertEqual(AccessAttempt.objects.filter(username=username_key("alice")).count(), 0)
        self.assertEqual(AccessAttempt.objects.get(username=username_key("claire")).failures_since_start, 4)
        # alice may mistype again; claire's fifth failure locks her.
        self.client.post(reverse("logout"))
        self.assertEqual(self.guess("alice", "typo-typo-typo", "10.2.2.2").status_code, 200)
        self.assertEqual(self.guess("claire", "typo-typo-typo", "10.3.3.3").status_code, 429)

    def test_case_variants_count_against_the_same_username(self):
        for name in ("claire", "Claire", " CLAIRE", "claire ", "cLaIrE"):
            self.guess(name, "wrong-guess-123", "10.4.4.4")
        self.assertEqual(self.guess("claire", PASSWORD, "10.5.5.5").status_code, 429)


class TypedUsernameNotStoredTest(PracticeTestCase):
    TYPED = "MyS3cret-passw0rd-typed-here"

    def test_a_failed_attempt_keeps_no_readable_trace_of_the_typed_name(self):
        with self.assertLogs(level=logging.DEBUG) as logs:
            self.client.post(reverse("login"), {"username": self.TYPED, "password": "x-wrong-123"})
            self.client.post(reverse("login"), {"username": "alice", "password": "x-wrong-123"})
        self.assertNotIn(self.TYPED, "\n".join(logs.output))
        attempts = list(AccessAttempt.objects.values())
        self.assertEqual(len(attempts), 2)
        for row in attempts:
            for column, value in row.items():
                self.assertNotIn(self.TYPED.lower(), str(value).lower(), column)
                self.assertNotIn("alice", str(value), column)
        self.assertEqual({row["username"] for row in attempts}, {username_key(self.TYPED), username_key("alice")})
        self.assertFalse(AccessFailureLog.objects.exists())
        for event in AuditEvent.objects.values():
            self.assertNotIn(self.TYPED, " ".join(str(v) for v in event.values()))

    def test_successful_sign_ins_are_not_kept_by_axes(self):
        self.client.post(reverse("login"), {"username": "claire", "password": PASSWORD})
        self.assertFalse(AccessLog.objects.exists())
        self.assertOneEvent("auth.login", actor=self.claire)

    def test_the_hash_is_keyed(self):
        key = username_key("alice")
        self.assertNotEqual(key, hashlib.sha256(b"alice").hexdigest())
        with override_settings(SECRET_KEY="another-key-" + "k" * 40):
            self.assertNotEqual(username_key("alice"), key)
