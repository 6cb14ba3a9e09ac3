"""Role changes, deactivation and reactivation take effect on the person's next request:
one service re-syncs their object permissions and ends their sessions, audited; and the
permission query itself ignores a row held by an inactive or non-clinical account."""

from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from audit.models import Outcome
from practice import services as practice_services
from practice.models import User
from records import selectors
from records.models import ClientUserObjectPermission
from records.permissions import VIEW_CHART, WRITE_NOTES
from tests.base import sign_in
from tests.records.base import RecordsTestCase


def rows(user):
    return set(
        ClientUserObjectPermission.objects.filter(user=user).values_list(
            "content_object__record_number", "permission__codename"
        )
    )


class RoleChangeTest(RecordsTestCase):
    def setUp(self):
        self.note = self.signed_note()

    def change_role(self, user, role, **extra):
        return self.client.post(reverse("staff_change_role", args=[user.pk]), {"role": role, "confirm": "on", **extra})

    def test_role_change_ends_sessions_and_access_on_the_next_request(self):
        alice_browser = Client()
        sign_in(alice_browser, self.alice)
        chart = reverse("chart", args=[self.rec.record_number])
        self.assertEqual(alice_browser.get(chart).status_code, 200)

        self.sign_in(self.avery)
        page = self.client.get(reverse("staff_change_role", args=[self.alice.pk]))
        self.assertContains(page, "signed out everywhere")
        self.assertRedirects(self.change_role(self.alice, "practice_admin"), reverse("staff_list"))

        # The open session is gone: the next request goes to sign-in.
        self.assertRedirects(alice_browser.get(chart), reverse("login") + "?next=" + chart)
        # Signed in again, as a practice admin: no chart, no note, no permission rows.
        sign_in(alice_browser, User.objects.get(pk=self.alice.pk))
        self.assertEqual(alice_browser.get(chart).status_code, 404)
        self.assertEqual(alice_browser.get(reverse("note_detail", args=[self.note.pk])).status_code, 404)
        self.assertEqual(rows(self.alice), set())

        event = self.assertOneEvent("staff.role_change", actor=self.avery, object_id=str(self.alice.pk))
        self.assertEqual(event.reason, "role counselor -> practice_admin granted=0 revoked=2 sessions ended=1")

    def test_supervisor_demoted_loses_the_supervisees_charts(self):
        self.assertEqual(rows(self.sam), {(self.rec.record_number, VIEW_CHART)})
        practice_services.staff_change_role(actor=self.avery, user=self.sam, role="counselor")
        self.assertEqual(rows(self.sam), set())
        sign_in(self.client, User.objects.get(pk=self.sam.pk))
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)

    def test_counselor_promoted_to_supervisor_keeps_their_own_clients(self):
        practice_services.staff_change_role(actor=self.avery, user=self.alice, role="supervisor")
        self.assertEqual(
            rows(self.alice), {(self.rec.record_number, VIEW_CHART), (self.rec.record_number, WRITE_NOTES)}
        )

    def test_the_change_needs_confirmation_and_a_different_role(self):
        self.sign_in(self.avery)
        response = self.client.post(reverse("staff_change_role", args=[self.alice.pk]), {"role": "practice_admin"})
        self.assertContains(response, "Tick the box to confirm the change.")
        response = self.change_role(self.alice, "counselor")
        self.assertContains(response, "already their role")
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.role, "counselor")
        self.assertEqual(self.events("staff.role_change"), [])

    def test_only_practice_admins_change_roles_and_never_their_own(self):
        for user in (self.alice, self.sam, self.claire):
            sign_in(self.client, user)
            self.assertEqual(self.change_role(self.bob, "practice_admin").status_code, 403, user)
            self.assertEqual(self.client.get(reverse("staff_change_role", args=[self.bob.pk])).status_code, 403)
        self.sign_in(self.avery)
        self.assertEqual(self.change_role(self.avery, "counselor").status_code, 403)
        self.assertEqual(
            set(User.objects.filter(pk__in=[self.bob.pk, self.avery.pk]).values_list("role", flat=True)),
            {"counselor", "practice_admin"},
        )
        self.assertEqual(len(self.events("staff.role_change", outcome=Outcome.DENIED)), 7)

    def test_client_accounts_are_not_staff_pages_business(self):
        self.sign_in(self.avery)
        self.assertEqual(self.change_role(self.claire, "counselor").status_code, 404)
        self.claire.refresh_from_db()
        self.assertEqual(self.claire.role, "client")


