"""Retention policy, retention dates, legal holds, and the refusal of every early
deletion path (services, views, management command; the database on PostgreSQL)."""

import io
from datetime import date

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import Outcome
from practice.exceptions import PermissionDenied
from records import services as records_services
from records.models import Addendum, Client, PsychotherapyNote, SessionNote
from retention import services
from retention.models import Disposal, RetentionPolicy
from retention.policy import retain_until
from retention.selectors import current_policy
from tests.base import current_code
from tests.retention.base import RetentionTestCase


class PolicyTest(RetentionTestCase):
    def test_documented_defaults(self):
        policy = current_policy()
        self.assertEqual((policy.years_after_service, policy.age_of_majority, policy.years_after_majority), (7, 18, 7))

    def test_adult_is_kept_seven_years_after_the_last_date_of_service(self):
        self.assertEqual(self.old.last_service_date, date(2012, 3, 1))
        self.assertEqual(retain_until(self.old, current_policy()), date(2019, 3, 1))

    def test_a_minor_is_kept_until_years_after_majority_when_that_is_later(self):
        minor = records_services.client_create(
            actor=self.avery, first_name="Kid", last_name="Test", date_of_birth=date(2005, 6, 10), is_minor=True
        )
        minor.last_service_date = date(2012, 3, 1)
        policy = current_policy()
        self.assertEqual(retain_until(minor, policy), date(2030, 6, 10))  # 18 in 2023, + 7
        minor.last_service_date = date(2026, 1, 5)
        self.assertEqual(retain_until(minor, policy), date(2033, 1, 5))  # the later one wins

    def test_admin_changes_the_policy_audited_and_old_policy_kept(self):
        self.sign_in(self.avery)
        response = self.client.post(
            reverse("retention_policy_set"),
            {"years_after_service": "10", "age_of_majority": "21", "years_after_majority": "3"},
        )
        self.assertRedirects(response, reverse("retention_overview"), fetch_redirect_response=False)
        policy = current_policy()
        self.assertEqual((policy.years_after_service, policy.age_of_majority, policy.set_by), (10, 21, self.avery))
        event = self.assertOneEvent("retention.policy_set", actor=self.avery)
        self.assertIn("years_after_service 7->10", event.reason)
        self.assertEqual(retain_until(self.old, policy), date(2022, 3, 1))
        services.policy_set(actor=self.blair, years_after_service=7, age_of_majority=18, years_after_majority=7)
        self.assertEqual(RetentionPolicy.objects.count(), 2)

    def test_bad_policy_values_get_a_message_and_change_nothing(self):
        self.sign_in(self.avery)
        response = self.client.post(
            reverse("retention_policy_set"),
            {"years_after_service": "0", "age_of_majority": "eighteen", "years_after_majority": "7"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Ensure this value is greater than or equal to 1", status_code=400)
        self.assertFalse(RetentionPolicy.objects.exists())

    def test_who_may_not_change_the_policy_or_see_the_page(self):
        for user in (self.alice, self.sam, self.claire):
            with self.assertRaises(PermissionDenied):
                services.policy_set(actor=user, years_after_service=1, age_of_majority=18, years_after_majority=0)
            self.sign_in(user)
            self.assertEqual(self.client.get(reverse("retention_overview")).status_code, 403)
            self.assertEqual(
                self.client.post(reverse("disposal_propose"), {"record_number": self.old.record_number}).status_code,
                403,
            )
        self.assertFalse(RetentionPolicy.objects.exists())
        self.assertEqual(len(self.events("retention.policy_set", outcome=Outcome.DENIED)), 3)


class RetainUntilShownTest(RetentionTestCase):
    def test_the_chart_and_the_admin_list_show_retain_until(self):
        self.sign_in(self.alice)
        self.assertContains(self.client.get(reverse("chart", args=[self.rec.record_number])), "Retain until")
        self.sign_in(self.avery)
        page = self.client.get(reverse("admin_clients"))
        self.assertContains(page, "Mar 1, 2019")

    def test_the_queue_lists_records_past_retention_only(self):
        self.sign_in(self.avery)
        page = self.client.get(reverse("retention_overview"))
        self.assertContains(page, f'name="record_number" value="{self.old.record_number}"')
        self.assertNotContains(page, f'name="record_number" value="{self.rec.record_number}"')
        self.assertOneEvent("retention.view", actor=self.avery)


class EarlyDeletionRefusedTest(RetentionTestCase):
    """rec (alice's current client) is within its retention period."""

    def test_service_refuses_and_records_the_refusal(self):
        with self.assertRaises(services.RetentionRefused):
            services.disposal_propose(actor=self.avery, record_number=self.rec.record_number)
        self.assertFalse(Disposal.objects.exists())
        event = self.assertOneEvent("retention.dispose_propose", outcome=Outcome.DENIED)
        self.assertIn("must be kept until", event.reason)

    def test_view_refuses(self):
        self.write_note()
        self.sign_in(self.avery)
        response = self.client.post(reverse("disposal_propose"), {"record_number": self.rec.record_number}, follow=True)
        self.assertContains(response, "must be kept until")
        self.assertFalse(Disposal.objects.exists())
        self.assertEqual(SessionNote.objects.filter(client=self.rec).count(), 1)

    def test_management_command_refuses(self):
        with self.assertRaisesMessage(CommandError, "must be kept until"):
            call_command(
                "dispose_record",
                "propose",
                self.rec.record_number,
                "--as",
                "avery",
                "--code",
                current_code(self.avery),
                stdout=io.StringIO(),
            )
        self.assertFalse(Disposal.objects.exists())

    def test_approval_rechecks_the_date_under_a_longer_policy(self):
        disposal = services.disposal_propose(actor=self.avery, record_number=self.old.record_number)
        services.policy_set(actor=self.avery, years_after_service=30, age_of_majority=18, years_after_majority=7)
        with self.assertRaises(services.RetentionRefused):
            services.disposal_approve(actor=self.blair, disposal_id=disposal.pk)
        self.assertTrue(SessionNote.objects.filter(client=self.old).exists())
        self.assertOneEvent("retention.dispose", outcome=Outcome.DENIED)

    def test_raw_sql_delete_is_refused_on_postgresql(self):
        if connection.vendor != "postgresql":
            self.skipTest("database triggers: PostgreSQL only")
        self.write_note()
        note = self.signed_note()
        records_services.addendum_create(actor=self.alice, note_id=note.pk, text="more")
        records_services.psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 11, 2), text="p"
        )
        statements = [
            ("DELETE FROM records_addendum", []),
            ("DELETE FROM records_sessionnote WHERE client_id = %s", [self.rec.pk]),
            ("DELETE FROM records_psychotherapynote", []),
            ("DELETE FROM consent_authorization", []),
            ("DELETE FROM consent_disclosure", []),
            ("DELETE FROM records_client WHERE id = %s", [self.rec.pk]),
            ("TRUNCATE records_sessionnote CASCADE", []),
            ("TRUNCATE records_client CASCADE", []),
        ]
        for sql, params in statements:
            with self.assertRaises(DatabaseError, msg=sql), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
        # Disposal mode alone opens nothing: the guard wants an approved disposal too.
        for sql in ("DELETE FROM records_sessionnote", "DELETE FROM consent_disclosure"):
            with self.assertRaises(DatabaseError, msg=sql), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('practice.maintenance', 'disposal', true)")
                cursor.execute(sql)
        self.assertEqual(SessionNote.objects.count(), 3)
        self.assertEqual(Addendum.objects.count(), 2)
        self.assertEqual(PsychotherapyNote.objects.count(), 2)
        self.assertTrue(Client.objects.filter(pk=self.rec.pk).exists())


