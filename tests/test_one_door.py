"""No second door: no Django admin, no superuser reading around the object permissions,
and the operator's commands go through the services and the audit log."""

import re
from io import StringIO

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent, Outcome
from practice.models import User
from records import selectors
from records.models import PsychotherapyNote
from tests.base import sign_in
from tests.consent.base import ConsentTestCase
from tests.urls_util import PUBLIC_URL_NAMES
from tests.walk import WalkTestCase


class NoDjangoAdminTest(ConsentTestCase):
    PATHS = ("/django-admin/", "/django-admin/login/", "/django-admin/practice/user/", "/admin/")

    def test_the_admin_app_is_not_installed(self):
        self.assertNotIn("django.contrib.admin", settings.INSTALLED_APPS)

    def test_django_admin_answers_404_to_everyone(self):
        for user in (None, self.alice, self.sam, self.avery, self.root, self.claire):
            browser = Client()
            if user is not None:
                sign_in(browser, user)
            for path in self.PATHS:
                for method in ("get", "post"):
                    response = getattr(browser, method)(path)
                    self.assertEqual(response.status_code, 404, f"{user} {method} {path}")


class SuperuserFlagTest(WalkTestCase):
    """A superuser (and staff) flag set straight in the database, on an account with no
    assignment, opens nothing."""

    def setUp(self):
        super().setUp()
        User.objects.filter(pk__in=[self.bob.pk, self.root.pk]).update(is_superuser=True, is_staff=True)
        self.bob.refresh_from_db()

    def test_selectors_return_nothing_for_a_superuser_without_assignment(self):
        self.assertTrue(self.bob.is_superuser)
        self.assertNotIn(self.rec, list(selectors.clients_for(self.bob)))
        self.assertIsNone(selectors.client_for(self.bob, self.rec.record_number))
        self.assertIsNone(selectors.note_for(self.bob, self.note.pk))
        self.assertIsNone(selectors.note_with_addenda_for(self.bob, self.note.pk))
        self.assertIsNone(selectors.psychotherapy_note_for(self.bob, self.pnote.pk))

    # What a page must not show to someone outside the care team.
    CLIENT_DATA = ("Morgan", "Ellery", "Reports better sleep", "Private process notes", "12 Elm Street", "555-0100")

    def walk(self, user, methods):
        sign_in(self.client, user)
        checked = 0
        for name, route, path in self.routes(skip=PUBLIC_URL_NAMES | {"logout"}):
            for method in methods:
                response = getattr(self.client, method)(path)
                body = b"" if getattr(response, "streaming", False) else response.content
                shows = [text for text in self.CLIENT_DATA if text.encode() in body]
                if "<" in route:
                    # A URL about one client, note, authorization or disclosure.
                    self.assertFalse(200 <= response.status_code < 300, f"{user} {method} {path} ({name})")
                else:
                    self.assertEqual(shows, [], f"{user} {method} {path} ({name}) shows client data")
                checked += 1
        return checked

    def test_every_url_refuses_a_superuser_counselor_without_assignment(self):
        self.assertGreater(self.walk(self.bob, ("get", "post")), 60)
        self.assertFalse(PsychotherapyNote.objects.exclude(pk=self.pnote.pk).exists())

    def test_a_superuser_practice_admin_reads_no_clinical_content_anywhere(self):
        # A practice admin manages assignments (names and record numbers): by role, not
        # by the flag. Clinical content stays closed on every page.
        sign_in(self.client, self.root)
        for _name, route, path in self.routes(skip=PUBLIC_URL_NAMES | {"logout"}):
            response = self.client.get(path)
            body = b"" if getattr(response, "streaming", False) else response.content
            for text in ("Reports better sleep", "Private process notes", "12 Elm Street", "555-0100"):
                self.assertNotIn(text.encode(), body, f"root GET {route}")


