"""42 CFR Part 2 as a property of the client (issue #9, item 5): a practice admin marks
the client, after a confirmation; from then on every disclosure of any of the client's
records needs Part 2 consent and carries the 2.32 notice. The tests read the PDF."""

import re
from datetime import date

from django.core import mail
from django.urls import reverse

from audit.models import Outcome
from consent import services
from consent.models import LegalRequest
from consent.text import render_text
from practice import services as practice_services
from practice.exceptions import NotFound, PermissionDenied
from practice.models import User
from records.models import Client
from records.services import psychotherapy_note_create
from tests.consent.base import BASE_URL, ConsentTestCase
from tests.consent.test_legal import COURT, SHERIFF, pdf_text

NOTICE = "42 CFR Part 2 NOTICE"
TWO_32 = "These rules prohibit you from using or disclosing this record"


class Part2TestCase(ConsentTestCase):
    def setUp(self):
        self.signed_note()
        mail.outbox.clear()

    def mark(self, actor=None, client=None):
        return services.client_mark_part2(actor=actor or self.avery, record_number=(client or self.rec).record_number)

    def delivered_pdf(self, recipient_email):
        """The PDF as the recipient downloads it, from their link and code."""
        to_them = [m for m in mail.outbox if recipient_email in m.to]
        token = next(re.search(r"/d/([\w-]+)/", m.body).group(1) for m in to_them if "/d/" in m.body)
        code = next(re.search(r"(\d{8})", m.body).group(1) for m in to_them if "code" in m.subject)
        mail.outbox.clear()
        _, grant = services.delivery_unlock(token=token, code=code)
        _, content = services.delivery_download(token=token, grant=grant)
        return pdf_text(content)


class MarkingTest(Part2TestCase):
    def test_a_practice_admin_marks_after_a_confirmation(self):
        self.sign_in(self.avery)
        url = reverse("client_part2", args=[self.rec.record_number])
        page = self.client.get(url)
        self.assertContains(page, "Mark Morgan Ellery (C-")
        self.assertOneEvent("client.part2_view", actor=self.avery, client=self.rec)
        # Not confirmed: nothing changes, the page says what is missing.
        response = self.client.post(url, {})
        self.assertContains(response, "Confirm that the client receives treatment covered by 42 CFR Part 2.")
        self.rec.refresh_from_db()
        self.assertIsNone(self.rec.part2_since)
        self.assertEqual(self.events("client.part2_mark"), [])
        response = self.client.post(url, {"confirm": "on"})
        self.assertRedirects(response, reverse("admin_client_assignments", args=[self.rec.record_number]))
        self.rec.refresh_from_db()
        self.assertIsNotNone(self.rec.part2_since)
        event = self.assertOneEvent("client.part2_mark", actor=self.avery, outcome=Outcome.ALLOWED)
        self.assertEqual((event.client, event.object_id), (self.rec, str(self.rec.pk)))
        self.assertContains(self.client.get(url), "is marked as covered by 42 CFR Part 2")
        # The assignments page, where admins manage the client, shows it and links to it.
        page = self.client.get(reverse("admin_client_assignments", args=[self.rec.record_number]))
        self.assertContains(page, url)
        self.assertContains(page, "Covered by 42 CFR Part 2")

    def test_marking_twice_is_a_recorded_refusal(self):
        self.mark()
        with self.assertRaises(PermissionDenied):
            self.mark(actor=self.root)
        self.assertOneEvent("client.part2_mark", outcome=Outcome.DENIED, actor=self.root)

    def test_who_may_not_mark(self):
        # Counselors (the client's own included), supervisors, the client, a deactivated
        # admin, and a counselor flagged superuser. The deployment is one practice: an
        # admin of another practice has no account here at all.
        dana = User.objects.create_user("dana", "dana@example.invalid", role="practice_admin")
        practice_services.staff_set_active(actor=self.avery, user=dana, active=False)
        dana.refresh_from_db()
        User.objects.filter(pk=self.bob.pk).update(is_superuser=True, is_staff=True)
        self.bob.refresh_from_db()
        for user in (self.alice, self.bob, self.sam, self.claire, dana):
            with self.subTest(user=user.username):
                with self.assertRaises(PermissionDenied):
                    self.mark(actor=user)
                with self.assertRaises(PermissionDenied):
                    services.client_part2_view(actor=user, record_number=self.rec.record_number)
        self.assertEqual(len(self.events("client.part2_mark", outcome=Outcome.DENIED)), 5)
        self.assertEqual(len(self.events("client.part2_view", outcome=Outcome.DENIED)), 5)
        self.assertEqual(self.events("client.part2_mark", outcome=Outcome.ALLOWED), [])
        self.assertFalse(Client.objects.filter(part2_since__isnull=False).exists())

    def test_the_pages_refuse_others(self):
        url = reverse("client_part2", args=[self.rec.record_number])
        for user in (self.alice, self.sam, self.claire):
            self.sign_in(user)
            self.assertEqual(self.client.post(url, {"confirm": "on"}).status_code, 403)
        self.assertFalse(Client.objects.filter(part2_since__isnull=False).exists())

    def test_an_unknown_client_is_a_recorded_404(self):
        with self.assertRaises(NotFound):
            services.client_mark_part2(actor=self.avery, record_number="C-999999")
        self.assertOneEvent("client.part2_mark", outcome=Outcome.DENIED, actor=self.avery)