class NoteReturnGuardTest(RetentionTestCase):
    def test_a_return_for_revision_is_not_deleted_outside_a_disposal_on_postgresql(self):
        if connection.vendor != "postgresql":
            self.skipTest("database triggers: PostgreSQL only")
        from records.models import NoteReturn

        records_services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        self.alice.refresh_from_db()
        note = self.signed_note()
        records_services.note_return(actor=self.sam, note_id=note.pk, comment="Add the plan.")
        for sql in ("DELETE FROM records_notereturn", "TRUNCATE records_notereturn"):
            with self.assertRaises(DatabaseError, msg=sql), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        with self.assertRaises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('practice.maintenance', 'disposal', true)")
            cursor.execute("DELETE FROM records_notereturn")
        self.assertEqual(NoteReturn.objects.count(), 1)


class LegalHoldTest(RetentionTestCase):
    def test_a_hold_blocks_proposal_and_approval_whatever_the_date(self):
        disposal = services.disposal_propose(actor=self.avery, record_number=self.old.record_number)
        hold = services.hold_place(actor=self.blair, record_number=self.old.record_number, reason="Subpoena 2026-44")
        with self.assertRaisesMessage(services.RetentionRefused, "legal hold"):
            services.disposal_approve(actor=self.blair, disposal_id=disposal.pk)
        services.disposal_withdraw(actor=self.avery, disposal_id=disposal.pk)
        with self.assertRaisesMessage(services.RetentionRefused, "legal hold"):
            services.disposal_propose(actor=self.avery, record_number=self.old.record_number)
        self.assertTrue(SessionNote.objects.filter(client=self.old).exists())
        self.assertOneEvent("retention.hold_place", object_id=str(hold.pk))
        # Released, the record may go.
        services.hold_release(actor=self.avery, hold_id=hold.pk, reason="Case closed")
        services.disposal_propose(actor=self.avery, record_number=self.old.record_number)

    def test_a_hold_needs_a_reason(self):
        self.sign_in(self.avery)
        response = self.client.post(reverse("retention_hold_place"), {"record_number": self.old.record_number})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "This field is required.", status_code=400)

    def test_who_may_not_place_a_hold(self):
        for user in (self.alice, self.claire):
            with self.assertRaises(PermissionDenied):
                services.hold_place(actor=user, record_number=self.old.record_number, reason="x")
