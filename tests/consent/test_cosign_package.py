"""Co-signature before disclosure: a pre-licensed counselor's signed note goes into no
package until their supervisor co-signs it. Such notes are left out (not refused: the
rest of the record can still be released when it must be), and the package says how
many were left out."""

import base64
import io
from datetime import date

from pypdf import PdfReader

from records import services as records_services
from tests.consent.base import ConsentTestCase

WAITING = "Waiting: the client reported three panic episodes this week."
COSIGNED = "Co-signed: breathing practice reduced the episodes."


def package_text(disclosure) -> str:
    document = base64.b64decode(disclosure.package)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


class CosignWorld(ConsentTestCase):
    """alice is pre-licensed: one note co-signed, one (`waiting`) awaiting sam."""

    def setUp(self):
        records_services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        self.alice.refresh_from_db()
        self.signed(categories=["attendance", "progress_notes", "assessments", "discharge_summary"])
        done = self.write_note(date_of_service=date(2026, 10, 1), sections={"subjective": COSIGNED})
        records_services.note_sign(actor=self.alice, note_id=done.pk)
        records_services.note_cosign(actor=self.sam, note_id=done.pk)
        waiting = self.write_note(date_of_service=date(2026, 10, 8), sections={"subjective": WAITING})
        self.waiting = records_services.note_sign(actor=self.alice, note_id=waiting.pk)


class CosignBeforeDisclosureTest(CosignWorld):
    def test_an_uncosigned_note_is_left_out_and_the_package_says_so(self):
        text = package_text(self.share(categories=frozenset({"progress_notes", "attendance"})))
        self.assertIn(COSIGNED, text)
        self.assertNotIn(WAITING, text)
        self.assertNotIn("October 08, 2026", text)  # not even its date in the attendance list
        self.assertIn("October 01, 2026", text)
        self.assertIn(
            "1 signed note of this period, written by a pre-licensed counselor, awaits", " ".join(text.split())
        )

    def test_once_co_signed_it_is_included(self):
        records_services.note_cosign(actor=self.sam, note_id=self.waiting.pk)
        text = package_text(self.share())
        self.assertIn(WAITING, text)
        self.assertNotIn("awaiting co-signature", text.lower())

    def test_a_returned_note_is_left_out_too(self):
        records_services.note_return(actor=self.sam, note_id=self.waiting.pk, comment="Add the safety plan.")
        records_services.addendum_create(actor=self.alice, note_id=self.waiting.pk, text="Safety plan made.")
        text = package_text(self.share())
        self.assertNotIn(WAITING, text)
        self.assertNotIn("Safety plan made.", text)

    def test_a_licensed_authors_note_needs_no_co_signature(self):
        records_services.set_supervision(
            actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=False
        )
        self.alice.refresh_from_db()
        note = self.write_note(date_of_service=date(2026, 10, 15), sections={"subjective": "Licensed by then."})
        records_services.note_sign(actor=self.alice, note_id=note.pk)
        text = package_text(self.share())
        self.assertIn("Licensed by then.", text)
        self.assertNotIn(WAITING, text)  # the earlier note still waits

    def test_other_categories_do_not_mention_notes(self):
        self.signed(categories=["diagnosis"])
        text = package_text(self.share(categories=frozenset({"diagnosis"})))
        self.assertNotIn("co-signature", text)


class CosignInThePreviewTest(CosignWorld):
    def preview(self):
        from consent.services.preview import disclosure_preview

        return disclosure_preview(
            actor=self.alice,
            record_number=self.rec.record_number,
            **self.request(categories=frozenset({"progress_notes"})),
        )

    def test_the_preview_counts_only_what_goes_and_says_what_is_left_out(self):
        preview = self.preview()
        self.assertEqual((preview.note_count, preview.withheld), (1, 1))
        self.assertIn(("Not included: awaiting co-signature", 1), preview.sections)
        records_services.note_cosign(actor=self.sam, note_id=self.waiting.pk)
        preview = self.preview()
        self.assertEqual((preview.note_count, preview.withheld), (2, 0))
