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

import json
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import audit
from audit.models import Outcome
from audit.services import refuse
from clinical import icd10, plans, selectors
from clinical.instruments import INSTRUMENTS, OPTIONS, needs_attention
from clinical.models import Diagnosis, Measure, MeasureAlert, TreatmentPlan
from practice.exceptions import PermissionDenied
from practice.models import User
from practice.roles import CLINICAL_ROLES
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


# --- Treatment plans ------------------------------------------------------------------------
def plans_view(*, actor: User, record_number: str) -> dict:
    """Rule: whoever reads the chart reads the plan and its versions."""
    client = _client(actor, record_number, VIEW_CHART, "plan.list")
    audit.record(action="plan.list", actor=actor, client=client, object_type="client", object_id=client.pk)
    current = selectors.current_plan(client)
    return {
        "client": client,
        "plan": current,
        "problems": plans.load(current.content) if current else [],
        "versions": list(selectors.plan_versions(client)),
        "draft": selectors.draft_plan(client),
        "can_write": records_selectors.client_for(actor, record_number, WRITE_NOTES) is not None,
    }


def plan_view(*, actor: User, plan_id: int, purpose: str = "view") -> TreatmentPlan:
    """Rule: whoever reads the chart reads any version. purpose: view|confirm (the
    signing confirmation page, the author's only)."""
    plan = selectors.plan_for(actor, plan_id, VIEW_CHART)
    if plan is None:
        refuse("plan.view", actor, object_type="treatment_plan", object_id=plan_id, reason="no access")
    audit.record(
        action="plan.view",
        actor=actor,
        client=plan.client,
        object_type="treatment_plan",
        object_id=plan.pk,
        reason="signing confirmation" if purpose == "confirm" else "",
    )
    plan.problems = plans.load(plan.content)
    return plan


def plan_compose(*, actor: User, record_number: str) -> tuple[Client, TreatmentPlan | None, TreatmentPlan | None]:
    """The form for a new version. Rule: the care team only. Returns (client, the open
    draft if there is one, the current signed version to start from)."""
    client = _client(actor, record_number, WRITE_NOTES, "plan.compose")
    audit.record(action="plan.compose", actor=actor, client=client, object_type="client", object_id=client.pk)
    current = selectors.current_plan(client)
    if current is not None:
        current.problems = plans.load(current.content)
    return client, selectors.draft_plan(client), current


def plan_create(*, actor: User, record_number: str, problems: list[plans.Problem], review_date: date) -> TreatmentPlan:
    """A new draft version; the current signed version stays as it is. Rule: the care
    team only; one draft at a time (the database holds it to that too)."""
    client = _client(actor, record_number, WRITE_NOTES, "plan.create")
    with audit.writing():
        if not TreatmentPlan.objects.filter(client=client, status=TreatmentPlan.Status.DRAFT).exists():
            versions = TreatmentPlan.objects.filter(client=client)
            latest = versions.order_by("-version").first()
            current = versions.filter(status=TreatmentPlan.Status.SIGNED).order_by("-version").first()
            plan = TreatmentPlan(
                client=client,
                version=(latest.version + 1) if latest else 1,
                previous=current,
                content=plans.dump(problems),
                review_date=review_date,
                author=actor,
            )
            plan.full_clean()
            plan.save()
            audit.record(
                action="plan.create",
                actor=actor,
                client=client,
                object_type="treatment_plan",
                object_id=plan.pk,
                reason=f"version={plan.version}",
            )
            return plan
    audit.record(
        action="plan.create",
        actor=actor,
        outcome=Outcome.DENIED,
        client=client,
        object_type="client",
        object_id=client.pk,
        reason="a draft is open",
    )
    raise Conflict("A draft of the next version is already open: change that one, or sign it first.")


