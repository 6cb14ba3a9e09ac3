"""Right of access: a copy to take away (PDF and FHIR), produced on request and audited,
for the client or by a practice admin for a client who asked on paper."""

import base64
import io
import json

from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from audit.models import AuditEvent, Outcome
from tests.portal.base import (
    ADDENDUM_TEXT,
    DRAFT_TEXT,
    OTHER_RECIPIENT,
    OTHER_TEXT,
    PNOTE_TEXT,
    REQUEST_ID,
    SIGNED_TEXT,
    STAFF_IP,
    PortalTestCase,
)

NEVER = (DRAFT_TEXT, PNOTE_TEXT, OTHER_TEXT, OTHER_RECIPIENT, STAFF_IP, REQUEST_ID, "StaffBrowser")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


class ClientCopyTest(PortalTestCase):
    def download(self, name):
        self.sign_in(self.claire)
        response = self.client.post(reverse(name))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        return response

    def test_the_pdf_opens_and_holds_the_record(self):
        response = self.download("portal_copy_pdf")
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = " ".join(pdf_text(response.content).split())
        for expected in (SIGNED_TEXT, ADDENDUM_TEXT, "Morgan Ellery", self.rec.record_number, "Dr. Dana Whitlock"):
            self.assertIn(expected, text)
        self.assertIn("Alice Test (counselor) read a session note", text)
        for secret in NEVER:
            self.assertNotIn(secret, text)
        event = self.assertOneEvent("copy.pdf", actor=self.claire, client=self.rec)
        self.assertEqual(event.outcome, Outcome.ALLOWED)

    def test_the_fhir_bundle_validates_and_its_audit_events_match_the_history_page(self):
        response = self.download("portal_copy_fhir")
        self.assertEqual(response["Content-Type"], "application/fhir+json")
        raw = response.content.decode()
        bundle = Bundle.model_validate_json(raw)
        self.assertEqual(bundle.type, "collection")
        by_type = {}
        for entry in bundle.entry:
            by_type.setdefault(entry.resource.get_resource_type(), []).append(entry.resource)
        self.assertEqual(len(by_type["Patient"]), 1)
        self.assertEqual(by_type["Patient"][0].identifier[0].value, self.rec.record_number)
        self.assertEqual([d.id for d in by_type["DocumentReference"]], [f"note-{self.note.pk}"])
        # The model holds the decoded bytes; the JSON carries them as base64.
        note_text = by_type["DocumentReference"][0].content[0].attachment.data.decode()
        self.assertIn(base64.b64encode(note_text.encode()).decode(), raw)
        self.assertIn(SIGNED_TEXT, note_text)
        self.assertIn(ADDENDUM_TEXT, note_text)
        self.assertEqual([c.id for c in by_type["Consent"]], [f"authorization-{self.auth.pk}"])
        self.assertEqual(by_type["Consent"][0].status, "active")
        readable = raw + note_text
        for secret in NEVER:
            self.assertNotIn(secret, readable)

        # The AuditEvents are the history page's entries, as of the export.
        export = self.assertOneEvent("copy.fhir", actor=self.claire, client=self.rec)
        page_entries, before = [], None
        while True:
            page = self.client.get(reverse("portal_history"), {"before": before} if before else {})
            page_entries += [e for e in page.context["accesses"] if e.seq <= export.seq]
            before = page.context["next_before"]
            if not before:
                break
        audit_events = by_type["AuditEvent"]
        self.assertEqual([a.id for a in audit_events], [f"access-{e.seq}" for e in page_entries])
        self.assertEqual([a.outcomeDesc for a in audit_events], [e.sentence for e in page_entries])
        self.assertIn(f"access-{export.seq}", [a.id for a in audit_events])
        self.assertTrue(all(a.agent[0].network is None for a in audit_events))
        json.loads(raw)  # plain JSON for any reader, too

    def test_a_copy_is_produced_only_on_request(self):
        self.sign_in(self.claire)
        for name in ("portal_copy_pdf", "portal_copy_fhir"):
            self.assertEqual(self.client.get(reverse(name)).status_code, 405)
        self.assertFalse(AuditEvent.objects.filter(action__startswith="copy.").exists())

    def test_staff_cannot_take_a_clients_copy_from_the_portal(self):
        for user in (self.alice, self.avery, self.root):
            self.sign_in(user)
            for name in ("portal_copy_pdf", "portal_copy_fhir"):
                self.assertEqual(self.client.post(reverse(name)).status_code, 403, f"{user} {name}")
        self.assertEqual(len(self.events("copy.pdf", outcome=Outcome.DENIED)), 3)
        self.assertFalse(self.events("copy.pdf", outcome=Outcome.ALLOWED))


class AdminCopyTest(PortalTestCase):
    def url(self, record_number=None):
        return reverse("admin_record_copy", args=[record_number or self.rec.record_number])

    def test_a_practice_admin_produces_the_copy_as_a_download_and_the_audit_says_so(self):
        self.sign_in(self.avery)
        page = self.client.get(self.url())
        self.assertContains(page, "Copy of the record of Morgan Ellery")
        self.assertNotContains(page, SIGNED_TEXT)
        for fmt, content_type in (("pdf", "application/pdf"), ("fhir", "application/fhir+json")):
            response = self.client.post(self.url(), {"requested_on": "2026-11-20", "format": fmt})
            self.assertEqual(response["Content-Type"], content_type)
            self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
            event = self.assertOneEvent(f"copy.{fmt}", actor=self.avery, client=self.rec)
            self.assertIn("written request of 2026-11-20", event.reason)
            self.assertIn("download for handing to the client", event.reason)
        self.assertTrue(pdf_text(self.client.post(self.url(), {"requested_on": "2026-11-20", "format": "pdf"}).content))
        # The client sees it in their history, in plain words.
        self.sign_in(self.claire)
        sentences = [e.sentence for e in self.client.get(reverse("portal_history")).context["accesses"]]
        self.assertIn(
            "Avery Test produced a copy of your record (PDF) to hand to you, at your written request", sentences
        )

    def test_bad_input_is_explained(self):
        self.sign_in(self.avery)
        response = self.client.post(self.url(), {"requested_on": "2999-01-01", "format": "pdf"})
        self.assertContains(response, "The request date is in the future.", status_code=400)
        response = self.client.post(self.url(), {"requested_on": "2026-11-20"})
        self.assertContains(response, "Choose one of the two formats.", status_code=400)
        self.assertContains(response, 'value="2026-11-20"', status_code=400)
        self.assertFalse(self.events("copy.pdf"))

    def test_only_practice_admins_and_only_real_clients(self):
        for user in (self.alice, self.sam, self.claire):
            self.sign_in(user)
            self.assertEqual(self.client.get(self.url()).status_code, 403, user)
            response = self.client.post(self.url(), {"requested_on": "2026-11-20", "format": "pdf"})
            self.assertEqual(response.status_code, 403, user)
        self.assertEqual(len(self.events("copy.prepare", outcome=Outcome.DENIED)), 3)
        self.assertEqual(len(self.events("copy.pdf", outcome=Outcome.DENIED)), 3)
        self.sign_in(self.avery)
        self.assertEqual(self.client.get(self.url("C-999999")).status_code, 404)
        self.assertOneEvent("copy.prepare", actor=self.avery, outcome=Outcome.DENIED)
        self.assertFalse(self.events("copy.pdf", outcome=Outcome.ALLOWED))
