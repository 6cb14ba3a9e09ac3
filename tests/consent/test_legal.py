"""Disclosures without authorization (issue #9, item 4): the legal basis is an input to
the one gate decision; psychotherapy notes and 42 CFR Part 2 records wait for a practice
admin other than the requester; the package states its basis."""

import io
import re
from datetime import date

from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent, FlagKind, Outcome
from audit.selectors import flags
from consent import services
from consent.models import DeliveryLink, Disclosure, LegalRequest
from practice import services as practice_services
from practice.exceptions import NotFound, PermissionDenied
from practice.roles import Role
from records import services as records_services
from tests.consent.base import ConsentTestCase
from tests.consent.test_confirmations import as_data, hidden_fields

SHERIFF = {
    "recipient_name": "County Sheriff",
    "recipient_organization": "Example County",
    "recipient_email": "sheriff@example.invalid",
}
COURT = {
    "court_name": "Superior Court of Example County",
    "court_date": date(2026, 11, 20),
    "court_reference": "26-CV-4411",
}
WHY = "The court ordered production of the treating counselor's notes in case 26-CV-4411."


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


class LegalTestCase(ConsentTestCase):
    def setUp(self):
        self.signed_note()
        self.pnote = records_services.psychotherapy_note_create(
            actor=self.alice,
            record_number=self.rec.record_number,
            date_of_service=date(2026, 11, 2),
            text="Process notes: transference themes.",
        )
        mail.outbox.clear()

    def legal(self, actor=None, *, basis="court_order", justification=WHY, court=COURT, **overrides):
        fields = self.request(**{**SHERIFF, "purpose": "legal", **overrides})
        return services.disclose_without_authorization(
            actor=actor or self.alice,
            record_number=self.rec.record_number,
            base_url="http://testserver",
            legal_basis=basis,
            justification=justification,
            **(court or {}),
            **fields,
        )

    def pnotes(self, **kwargs):
        return self.legal(categories=frozenset(), psychotherapy_notes=True, **kwargs)

    def sent_to_recipient(self):
        return [m for m in mail.outbox if SHERIFF["recipient_email"] in m.to]

    def download(self, disclosure_count_before=0):
        """The recipient's download, from the link and code in their two emails."""
        link = next(re.search(r"/d/([\w-]+)/", m.body).group(1) for m in self.sent_to_recipient() if "/d/" in m.body)
        code = next(re.search(r"(\d{8})", m.body).group(1) for m in self.sent_to_recipient() if "code" in m.subject)
        _, grant = services.delivery_unlock(token=link, code=code)
        _, content = services.delivery_download(token=link, grant=grant)
        return pdf_text(content)


class RefusedBasesTest(LegalTestCase):
    def assertRefused(self, fragment, **kwargs):
        events_before = AuditEvent.objects.count()
        with self.assertRaises(services.ConsentDenied) as caught:
            self.legal(**kwargs)
        self.assertTrue(
            any(fragment in r for r in caught.exception.decision.reasons), caught.exception.decision.reasons
        )
        new = list(AuditEvent.objects.filter(seq__gt=0).order_by("seq"))[events_before:]
        self.assertEqual([(e.action, e.outcome) for e in new], [("disclosure.legal", Outcome.DENIED)])
        self.assertIn(fragment, new[0].reason)
        self.assertFalse(Disclosure.objects.exists())
        self.assertFalse(LegalRequest.objects.exists())
        self.assertFalse(DeliveryLink.objects.exists())
        self.assertEqual(self.sent_to_recipient(), [])

    def test_psychotherapy_notes_refused_under_bases_164_508_a_2_does_not_list(self):
        for basis, court in (("subpoena", COURT), ("abuse_report", None), ("medical_emergency", None)):
            with self.subTest(basis=basis):
                self.assertRefused(
                    "only under the bases 45 CFR 164.508(a)(2) lists",
                    basis=basis,
                    court=court,
                    categories=frozenset(),
                    psychotherapy_notes=True,
                )

    def test_part_2_records_refused_under_duty_to_warn(self):
        self.assertRefused(
            "42 CFR 2.64",
            basis="duty_to_warn",
            court=None,
            categories=frozenset({"progress_notes", "substance_use"}),
        )

    def test_part_2_records_refused_under_an_ordinary_court_order(self):
        self.assertRefused("42 CFR Part 2", basis="court_order", categories=frozenset({"substance_use"}))

    def test_a_court_order_needs_the_court_the_date_and_the_reference(self):
        self.assertRefused("the issuing court", court={**COURT, "court_name": " "})
        self.assertRefused("docket or reference", court={**COURT, "court_reference": ""})
        self.assertRefused("the date", court={**COURT, "court_date": None})

    def test_an_unknown_basis_and_a_short_justification_are_refused(self):
        self.assertRefused("not a legal basis", basis="because_i_said_so", court=None)
        self.assertRefused("justification of at least 20", justification="  court   said so  ")

    def test_only_the_author_releases_psychotherapy_notes(self):
        records_services.assign(actor=self.avery, client=self.rec, counselor=self.bob, kind="co_therapist")
        with self.assertRaises(PermissionDenied):
            self.pnotes(actor=self.bob)
        self.assertOneEvent("disclosure.legal", actor=self.bob, outcome=Outcome.DENIED)
        self.assertFalse(LegalRequest.objects.exists())

    def test_nobody_outside_the_care_team_asks(self):
        for user in (self.bob, self.sam, self.avery, self.root, self.claire):
            with self.assertRaises((NotFound, PermissionDenied)):
                self.legal(actor=user)
        self.assertEqual(len(self.events("disclosure.legal", outcome=Outcome.DENIED)), 5)
        self.assertFalse(LegalRequest.objects.exists())


