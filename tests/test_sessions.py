"""Idle timeout and absolute lifetime, with time travel."""

import time_machine
from django.test import override_settings
from django.urls import reverse

from tests.base import PASSWORD, PracticeTestCase, current_code

START = 1_790_000_000  # a fixed instant; the tests move the clock from here


@override_settings(SESSION_IDLE_TIMEOUT=15 * 60, SESSION_ABSOLUTE_LIFETIME=12 * 3600)
class SessionLifetimeTest(PracticeTestCase):
    def sign_in_at(self, traveller):
        self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        self.client.post(reverse("two_factor_verify"), {"token": current_code(self.alice)})
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_idle_session_ends_after_the_timeout(self):
        with time_machine.travel(START, tick=False) as traveller:
            self.sign_in_at(traveller)
            traveller.shift(14 * 60)
            self.assertEqual(self.client.get(reverse("home")).status_code, 200)
            traveller.shift(14 * 60)  # activity above restarted the idle clock
            self.assertEqual(self.client.get(reverse("home")).status_code, 200)
            traveller.shift(15 * 60 + 1)
            response = self.client.get(reverse("home"))
            self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
            self.assertNotIn("_auth_user_id", self.client.session)
        event = self.assertOneEvent("auth.session_expired", actor=self.alice)
        self.assertEqual(event.reason, "idle")

    def test_session_ends_at_the_absolute_lifetime_even_when_active(self):
        with time_machine.travel(START, tick=False) as traveller:
            self.sign_in_at(traveller)
            for _ in range(12 * 6 - 1):  # a request every 10 minutes for just under 12 hours
                traveller.shift(10 * 60)
                self.assertEqual(self.client.get(reverse("home")).status_code, 200)
            traveller.shift(10 * 60 + 1)
            response = self.client.get(reverse("home"))
            self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        self.assertEqual(self.assertOneEvent("auth.session_expired").reason, "absolute")

    def test_status_poll_does_not_count_as_activity(self):
        with time_machine.travel(START, tick=False) as traveller:
            self.sign_in_at(traveller)
            traveller.shift(10 * 60)
            status = self.client.get(reverse("session_status"), HTTP_X_SESSION_PASSIVE="1").json()
            self.assertEqual(status["remaining"], 5 * 60)
            traveller.shift(5 * 60 + 1)
            self.assertRedirects(self.client.get(reverse("home")), reverse("login"), fetch_redirect_response=False)

    def test_stay_signed_in_restarts_the_idle_clock(self):
        with time_machine.travel(START, tick=False) as traveller:
            self.sign_in_at(traveller)
            traveller.shift(14 * 60)
            self.assertEqual(self.client.post(reverse("keepalive")).status_code, 200)
            traveller.shift(14 * 60)
            self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_the_page_carries_the_timeout_for_its_warning(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("home"))
        self.assertContains(response, 'data-idle-timeout="900"')
        self.assertContains(response, 'id="idle-warning"')
