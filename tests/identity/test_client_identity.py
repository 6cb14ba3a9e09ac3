"""A client's account holds no email or name in plaintext: the username is a keyed
blind index of the email, the email is encrypted, the names live on the encrypted
Client record. Sign-in, password reset, invitations and the lockout work through the
index."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re

from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from audit.models import Outcome
from consent import services as consent_services
from practice.models import User
from tests.base import PASSWORD
from tests.consent.base import BASE_URL, ConsentTestCase

EMAIL = "Canary.Quill-7731@Example.invalid"
FIRST, LAST = "Zebuloncanary", "Quillfeather"


def index_of(text: str) -> str:
    """Written out here, independent of practice.identity."""
    subkey = hmac.new(settings.IDENTITY_INDEX_KEY.encode(), b"practice.identity.email", hashlib.sha256).digest()
    return hmac.new(subkey, text.strip().casefold().encode(), hashlib.sha256).hexdigest()


def signs_in(browser, username: str, password: str) -> bool:
    browser.post(reverse("login"), {"username": username, "password": password})
    signed_in = "_auth_user_id" in browser.session
    browser.logout()
    return signed_in


def user_row(pk: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM practice_user WHERE id = %s", [pk])
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


class InvitedClientTest(ConsentTestCase):
    """A client invited through the portal flow, with identifying canaries."""

    def invite_and_accept(self) -> User:
        self.rec.user = None
        self.rec.first_name, self.rec.last_name, self.rec.email = FIRST, LAST, EMAIL
        self.rec.save()
        auth = self.prepare()
        consent_services.authorization_send(actor=self.alice, auth_id=auth.pk, request_base_url=BASE_URL)
        token = re.search(r"/invite/([\w-]+)/", mail.outbox[-1].body).group(1)
        response = self.client.post(
            reverse("invitation_accept", args=[token]),
            {"password1": "a-long-client-passphrase", "password2": "a-long-client-passphrase"},
        )
        self.assertRedirects(response, reverse("portal_home"))
        self.client.logout()
        self.rec.refresh_from_db()
        return self.rec.user

    def test_the_account_row_holds_no_email_or_name_in_plaintext(self):
        user = self.invite_and_accept()
        row = user_row(user.pk)
        self.assertEqual(row["username"], "idx:" + index_of(EMAIL))
        self.assertEqual(row["email_index"], index_of(EMAIL))
        self.assertEqual((row["first_name"], row["last_name"]), ("", ""))
        text = repr(row).casefold()
        for canary in (EMAIL, "canary.quill", FIRST, LAST):
            self.assertNotIn(canary.casefold(), text)
        # The email reads back through the model (encrypted, bound to this row).
        self.assertEqual(User.objects.get(pk=user.pk).email, EMAIL)
        # The audit log names the new client by record number only.
        event = self.assertOneEvent("invitation.accept", outcome=Outcome.ALLOWED)
        self.assertEqual(event.actor_username, f"client:{self.rec.record_number}")

    def test_the_client_signs_in_with_their_email_in_any_case(self):
        user = self.invite_and_accept()
        before = len(self.events("auth.login", actor=user))  # the invitation signed them in
        for typed in (EMAIL, EMAIL.lower(), f"  {EMAIL.upper()} "):
            response = self.client.post(reverse("login"), {"username": typed, "password": "a-long-client-passphrase"})
            self.assertEqual(response.status_code, 302, typed)
            self.assertEqual(int(self.client.session["_auth_user_id"]), user.pk)
            self.client.logout()
        self.assertEqual(len(self.events("auth.login", actor=user)), before + 3)

    def test_the_stored_index_itself_is_not_a_sign_in_name(self):
        user = self.invite_and_accept()
        response = self.client.post(
            reverse("login"), {"username": user.username, "password": "a-long-client-passphrase"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)
        event = self.events("auth.login_failed")[-1]
        self.assertEqual((event.outcome, event.object_id, event.reason), (Outcome.DENIED, "", "unknown username"))

    def test_a_wrong_password_is_counted_under_the_keyed_typed_name_and_cleared_by_a_sign_in(self):
        from axes.models import AccessAttempt

        user = self.invite_and_accept()
        self.client.post(reverse("login"), {"username": EMAIL, "password": "wrong-password-123"})
        failed = self.events("auth.login_failed")[-1]
        self.assertEqual(failed.object_id, str(user.pk))  # the account, by id
        attempts = list(AccessAttempt.objects.all())
        self.assertEqual(len(attempts), 1)
        for canary in (EMAIL.casefold(), "canary.quill"):
            self.assertNotIn(canary, repr(vars(attempts[0])).casefold())
        self.client.post(reverse("login"), {"username": EMAIL.lower(), "password": "a-long-client-passphrase"})
        self.assertFalse(AccessAttempt.objects.exists())

    def test_password_reset_finds_the_client_by_index_and_mails_the_decrypted_address(self):
        user = self.invite_and_accept()
        mail.outbox.clear()
        self.client.post(reverse("password_reset"), {"email": EMAIL.upper()})
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [EMAIL])
        self.assertOneEvent("auth.password_reset_request", object_id=str(user.pk))
        link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
        response = self.client.get(link, follow=True)
        response = self.client.post(
            response.redirect_chain[-1][0],
            {"new_password1": "brand-new-passphrase-1", "new_password2": "brand-new-passphrase-1"},
        )
        self.assertRedirects(response, reverse("password_reset_complete"))
        self.assertTrue(signs_in(self.client, EMAIL, "brand-new-passphrase-1"))

    def test_a_second_invitation_to_the_same_address_is_refused(self):
        self.invite_and_accept()
        other = self.other
        other.email = EMAIL.lower()
        other.save()
        auth = consent_services.authorization_prepare(
            actor=self.bob,
            record_number=other.record_number,
            kind="general",
            recipient_name="Dr. Any",
            recipient_organization="",
            recipient_email="any@example.invalid",
            recipient_address="",
            categories=["attendance"],
            information_from=self.prepare().information_from,
            information_to=self.prepare().information_to,
            purpose="continuity",
            purpose_detail="",
            expires_on=self.prepare().expires_on,
            expiration_event="",
            representative_name="",
            representative_authority="",
        )
        consent_services.authorization_send(actor=self.bob, auth_id=auth.pk, request_base_url=BASE_URL)
        token = re.search(r"/invite/([\w-]+)/", mail.outbox[-1].body).group(1)
        response = self.client.post(
            reverse("invitation_accept", args=[token]),
            {"password1": "a-long-client-passphrase", "password2": "a-long-client-passphrase"},
        )
        self.assertContains(response, "An account already uses this email address")
        event = self.events("invitation.accept", outcome=Outcome.DENIED)[-1]
        self.assertEqual(event.reason, "email already has an account")
        self.assertEqual(User.objects.filter(email_index=index_of(EMAIL)).count(), 1)

    def test_another_index_key_finds_nobody(self):
        self.invite_and_accept()
        with override_settings(IDENTITY_INDEX_KEY="some-other-identity-index-key-32-bytes"):
            self.assertIsNone(User.objects.find_by_sign_in_name(EMAIL))
        self.assertIsNotNone(User.objects.find_by_sign_in_name(EMAIL))


class StaffIdentityTest(ConsentTestCase):
    def test_staff_sign_in_by_username_and_reset_by_their_encrypted_email(self):
        row = user_row(self.alice.pk)
        self.assertEqual(row["username"], "alice")
        self.assertNotIn("alice@example.invalid", repr(row))
        self.assertEqual(row["email_index"], index_of("alice@example.invalid"))
        self.assertTrue(signs_in(self.client, "alice", PASSWORD))
        self.client.post(reverse("password_reset"), {"email": "ALICE@example.invalid"})
        self.assertEqual(mail.outbox[-1].to, ["alice@example.invalid"])

    def test_a_client_account_cannot_be_saved_with_a_name_or_an_email_username(self):
        with self.assertRaises(ValueError):
            User(username="idx:x", first_name="Named", role="client").save()
        with self.assertRaises(ValueError):
            User(username="someone@example.invalid", role="client").save()


class MigrationTest(ConsentTestCase):
    def test_existing_rows_are_converted(self):
        """Rows as the previous version wrote them: the client's email as username, names
        and email in clear."""
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE practice_user SET username = %s, email = %s, first_name = %s, last_name = %s, email_index = '' "
                "WHERE id = %s",
                [EMAIL.lower(), EMAIL, FIRST, LAST, self.claire.pk],
            )
            cursor.execute(
                "UPDATE practice_user SET email = %s, email_index = '' WHERE id = %s",
                ["alice@example.invalid", self.alice.pk],
            )

        class Editor:
            pass

        editor = Editor()
        editor.connection = connection
        migration = importlib.import_module("practice.migrations.0005_client_identity_out_of_plaintext")
        migration.move_identity(apps, editor)

        row = user_row(self.claire.pk)
        self.assertEqual(row["username"], "idx:" + index_of(EMAIL))
        self.assertEqual((row["first_name"], row["last_name"], row["email_index"]), ("", "", index_of(EMAIL)))
        for canary in (EMAIL.casefold(), FIRST.casefold(), LAST.casefold()):
            self.assertNotIn(canary, repr(row).casefold())
        self.assertEqual(User.objects.get(pk=self.claire.pk).email, EMAIL)
        self.assertEqual(User.objects.get(pk=self.alice.pk).email, "alice@example.invalid")
        self.assertEqual(user_row(self.alice.pk)["username"], "alice")
        # The client still signs in with the same name.
        self.assertTrue(signs_in(self.client, EMAIL, PASSWORD))
        # Run again: nothing changes.
        before = user_row(self.claire.pk)
        migration.move_identity(apps, editor)
        self.assertEqual(user_row(self.claire.pk), before)
