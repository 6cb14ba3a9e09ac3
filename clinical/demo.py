"""Demo clinical record: diagnoses, a treatment plan (some with a review due) and
several months of PHQ-9 and GAD-7 scores for the demo clients. Fictional only.
Written through the services (each with its audit event); the dates of the demo's past
questionnaires and plans are then moved back, as if they had been written then."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from clinical import plans, services
from clinical.models import Diagnosis, Measure, TreatmentPlan
from practice.models import User
from records.models import Assignment, Client

BASE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"  # where make run serves

# (code, type) per client, in the order of records.demo.DEMO_CLIENTS.
DIAGNOSES = [
    [("F41.1", "primary"), ("F33.1", "secondary")],
    [("F32.1", "primary")],
    [("F90.0", "primary"), ("F41.9", "rule_out")],
    [("F43.10", "primary")],
    [("F43.23", "primary")],
    [("F33.1", "primary"), ("Z63.0", "secondary")],
    [("F40.10", "primary")],
    [("F41.0", "provisional")],
    [("F32.0", "primary")],
    [("F93.0", "primary")],
    [("F42.2", "primary")],
    [("F43.21", "primary")],
]

PLAN = [
    plans.Problem(
        problem="Persistent worry and muscle tension most days, worse before work meetings",
        goal="Manage worry so that it no longer keeps the client from work and sleep",
        interventions="Cognitive behavioural therapy: worry log, cognitive restructuring, weekly relaxation practice",
        objectives=[],
    ),
    plans.Problem(
        problem="Low mood and withdrawal from friends since the spring",
        goal="Re-engage in valued activities and relationships",
        interventions="Behavioural activation with weekly activity scheduling",
        objectives=[],
    ),
]
OBJECTIVES = [
    [
        ("GAD-7 below 10 on two questionnaires in a row", 90),
        ("Uses a relaxation skill before meetings, 4 of 5 days", 60),
    ],
    [("PHQ-9 below 10", 120), ("Meets a friend or joins a group activity at least once a week", 45)],
]

# Scores over about five months, every three weeks: a course that improves.
PHQ9_COURSE = [
    [2, 2, 2, 2, 1, 2, 2, 1, 0],
    [2, 2, 2, 2, 1, 2, 1, 1, 0],
    [2, 2, 1, 2, 1, 1, 1, 1, 0],
    [1, 2, 1, 2, 1, 1, 1, 1, 0],
    [1, 1, 1, 1, 1, 1, 1, 0, 0],
    [1, 1, 1, 1, 0, 1, 1, 0, 0],
    [1, 1, 0, 1, 0, 1, 0, 0, 0],
    [0, 1, 0, 1, 0, 0, 0, 0, 0],
]
GAD7_COURSE = [
    [3, 2, 3, 2, 2, 2, 2],
    [2, 2, 3, 2, 2, 2, 1],
    [2, 2, 2, 2, 1, 2, 1],
    [2, 2, 2, 1, 1, 1, 1],
    [1, 2, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 0],
    [1, 1, 1, 1, 0, 0, 0],
    [1, 0, 1, 0, 0, 0, 0],
]
WEEKS_BETWEEN = 3


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _primary(client: Client) -> User | None:
    assignment = (
        Assignment.objects.filter(client=client, kind=Assignment.Kind.PRIMARY, ended_at__isnull=True)
        .select_related("counselor")
        .first()
    )
    return assignment.counselor if assignment else None


def seed_scores(client: Client, counselor: User, *, points: int = len(PHQ9_COURSE)) -> None:
    """Months of PHQ-9 and GAD-7 scores for one client, the oldest first."""
    today = timezone.localdate()
    for n in range(points):
        day = today - timedelta(weeks=WEEKS_BETWEEN * (points - 1 - n))
        for key, course in (("phq9", PHQ9_COURSE), ("gad7", GAD7_COURSE)):
            measure = services.measure_enter(
                actor=counselor,
                record_number=client.record_number,
                instrument=key,
                answers=course[n % len(course)],
                base_url=BASE_URL,
            )
            Measure.objects.filter(pk=measure.pk).update(assigned_at=_at(day), completed_at=_at(day))


def seed_plan(client: Client, counselor: User, *, review_in_days: int, signed_days_ago: int = 120) -> TreatmentPlan:
    today = timezone.localdate()
    problems = [
        plans.Problem(
            problem=p.problem,
            goal=p.goal,
            interventions=p.interventions,
            objectives=[
                plans.Objective(objective=text, target_date=today + timedelta(days=days))
                for text, days in OBJECTIVES[i]
            ],
        )
        for i, p in enumerate(PLAN)
    ]
    draft = services.plan_create(
        actor=counselor,
        record_number=client.record_number,
        problems=problems,
        review_date=today + timedelta(days=review_in_days),
    )
    shown = services.plan_for_signing(actor=counselor, plan_id=draft.pk).shown_sha256
    plan = services.plan_sign(actor=counselor, plan_id=draft.pk, shown_sha256=shown)
    signed_at = _at(today - timedelta(days=signed_days_ago))
    TreatmentPlan.objects.filter(pk=plan.pk).update(signed_at=signed_at, created_at=signed_at)
    return plan


def seed() -> int:
    """Once: every active demo client gets diagnoses and a signed treatment plan; the
    first two of each counselor get months of scores. The first client's plan review
    is overdue, another's is due this week; one client's latest PHQ-9 raises an alert;
    the portal's demo client has a questionnaire waiting. Returns how many clients."""
    if Diagnosis.objects.exists():
        return 0
    from records.demo import DEMO_CLIENTS

    names = {(first, last) for first, last, *_ in DEMO_CLIENTS}
    clients = [
        c
        for c in Client.objects.filter(status=Client.Status.ACTIVE, disposed_at__isnull=True).order_by("pk")
        if (c.first_name, c.last_name) in names
    ]
    scored: dict[int, int] = {}
    for i, client in enumerate(clients):
        counselor = _primary(client)
        if counselor is None:
            continue
        for code, kind in DIAGNOSES[i % len(DIAGNOSES)]:
            services.diagnosis_add(
                actor=counselor,
                record_number=client.record_number,
                code=code,
                kind=kind,
                onset_date=timezone.localdate() - timedelta(days=200 + 10 * i),
            )
        review_in_days = {0: -3, 4: 5}.get(i, 60 + i)
        seed_plan(client, counselor, review_in_days=review_in_days)
        if scored.get(counselor.pk, 0) < 2:
            scored[counselor.pk] = scored.get(counselor.pk, 0) + 1
            seed_scores(client, counselor)
    # A provisional diagnosis confirmed later: the history shows both entries.
    if clients:
        first = Diagnosis.objects.filter(client=clients[-1]).order_by("pk").first()
        counselor = _primary(clients[-1])
        if first is not None and counselor is not None:
            services.diagnosis_revise(
                actor=counselor, diagnosis_id=first.pk, kind="primary", onset_date=first.onset_date, resolved_date=None
            )
    if len(clients) > 1:
        # Item 9 above 0 on the latest PHQ-9 of the second client: an alert for their counselor.
        client, counselor = clients[1], _primary(clients[1])
        if counselor is not None:
            services.measure_enter(
                actor=counselor,
                record_number=client.record_number,
                instrument="phq9",
                answers=[1, 2, 1, 1, 1, 1, 1, 0, 1],
                base_url=BASE_URL,
            )
    portal = Client.objects.filter(user__isnull=False, status=Client.Status.ACTIVE).order_by("pk").first()
    if portal is not None and (counselor := _primary(portal)) is not None:
        services.measure_assign(actor=counselor, record_number=portal.record_number, instrument="phq9")
    return len(clients)