def _draft_for_author(actor: User, plan_id: int, action: str) -> TreatmentPlan:
    """Rule: only the author changes or signs a draft; a signed version never changes."""
    plan = selectors.plan_for(actor, plan_id, WRITE_NOTES)
    if plan is None:
        refuse(action, actor, object_type="treatment_plan", object_id=plan_id, reason="no access")
    if plan.author_id != actor.pk or plan.is_signed:
        refuse(
            action,
            actor,
            client=plan.client,
            object_type="treatment_plan",
            object_id=plan_id,
            reason="signed" if plan.is_signed else "only the author changes a draft",
            not_found=False,
        )
    return plan


def plan_draft_for_editing(*, actor: User, plan_id: int) -> TreatmentPlan:
    plan = _draft_for_author(actor, plan_id, "plan.compose")
    audit.record(
        action="plan.compose", actor=actor, client=plan.client, object_type="treatment_plan", object_id=plan.pk
    )
    plan.problems = plans.load(plan.content)
    return plan


def plan_update(
    *, actor: User, plan_id: int, edits: int, problems: list[plans.Problem], review_date: date
) -> TreatmentPlan:
    """Rule: the author changes their draft, based on the copy they opened (a save
    based on an older copy is refused, so nothing is silently replaced)."""
    _draft_for_author(actor, plan_id, "plan.update")
    with audit.writing():
        plan = (
            TreatmentPlan.objects.select_for_update(of=("self",), no_key=True).select_related("client").get(pk=plan_id)
        )
        if not plan.is_signed and plan.edits == edits:
            plan.content = plans.dump(problems)
            plan.review_date = review_date
            plan.edits += 1
            plan.full_clean()
            plan.save()
            audit.record(
                action="plan.update",
                actor=actor,
                client=plan.client,
                object_type="treatment_plan",
                object_id=plan.pk,
                reason=f"edits={plan.edits}",
            )
            return plan
    _refuse_plan("plan.update", actor, plan, "signed" if plan.is_signed else "stale copy")


def _refuse_plan(action: str, actor: User, plan: TreatmentPlan, reason: str):
    audit.record(
        action=action,
        actor=actor,
        outcome=Outcome.DENIED,
        client=plan.client,
        object_type="treatment_plan",
        object_id=plan.pk,
        reason=reason,
    )
    if reason == "signed":
        raise Conflict("This version was signed meanwhile and cannot change. Start a new version.")
    raise Conflict(
        "This draft was changed after you opened it, so nothing was saved or signed. "
        "Your text is still below; open the draft again to see the latest."
    )


def plan_for_signing(*, actor: User, plan_id: int) -> TreatmentPlan:
    """The confirmation page: the draft as it will be locked. Rule: its author only."""
    plan = _draft_for_author(actor, plan_id, "plan.view")
    audit.record(
        action="plan.view",
        actor=actor,
        client=plan.client,
        object_type="treatment_plan",
        object_id=plan.pk,
        reason="signing confirmation",
    )
    plan.problems = plans.load(plan.content)
    plan.shown_sha256 = plans.content_sha256(plan)
    return plan


def plan_sign(*, actor: User, plan_id: int, shown_sha256: str) -> TreatmentPlan:
    """Signing locks the version (signer, time, SHA-256). Rule: the author signs the
    content the confirmation page showed them: a draft changed since is not signed."""
    _draft_for_author(actor, plan_id, "plan.sign")
    with audit.writing():
        plan = (
            TreatmentPlan.objects.select_for_update(of=("self",), no_key=True).select_related("client").get(pk=plan_id)
        )
        digest = plans.content_sha256(plan)
        if not plan.is_signed and digest == shown_sha256:
            plan.status = TreatmentPlan.Status.SIGNED
            plan.signed_by = actor
            plan.signed_at = timezone.now()
            plan.content_sha256 = digest
            plan.save(update_fields=["status", "signed_by", "signed_at", "content_sha256", "updated_at"])
            audit.record(
                action="plan.sign",
                actor=actor,
                client=plan.client,
                object_type="treatment_plan",
                object_id=plan.pk,
                reason=f"version={plan.version} sha256={digest}",
            )
            return plan
    _refuse_plan("plan.sign", actor, plan, "signed" if plan.is_signed else "stale copy")


