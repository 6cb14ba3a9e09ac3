"""Attacks on the doors beside the object URLs: search, supervision, the share
preview's confirmation, the recipient's page, sign confirmation, operator commands.
Each test names what must hold; a second account of each role tries it."""

import io
from datetime import date

from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from audit.models import Outcome
from consent.models import Disclosure
from practice.roles import Role
from records import services as records_services
from records.models import NoteReturn
from tests.base import make_user
from tests.consent.base import ConsentTestCase
from tests.consent.test_confirmations import as_data, hidden_fields

LEGAL_FORM = {
    "recipient_name": "County Sheriff",
    "recipient_email": "sheriff@example.invalid",
    "categories": ["attendance"],
    "information_from": "2026-03-01",
    "information_to": "2026-11-30",
    "purpose": "other",
    "purpose_detail": "Duty to protect an identified person",
    "legal_basis": "duty_to_warn",
    "justification": "Client disclosed a specific, credible threat against an identified person.",
}


class AttackTestCase(ConsentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # A second client of alice's, and a second supervisor who supervises nobody.
        cls.rec2 = records_services.client_create(
            actor=cls.avery,
            first_name="Quinn",
            last_name="Harlow",
            date_of_birth=date(1992, 6, 3),
            counselor=cls.alice,
        )
        cls.sue = make_user("sue", Role.SUPERVISOR)
        cls.blair = make_user("blair", Role.PRACTICE_ADMIN)


class PreviewConfirmationAttackTest(AttackTestCase):
    def legal_preview_page(self, record_number):
        url = reverse("disclose_legal", args=[record_number])
        response = self.client.post(url, LEGAL_FORM)
        self.assertContains(response, "Check before release")
        return response.content.decode()

    def test_a_confirmation_previewed_for_one_client_does_not_release_another(self):
        self.sign_in(self.alice)
        page = self.legal_preview_page(self.rec.record_number)
        url2 = reverse("disclose_legal", args=[self.rec2.record_number])
        response = self.client.post(url2, as_data([*hidden_fields(page), ("step", "confirm")]))
        # Quinn's package was never previewed: the answer is Quinn's preview, not a release.
        self.assertContains(response, "Check before release")
        self.assertFalse(Disclosure.objects.filter(client=self.rec2).exists())

    def test_a_confirmation_previewed_by_one_counselor_is_not_anothers(self):
        records_services.assign(actor=self.avery, client=self.rec, counselor=self.bob, kind="co_therapist")
        self.sign_in(self.alice)
        page = self.legal_preview_page(self.rec.record_number)
        self.sign_in(self.bob)
        url = reverse("disclose_legal", args=[self.rec.record_number])
        response = self.client.post(url, as_data([*hidden_fields(page), ("step", "confirm")]))
        self.assertContains(response, "Check before release")
        self.assertEqual(Disclosure.objects.count(), 0)

    def test_a_confirmation_releases_once_and_a_replay_is_previewed_again(self):
        self.sign_in(self.alice)
        page = self.legal_preview_page(self.rec.record_number)
        url = reverse("disclose_legal", args=[self.rec.record_number])
        confirm = as_data([*hidden_fields(page), ("step", "confirm")])
        self.client.post(url, confirm)
        self.assertEqual(Disclosure.objects.count(), 1)
        outbox = len(mail.outbox)
        response = self.client.post(url, confirm)
        self.assertContains(response, "Check before release")
        self.assertEqual(Disclosure.objects.count(), 1)
        self.assertEqual(len(mail.outbox), outbox)

    def test_an_authorization_of_another_client_does_not_cover_this_one(self):
        auth = self.signed()
        self.sign_in(self.alice)
        url = reverse("share", args=[self.rec2.record_number])
        form = {
            "recipient_name": "Dr. Dana Whitlock",
            "recipient_organization": "Eastside Clinic",
            "recipient_email": "dwhitlock@example.invalid",
            "authorization": str(auth.pk),
            "categories": ["attendance"],
            "information_from": "2026-03-01",
            "information_to": "2026-11-30",
            "purpose": "continuity",
        }
        response = self.client.post(url, form)
        self.assertIn(response.status_code, (403, 404))
        page = self.client.post(reverse("share", args=[self.rec.record_number]), form).content.decode()
        response = self.client.post(url, as_data([*hidden_fields(page), ("step", "confirm")]))
        self.assertNotEqual(response.status_code, 302)
        self.assertFalse(Disclosure.objects.filter(client=self.rec2).exists())


class SupervisionAttackTest(AttackTestCase):
    def setUp(self):
        records_services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        self.alice.refresh_from_db()
        self.note = self.signed_note()

    def test_another_supervisor_cannot_cosign_or_return(self):
        for user in (self.sue, self.bob, self.avery, self.root, self.claire, self.alice):
            self.sign_in(user)
            self.assertIn(self.client.post(reverse("note_cosign", args=[self.note.pk])).status_code, (403, 404))
            self.assertIn(
                self.client.post(reverse("note_return", args=[self.note.pk]), {"comment": "x" * 30}).status_code,
                (403, 404),
            )
        self.note.refresh_from_db()
        self.assertIsNone(self.note.cosigned_at)
        self.assertFalse(NoteReturn.objects.exists())

    def test_an_admin_cannot_make_themselves_or_a_non_clinician_a_supervisor(self):
        for supervisor in (self.avery, self.root, self.blair, self.claire, self.bob):
            with self.assertRaises(records_services.SupervisionRefused):
                records_services.set_supervision(
                    actor=self.avery, counselor=self.alice, supervisor=supervisor, pre_licensed=True
                )
        self.sign_in(self.avery)
        response = self.client.post(
            reverse("staff_supervision", args=[self.alice.pk]), {"supervisor": self.avery.pk, "pre_licensed": "on"}
        )
        self.assertNotEqual(response.status_code, 302)
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.supervisor, self.sam)

    def test_a_counselor_cannot_set_supervision(self):
        self.sign_in(self.bob)
        response = self.client.post(
            reverse("staff_supervision", args=[self.alice.pk]), {"supervisor": self.sue.pk, "pre_licensed": "on"}
        )
        self.assertIn(response.status_code, (403, 404))
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.supervisor, self.sam)

    def test_the_return_comment_reaches_neither_the_audit_nor_the_client(self):
        records_services.note_return(actor=self.sam, note_id=self.note.pk, comment="Plan section too vague XYZZY")
        from audit.models import AuditEvent

        self.assertFalse(AuditEvent.objects.filter(reason__contains="XYZZY").exists())
        self.sign_in(self.claire)
        for name in ("portal_home", "portal_record", "portal_history"):
            self.assertNotContains(self.client.get(reverse(name)), "XYZZY")
        self.assertNotContains(self.client.get(reverse("portal_note", args=[self.note.pk])), "XYZZY")
        self.sign_in(self.bob)
        self.assertNotContains(self.client.get(reverse("home")), "XYZZY")


