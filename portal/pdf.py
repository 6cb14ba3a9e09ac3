"""The record copy as a PDF (fpdf2, in the practice's document layout)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from consent.pdf import Document
from portal.services import RecordCopy

NOT_INCLUDED = (
    "Not included: draft notes (not yet part of the record), and psychotherapy notes, which the law keeps "
    "apart from the record (45 CFR 164.501). Ask the practice if you want to discuss either."
)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%B %d, %Y, %I:%M %p %Z")


def record_pdf(copy: RecordCopy) -> bytes:
    client = copy.client
    doc = Document("Copy of your record")
    doc.heading(f"Record of {client.legal_name}")
    doc.para(f"Record number {client.record_number} · date of birth {client.date_of_birth:%B %d, %Y}")
    produced = f"Produced by {settings.PRACTICE_NAME} on {_when(copy.produced_at)}"
    doc.para(produced + (", at the client's written request." if copy.produced_for_paper_request else "."))
    doc.para(NOT_INCLUDED)

    doc.heading("Session notes")
    if not copy.notes:
        doc.para("No signed session notes.")
    for note in copy.notes:
        doc.heading(f"{note.get_service_type_display()} · {note.date_of_service:%B %d, %Y}", 12)
        doc.para(
            f"{note.duration_minutes} minutes · written by {note.author} · signed {_when(note.signed_at)}"
            + (f" · co-signed by {note.cosigned_by}" if note.cosigned_by_id else "")
        )
        for label, text in note.labelled_sections():
            doc.para(label, bold=True)
            doc.para(text or "—")
        for addendum in note.addenda.all():
            doc.para(f"Addendum by {addendum.author}, {_when(addendum.signed_at)}", bold=True)
            doc.para(addendum.text)

    _clinical_sections(doc, copy)

    doc.heading("Release-of-information forms")
    if not copy.authorizations:
        doc.para("None.")
    for auth in copy.authorizations:
        to = auth.recipient_name + (f", {auth.recipient_organization}" if auth.recipient_organization else "")
        doc.para(f"#{auth.pk} {auth.get_kind_display()} to {to}: {auth.state_label}", bold=True)
        doc.para(
            f"Covers {', '.join(auth.category_labels()) or 'psychotherapy notes'} from "
            f"{auth.information_from:%B %d, %Y} to {auth.information_to:%B %d, %Y}; "
            f"expires {auth.expires_on:%B %d, %Y}."
        )

    doc.heading("Who accessed your record")
    if not copy.accesses:
        doc.para("No accesses recorded.")
    for access in copy.accesses:
        who = "You" if access.is_you else f"{access.who}" + (f" ({access.role})" if access.role else "")
        flag = "EMERGENCY ACCESS — " if access.emergency else ""
        doc.para(f"{access.at:%Y-%m-%d %H:%M %Z} — {flag}{who} {access.what}")
    return doc.output_bytes()


def _clinical_sections(doc, copy: RecordCopy) -> None:
    from clinical.exports import diagnosis_line, measure_answers, measure_line, plan_paragraphs

    doc.heading("Diagnoses")
    if not copy.diagnoses:
        doc.para("No diagnoses recorded.")
    replaced = {d.previous_id for d in copy.diagnoses if d.previous_id}
    for d in copy.diagnoses:
        status = []
        if d.pk in replaced:
            status.append("replaced by a later entry")
        if d.entered_in_error:
            status.append("entered in error")
        doc.para(diagnosis_line(d) + (f" ({'; '.join(status)})" if status else ""))

    doc.heading("Treatment plans")
    if not copy.plans:
        doc.para("No signed treatment plan.")
    for plan in copy.plans:
        for n, text in enumerate(plan_paragraphs(plan)):
            doc.para(text, bold=n == 0)

    doc.heading("Questionnaires (PHQ-9, GAD-7)")
    if not copy.measures:
        doc.para("No completed questionnaires.")
    for m in copy.measures:
        doc.para(measure_line(m), bold=True)
        doc.para("\n".join(f"{text}: {label} ({value})" for text, value, label in measure_answers(m)))
