"""Self-provisioning made visible: a practice admin assigning clients to a staff account
they created in the last 30 days, or to themselves, and every change of role, are flags
on the review page."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

import audit
from audit.models import FlagReview
from practice import services as staff
from records import services as records
from tests.records.base import RecordsTestCase

NEW_STAFF = {"first_name": "Dana", "last_name": "Reyes", "email": "dana@example.invalid", "role": "counselor"}


class ProvisioningFlagsTest(RecordsTestCase):
    def flag_page(self):
        self.sign_in(self.avery)
        response = self.client.get(reverse("audit_flags"))
        self.assertEqual(response.status_code, 200)
        return response

    def flags(self, kind):
        return [f for f in self.flag_page().context["flags"] if f.kind == kind]

    def test_assigning_a_client_to_an_account_the_admin_just_created_is_flagged(self):
        dana = staff.staff_create(actor=self.avery, username="dana", **NEW_STAFF)
        records.assign(actor=self.avery, client=self.rec, counselor=dana, kind="co_therapist")
        [flag] = self.flags("self_provisioning")
        self.assertEqual(
            (flag.event.action, flag.event.actor_id, flag.event.object_id),
            ("assignment.assign", self.avery.pk, str(dana.pk)),
        )
        self.assertIn("an account they created", flag.note)
        page = self.flag_page()
        self.assertContains(page, "Clients assigned to an account the admin created")
        self.assertContains(page, self.rec.record_number)

    def test_a_new_client_registered_straight_to_that_account_is_flagged_too(self):
        dana = staff.staff_create(actor=self.avery, username="dana", **NEW_STAFF)
        records.client_create(
            actor=self.avery, first_name="N", last_name="M", date_of_birth=timezone.localdate(), counselor=dana
        )
        self.assertEqual(len(self.flags("self_provisioning")), 1)

    def test_another_admin_assigning_the_account_is_not_flagged(self):
        dana = staff.staff_create(actor=self.avery, username="dana", **NEW_STAFF)
        records.assign(actor=self.root, client=self.rec, counselor=dana, kind="co_therapist")
        self.assertEqual(self.flags("self_provisioning"), [])

    def test_an_account_created_more_than_30_days_before_is_not_flagged(self):
        with time_machine.travel(timezone.now() - timedelta(days=31)):
            dana = staff.staff_create(actor=self.avery, username="dana", **NEW_STAFF)
        records.assign(actor=self.avery, client=self.rec, counselor=dana, kind="co_therapist")
        self.assertEqual(self.flags("self_provisioning"), [])

    def test_an_account_created_29_days_before_is_flagged(self):
        with time_machine.travel(timezone.now() - timedelta(days=29)):
            dana = staff.staff_create(actor=self.avery, username="dana", **NEW_STAFF)
        records.assign(actor=self.avery, client=self.rec, counselor=dana, kind="co_therapist")
        self.assertEqual(len(self.flags("self_provisioning")), 1)

    def test_an_assignment_to_oneself_is_flagged(self):
        # The services refuse to assign a practice admin; the flag does not rely on it.
        audit.record(
            action="assignment.assign", actor=self.avery, client=self.rec, object_type="user", object_id=self.avery.pk
        )
        [flag] = self.flags("self_provisioning")
        self.assertEqual(flag.note, "assigned to themselves")

    def test_every_change_of_role_is_flagged_and_can_be_reviewed(self):
        staff.staff_change_role(actor=self.avery, user=self.bob, role="supervisor")
        staff.staff_change_role(actor=self.root, user=self.bob, role="counselor")
        flags = self.flags("role_change")
        self.assertEqual(
            [f.event.reason.split(" granted")[0] for f in flags],
            ["role supervisor -> counselor", "role counselor -> supervisor"],
        )
        self.assertContains(self.flag_page(), "Change of role")

        response = self.client.post(
            reverse("audit_flag_review"),
            {"seq": flags[0].event.seq, "kind": "role_change", "comment": "Agreed at the staff meeting."},
        )
        self.assertRedirects(response, reverse("audit_flags"))
        self.assertTrue(FlagReview.objects.filter(kind="role_change", event=flags[0].event).exists())
        self.assertEqual([f.event.seq for f in self.flags("role_change")], [flags[1].event.seq])

    # The supervision page is a second way to give an account charts to read: every
    # client of the supervised counselor. Setting as supervisor an account the same admin
    # created is the same self-provisioning, and is flagged the same way.
    def test_an_account_the_admin_just_created_set_as_supervisor_is_flagged(self):
        dana = staff.staff_create(actor=self.avery, username="dana", **{**NEW_STAFF, "role": "supervisor"})
        records.set_supervision(actor=self.avery, counselor=self.bob, supervisor=dana, pre_licensed=False)
        [flag] = self.flags("self_provisioning")
        self.assertEqual((flag.event.action, flag.event.actor_id), ("supervision.set", self.avery.pk))
        self.assertIn(f"supervisor user #{dana.pk}", flag.note)
        self.assertIn("an account they created", flag.note)

    def test_another_admin_setting_that_supervisor_or_an_older_supervisor_is_not_flagged(self):
        dana = staff.staff_create(actor=self.avery, username="dana", **{**NEW_STAFF, "role": "supervisor"})
        records.set_supervision(actor=self.root, counselor=self.bob, supervisor=dana, pre_licensed=False)
        records.set_supervision(actor=self.avery, counselor=self.bob, supervisor=self.sam, pre_licensed=False)
        records.set_supervision(actor=self.avery, counselor=self.bob, supervisor=None, pre_licensed=False)
        self.assertEqual(self.flags("self_provisioning"), [])