class SearchAttackTest(AttackTestCase):
    def test_bob_finds_none_of_alices_clients(self):
        self.sign_in(self.bob)
        for q in ("Morgan", "Ellery", "Quinn", self.rec.record_number, "1990-04-02"):
            response = self.client.post(reverse("caseload"), {"q": q})
            self.assertEqual(response.status_code, 200)
            # The words typed come back in the search box; no result links to a chart.
            self.assertNotContains(response, reverse("chart", args=[self.rec.record_number]))
            self.assertNotContains(response, reverse("chart", args=[self.rec2.record_number]))
            self.assertNotContains(response, "Morgan Ellery")
        self.assertEqual(len(self.events("client.search", actor=self.bob)), 5)

    def test_a_supervisor_of_nobody_finds_nobody(self):
        self.sign_in(self.sue)
        response = self.client.post(reverse("caseload"), {"q": "Morgan"})
        self.assertNotContains(response, self.rec.record_number)

    def test_clients_and_admins_cannot_use_the_caseload_search(self):
        for user in (self.claire, self.avery, self.root):
            self.sign_in(user)
            response = self.client.post(reverse("caseload"), {"q": "Morgan"})
            self.assertIn(response.status_code, (403, 404))
            self.assertNotContains(response, self.rec.record_number, status_code=response.status_code)

    def test_counselors_and_clients_cannot_use_the_admin_search(self):
        for user in (self.alice, self.bob, self.claire):
            self.sign_in(user)
            response = self.client.post(reverse("admin_clients"), {"q": "Morgan"})
            self.assertIn(response.status_code, (403, 404))

    def test_an_admin_search_by_birth_date_finds_nothing(self):
        self.sign_in(self.avery)
        response = self.client.post(reverse("admin_clients"), {"q": "1990-04-02"})
        self.assertNotContains(response, self.rec.record_number)

    def test_the_words_searched_reach_no_audit_row(self):
        self.sign_in(self.alice)
        self.client.post(reverse("caseload"), {"q": "Ellery"})
        from audit.models import AuditEvent

        for event in AuditEvent.objects.all():
            self.assertNotIn("Ellery", f"{event.reason} {event.object_id}")


