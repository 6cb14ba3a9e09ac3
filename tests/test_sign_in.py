import re

from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from audit.models import Outcome
from tests.base import PASSWORD, PracticeTestCase, current_code, strip_csrf


class SignInTest(PracticeTestCase):
    def test_sign_in_rotates_session_key_and_is_audited(self):
        self.client.get(reverse("login"))
        self.client.cookies[settings.SESSION_COOKIE_NAME] = "attacker-chosen-session-key"
        response = self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertNotEqual(self.client.session.session_key, "attacker-chosen-session-key")
        event = self.assertOneEvent("auth.login")
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(event.outcome, Outcome.ALLOWED)

    def test_second_factor_verification_rotates_session_key_again(self):
        self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        before = self.client.session.session_key
        response = self.client.post(reverse("two_factor_verify"), {"token": current_code(self.alice)})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertNotEqual(self.client.session.session_key, before)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        self.assertOneEvent("auth.2fa_verify", actor=self.alice, outcome=Outcome.ALLOWED)

    def test_wrong_second_factor_code_is_refused_and_audited(self):
        self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        response = self.client.post(reverse("two_factor_verify"), {"token": "000000"})
        self.assertContains(response, "did not match", status_code=200)
        self.assertRedirects(self.client.get(reverse("home")), reverse("two_factor_verify"))
        self.assertOneEvent("auth.2fa_verify", actor=self.alice, outcome=Outcome.DENIED)

    def test_wrong_password_is_audited_without_the_attempted_name_for_unknown_accounts(self):
        self.client.post(reverse("login"), {"username": "alice", "password": "nope"})
        self.client.post(reverse("login"), {"username": "my-password-typed-here", "password": "nope"})
        known, unknown = self.events("auth.login_failed")
        self.assertEqual((known.object_id, known.outcome), (str(self.alice.pk), Outcome.DENIED))
        self.assertEqual(unknown.object_id, "")
        self.assertNotIn("my-password", unknown.reason + unknown.actor_username)

    def test_unknown_and_known_usernames_get_the_same_response(self):
        known = self.client.post(reverse("login"), {"username": "alice", "password": "wrong-password"})
        unknown = self.client.post(reverse("login"), {"username": "nobody", "password": "wrong-password"})
        self.assertEqual(known.status_code, unknown.status_code)
        self.assertEqual(
            strip_csrf(known.content.decode()).replace("alice", "NAME"),
            strip_csrf(unknown.content.decode()).replace("nobody", "NAME"),
        )

    def test_deactivated_account_gets_the_same_response_as_a_wrong_password(self):
        self.bob.is_active = False
        self.bob.save()
        inactive = self.client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
        wrong = self.client.post(reverse("login"), {"username": "alice", "password": "wrong-password"})
        self.assertEqual(
            strip_csrf(inactive.content.decode()).replace("bob", "NAME"),
            strip_csrf(wrong.content.decode()).replace("alice", "NAME"),
        )

    def test_sign_out_clears_the_session_and_is_audited(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertRedirects(self.client.get(reverse("home")), reverse("login") + "?next=/")
        self.assertOneEvent("auth.logout", actor=self.alice)

    def test_sign_out_needs_post(self):
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_open_redirect_after_sign_in_is_refused(self):
        response = self.client.post(
            reverse("login") + "?next=https://evil.example/", {"username": "claire", "password": PASSWORD}
        )
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)


@override_settings(AXES_FAILURE_LIMIT=3)
class LockoutTest(PracticeTestCase):
    def fail(self, username="alice", ip="10.0.0.1"):
        return self.client.post(reverse("login"), {"username": username, "password": "wrong-password"}, REMOTE_ADDR=ip)

    def test_account_locks_after_the_limit_even_with_the_right_password(self):
        for _ in range(2):
            self.assertEqual(self.fail().status_code, 200)
        self.assertEqual(self.fail().status_code, 429)
        response = self.client.post(
            reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
        )
        self.assertContains(response, "Sign-in paused", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(len(self.events("auth.lockout")), 2)
        self.assertEqual(len(self.events("auth.login_failed")), 2)

    def test_address_locks_after_the_limit_across_usernames(self):
        for name in ("u1", "u2"):
            self.fail(username=name, ip="10.0.0.7")
        self.assertEqual(self.fail(username="u3", ip="10.0.0.7").status_code, 429)
        # Another address is not affected.
        response = self.client.post(
            reverse("login"), {"username": "claire", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8"
        )
        self.assertEqual(response.status_code, 302)

    def test_lockout_page_is_the_same_for_unknown_and_known_accounts(self):
        for _ in range(3):
            self.fail("alice", ip="10.0.1.1")
            self.fail("nobody", ip="10.0.2.1")
        known = self.fail("alice", ip="10.0.1.1")
        unknown = self.fail("nobody", ip="10.0.2.1")
        self.assertEqual(known.status_code, unknown.status_code)
        self.assertEqual(strip_csrf(known.content.decode()), strip_csrf(unknown.content.decode()))


class PasswordResetTest(PracticeTestCase):
    def test_same_page_for_known_and_unknown_addresses(self):
        known = self.client.post(reverse("password_reset"), {"email": "alice@example.invalid"})
        unknown = self.client.post(reverse("password_reset"), {"email": "nobody@example.invalid"})
        self.assertRedirects(known, reverse("password_reset_done"))
        self.assertRedirects(unknown, reverse("password_reset_done"))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["alice@example.invalid"])

    def test_reset_link_sets_a_new_password_and_is_audited(self):
        self.client.post(reverse("password_reset"), {"email": "claire@example.invalid"})
        link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
        response = self.client.get(link, follow=True)
        new = "a-much-better-passphrase-42"
        response = self.client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
        self.assertRedirects(response, reverse("password_reset_complete"))
        self.claire.refresh_from_db()
        self.assertTrue(self.claire.check_password(new))
        self.assertOneEvent("auth.password_reset", actor=self.claire)

    def test_weak_passwords_are_refused_with_a_reason(self):
        self.sign_in(self.claire)
        response = self.client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "password1", "new_password2": "password1"},
        )
        self.assertContains(response, "too common")
        self.assertEqual(self.events("auth.password_change"), [])


class PasswordChangeTest(PracticeTestCase):
    def test_password_change_is_audited_and_keeps_the_session(self):
        self.sign_in(self.alice)
        new = "another-long-passphrase-77"
        response = self.client.post(
            reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        )
        self.assertRedirects(response, reverse("password_change_done"))
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        self.assertOneEvent("auth.password_change", actor=self.alice)

    def test_client_cannot_change_password_without_the_old_one(self):
        self.sign_in(self.claire)
        response = self.client.post(
            reverse("password_change"),
            {"old_password": "wrong", "new_password1": "x-long-passphrase-1", "new_password2": "x-long-passphrase-1"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events("auth.password_change"), [])