class ApprovalTest(LegalTestCase):
    def test_psychotherapy_notes_under_a_court_order_wait_for_a_second_admin(self):
        legal = self.pnotes()
        self.assertEqual((legal.status, legal.disclosure), (LegalRequest.Status.PENDING, None))
        self.assertFalse(Disclosure.objects.exists())
        self.assertFalse(DeliveryLink.objects.exists())
        self.assertEqual(self.sent_to_recipient(), [])
        event = self.assertOneEvent("disclosure.legal_request", actor=self.alice)
        self.assertEqual((event.object_type, event.object_id, event.client), ("legal_request", str(legal.pk), self.rec))
        self.assertTrue(any(self.avery.email in m.to and "waits for approval" in m.subject for m in mail.outbox))

        # The requester, made a practice admin since, still cannot approve their own.
        practice_services.staff_change_role(actor=self.avery, user=self.alice, role=Role.PRACTICE_ADMIN)
        self.alice.refresh_from_db()
        with self.assertRaises(PermissionDenied):
            services.legal_request_approve(actor=self.alice, request_id=legal.pk, base_url="http://testserver")
        denied = self.assertOneEvent("disclosure.legal_approve", actor=self.alice, outcome=Outcome.DENIED)
        self.assertIn("requester cannot decide their own request", denied.reason)
        legal.refresh_from_db()
        self.assertEqual(legal.status, LegalRequest.Status.PENDING)
        self.assertEqual(self.sent_to_recipient(), [])

        legal = services.legal_request_approve(
            actor=self.avery, request_id=legal.pk, base_url="http://testserver", comment="Order checked."
        )
        self.assertEqual((legal.status, legal.decided_by), (LegalRequest.Status.RELEASED, self.avery))
        disclosure = legal.disclosure
        self.assertEqual((disclosure.made_by, disclosure.legal_basis), (self.alice, "court_order"))
        self.assertTrue(disclosure.includes_psychotherapy_notes)
        approved = self.assertOneEvent("disclosure.legal_approve", actor=self.avery, outcome=Outcome.ALLOWED)
        self.assertEqual((approved.object_type, approved.object_id), ("disclosure", str(disclosure.pk)))
        self.assertEqual(len(self.sent_to_recipient()), 2)
        self.assertTrue(any(self.alice.email in m.to and "approved" in m.body for m in mail.outbox))

        text = self.download()
        self.assertIn("Legal basis: Court order (45 CFR 164.512(a), 164.512(e)(1)(i))", text)
        self.assertIn("Superior Court of Example County, November 20, 2026, docket/reference 26-CV-4411", text)
        self.assertIn("The court ordered production", text)
        self.assertIn("without the client's authorization", text)
        self.assertNotIn("written authorization", text)
        self.assertIn("transference themes", text)
        self.assertIn("Approved by Avery Test (practice admin)", text)
        self.assertNotIn("42 CFR Part 2 NOTICE", text)

        with self.assertRaises(PermissionDenied):
            services.legal_request_approve(actor=self.root, request_id=legal.pk, base_url="http://testserver")
        self.assertIn("already released", self.events("disclosure.legal_approve", outcome=Outcome.DENIED)[-1].reason)
        self.assertEqual(Disclosure.objects.count(), 1)

    def test_a_rejected_request_sends_nothing(self):
        legal = self.pnotes()
        legal = services.legal_request_reject(actor=self.avery, request_id=legal.pk, comment="No order attached.")
        self.assertEqual(
            (legal.status, legal.decided_by, legal.decision_comment),
            (LegalRequest.Status.REJECTED, self.avery, "No order attached."),
        )
        self.assertFalse(Disclosure.objects.exists())
        self.assertEqual(self.sent_to_recipient(), [])
        self.assertOneEvent("disclosure.legal_reject", actor=self.avery, object_id=str(legal.pk))
        with self.assertRaises(PermissionDenied):
            services.legal_request_approve(actor=self.root, request_id=legal.pk, base_url="http://testserver")
        self.assertFalse(Disclosure.objects.exists())

    def test_only_practice_admins_decide_or_see_the_queue(self):
        legal = self.pnotes()
        practice_services.staff_set_active(actor=self.root, user=self.avery, active=False)
        self.avery.refresh_from_db()
        for user in (self.alice, self.bob, self.sam, self.claire, self.avery):
            with self.subTest(user=user.username):
                with self.assertRaises(PermissionDenied):
                    services.legal_request_approve(actor=user, request_id=legal.pk, base_url="http://testserver")
                with self.assertRaises(PermissionDenied):
                    services.legal_request_reject(actor=user, request_id=legal.pk)
                with self.assertRaises(PermissionDenied):
                    services.legal_requests_for_review(actor=user)
        self.assertEqual(len(self.events("disclosure.legal_approve", outcome=Outcome.DENIED)), 5)
        self.assertEqual(len(self.events("disclosure.legal_reject", outcome=Outcome.DENIED)), 5)
        self.assertEqual(len(self.events("disclosure.legal_queue", outcome=Outcome.DENIED)), 5)
        legal.refresh_from_db()
        self.assertEqual(legal.status, LegalRequest.Status.PENDING)
        self.assertEqual(self.sent_to_recipient(), [])

    def test_an_unknown_request_is_a_recorded_404(self):
        with self.assertRaises(NotFound):
            services.legal_request_approve(actor=self.avery, request_id=99999, base_url="http://testserver")
        self.assertOneEvent("disclosure.legal_approve", actor=self.avery, outcome=Outcome.DENIED)

    def test_serious_threat_goes_at_once_and_says_so(self):
        legal = self.pnotes(basis="duty_to_warn", court=None, justification="Client named a person and a plan today.")
        self.assertEqual(legal.status, LegalRequest.Status.RELEASED)
        self.assertIsNone(legal.decided_by)
        event = self.assertOneEvent("disclosure.legal", actor=self.alice, outcome=Outcome.ALLOWED)
        self.assertIn("released at once without approval", event.reason)
        self.assertEqual(len(self.sent_to_recipient()), 2)
        text = self.download()
        self.assertIn("Serious and imminent threat (duty to warn or protect) (45 CFR 164.512(j)(1)(i))", text)
        self.assertNotIn("written authorization", text)
        # Nobody approved it first: it is flagged on the review page.
        self.assertEqual([f.event.seq for f in flags() if f.kind == FlagKind.LEGAL_AT_ONCE], [event.seq])
        self.sign_in(self.avery)
        self.assertContains(self.client.get(reverse("audit_flags")), FlagKind.LEGAL_AT_ONCE.label)

    def test_an_ordinary_release_under_a_threat_is_not_flagged_as_unapproved(self):
        self.legal(basis="duty_to_warn", court=None, justification="Client named a person and a plan today.")
        self.assertEqual([f for f in flags() if f.kind == FlagKind.LEGAL_AT_ONCE], [])

    def test_the_ordinary_record_under_a_court_order_goes_at_once(self):
        legal = self.legal()
        self.assertEqual(legal.status, LegalRequest.Status.RELEASED)
        self.assertFalse(legal.needs_approval)
        self.assertEqual(len(self.sent_to_recipient()), 2)
        self.assertIn("docket/reference 26-CV-4411", self.download())

    def test_part_2_records_under_a_2_64_order_wait_and_carry_the_notice(self):
        legal = self.legal(basis="part2_court_order", categories=frozenset({"substance_use", "progress_notes"}))
        self.assertEqual(legal.status, LegalRequest.Status.PENDING)
        self.assertEqual(self.sent_to_recipient(), [])
        services.legal_request_approve(actor=self.avery, request_id=legal.pk, base_url="http://testserver")
        text = self.download()
        self.assertIn("42 CFR Part 2 NOTICE", text)
        self.assertIn("Court order meeting 42 CFR 2.64", text)