class SignConfirmationAttackTest(AttackTestCase):
    def test_signing_another_version_than_shown_is_refused(self):
        note = self.write_note()
        self.sign_in(self.alice)
        page = self.client.get(reverse("note_sign", args=[note.pk]), {"version": note.version})
        self.assertEqual(page.status_code, 200)
        records_services.note_update(
            actor=self.alice,
            note_id=note.pk,
            version=note.version,
            date_of_service=date(2026, 11, 2),
            duration_minutes=50,
            service_type="individual",
            template="soap",
            sections={"subjective": "Changed behind the confirmation.", "plan": "x"},
        )
        self.client.post(reverse("note_sign", args=[note.pk]), {"version": note.version})
        note.refresh_from_db()
        self.assertNotEqual(note.status, "signed")

    def test_bob_cannot_open_or_post_alices_sign_confirmation(self):
        note = self.write_note()
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(reverse("note_sign", args=[note.pk]), {"version": 1}).status_code, 404)
        self.assertEqual(self.client.post(reverse("note_sign", args=[note.pk]), {"version": 1}).status_code, 404)
        note.refresh_from_db()
        self.assertNotEqual(note.status, "signed")


class OperatorCommandAttackTest(AttackTestCase):
    @override_settings(DEBUG=False)
    def test_totp_code_refuses_outside_debug(self):
        with self.assertRaises(CommandError):
            call_command("totp_code", "alice", stdout=io.StringIO(), stderr=io.StringIO())


class DeliveryAttackTest(AttackTestCase):
    def test_an_unknown_token_says_nothing_and_is_audited(self):
        response = self.client.get(reverse("delivery_download", args=["A" * 43]))
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "Ellery", status_code=404)
        self.assertEqual(
            self.events("disclosure.link_open", outcome=Outcome.DENIED)[0].reason,
            "unknown link",
        )


class AuthorizationSendPreviewAttackTest(AttackTestCase):
    def test_no_one_outside_the_care_team_previews_or_sends(self):
        from consent.models import Authorization
        from consent.text import render_text, text_sha256

        auth = self.prepare()
        shown = text_sha256(render_text(auth))
        url = reverse("authorization_send", args=[auth.pk])
        for user in (self.bob, self.sam, self.sue, self.avery, self.root, self.claire):
            self.sign_in(user)
            self.assertIn(self.client.get(url).status_code, (403, 404), user)
            self.assertIn(self.client.post(url, {"shown_sha256": shown}).status_code, (403, 404), user)
        auth.refresh_from_db()
        self.assertEqual(auth.status, Authorization.Status.DRAFT)
        self.assertEqual(mail.outbox, [])
        self.assertEqual(self.events("authorization.send_preview", outcome=Outcome.ALLOWED), [])


class DischargeAttackTest(AttackTestCase):
    def test_no_one_outside_the_care_team_or_the_admins_discharges(self):
        url = reverse("client_status", args=[self.rec.record_number])
        for user in (self.bob, self.sam, self.sue, self.claire):
            self.sign_in(user)
            self.assertIn(self.client.get(url).status_code, (403, 404), user)
            response = self.client.post(url, {"discharged": "1", "on": "2026-11-20"})
            self.assertIn(response.status_code, (403, 404), user)
        self.rec.refresh_from_db()
        self.assertIsNone(self.rec.discharged_on)
        self.assertEqual(self.events("client.status_confirm", outcome=Outcome.ALLOWED), [])


class SearchWordsOutOfUrlsTest(AttackTestCase):
    def test_the_search_box_posts_and_a_query_string_searches_nothing(self):
        """Words in a query string stay in the browser's history and web server logs."""
        self.sign_in(self.alice)
        page = self.client.get(reverse("caseload")).content.decode()
        self.assertIn('<form method="post" action="/caseload/" role="search"', page)
        response = self.client.get(reverse("caseload"), {"q": "Ellery"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events("client.search"), [])
        response = self.client.post(reverse("caseload"), {"q": "Ellery"})
        self.assertContains(response, reverse("chart", args=[self.rec.record_number]))
        self.assertEqual(len(self.events("client.search", actor=self.alice)), 1)


class SharePrefillAttackTest(AttackTestCase):
    def test_another_clients_authorization_fills_nothing_in(self):
        auth = self.signed()
        self.sign_in(self.alice)
        response = self.client.get(reverse("share", args=[self.rec2.record_number]), {"authorization": auth.pk})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "dwhitlock@example.invalid")
        self.assertNotContains(response, "Eastside Clinic")


