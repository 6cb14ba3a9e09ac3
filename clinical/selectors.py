"""Reads of the clinical record. Access is decided before these are called (the
services check the permission through records.selectors); these only fetch."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from clinical.instruments import INSTRUMENTS
from clinical.models import Diagnosis, Measure, MeasureAlert, TreatmentPlan
from practice.models import User
from records import selectors as records_selectors
from records.models import Client
from records.permissions import VIEW_CHART, WRITE_NOTES


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


# --- Treatment plans ------------------------------------------------------------------------
REVIEW_SOON_DAYS = 7


def plan_versions(client: Client) -> QuerySet[TreatmentPlan]:
    return TreatmentPlan.objects.filter(client=client).select_related("author", "signed_by").order_by("-version")


def current_plan(client: Client) -> TreatmentPlan | None:
    """The latest signed version."""
    return plan_versions(client).filter(status=TreatmentPlan.Status.SIGNED).first()


def draft_plan(client: Client) -> TreatmentPlan | None:
    return plan_versions(client).filter(status=TreatmentPlan.Status.DRAFT).first()


def plan_for(user: User, plan_id: int, perm: str) -> TreatmentPlan | None:
    if not records_selectors.possible_id(plan_id):
        return None
    return (
        TreatmentPlan.objects.select_related("client", "author", "signed_by", "acknowledged_by")
        .filter(client__in=records_selectors.clients_for(user, perm), pk=plan_id)
        .first()
    )


def reviews_due(user: User, within_days: int = REVIEW_SOON_DAYS) -> QuerySet[TreatmentPlan]:
    """The current signed plans of the user's own active clients whose review date is
    past or within `within_days`, soonest first."""
    until = timezone.localdate() + timedelta(days=within_days)
    return (
        TreatmentPlan.objects.filter(
            client__in=records_selectors.clients_for(user, WRITE_NOTES),
            client__status=Client.Status.ACTIVE,
            status=TreatmentPlan.Status.SIGNED,
            review_date__lte=until,
        )
        .exclude(next_version__status=TreatmentPlan.Status.SIGNED)
        .select_related("client")
        .order_by("review_date", "client__record_number")
    )


def plans_in_period(client: Client, start: date, end: date) -> list[TreatmentPlan]:
    """The signed versions in effect at some time in [start, end]: signed by the end,
    and not replaced by a later signed version before the start. Oldest first."""
    signed = list(plan_versions(client).filter(status=TreatmentPlan.Status.SIGNED).order_by("version"))
    kept = []
    for i, plan in enumerate(signed):
        replaced_on = timezone.localtime(signed[i + 1].signed_at).date() if i + 1 < len(signed) else None
        if timezone.localtime(plan.signed_at).date() <= end and (replaced_on is None or replaced_on >= start):
            kept.append(plan)
    return kept


# --- Questionnaires -----------------------------------------------------------------------
def client_measures(client: Client) -> QuerySet[Measure]:
    return Measure.objects.filter(client=client).select_related("assigned_by", "completed_by")


def completed_scores(client: Client) -> dict[str, list[tuple[date, int]]]:
    """{instrument: [(date completed, score)]}, oldest first."""
    scores: dict[str, list[tuple[date, int]]] = {key: [] for key in INSTRUMENTS}
    for m in Measure.objects.filter(client=client, status=Measure.Status.COMPLETED).order_by("completed_at", "id"):
        scores[m.instrument].append((timezone.localtime(m.completed_at).date(), int(m.score)))
    return scores


def measure_for(user: User, measure_id: int, perm: str) -> Measure | None:
    if not records_selectors.possible_id(measure_id):
        return None
    return (
        Measure.objects.select_related("client", "assigned_by", "completed_by")
        .filter(client__in=records_selectors.clients_for(user, perm), pk=measure_id)
        .first()
    )


def open_alerts(user: User) -> QuerySet[MeasureAlert]:
    """The user's alerts not yet reviewed, on clients they may still read."""
    return (
        MeasureAlert.objects.filter(
            counselor=user,
            reviewed_at__isnull=True,
            measure__client__in=records_selectors.clients_for(user, VIEW_CHART),
        )
        .select_related("measure", "measure__client")
        .order_by("created_at")
    )


def measures_in_period(client: Client, start: date, end: date) -> list[Measure]:
    rows = Measure.objects.filter(client=client, status=Measure.Status.COMPLETED).order_by("completed_at", "id")
    return [m for m in rows if start <= timezone.localtime(m.completed_at).date() <= end]


def waiting_measures(client: Client) -> QuerySet[Measure]:
    """Questionnaires assigned to the client and not yet completed."""
    return Measure.objects.filter(client=client, status=Measure.Status.ASSIGNED).order_by("assigned_at", "id")


def own_waiting_measure(client: Client, measure_id: int) -> Measure | None:
    if not records_selectors.possible_id(measure_id):
        return None
    return waiting_measures(client).filter(pk=measure_id).first()


# --- The chart ------------------------------------------------------------------------------
def chart_summary(client: Client) -> dict:
    """What the chart page shows of the clinical record (read under the chart's own
    access check and audit event: records.services.chart_view)."""
    from clinical.chart import score_chart

    scores = completed_scores(client)
    return {
        "diagnoses": list(current_diagnoses(client)),
        "plan": current_plan(client),
        "draft_plan": draft_plan(client),
        "charts": [score_chart(INSTRUMENTS[key], values) for key, values in scores.items() if values],
        "waiting": list(waiting_measures(client)),
        "today": timezone.localdate(),
    }