class OperatorCommandTest(ConsentTestCase):
    def run_command(self, *args) -> str:
        out = StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    def test_create_practice_admin_prints_a_one_time_link_and_is_audited(self):
        out = self.run_command(
            "create_practice_admin",
            "jordan.admin",
            "--email=jordan@example.invalid",
            "--first-name=Jordan",
            "--last-name=Price",
            "--base-url=https://records.example.org",
        )
        jordan = User.objects.get(username="jordan.admin")
        self.assertEqual(jordan.role, "practice_admin")
        self.assertFalse(jordan.has_usable_password())
        self.assertFalse(jordan.is_superuser or jordan.is_staff)
        created = self.assertOneEvent("staff.create", object_id=str(jordan.pk))
        self.assertIsNone(created.actor)
        self.assertTrue(created.actor_username.startswith("operator:"))
        self.assertEqual(created.user_agent, "manage.py create_practice_admin")
        self.assertOneEvent("staff.password_link", object_id=str(jordan.pk))

        path = re.search(r"https://records\.example\.org(\S+)", out).group(1)
        browser = Client()
        page = browser.get(path, follow=True)
        new = "jordan-picks-a-long-passphrase"
        browser.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
        jordan.refresh_from_db()
        self.assertTrue(jordan.check_password(new))
        # The link works once.
        self.assertNotContains(Client().get(path, follow=True), "new_password1")
        # First sign-in: two-factor enrollment before anything else.
        browser.post(reverse("login"), {"username": "jordan.admin", "password": new})
        self.assertRedirects(browser.get(reverse("staff_list")), reverse("two_factor_setup"))

    def test_createsuperuser_and_changepassword_are_refused(self):
        with self.assertRaisesMessage(CommandError, "create_practice_admin"):
            call_command("createsuperuser", "--noinput", "--username=x", "--email=x@example.invalid")
        with self.assertRaisesMessage(CommandError, "password_link"):
            call_command("changepassword", "alice")
        self.assertFalse(User.objects.filter(is_superuser=True).exclude(pk=self.root.pk).exists())

    def test_reset_two_factor_command(self):
        from practice.models import AuthenticatorDevice

        browser = Client()
        sign_in(browser, self.alice)
        self.run_command("reset_two_factor", "alice")
        self.assertFalse(AuthenticatorDevice.objects.filter(user=self.alice).exists())
        self.assertRedirects(browser.get(reverse("home")), reverse("login") + "?next=/")
        event = self.assertOneEvent("staff.reset_2fa", object_id=str(self.alice.pk))
        self.assertTrue(event.actor_username.startswith("operator:"))

    def test_deactivate_and_reactivate_commands(self):
        browser = Client()
        sign_in(browser, self.alice)
        self.run_command("deactivate_account", "alice")
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.is_active)
        self.assertRedirects(browser.get(reverse("home")), reverse("login") + "?next=/")
        self.assertIsNone(selectors.client_for(self.alice, self.rec.record_number))
        event = self.assertOneEvent("staff.deactivate", object_id=str(self.alice.pk))
        self.assertEqual(event.reason, "granted=0 revoked=2 sessions ended=1")

        self.run_command("deactivate_account", "alice", "--reactivate")
        self.assertIsNotNone(selectors.client_for(self.alice, self.rec.record_number))
        self.assertOneEvent("staff.reactivate", object_id=str(self.alice.pk))

    def test_change_role_command(self):
        out = self.run_command("change_role", "alice", "practice_admin")
        self.assertIn("counselor -> practice_admin", out)
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.role, "practice_admin")
        self.assertIsNone(selectors.client_for(self.alice, self.rec.record_number))
        self.assertOneEvent("staff.role_change", object_id=str(self.alice.pk))

    def test_commands_refuse_clearly(self):
        with self.assertRaisesMessage(CommandError, "No account named 'nobody'"):
            call_command("deactivate_account", "nobody")
        with self.assertRaises(CommandError):
            call_command("change_role", "claire", "counselor")  # a client never becomes staff
        self.claire.refresh_from_db()
        self.assertEqual(self.claire.role, "client")
        with self.assertRaises(CommandError):
            call_command(
                "create_practice_admin", "alice", "--email=a@example.invalid", "--first-name=A", "--last-name=B"
            )
        self.assertEqual(AuditEvent.objects.filter(action__startswith="staff.", outcome=Outcome.ALLOWED).count(), 0)


class NewAccountsTest(ConsentTestCase):
    def test_no_path_of_the_product_sets_superuser_or_staff_flags(self):
        sign_in(self.client, self.avery)
        self.client.post(
            reverse("staff_create"),
            {
                "username": "dana",
                "first_name": "Dana",
                "last_name": "Reyes",
                "email": "dana@example.invalid",
                "role": "practice_admin",
                "is_superuser": "on",
                "is_staff": "on",
            },
        )
        dana = User.objects.get(username="dana")
        self.assertFalse(dana.is_superuser or dana.is_staff)
