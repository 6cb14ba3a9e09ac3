"""The client portal's use cases. Each follows the one access path:

    1. access:  the client's own record only (records.selectors.portal_client); anything
                else is refused, audited, and looks like "missing" (404) where an id
                was given;
    2. audit:   audit.record before anything is returned (these are reads);
    3. work:    read through records, consent and audit selectors; never their models.

A copy of the record (right of access, 45 CFR 164.524) is produced for the client
themself, or by a practice admin for a client who asked on paper. The admin's copy is
only ever a download to hand over: no page shows its content, and its audit event says
so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone

import audit
from audit import selectors as audit_selectors
from audit.services import refuse
from consent import selectors as consent_selectors
from portal.history import Access, describe
from practice.models import User
from records import selectors as records_selectors
from records.models import Client, SessionNote

COPY_FORMATS = ("pdf", "fhir")


def _own_client(actor: User, action: str) -> Client:
    client = records_selectors.portal_client(actor)
    if client is None:
        refuse(action, actor, object_type="client", object_id="", reason="no client record", not_found=False)
    return client


# --- My record ----------------------------------------------------------------------------
def my_record(*, actor: User) -> dict:
    """Rule: a client reads their own signed notes and addenda; never drafts, never
    psychotherapy notes (another model, not read here)."""
    client = _own_client(actor, "portal.record")
    audit.record(action="portal.record", actor=actor, client=client, object_type="client", object_id=client.pk)
    from clinical.services import portal_clinical

    return {
        "client": client,
        "notes": list(records_selectors.signed_notes(client)),
        "clinical": portal_clinical(client),
    }


def my_note(*, actor: User, note_id: int) -> SessionNote:
    """Rule: one of the client's own signed notes; any other id is the same 404."""
    client = _own_client(actor, "portal.note")
    note = records_selectors.signed_note(client, note_id)
    if note is None:
        refuse("portal.note", actor, client=client, object_type="session_note", object_id=note_id, reason="no access")
    audit.record(action="portal.note", actor=actor, client=client, object_type="session_note", object_id=note.pk)
    return note


# --- Who accessed my record -----------------------------------------------------------------
def month_bounds(month: date | None) -> tuple[datetime | None, datetime | None]:
    """A calendar month in the practice's time zone, as an aware [start, end) range."""
    if month is None:
        return None, None
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return (
        timezone.make_aware(datetime.combine(first, time.min), tz),
        timezone.make_aware(datetime.combine(following, time.min), tz),
    )


def access_history(*, actor: User, month: date | None = None, before: int | None = None) -> dict:
    """Rule: a client sees every event of their own record's log (psychotherapy-note
    events aside), in plain words, and nothing of anyone else's. A fixed number of
    queries whatever the size of the log: one for the page, at most two for the
    recipients it names."""
    client = _own_client(actor, "portal.history")
    audit.record(
        action="portal.history",
        actor=actor,
        client=client,
        object_type="client",
        object_id=client.pk,
        reason=f"month={month:%Y-%m}" if month else "",
    )
    start, end = month_bounds(month)
    events, next_before = audit_selectors.client_history_page(client.pk, start=start, end=end, before=before)
    return {"client": client, "accesses": describe(client, events), "next_before": next_before, "month": month}


# --- A copy to take away ----------------------------------------------------------------------
@dataclass
class RecordCopy:
    """Everything a copy holds; the PDF and the FHIR bundle are built from this alone.
    New parts of the record (diagnoses, treatment plan, questionnaire scores) become new
    fields here, filled by their app's selector, and a section in each builder."""

    client: Client
    produced_at: datetime
    produced_for_paper_request: bool
    notes: list[SessionNote] = field(default_factory=list)
    authorizations: list = field(default_factory=list)
    accesses: list[Access] = field(default_factory=list)
    # The clinical record (clinical.selectors): diagnoses with their history, every
    # signed treatment-plan version, completed questionnaires.
    diagnoses: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    measures: list = field(default_factory=list)


def _assemble(client: Client, *, paper: bool) -> RecordCopy:
    events = list(audit_selectors.client_history_queryset(client.pk))
    return RecordCopy(
        client=client,
        produced_at=timezone.localtime(),
        produced_for_paper_request=paper,
        notes=list(records_selectors.signed_notes(client)),
        authorizations=list(consent_selectors.client_authorizations(client)),
        accesses=describe(client, events),
        **_clinical_parts(client),
    )


def _clinical_parts(client: Client) -> dict:
    from clinical.exports import record_parts

    return record_parts(client)


def _build(copy: RecordCopy, fmt: str) -> bytes:
    if fmt == "pdf":
        from portal.pdf import record_pdf

        return record_pdf(copy)
    from portal.fhir import record_bundle_json

    return record_bundle_json(copy).encode("utf-8")


def record_copy(*, actor: User, fmt: str) -> tuple[Client, bytes]:
    """Rule: the client downloads a copy of their own record. Audited before it is made
    (the copy's own access history includes that event)."""
    if fmt not in COPY_FORMATS:
        raise ValueError(f"unknown copy format {fmt!r}")
    client = _own_client(actor, f"copy.{fmt}")
    audit.record(action=f"copy.{fmt}", actor=actor, client=client, object_type="client", object_id=client.pk)
    return client, _build(_assemble(client, paper=False), fmt)


def _require_admin(actor: User, action: str, record_number: str) -> Client:
    if not (actor.is_authenticated and actor.is_practice_admin and actor.is_active):
        refuse(
            action, actor, object_type="client", object_id=record_number, reason="not a practice admin", not_found=False
        )
    client = records_selectors.client_by_record_number(record_number)
    if client is None or client.disposed_at is not None:
        # A disposed record is a tombstone: there is nothing left to copy.
        refuse(action, actor, object_type="client", object_id=record_number, reason="no such client")
    return client


def client_for_copy(*, actor: User, record_number: str) -> Client:
    """The practice admin's page for producing a copy: the client's name, no clinical
    content. Rule: practice admins only."""
    client = _require_admin(actor, "copy.prepare", record_number)
    audit.record(action="copy.prepare", actor=actor, client=client, object_type="client", object_id=client.pk)
    return client


def record_copy_for_client(*, actor: User, record_number: str, fmt: str, requested_on: date) -> tuple[Client, bytes]:
    """Rule: a practice admin produces a client's copy when the client asked on paper.
    The admin reads no clinical note: the copy is only a download to hand over (the view
    never renders it), and the audit event says so."""
    if fmt not in COPY_FORMATS:
        raise ValueError(f"unknown copy format {fmt!r}")
    action = f"copy.{fmt}"
    client = _require_admin(actor, action, record_number)
    audit.record(
        action=action,
        actor=actor,
        client=client,
        object_type="client",
        object_id=client.pk,
        reason=f"written request of {requested_on:%Y-%m-%d}; produced as a download for handing to the client",
    )
    return client, _build(_assemble(client, paper=True), fmt)