# --- Questionnaires ---------------------------------------------------------------------------
def measures_view(*, actor: User, record_number: str) -> dict:
    """Rule: whoever reads the chart reads the questionnaires and their scores."""
    from clinical.chart import score_chart

    client = _client(actor, record_number, VIEW_CHART, "measure.list")
    audit.record(action="measure.list", actor=actor, client=client, object_type="client", object_id=client.pk)
    scores = selectors.completed_scores(client)
    measures = list(selectors.client_measures(client))
    for m in measures:
        m.band = INSTRUMENTS[m.instrument].band(int(m.score)).label if m.is_completed else ""
    return {
        "client": client,
        "measures": measures,
        "charts": [score_chart(INSTRUMENTS[key], values) for key, values in scores.items()],
        "can_write": records_selectors.client_for(actor, record_number, WRITE_NOTES) is not None,
    }


def measure_assign(*, actor: User, record_number: str, instrument: str) -> Measure:
    """Rule: the care team assigns a questionnaire; the client sees it in the portal."""
    client = _client(actor, record_number, WRITE_NOTES, "measure.assign")
    if instrument not in INSTRUMENTS:
        raise ValueError("unknown instrument")
    with audit.writing():
        measure = Measure.objects.create(
            client=client, instrument=instrument, assigned_by=actor, assigned_at=timezone.now()
        )
        audit.record(
            action="measure.assign",
            actor=actor,
            client=client,
            object_type="measure",
            object_id=measure.pk,
            reason=INSTRUMENTS[instrument].name,
        )
    return measure


def measure_compose(*, actor: User, record_number: str) -> Client:
    """The form for entering a questionnaire in session. Rule: the care team only."""
    client = _client(actor, record_number, WRITE_NOTES, "measure.compose")
    audit.record(action="measure.compose", actor=actor, client=client, object_type="client", object_id=client.pk)
    return client


def _complete(measure: Measure, *, actor: User, answers: list[int], via: str, base_url: str) -> Measure:
    """Score and store the answers; alert the care team if PHQ-9 item 9 is above 0;
    write the measure.complete event, whose reason says nothing of the answers. In the
    caller's audit.writing() block, the measure row locked."""
    instrument = INSTRUMENTS[measure.instrument]
    score = instrument.score(answers)
    measure.answers = json.dumps(answers)
    measure.score = str(score)
    measure.status = Measure.Status.COMPLETED
    measure.completed_at = timezone.now()
    measure.completed_by = actor
    measure.completed_via = via
    measure.save()
    reason = f"{instrument.name} via {via}"
    if needs_attention(measure.instrument, answers):
        counselors = _care_team(measure.client)
        for counselor in counselors:
            MeasureAlert.objects.create(measure=measure, counselor=counselor, created_at=measure.completed_at)
        link = base_url.rstrip("/") + reverse("measure_detail", args=[measure.pk])
        emails = [c.email for c in counselors if c.email]
        if emails:
            # Security note: no clinical text in an email: no score, no item, no name.
            transaction.on_commit(
                lambda: send_mail(
                    f"{settings.PRACTICE_NAME}: a questionnaire needs your attention",
                    f"A questionnaire needs your attention.\n\nSign in to see it: {link}\n",
                    None,
                    emails,
                )
            )
    # Security note: the event's reason is the same whether or not item 9 alerted anyone.
    # Practice admins read the audit log and never clinical content; that a client's
    # answers raised a self-harm alert is clinical (the alert rows and the answers stay
    # with the care team).
    audit.record(
        action="measure.complete",
        actor=actor,
        client=measure.client,
        object_type="measure",
        object_id=measure.pk,
        reason=reason,
    )
    return measure


def _care_team(client: Client) -> list[User]:
    """The active counselors assigned to the client (primary and co-therapists)."""
    return list(
        User.objects.filter(
            assignments__client=client,
            assignments__ended_at__isnull=True,
            is_active=True,
            role__in=CLINICAL_ROLES,
        )
        .distinct()
        .order_by("pk")
    )


