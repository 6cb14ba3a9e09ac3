"""Password change, reset request and reset confirmation write their events in the same
transaction as the change: when the event cannot be written, nothing changes."""

import re
from unittest import mock

from django.core import mail
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from practice.models import User
from tests.base import PASSWORD, PracticeTestCase

NEW = "a-much-better-passphrase-42"


def failing_audit():
    return mock.patch("audit.services._append", side_effect=DatabaseError("audit table unavailable"))


class PasswordChangeTest(PracticeTestCase):
    def change(self):
        return self.client.post(
            reverse("password_change"), {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
        )

    def test_change_is_audited_and_keeps_this_session(self):
        self.sign_in(self.claire)
        self.assertRedirects(self.change(), reverse("password_change_done"))
        self.assertTrue(User.objects.get(pk=self.claire.pk).check_password(NEW))
        self.assertOneEvent("auth.password_change", actor=self.claire)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_no_change_without_its_event(self):
        self.sign_in(self.claire)
        with failing_audit(), self.assertRaises(DatabaseError):
            self.change()
        self.assertTrue(User.objects.get(pk=self.claire.pk).check_password(PASSWORD))


class PasswordResetRequestTest(PracticeTestCase):
    def test_the_event_names_the_account_never_the_typed_address(self):
        self.client.post(reverse("password_reset"), {"email": "claire@example.invalid"})
        self.client.post(reverse("password_reset"), {"email": "typed-by-someone@example.invalid"})
        known, unknown = self.events("auth.password_reset_request")
        self.assertEqual((known.object_id, known.actor), (str(self.claire.pk), None))
        self.assertEqual((unknown.object_id, unknown.reason), ("", "no matching account"))
        for event in AuditEvent.objects.values():
            self.assertNotIn("typed-by-someone", " ".join(str(v) for v in event.values()))
        self.assertEqual(len(mail.outbox), 1)

    def test_no_link_without_its_event(self):
        with failing_audit(), self.assertRaises(DatabaseError):
            self.client.post(reverse("password_reset"), {"email": "claire@example.invalid"})
        self.assertEqual(mail.outbox, [])


class PasswordResetConfirmTest(PracticeTestCase):
    def link_page(self, browser):
        browser.post(reverse("password_reset"), {"email": "claire@example.invalid"})
        link = re.search(r"http://testserver(\S+)", mail.outbox[-1].body).group(1)
        return browser.get(link, follow=True).redirect_chain[-1][0]

    def test_reset_is_audited_with_the_change(self):
        browser = Client()
        page = self.link_page(browser)
        response = browser.post(page, {"new_password1": NEW, "new_password2": NEW})
        self.assertRedirects(response, reverse("password_reset_complete"))
        self.assertTrue(User.objects.get(pk=self.claire.pk).check_password(NEW))
        self.assertOneEvent("auth.password_reset", actor=self.claire)
        # The link worked once.
        self.assertNotContains(browser.get(page), "new_password1")

    def test_no_reset_without_its_event(self):
        browser = Client()
        page = self.link_page(browser)
        with failing_audit(), self.assertRaises(DatabaseError):
            browser.post(page, {"new_password1": NEW, "new_password2": NEW})
        self.assertTrue(User.objects.get(pk=self.claire.pk).check_password(PASSWORD))
        self.assertEqual(self.events("auth.password_reset"), [])
