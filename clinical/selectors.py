"""Reads of the clinical record. Access is decided before these are called (the
services check the permission through records.selectors); these only fetch."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from clinical.models import Diagnosis
from practice.models import User
from records import selectors as records_selectors
from records.models import Client


# --- Diagnoses ----------------------------------------------------------------------------
def diagnosis_history(client: Client) -> QuerySet[Diagnosis]:
    """Every row ever written for the client, oldest first, with who added it."""
    return Diagnosis.objects.filter(client=client).select_related("added_by", "replaced_by")


def current_diagnoses(client: Client) -> QuerySet[Diagnosis]:
    """The rows nothing replaces, not entered in error: primary first."""
    kinds = [k for k, _ in Diagnosis.Kind.choices]
    rows = Diagnosis.objects.filter(client=client, replaced_by__isnull=True, entered_in_error=False)
    return rows.select_related("added_by").order_by(*_kind_order(kinds), "added_at", "id")


def _kind_order(kinds: list[str]):
    from django.db.models import Case, IntegerField, Value, When

    return [Case(*[When(kind=k, then=Value(i)) for i, k in enumerate(kinds)], output_field=IntegerField())]


def diagnoses_in_period(client: Client, start: date, end: date) -> list[Diagnosis]:
    """The current diagnoses that held at some time in [start, end]: begun (onset, or the
    day it was recorded) by the end, and not resolved before the start."""
    rows = current_diagnoses(client).filter(Q(resolved_date__isnull=True) | Q(resolved_date__gte=start))
    return [d for d in rows if (d.onset_date or d.added_at.date()) <= end]


def diagnosis_for(user: User, diagnosis_id: int, perm: str) -> Diagnosis | None:
    """The diagnosis, if the user holds `perm` on its client."""
    if not records_selectors.possible_id(diagnosis_id):
        return None
    return (
        Diagnosis.objects.select_related("client", "added_by")
        .filter(client__in=records_selectors.clients_for(user, perm), pk=diagnosis_id)
        .first()
    )


# --- The chart ------------------------------------------------------------------------------
def chart_summary(client: Client) -> dict:
    """What the chart page shows of the clinical record (read under the chart's own
    access check and audit event: records.services.chart_view)."""
    return {"diagnoses": list(current_diagnoses(client))}
