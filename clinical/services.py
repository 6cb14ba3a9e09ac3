"""Clinical-record use cases: diagnoses, treatment plans, questionnaires. Each follows
the one access path (STYLE.md):

    1. access:  records.selectors (guardian's direct permission table, the account
                active and clinical): the care team writes (write_notes), the care team
                and their supervisors read (view_chart); a practice admin reads nothing
                clinical; a client reaches only their own record, through the portal
                services below;
    2. audit:   audit.record, in the same transaction as a change (audit.writing()),
                before the data is returned for a read;
    3. work.

A refusal is recorded (outcome=denied) and raised as NotFound (404) where existence
must not leak, PermissionDenied (403) otherwise.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

import audit
from audit.models import Outcome
from audit.services import refuse
from clinical import icd10, selectors
from clinical.models import Diagnosis
from practice.exceptions import PermissionDenied
from practice.models import User
from records import selectors as records_selectors
from records.models import Client
from records.permissions import VIEW_CHART, WRITE_NOTES


class Conflict(PermissionDenied):
    """The row was changed meanwhile (another tab, another person): nothing was written."""


def _client(actor: User, record_number: str, perm: str, action: str) -> Client:
    client = records_selectors.client_for(actor, record_number, perm)
    if client is None:
        refuse(action, actor, object_type="client", object_id=record_number, reason="no access")
    return client


# --- Diagnoses ------------------------------------------------------------------------------
def diagnoses_view(*, actor: User, record_number: str) -> dict:
    """Rule: whoever reads the chart (care team, their supervisors) reads the diagnoses
    and their history; only the care team changes them."""
    client = _client(actor, record_number, VIEW_CHART, "diagnosis.list")
    audit.record(action="diagnosis.list", actor=actor, client=client, object_type="client", object_id=client.pk)
    return {
        "client": client,
        "current": list(selectors.current_diagnoses(client)),
        "history": list(selectors.diagnosis_history(client)),
        "can_write": records_selectors.client_for(actor, record_number, WRITE_NOTES) is not None,
    }


def diagnosis_compose(*, actor: User, record_number: str) -> Client:
    """The form that finds a code. Rule: the care team only."""
    client = _client(actor, record_number, WRITE_NOTES, "diagnosis.compose")
    audit.record(action="diagnosis.compose", actor=actor, client=client, object_type="client", object_id=client.pk)
    return client


def diagnosis_add(
    *, actor: User, record_number: str, code: str, kind: str, onset_date: date | None = None
) -> Diagnosis:
    """Rule: the care team adds a billable ICD-10-CM code; its description is the
    official one, never typed."""
    client = _client(actor, record_number, WRITE_NOTES, "diagnosis.create")
    description = icd10.billable(code)
    if description is None:
        raise ValueError("not a billable ICD-10-CM code")
    with audit.writing():
        diagnosis = Diagnosis(
            client=client,
            code=icd10.normalize(code),
            description=description,
            kind=kind,
            onset_date=onset_date,
            added_by=actor,
            added_at=timezone.now(),
        )
        diagnosis.full_clean()
        diagnosis.save()
        audit.record(
            action="diagnosis.create", actor=actor, client=client, object_type="diagnosis", object_id=diagnosis.pk
        )
    return diagnosis


def _current_for_writing(actor: User, diagnosis_id: int, action: str) -> Diagnosis:
    diagnosis = selectors.diagnosis_for(actor, diagnosis_id, WRITE_NOTES)
    if diagnosis is None:
        refuse(action, actor, object_type="diagnosis", object_id=diagnosis_id, reason="no access")
    return diagnosis


def diagnosis_for_revision(*, actor: User, diagnosis_id: int) -> Diagnosis:
    """The form that changes a diagnosis. Rule: the care team only."""
    diagnosis = _current_for_writing(actor, diagnosis_id, "diagnosis.view")
    audit.record(
        action="diagnosis.view", actor=actor, client=diagnosis.client, object_type="diagnosis", object_id=diagnosis.pk
    )
    return diagnosis


def diagnosis_revise(
    *,
    actor: User,
    diagnosis_id: int,
    kind: str,
    onset_date: date | None,
    resolved_date: date | None,
    entered_in_error: bool = False,
) -> Diagnosis:
    """A change is a new row pointing to the one it replaces; the old row stays as it
    was. Rule: the care team only, and only the current row (a row replaced meanwhile
    is refused: the change would fork the history)."""
    previous = _current_for_writing(actor, diagnosis_id, "diagnosis.revise")
    with audit.writing():
        locked = Diagnosis.objects.select_for_update(of=("self",), no_key=True).get(pk=previous.pk)
        if not Diagnosis.objects.filter(previous=locked).exists() and not locked.entered_in_error:
            revision = Diagnosis(
                client=previous.client,
                code=locked.code,
                description=locked.description,
                kind=kind,
                onset_date=onset_date,
                resolved_date=resolved_date,
                entered_in_error=entered_in_error,
                added_by=actor,
                added_at=timezone.now(),
                previous=locked,
            )
            revision.full_clean()
            revision.save()
            audit.record(
                action="diagnosis.revise",
                actor=actor,
                client=previous.client,
                object_type="diagnosis",
                object_id=revision.pk,
                reason=f"replaces #{locked.pk}" + (" entered in error" if entered_in_error else ""),
            )
            return revision
    audit.record(
        action="diagnosis.revise",
        actor=actor,
        outcome=Outcome.DENIED,
        client=previous.client,
        object_type="diagnosis",
        object_id=previous.pk,
        reason="already replaced",
    )
    raise Conflict("This diagnosis was changed meanwhile. Open the list again to see its latest entry.")


# --- Disposal (called by retention.services, inside an approved disposal's transaction) -----
def dispose_client_records(client: Client) -> dict[str, int]:
    """Delete the client's clinical-record rows. Only retention.services calls this, in
    the transaction that completes an approved disposal (it checks the two admins, the
    retention date and the holds, and writes the event)."""
    removed = {}
    diagnoses = list(Diagnosis.objects.filter(client=client).order_by("-id"))
    for diagnosis in diagnoses:  # newest first: each row's `previous` is older
        diagnosis.delete()
    removed["diagnoses"] = len(diagnoses)
    return removed