class PasswordResetAttackTest(AttackTestCase):
    def test_the_reset_page_answers_the_same_for_an_account_and_for_none(self):
        url = reverse("password_reset")
        known = self.client.post(url, {"email": "claire@example.invalid"})
        unknown = self.client.post(url, {"email": "nobody-here@example.invalid"})
        self.assertEqual((known.status_code, known["Location"]), (unknown.status_code, unknown["Location"]))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["claire@example.invalid"])


class ClinicalAuditAttackTest(AttackTestCase):
    """A practice admin reads the audit log and never clinical content: whether a
    client's PHQ-9 answered item 9 (thoughts of self-harm) above 0 is clinical."""

    def test_an_item_nine_alert_cannot_be_read_from_the_audit_log(self):
        from clinical import services as clinical

        risky, calm = [0, 1, 0, 0, 0, 0, 0, 0, 1], [1, 1, 0, 0, 0, 0, 0, 0, 0]
        for answers in (risky, calm):
            measure = clinical.measure_assign(actor=self.alice, record_number=self.rec.record_number, instrument="phq9")
            clinical.my_measure_complete(
                actor=self.claire, measure_id=measure.pk, instrument="phq9", answers=answers, base_url="http://t"
            )
        first, second = self.events("measure.complete", outcome=Outcome.ALLOWED)
        self.assertEqual(first.reason, second.reason)
        self.sign_in(self.avery)
        page = self.client.get(reverse("audit_log"))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "attention")
        self.assertNotContains(page, "alerted")


class ClinicalAccessAttackTest(AttackTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.jamie = make_user("jamie", Role.CLIENT)
        cls.other.user = cls.jamie
        cls.other.save()

    def test_admins_and_unassigned_staff_read_no_diagnosis_plan_or_score(self):
        from clinical import services as clinical
        from tests.clinical.base import completed, signed_plan

        clinical.diagnosis_add(actor=self.alice, record_number=self.rec.record_number, code="F41.1", kind="primary")
        plan = signed_plan(self.alice, self.rec)
        measure = completed(self.alice, self.rec, "phq9", [1, 1, 0, 0, 0, 0, 0, 0, 0])
        urls = [reverse(name, args=[self.rec.record_number]) for name in ("diagnoses", "plans", "measures")] + [
            reverse("plan_detail", args=[plan.pk]),
            reverse("measure_detail", args=[measure.pk]),
        ]
        for user in (self.avery, self.root, self.bob, self.sue, self.jamie):
            self.sign_in(user)
            for url in urls:
                response = self.client.get(url)
                self.assertIn(response.status_code, (403, 404), (user, url))
                self.assertNotContains(response, "F41.1", status_code=response.status_code)

    def test_a_client_neither_completes_nor_acknowledges_anothers(self):
        from clinical import services as clinical
        from clinical.models import Measure
        from tests.clinical.base import signed_plan

        plan = signed_plan(self.alice, self.rec)
        measure = clinical.measure_assign(actor=self.alice, record_number=self.rec.record_number, instrument="phq9")
        self.sign_in(self.jamie)
        self.assertIn(self.client.get(reverse("portal_questionnaire", args=[measure.pk])).status_code, (403, 404))
        answers = {"instrument": "phq9", **{f"item_{n}": "0" for n in range(1, 10)}}
        response = self.client.post(reverse("portal_questionnaire", args=[measure.pk]), answers)
        self.assertIn(response.status_code, (403, 404))
        response = self.client.post(reverse("portal_plan_acknowledge", args=[plan.pk]))
        self.assertIn(response.status_code, (403, 404))
        measure.refresh_from_db()
        plan.refresh_from_db()
        self.assertEqual(measure.status, Measure.Status.ASSIGNED)
        self.assertIsNone(plan.acknowledged_at)


class AuditReviewAttackTest(AttackTestCase):
    def test_only_admins_reach_the_review_pages_which_show_no_name_or_note_text(self):
        self.signed_note()
        self.sign_in(self.alice)
        self.client.get(reverse("chart", args=[self.rec.record_number]))
        for user in (self.alice, self.sam, self.sue, self.claire):
            self.sign_in(user)
            for name in ("audit_log", "audit_flags", "audit_export"):
                self.assertEqual(self.client.get(reverse(name)).status_code, 403, (user, name))
        self.sign_in(self.avery)
        for name in ("audit_log", "audit_flags"):
            response = self.client.get(reverse(name))
            self.assertEqual(response.status_code, 200)
            for text in ("Morgan", "Ellery", "better sleep"):
                self.assertNotContains(response, text)
        export = self.client.get(reverse("audit_export"))
        body = b"".join(export.streaming_content) if export.streaming else export.content
        self.assertNotIn(b"Ellery", body)
        self.assertNotIn(b"better sleep", body)