class Part2DisclosureTest(Part2TestCase):
    def test_the_notice_is_in_the_pdf_of_a_part_2_client_whatever_was_ticked_and_absent_otherwise(self):
        # Before the mark: an attendance-only release has no Part 2 notice.
        self.signed(categories=["attendance"])
        self.share(categories=frozenset({"attendance"}))
        text = self.delivered_pdf("dwhitlock@example.invalid")
        self.assertNotIn(NOTICE, text)
        self.assertNotIn(TWO_32, text)
        self.assertIn("written authorization", text)

        self.mark()
        # The authorization signed before the mark is not a Part 2 consent.
        with self.assertRaises(services.ConsentDenied) as caught:
            self.share(categories=frozenset({"attendance"}))
        self.assertIn("not a 42 CFR Part 2 consent", "; ".join(caught.exception.decision.reasons))
        self.assertIn("not a 42 CFR Part 2 consent", self.events("disclosure.share", outcome=Outcome.DENIED)[-1].reason)
        self.assertEqual(mail.outbox, [])

        # A new one says it is a Part 2 consent, and releases with the notice.
        auth = self.prepare(categories=["attendance"])
        self.assertTrue(auth.part2_consent)
        self.assertIn("42 CFR Part 2", render_text(auth))
        self.assertIn("42 CFR 2.31", render_text(auth))
        signed = self.signed(categories=["attendance"])
        self.assertIn("42 CFR Part 2", signed.signed_text)
        disclosure = self.share(categories=frozenset({"attendance"}))
        self.assertTrue(disclosure.includes_substance_use)
        text = self.delivered_pdf("dwhitlock@example.invalid")
        self.assertIn(NOTICE, text)
        self.assertIn(TWO_32, text)

    def test_the_other_client_is_untouched(self):
        self.mark()
        auth = services.authorization_prepare(
            actor=self.bob,
            record_number=self.other.record_number,
            kind="general",
            recipient_name="Dr. Dana Whitlock",
            recipient_organization="Eastside Clinic",
            recipient_email="dwhitlock@example.invalid",
            recipient_address="",
            categories=["attendance"],
            information_from=date(2026, 1, 1),
            information_to=date(2026, 12, 31),
            purpose="continuity",
            purpose_detail="",
            expires_on=date(2027, 6, 1),
            expiration_event="",
            representative_name="",
            representative_authority="",
        )
        self.assertFalse(auth.part2_consent)
        self.assertNotIn("42 CFR Part 2", render_text(auth))

    def test_the_authorization_form_says_so(self):
        self.mark()
        self.sign_in(self.alice)
        page = self.client.get(reverse("authorization_new", args=[self.rec.record_number]))
        self.assertContains(page, "covered by 42 CFR Part 2")
        page = self.client.get(reverse("share", args=[self.rec.record_number]))
        self.assertContains(page, "covered by 42 CFR Part 2")

    def test_without_consent_only_a_2_64_order_approved_by_an_admin(self):
        self.mark()

        def legal(basis, court=COURT, categories=frozenset({"attendance"})):
            return services.disclose_without_authorization(
                actor=self.alice,
                record_number=self.rec.record_number,
                base_url=BASE_URL,
                legal_basis=basis,
                justification="The court ordered the attendance record in case 26-CV-4411.",
                **(court or {}),
                **self.request(**{**SHERIFF, "purpose": "legal", "categories": categories}),
            )

        for basis, court in (("court_order", COURT), ("duty_to_warn", None), ("required_by_law", None)):
            with self.subTest(basis=basis), self.assertRaises(services.ConsentDenied):
                legal(basis, court)
        self.assertEqual(len(self.events("disclosure.legal", outcome=Outcome.DENIED)), 3)
        request = legal("part2_court_order")
        self.assertEqual((request.status, request.includes_part2), (LegalRequest.Status.PENDING, True))
        self.assertFalse([m for m in mail.outbox if SHERIFF["recipient_email"] in m.to])
        services.legal_request_approve(actor=self.avery, request_id=request.pk, base_url=BASE_URL)
        text = self.delivered_pdf(SHERIFF["recipient_email"])
        self.assertIn(NOTICE, text)
        self.assertIn("Court order meeting 42 CFR 2.64", text)

    def test_a_client_marked_while_a_request_waits_is_decided_again_on_approval(self):
        psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 11, 2), text="Process."
        )
        request = services.disclose_without_authorization(
            actor=self.alice,
            record_number=self.rec.record_number,
            base_url=BASE_URL,
            legal_basis="court_order",
            justification="The court ordered the attendance record in case 26-CV-4411.",
            **COURT,
            **self.request(**{**SHERIFF, "purpose": "legal", "categories": frozenset(), "psychotherapy_notes": True}),
        )
        self.mark()
        with self.assertRaises(PermissionDenied):
            services.legal_request_approve(actor=self.avery, request_id=request.pk, base_url=BASE_URL)
        self.assertIn("42 CFR Part 2", self.events("disclosure.legal_approve", outcome=Outcome.DENIED)[-1].reason)
        self.assertFalse([m for m in mail.outbox if SHERIFF["recipient_email"] in m.to])


class ClientHistoryWordsTest(Part2TestCase):
    def test_the_client_reads_the_mark_and_a_rejected_request_in_plain_words(self):
        psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 11, 2), text="Process."
        )
        request = services.disclose_without_authorization(
            actor=self.alice,
            record_number=self.rec.record_number,
            base_url=BASE_URL,
            legal_basis="court_order",
            justification="The court ordered the notes in case 26-CV-4411.",
            **COURT,
            **self.request(**{**SHERIFF, "purpose": "legal", "categories": frozenset(), "psychotherapy_notes": True}),
        )
        services.legal_request_reject(actor=self.avery, request_id=request.pk)
        self.mark()
        self.sign_in(self.claire)
        sentences = [a.sentence for a in self.client.get(reverse("portal_history")).context["accesses"]]
        self.assertIn(
            "Alice Test asked to share your information without an authorization, as the law permits "
            "(waiting for approval)",
            sentences,
        )
        self.assertIn("Avery Test rejected a request to share your information without an authorization", sentences)
        self.assertIn("Avery Test marked your record as covered by 42 CFR Part 2 (substance-use treatment)", sentences)
