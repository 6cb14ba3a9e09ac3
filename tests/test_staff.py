import re

from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import Outcome
from practice.models import User
from tests.base import PracticeTestCase, sign_in

NEW_STAFF = {
    "username": "dana.counselor",
    "first_name": "Dana",
    "last_name": "Reyes",
    "email": "dana@example.invalid",
    "role": "counselor",
}


class StaffCreateTest(PracticeTestCase):
    def test_practice_admin_creates_a_staff_account_with_no_password_and_an_email_link(self):
        self.sign_in(self.avery)
        response = self.client.post(reverse("staff_create"), NEW_STAFF)
        self.assertRedirects(response, reverse("staff_list"))
        dana = User.objects.get(username="dana.counselor")
        self.assertEqual(dana.role, "counselor")
        self.assertFalse(dana.has_usable_password())
        self.assertEqual(mail.outbox[0].to, ["dana@example.invalid"])
        self.assertRegex(mail.outbox[0].body, r"/accounts/password/reset/\w+/[\w-]+/")
        event = self.assertOneEvent("staff.create", actor=self.avery)
        self.assertEqual(event.object_id, str(dana.pk))

    def test_the_emailed_link_sets_the_first_password(self):
        self.sign_in(self.avery)
        self.client.post(reverse("staff_create"), NEW_STAFF)
        link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
        fresh = Client()
        page = fresh.get(link, follow=True)
        new = "dana-chooses-a-long-passphrase"
        fresh.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
        self.assertTrue(User.objects.get(username="dana.counselor").check_password(new))

    def test_others_may_not_create_staff_and_the_denial_is_audited(self):
        for user in (self.alice, self.sam, self.claire):
            self.sign_in(user)
            response = self.client.post(reverse("staff_create"), {**NEW_STAFF, "username": f"x-{user.username}"})
            self.assertEqual(response.status_code, 403, user)
            self.assertEqual(self.client.get(reverse("staff_list")).status_code, 403)
        self.assertFalse(User.objects.filter(username__startswith="x-").exists())
        self.assertEqual(len(self.events("staff.create", outcome=Outcome.DENIED)), 3)
        self.assertEqual(len(self.events("staff.list", outcome=Outcome.DENIED)), 3)

    def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(self):
        self.sign_in(self.avery)
        response = self.client.post(reverse("staff_create"), {**NEW_STAFF, "username": "alice", "email": "nope"})
        self.assertContains(response, "That username is taken.")
        self.assertContains(response, "Enter a valid email address.")
        self.assertContains(response, 'value="Dana"')
        self.assertEqual(self.events("staff.create"), [])


class StaffDeactivateTest(PracticeTestCase):
    def test_deactivation_ends_every_session_at_once_and_keeps_the_account(self):
        alice_browser = Client()
        sign_in(alice_browser, self.alice)
        self.assertEqual(alice_browser.get(reverse("home")).status_code, 200)

        self.sign_in(self.avery)
        response = self.client.post(reverse("staff_set_active", args=[self.alice.pk]), {"active": "0"})
        self.assertRedirects(response, reverse("staff_list"))

        self.assertRedirects(alice_browser.get(reverse("home")), reverse("login") + "?next=/")
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.is_active)
        self.assertIsNotNone(self.alice.deactivated_at)
        self.assertFalse(any(s.get_decoded().get("_auth_user_id") == str(self.alice.pk) for s in Session.objects.all()))
        event = self.assertOneEvent("staff.deactivate", actor=self.avery)
        self.assertEqual(event.reason, "granted=0 revoked=0 sessions ended=1")

    def test_reactivation(self):
        self.alice.is_active = False
        self.alice.save()
        self.sign_in(self.avery)
        self.client.post(reverse("staff_set_active", args=[self.alice.pk]), {"active": "1"})
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)
        self.assertOneEvent("staff.reactivate", actor=self.avery)

    def test_counselors_cannot_deactivate_anyone(self):
        self.sign_in(self.bob)
        response = self.client.post(reverse("staff_set_active", args=[self.alice.pk]), {"active": "0"})
        self.assertEqual(response.status_code, 403)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)
        self.assertOneEvent("staff.set_active", actor=self.bob, outcome=Outcome.DENIED)

    def test_an_admin_cannot_lock_themselves_out(self):
        self.sign_in(self.avery)
        response = self.client.post(reverse("staff_set_active", args=[self.avery.pk]), {"active": "0"})
        self.assertEqual(response.status_code, 403)
        self.avery.refresh_from_db()
        self.assertTrue(self.avery.is_active)

    def test_deactivated_users_history_is_kept(self):
        self.sign_in(self.alice)
        self.client.post(reverse("logout"))
        self.sign_in(self.avery)
        self.client.post(reverse("staff_set_active", args=[self.alice.pk]), {"active": "0"})
        self.assertEqual(self.assertOneEvent("auth.logout").actor, self.alice)


class StaffTwoFactorResetTest(PracticeTestCase):
    def test_an_admin_resets_a_lost_authenticator_and_the_user_enrolls_again(self):
        from practice.models import AuthenticatorDevice
        from tests.base import PASSWORD

        alice_browser = Client()
        sign_in(alice_browser, self.alice)
        self.sign_in(self.avery)
        response = self.client.post(reverse("staff_reset_two_factor", args=[self.alice.pk]))
        self.assertRedirects(response, reverse("staff_list"))
        self.assertFalse(AuthenticatorDevice.objects.filter(user=self.alice).exists())
        self.assertRedirects(alice_browser.get(reverse("home")), reverse("login") + "?next=/")
        self.assertOneEvent("staff.reset_2fa", actor=self.avery, object_id=str(self.alice.pk))
        fresh = Client()
        fresh.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        self.assertRedirects(fresh.get(reverse("home")), reverse("two_factor_setup"))

    def test_nobody_else_resets_and_admins_do_not_reset_their_own(self):
        from practice.models import AuthenticatorDevice

        for user in (self.bob, self.sam, self.claire):
            self.sign_in(user)
            self.assertEqual(self.client.post(reverse("staff_reset_two_factor", args=[self.alice.pk])).status_code, 403)
        self.sign_in(self.avery)
        self.assertEqual(self.client.post(reverse("staff_reset_two_factor", args=[self.avery.pk])).status_code, 403)
        self.assertEqual(AuthenticatorDevice.objects.filter(user__in=[self.alice, self.avery]).count(), 2)
        self.assertEqual(len(self.events("staff.reset_2fa", outcome=Outcome.DENIED)), 4)

    def test_an_admin_emails_a_fresh_password_link(self):
        self.sign_in(self.avery)
        self.client.post(reverse("staff_send_password_link", args=[self.bob.pk]))
        self.assertEqual(mail.outbox[-1].to, ["bob@example.invalid"])
        self.assertRegex(mail.outbox[-1].body, r"/accounts/password/reset/\w+/[\w-]+/")
        self.assertOneEvent("staff.password_link", actor=self.avery)
        self.sign_in(self.bob)
        self.assertEqual(self.client.post(reverse("staff_send_password_link", args=[self.alice.pk])).status_code, 403)
        self.assertEqual(len(mail.outbox), 1)