class LegalPagesTest(LegalTestCase):
    def test_a_refused_request_keeps_the_typed_text_and_says_why(self):
        self.sign_in(self.alice)
        data = {
            **SHERIFF,
            "psychotherapy_notes": "on",
            "information_from": "2026-03-01",
            "information_to": "2026-11-30",
            "purpose": "legal",
            "legal_basis": "subpoena",
            "justification": "A subpoena for the notes arrived from the defense counsel.",
            "court_name": "Example County Court",
            "court_date": "2026-11-20",
            "court_reference": "SUB-77",
        }
        response = self.client.post(reverse("disclose_legal", args=[self.rec.record_number]), data)
        self.assertContains(response, "164.508(a)(2) lists", status_code=403)
        self.assertOneEvent("disclosure.legal_preview", actor=self.alice, outcome=Outcome.DENIED)
        self.assertContains(response, "A subpoena for the notes arrived", status_code=403)
        self.assertContains(response, 'value="SUB-77"', status_code=403)
        self.assertFalse(LegalRequest.objects.exists())

    def test_the_form_asks_for_the_court_details_of_a_court_order(self):
        self.sign_in(self.alice)
        data = {
            **SHERIFF,
            "categories": ["attendance"],
            "information_from": "2026-03-01",
            "information_to": "2026-11-30",
            "purpose": "legal",
            "legal_basis": "court_order",
            "justification": "The court ordered the attendance record.",
        }
        response = self.client.post(reverse("disclose_legal", args=[self.rec.record_number]), data)
        self.assertContains(response, "Name the court or authority that issued it.")
        self.assertContains(response, "docket or reference number.")
        self.assertContains(response, "The court ordered the attendance record.")
        self.assertFalse(LegalRequest.objects.exists())

    def test_request_then_approve_through_the_pages(self):
        self.sign_in(self.alice)
        data = {
            **SHERIFF,
            "psychotherapy_notes": "on",
            "information_from": "2026-03-01",
            "information_to": "2026-11-30",
            "purpose": "legal",
            "legal_basis": "court_order",
            "justification": WHY,
            "court_name": COURT["court_name"],
            "court_date": "2026-11-20",
            "court_reference": COURT["court_reference"],
        }
        url = reverse("disclose_legal", args=[self.rec.record_number])
        preview = self.client.post(url, data)
        self.assertContains(preview, "Check before release")
        self.assertContains(preview, "Another practice admin must approve this.")
        self.assertContains(preview, "docket/reference 26-CV-4411")
        self.assertContains(preview, "Court order (45 CFR 164.512(a), 164.512(e)(1)(i))")
        self.assertFalse(LegalRequest.objects.exists())
        carried = as_data([*hidden_fields(preview.content.decode()), ("step", "confirm")])
        response = self.client.post(url, carried, follow=True)
        self.assertContains(response, "waits for a practice admin&#x27;s approval")
        legal = LegalRequest.objects.get()
        self.sign_in(self.avery)
        home = self.client.get(reverse("home"))
        self.assertContains(home, "1 request</strong>")
        self.assertContains(home, reverse("legal_approvals"))
        queue = self.client.get(reverse("legal_approvals"))
        self.assertContains(queue, f"Request #{legal.pk}")
        self.assertContains(queue, "Court order (45 CFR 164.512(a), 164.512(e)(1)(i))")
        self.assertContains(queue, "26-CV-4411")
        self.assertNotContains(queue, "transference")  # the admin never reads the notes
        response = self.client.post(reverse("legal_request_approve", args=[legal.pk]), {"comment": "Checked."})
        self.assertRedirects(response, reverse("legal_approvals"))
        legal.refresh_from_db()
        self.assertEqual(legal.status, LegalRequest.Status.RELEASED)
        self.assertEqual(len(self.sent_to_recipient()), 2)