class DeactivationResyncTest(RecordsTestCase):
    def test_deactivation_removes_permissions_and_reactivation_restores_them(self):
        practice_services.staff_set_active(actor=self.avery, user=self.alice, active=False)
        self.assertEqual(rows(self.alice), set())
        practice_services.staff_set_active(actor=self.avery, user=self.alice, active=True)
        self.assertEqual(
            rows(self.alice), {(self.rec.record_number, VIEW_CHART), (self.rec.record_number, WRITE_NOTES)}
        )
        self.assertEqual(self.assertOneEvent("staff.reactivate").reason, "granted=2 revoked=0 sessions ended=0")

    def test_deactivated_supervisor_loses_supervised_charts(self):
        practice_services.staff_set_active(actor=self.avery, user=self.sam, active=False)
        self.assertEqual(rows(self.sam), set())


class StalePermissionRowTest(RecordsTestCase):
    """A permission row the sync did not remove (written around the services) opens
    nothing unless its holder is an active counselor or supervisor."""

    def setUp(self):
        self.note = self.signed_note()

    def grant(self, user):
        for code in (VIEW_CHART, WRITE_NOTES):
            ClientUserObjectPermission.objects.get_or_create(
                user=user, content_object=self.rec, permission=Permission.objects.get(codename=code)
            )

    def assertReadsNothing(self, user):
        user = User.objects.get(pk=user.pk)
        self.assertEqual(list(selectors.clients_for(user)), [])
        self.assertEqual(list(selectors.clients_for(user, WRITE_NOTES)), [])
        self.assertIsNone(selectors.client_for(user, self.rec.record_number))
        self.assertIsNone(selectors.note_for(user, self.note.pk))
        self.assertIsNone(selectors.note_with_addenda_for(user, self.note.pk))
        self.assertEqual(list(selectors.awaiting_cosign_for(user)), [])

    def test_a_row_held_by_a_practice_admin_opens_nothing(self):
        self.grant(self.avery)
        self.assertReadsNothing(self.avery)
        self.sign_in(self.avery)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)
        self.assertEqual(self.client.get(reverse("note_detail", args=[self.note.pk])).status_code, 404)

    def test_a_row_held_by_a_client_account_opens_nothing(self):
        self.grant(self.claire)
        self.assertReadsNothing(self.claire)

    def test_a_row_held_by_a_deactivated_counselor_opens_nothing(self):
        User.objects.filter(pk=self.alice.pk).update(is_active=False)
        self.assertEqual(len(rows(self.alice)), 2)  # the row is still there
        self.assertReadsNothing(self.alice)

    def test_a_row_held_after_a_role_change_written_around_the_service_opens_nothing(self):
        User.objects.filter(pk=self.alice.pk).update(role="practice_admin")
        self.assertReadsNothing(self.alice)

    def test_the_assigned_counselor_still_reads(self):
        self.assertEqual(list(selectors.clients_for(self.alice)), [self.rec])
        self.assertIsNotNone(selectors.note_for(self.alice, self.note.pk))


class EmergencyAccessOnAccountChangeTest(RecordsTestCase):
    """An emergency grant is access the person holds too: a change of role or a
    deactivation ends it, and one held by an account that is no longer an active
    clinician opens nothing."""

    def setUp(self):
        from emergency import services as emergency

        self.note = self.signed_note()
        self.access = emergency.emergency_open(
            actor=self.bob,
            record_number=self.rec.record_number,
            reason="covering",
            justification="Client called the crisis line; covering for alice today.",
        )
        self.assertIsNotNone(selectors.client_for(self.bob, self.rec.record_number, emergency=True))

    def test_role_change_ends_the_emergency_access(self):
        practice_services.staff_change_role(actor=self.avery, user=self.bob, role="practice_admin")
        self.access.refresh_from_db()
        self.assertIsNotNone(self.access.ended_at)
        event = self.assertOneEvent("emergency.end", object_id=str(self.access.pk))
        self.assertEqual((event.actor, event.reason), (self.avery, "account changed: staff.role_change"))
        bob = User.objects.get(pk=self.bob.pk)
        self.assertIsNone(selectors.client_for(bob, self.rec.record_number, emergency=True))

    def test_deactivation_ends_the_emergency_access(self):
        practice_services.staff_set_active(actor=self.avery, user=self.bob, active=False)
        self.access.refresh_from_db()
        self.assertIsNotNone(self.access.ended_at)

    def test_a_grant_held_by_an_account_changed_around_the_service_opens_nothing(self):
        User.objects.filter(pk=self.bob.pk).update(role="practice_admin")
        bob = User.objects.get(pk=self.bob.pk)
        self.assertIsNone(selectors.client_for(bob, self.rec.record_number, emergency=True))
        self.assertIsNone(selectors.note_with_addenda_for(bob, self.note.pk, emergency=True))