def measure_enter(
    *,
    actor: User,
    record_number: str,
    instrument: str,
    answers: list[int],
    base_url: str,
    measure_id: int | None = None,
) -> Measure:
    """The counselor enters a questionnaire in session: a new one, or one assigned to
    the client and not yet completed. Rule: the care team only."""
    client = _client(actor, record_number, WRITE_NOTES, "measure.complete")
    if instrument not in INSTRUMENTS:
        raise ValueError("unknown instrument")
    with audit.writing():
        if measure_id is not None:
            measure = (
                Measure.objects.select_for_update(of=("self",), no_key=True)
                .filter(pk=measure_id, client=client, instrument=instrument, status=Measure.Status.ASSIGNED)
                .first()
                if records_selectors.possible_id(measure_id)
                else None
            )
        else:
            measure = Measure(client=client, instrument=instrument, assigned_by=actor, assigned_at=timezone.now())
        if measure is not None:
            measure.client = client
            return _complete(measure, actor=actor, answers=answers, via=Measure.Via.SESSION, base_url=base_url)
    audit.record(
        action="measure.complete",
        actor=actor,
        outcome=Outcome.DENIED,
        client=client,
        object_type="measure",
        object_id=str(measure_id),
        reason="not waiting to be completed",
    )
    raise Conflict("This questionnaire is no longer waiting to be completed.")


def measure_view(*, actor: User, measure_id: int) -> Measure:
    """Rule: whoever reads the chart reads a questionnaire's answers."""
    measure = selectors.measure_for(actor, measure_id, VIEW_CHART)
    if measure is None:
        refuse("measure.view", actor, object_type="measure", object_id=measure_id, reason="no access")
    audit.record(action="measure.view", actor=actor, client=measure.client, object_type="measure", object_id=measure.pk)
    _describe(measure)
    measure.my_alert = measure.alerts.filter(counselor=actor, reviewed_at__isnull=True).first()
    return measure


def _describe(measure: Measure) -> Measure:
    instrument = INSTRUMENTS[measure.instrument]
    measure.instrument_info = instrument
    if measure.is_completed:
        answers = json.loads(measure.answers)
        labels = dict(OPTIONS)
        measure.rows = [
            (i + 1, text, a, labels[a]) for i, (text, a) in enumerate(zip(instrument.items, answers, strict=True))
        ]
        measure.total = int(measure.score)
        measure.band = instrument.band(measure.total).label
        measure.attention = needs_attention(measure.instrument, answers)
    return measure


def measure_alert_review(*, actor: User, measure_id: int) -> MeasureAlert:
    """The counselor marks their alert on a questionnaire as reviewed. Rule: only the
    counselor the alert was raised for, while they still read the client's chart."""
    measure = selectors.measure_for(actor, measure_id, VIEW_CHART)
    alert = measure.alerts.filter(counselor=actor, reviewed_at__isnull=True).first() if measure is not None else None
    if alert is None:
        refuse(
            "measure.alert_review",
            actor,
            client=measure.client if measure else None,
            object_type="measure",
            object_id=measure_id,
            reason="no open alert for this person",
        )
    with audit.writing():
        alert = MeasureAlert.objects.select_for_update(of=("self",), no_key=True).get(pk=alert.pk)
        alert.reviewed_at = alert.reviewed_at or timezone.now()
        alert.save(update_fields=["reviewed_at"])
        audit.record(
            action="measure.alert_review",
            actor=actor,
            client=measure.client,
            object_type="measure",
            object_id=measure.pk,
        )
    return alert


# --- The client's side (portal) -----------------------------------------------------------------
def _own_client(actor: User, action: str) -> Client:
    client = records_selectors.portal_client(actor)
    if client is None:
        refuse(action, actor, object_type="client", object_id="", reason="no client record", not_found=False)
    return client


