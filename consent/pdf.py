"""PDF documents: a signed authorization with its signature certificate, a disclosure
package, and the accounting of disclosures. Built with fpdf2; no network, no external
fonts beyond the system's DejaVu when present."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

REDISCLOSURE_NOTICE = (
    "NOTICE TO RECIPIENT: This information has been disclosed to you under the client's written "
    "authorization. It is confidential. If you are not subject to federal privacy law (HIPAA), it may no "
    "longer be protected by that law once redisclosed; do not redisclose it except as the authorization "
    "or the law permits."
)
LEGAL_NOTICE = (
    "NOTICE TO RECIPIENT: This information is disclosed to you without the client's authorization, under "
    "the legal basis stated below, as the law requires or permits. It is confidential. Use it only for the "
    "purpose stated, and do not redisclose it except as the law permits."
)
PART2_NOTICE = (
    "42 CFR Part 2 NOTICE: This record which has been disclosed to you is protected by federal "
    "confidentiality rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, "
    "or testimony that describes the information contained in this record, in any civil, criminal, "
    "administrative, or legislative proceedings by any Federal, State, or local authority, against the "
    "patient, unless authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or "
    "as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, the Federal rules "
    "prohibit you from making any other use or disclosure of this record unless at least one of the "
    "following applies: further use or disclosure is expressly permitted by the written consent of the "
    "individual whose information is being disclosed in this record or as otherwise permitted by 42 CFR "
    "part 2. A general authorization for the release of medical or other information is NOT sufficient "
    "for this purpose (see 42 CFR 2.31)."
)


class _Doc(FPDF):
    def __init__(self, title: str):
        super().__init__(format="Letter")
        self.doc_title = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.unicode = (_FONT_DIR / "DejaVuSans.ttf").exists()
        if self.unicode:
            self.add_font("Body", "", str(_FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("Body", "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.family = "Body" if self.unicode else "Helvetica"
        self.set_title(title)
        self.set_creator(settings.PRACTICE_NAME)
        self.add_page()

    def _t(self, text: str) -> str:
        # Without a Unicode font, characters outside Latin-1 print as '?' rather than fail.
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def header(self):
        self.set_font(self.family, "B", 9)
        self.set_text_color(90)
        self.cell(
            0, 6, self._t(f"{settings.PRACTICE_NAME} — {self.doc_title} — CONFIDENTIAL"), new_x="LMARGIN", new_y="NEXT"
        )
        self.set_text_color(0)
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.set_text_color(90)
        self.cell(0, 6, f"Page {self.page_no()}", align="C")
        self.set_text_color(0)

    def heading(self, text: str, size: int = 13):
        self.set_font(self.family, "B", size)
        self.multi_cell(0, 7, self._t(text), new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(1)

    def para(self, text: str, size: int = 10, bold: bool = False):
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, 5, self._t(text), new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(1.5)

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def certificate_rows(auth) -> list[tuple[str, str]]:
    rows = [
        ("Authorization", f"#{auth.pk} ({auth.get_kind_display()})"),
        ("Signed by (typed name)", auth.signed_name),
        ("Signed at", timezone.localtime(auth.signed_at).strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("From IP address", auth.signed_ip or "unknown"),
        ("User agent", auth.signed_user_agent or "unknown"),
        ("SHA-256 of the text shown and signed", auth.text_sha256),
        ("Electronic signature", "The signer agreed to sign electronically."),
    ]
    if auth.revoked_at:
        rows.append(("Revoked at", timezone.localtime(auth.revoked_at).strftime("%Y-%m-%d %H:%M:%S %Z")))
    return rows


def authorization_pdf(auth) -> bytes:
    """The signed text, then a signature-certificate page."""
    doc = _Doc("Authorization")
    for block in auth.signed_text.split("\n\n"):
        doc.para(block)
    doc.add_page()
    doc.heading("Signature certificate")
    for label, value in certificate_rows(auth):
        doc.para(f"{label}: {value}")
    if auth.signature_image:
        _drawn_signature(doc, auth.signature_image)
    return doc.output_bytes()


def _drawn_signature(doc, value: str) -> None:
    """The drawn signature, or a line saying it cannot be shown: a damaged image must
    not make the signed authorization impossible to download."""
    from consent.signature import signature_png

    data = signature_png(value)
    doc.para("Drawn signature:", bold=True)
    if data is not None:
        try:
            doc.image(io.BytesIO(data), w=80)
        except Exception as exc:  # fpdf2 and Pillow raise many types for image data they cannot use
            import logging

            logging.getLogger("consent.pdf").warning("drawn signature not rendered: %s", type(exc).__name__)
        else:
            return
    doc.para("The stored image could not be read, so it is not shown here.")


def package_notices(disclosure) -> list[str]:
    """The notices printed at the head of a disclosure's package (and shown in the
    preview before it is released): with an authorization, the redisclosure notice that
    names it; under a legal basis, one that says there was none; and the 42 CFR 2.32
    notice with every disclosure of Part 2 records."""
    notices = [REDISCLOSURE_NOTICE if disclosure.authorization_id else LEGAL_NOTICE]
    if disclosure.includes_substance_use:
        notices.append(PART2_NOTICE)
    return notices


def package_pdf(*, disclosure, client, sections: list[tuple[str, list[str]]], legal=None) -> bytes:
    """The package as sent. With an authorization it says so; under a legal basis (no
    authorization) it states the basis, its citation, the court details and the
    justification instead, never the authorization's wording."""
    doc = _Doc("Disclosure of health information")
    for notice in package_notices(disclosure):
        doc.para(notice, bold=True)
    if not disclosure.authorization_id:
        doc.para(f"Legal basis: {disclosure.purpose_text()}", bold=True)
        if legal is not None and legal.court_text():
            doc.para(f"Order or subpoena: {legal.court_text()}")
        doc.para(f"Justification: {disclosure.justification}")
        if legal is not None and legal.decided_by_id:
            doc.para(
                f"Approved by {legal.decided_by} (practice admin) on {timezone.localtime(legal.decided_at):%B %d, %Y}"
            )
    doc.heading(f"Client: {client.first_name} {client.last_name} (record {client.record_number})")
    doc.para(f"Date of birth: {client.date_of_birth:%B %d, %Y}")
    doc.para(
        f"Released to: {disclosure.recipient_name}"
        + (f", {disclosure.recipient_organization}" if disclosure.recipient_organization else "")
    )
    doc.para(f"Information: {disclosure.description()}")
    if disclosure.authorization_id:
        doc.para(f"Purpose: {disclosure.purpose_text()}")
    else:
        doc.para(
            f"Purpose: {disclosure.get_purpose_display()}"
            + (f": {disclosure.purpose_detail}" if disclosure.purpose_detail else "")
        )
    doc.para(f"Released on {timezone.localtime(disclosure.made_at):%B %d, %Y} by {disclosure.made_by}")
    for title, paragraphs in sections:
        doc.heading(title, 12)
        for text in paragraphs or ["No records of this kind for this period."]:
            doc.para(text)
    return doc.output_bytes()


def accounting_pdf(*, client, disclosures) -> bytes:
    doc = _Doc("Accounting of disclosures")
    doc.heading(f"Accounting of disclosures — {client.first_name} {client.last_name} ({client.record_number})")
    doc.para(f"Disclosures in the six years before {timezone.localdate():%B %d, %Y}.")
    if not disclosures:
        doc.para("No disclosures.")
    for d in disclosures:
        doc.para(f"{timezone.localtime(d.made_at):%B %d, %Y}", bold=True)
        doc.para(
            f"Recipient: {d.recipient_name}" + (f", {d.recipient_organization}" if d.recipient_organization else "")
        )
        doc.para(f"Information: {d.description()}")
        doc.para(f"Purpose: {d.purpose_text()}")
    return doc.output_bytes()


# The practice's document layout, for other apps' PDFs (the client portal's record copy).
Document = _Doc
