"""The clinical record as it leaves the practice: the paragraphs of a disclosure
package's categories (consent.services.disclosures), and the parts of a client's copy of
their record (portal.services.RecordCopy). Reads only: the caller has checked access
(the consent gate, or the client's own portal account) and written the event."""

from __future__ import annotations

import json
from datetime import date

from django.utils import timezone

from clinical import plans, selectors
from clinical.instruments import INSTRUMENTS, OPTIONS, needs_attention
from records import selectors as records_selectors
from records.models import Client

# Note templates that are assessments and discharge summaries (records.models.NoteTemplate).
INTAKE_TEMPLATE = "intk"
DISCHARGE_TEMPLATE = "disc"


def _day(moment) -> date:
    return timezone.localtime(moment).date()


def diagnosis_line(d) -> str:
    parts = [f"{d.code} {d.description} — {d.get_kind_display()}"]
    if d.onset_date:
        parts.append(f"onset {d.onset_date:%B %d, %Y}")
    if d.resolved_date:
        parts.append(f"resolved {d.resolved_date:%B %d, %Y}")
    parts.append(f"recorded {_day(d.added_at):%B %d, %Y} by {d.added_by}")
    return ", ".join(parts)


def plan_paragraphs(plan) -> list[str]:
    head = (
        f"Treatment plan, version {plan.version}, signed {_day(plan.signed_at):%B %d, %Y} by {plan.signed_by}; "
        f"review date {plan.review_date:%B %d, %Y}"
        + (f"; acknowledged by the client {_day(plan.acknowledged_at):%B %d, %Y}" if plan.acknowledged_at else "")
        + "."
    )
    paragraphs = [head]
    for n, p in enumerate(plans.load(plan.content), start=1):
        lines = [f"Problem {n}: {p.problem}", f"Goal: {p.goal}"]
        lines += [f"Objective: {o.objective} (target {o.target_date:%B %d, %Y})" for o in p.objectives]
        if p.interventions:
            lines.append(f"Interventions: {p.interventions}")
        paragraphs.append("\n".join(lines))
    return paragraphs


def measure_line(m) -> str:
    instrument = INSTRUMENTS[m.instrument]
    score = int(m.score)
    line = (
        f"{instrument.name}, {_day(m.completed_at):%B %d, %Y}: {score} of {instrument.max_score}, "
        f"{instrument.band(score).label.lower()} ({m.get_completed_via_display()})"
    )
    if needs_attention(m.instrument, json.loads(m.answers)):
        line += "; item 9 answered above 0"
    return line


def measure_answers(m) -> list[tuple[str, int, str]]:
    labels = dict(OPTIONS)
    return [(t, a, labels[a]) for t, a in zip(INSTRUMENTS[m.instrument].items, json.loads(m.answers), strict=True)]


def _signed_notes(client: Client, template: str, start: date, end: date):
    # The notes a package may hold (records.selectors.disclosable_notes: signed, and
    # co-signed when the author was pre-licensed; the package counts those left out).
    return (
        records_selectors.disclosable_notes(client, start, end)
        .filter(template=template)
        .select_related("author")
        .order_by("date_of_service", "id")
    )


def _note_paragraph(note, title: str) -> str:
    body = "\n".join(f"{label}: {text}" for label, text in note.labelled_sections() if text)
    return f"{title}, {note.date_of_service:%B %d, %Y} ({note.author}, signed {_day(note.signed_at):%b %d, %Y})\n{body}"


def package_paragraphs(client: Client, category: str, start: date, end: date) -> list[str] | None:
    """The paragraphs of one disclosure category for [start, end], or None when the
    category is not the clinical record's."""
    if category == "diagnosis":
        return [diagnosis_line(d) for d in selectors.diagnoses_in_period(client, start, end)]
    if category == "treatment_plan":
        return [text for plan in selectors.plans_in_period(client, start, end) for text in plan_paragraphs(plan)]
    if category == "assessments":
        paragraphs = [
            _note_paragraph(n, "Intake assessment") for n in _signed_notes(client, INTAKE_TEMPLATE, start, end)
        ]
        return paragraphs + [measure_line(m) for m in selectors.measures_in_period(client, start, end)]
    if category == "discharge_summary":
        return [_note_paragraph(n, "Discharge summary") for n in _signed_notes(client, DISCHARGE_TEMPLATE, start, end)]
    return None


def record_parts(client: Client) -> dict:
    """The clinical parts of a client's copy of their record: every diagnosis entry
    (history included), every signed treatment-plan version, every completed
    questionnaire."""
    signed = [p for p in selectors.plan_versions(client).order_by("version") if p.is_signed]
    for plan in signed:
        plan.problems = plans.load(plan.content)
    return {
        "diagnoses": list(selectors.diagnosis_history(client)),
        "plans": signed,
        "measures": list(selectors.client_measures(client).filter(status="completed").order_by("completed_at", "id")),
    }