def portal_clinical(client: Client) -> dict:
    """What the client's record page shows of the clinical record (read under the
    portal.record event): current diagnoses, the current signed plan, scores."""
    from clinical.chart import score_chart

    plan = selectors.current_plan(client)
    if plan is not None:
        plan.problems = plans.load(plan.content)
    scores = selectors.completed_scores(client)
    return {
        "diagnoses": list(selectors.current_diagnoses(client)),
        "plan": plan,
        "charts": [score_chart(INSTRUMENTS[key], values) for key, values in scores.items() if values],
        "waiting": list(selectors.waiting_measures(client)),
    }


def my_plan(*, actor: User, plan_id: int) -> TreatmentPlan:
    """Rule: the client reads their own current signed plan."""
    client = _own_client(actor, "portal.plan")
    plan = selectors.current_plan(client)
    if plan is None or plan.pk != plan_id:
        refuse("portal.plan", actor, client=client, object_type="treatment_plan", object_id=plan_id, reason="no access")
    audit.record(action="portal.plan", actor=actor, client=client, object_type="treatment_plan", object_id=plan.pk)
    plan.problems = plans.load(plan.content)
    return plan


def my_plan_acknowledge(*, actor: User, plan_id: int) -> TreatmentPlan:
    """Rule: the client acknowledges their own current signed plan, once."""
    client = _own_client(actor, "plan.acknowledge")
    plan = selectors.current_plan(client)
    if plan is None or plan.pk != plan_id:
        refuse(
            "plan.acknowledge",
            actor,
            client=client,
            object_type="treatment_plan",
            object_id=plan_id,
            reason="no access",
        )
    with audit.writing():
        plan = TreatmentPlan.objects.select_for_update(of=("self",), no_key=True).get(pk=plan.pk)
        if plan.acknowledged_at is None:
            plan.acknowledged_at = timezone.now()
            plan.acknowledged_by = actor
            plan.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
        audit.record(
            action="plan.acknowledge",
            actor=actor,
            client=client,
            object_type="treatment_plan",
            object_id=plan.pk,
            reason=f"version={plan.version}",
        )
    return plan


def my_measure(*, actor: User, measure_id: int) -> Measure:
    """Rule: one of the client's own questionnaires waiting to be completed."""
    client = _own_client(actor, "portal.measure")
    measure = selectors.own_waiting_measure(client, measure_id)
    if measure is None:
        refuse("portal.measure", actor, client=client, object_type="measure", object_id=measure_id, reason="no access")
    audit.record(action="portal.measure", actor=actor, client=client, object_type="measure", object_id=measure.pk)
    measure.instrument_info = INSTRUMENTS[measure.instrument]
    return measure


def my_measure_complete(*, actor: User, measure_id: int, instrument: str, answers: list[int], base_url: str) -> Measure:
    """Rule: the client completes their own waiting questionnaire, once, with the
    answers to its own instrument."""
    client = _own_client(actor, "measure.complete")
    measure = selectors.own_waiting_measure(client, measure_id)
    if measure is None or measure.instrument != instrument:
        refuse(
            "measure.complete", actor, client=client, object_type="measure", object_id=measure_id, reason="no access"
        )
    with audit.writing():
        measure = (
            Measure.objects.select_for_update(of=("self",), no_key=True)
            .select_related("client")
            .filter(pk=measure.pk, status=Measure.Status.ASSIGNED)
            .first()
        )
        if measure is not None:
            return _complete(measure, actor=actor, answers=answers, via=Measure.Via.PORTAL, base_url=base_url)
    audit.record(
        action="measure.complete",
        actor=actor,
        outcome=Outcome.DENIED,
        client=client,
        object_type="measure",
        object_id=measure_id,
        reason="already completed",
    )
    raise Conflict("This questionnaire was already completed.")


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
    alerts = MeasureAlert.objects.filter(measure__client=client)
    measures = Measure.objects.filter(client=client)
    removed["questionnaires"] = measures.count()
    alerts.delete()
    measures.delete()
    versions = list(TreatmentPlan.objects.filter(client=client).order_by("-version"))
    for plan in versions:  # newest first: each version's `previous` is older
        plan.delete()
    removed["treatment_plans"] = len(versions)
    return removed
