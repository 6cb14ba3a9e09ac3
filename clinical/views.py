"""Thin views: validate, call one service, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinical import icd10, services
from clinical.forms import (
    AssignMeasureForm,
    DiagnosisAddForm,
    DiagnosisReviseForm,
    DiagnosisSearchForm,
    MeasureForm,
    PlanForm,
    PlanSignForm,
)
from clinical.instruments import INSTRUMENTS, PHQ9


def base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# --- Diagnoses ------------------------------------------------------------------------------
def diagnoses(request, record_number):
    return render(
        request, "clinical/diagnoses.html", services.diagnoses_view(actor=request.user, record_number=record_number)
    )


def diagnosis_add(request, record_number):
    """One page: find a code (by code or words), then add it. Searching posts (the
    words are clinical text: never in a URL)."""
    finding = "find" in request.POST
    search = DiagnosisSearchForm(request.POST if finding or "q" in request.POST else None)
    form = DiagnosisAddForm(None if finding else (request.POST or None))
    if request.method == "POST" and not finding and form.is_valid():
        services.diagnosis_add(actor=request.user, record_number=record_number, **form.cleaned_data)
        messages.success(request, "Diagnosis added.")
        return redirect("diagnoses", record_number=record_number)
    client = services.diagnosis_compose(actor=request.user, record_number=record_number)
    results = icd10.search(search.cleaned_data["q"]) if search.is_bound and search.is_valid() else []
    context = {"client": client, "search": search, "form": form, "results": results, "searched": search.is_bound}
    return render(request, "clinical/diagnosis_add.html", context, status=400 if form.errors else 200)


def diagnosis_revise(request, diagnosis_id):
    if request.method == "POST":
        form = DiagnosisReviseForm(request.POST)
        if form.is_valid():
            try:
                revision = services.diagnosis_revise(actor=request.user, diagnosis_id=diagnosis_id, **form.cleaned_data)
            except services.Conflict as exc:
                messages.error(request, str(exc))
                return redirect(reverse("diagnosis_revise", args=[diagnosis_id]))
            messages.success(request, "Diagnosis updated. The earlier entry stays in the history.")
            return redirect("diagnoses", record_number=revision.client.record_number)
    diagnosis = services.diagnosis_for_revision(actor=request.user, diagnosis_id=diagnosis_id)
    if request.method != "POST":
        form = DiagnosisReviseForm(initial=DiagnosisReviseForm.initial_from(diagnosis))
    return render(
        request,
        "clinical/diagnosis_revise.html",
        {"diagnosis": diagnosis, "client": diagnosis.client, "form": form},
        status=400 if form.errors else 200,
    )


# --- Treatment plans --------------------------------------------------------------------------
def plans(request, record_number):
    return render(request, "clinical/plans.html", services.plans_view(actor=request.user, record_number=record_number))


def plan_new(request, record_number):
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(
                actor=request.user,
                record_number=record_number,
                problems=form.problems(),
                review_date=form.cleaned_data["review_date"],
            )
        except services.Conflict as exc:
            messages.error(request, str(exc))
            return redirect("plans", record_number=record_number)
        messages.success(request, "Draft saved. Sign it when it is ready.")
        return redirect("plan_detail", plan_id=plan.pk)
    client, draft, current = services.plan_compose(actor=request.user, record_number=record_number)
    if draft is not None and request.method != "POST":
        messages.info(request, "A draft of the next version is open; here it is.")
        return (
            redirect("plan_edit", plan_id=draft.pk)
            if draft.author_id == request.user.pk
            else redirect("plan_detail", plan_id=draft.pk)
        )
    if request.method != "POST" and current is not None:
        form = PlanForm(initial=PlanForm.initial_from(current, current.problems))
    context = {"client": client, "form": form, "plan": None, "current": current}
    return render(request, "clinical/plan_form.html", context, status=400 if form.errors else 200)


def plan_detail(request, plan_id):
    plan = services.plan_view(actor=request.user, plan_id=plan_id)
    return render(request, "clinical/plan_detail.html", {"plan": plan, "client": plan.client})


def plan_edit(request, plan_id):
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services.plan_update(
                    actor=request.user,
                    plan_id=plan_id,
                    edits=form.cleaned_data["edits"] or 0,
                    problems=form.problems(),
                    review_date=form.cleaned_data["review_date"],
                )
            except services.Conflict as exc:
                form.add_error(None, str(exc))
                plan = services.plan_view(actor=request.user, plan_id=plan_id)
                return render(
                    request, "clinical/plan_form.html", {"client": plan.client, "form": form, "plan": plan}, status=409
                )
            messages.success(request, "Draft saved.")
            return redirect("plan_detail", plan_id=plan_id)
    plan = services.plan_draft_for_editing(actor=request.user, plan_id=plan_id)
    if request.method != "POST":
        form = PlanForm(initial={**PlanForm.initial_from(plan, plan.problems), "edits": plan.edits})
    return render(
        request,
        "clinical/plan_form.html",
        {"client": plan.client, "form": form, "plan": plan},
        status=400 if form.errors else 200,
    )


def plan_sign(request, plan_id):
    """GET: what will be locked, and the button; POST: sign what was shown."""
    if request.method == "POST":
        form = PlanSignForm(request.POST)
        shown = form.cleaned_data["shown_sha256"] if form.is_valid() else ""
        try:
            services.plan_sign(actor=request.user, plan_id=plan_id, shown_sha256=shown)
        except services.Conflict as exc:
            messages.error(request, str(exc))
            return redirect("plan_detail", plan_id=plan_id)
        messages.success(request, "Treatment plan signed. It can no longer change; a change is a new version.")
        return redirect("plan_detail", plan_id=plan_id)
    plan = services.plan_for_signing(actor=request.user, plan_id=plan_id)
    return render(request, "clinical/plan_sign.html", {"plan": plan, "client": plan.client})


# --- Questionnaires -----------------------------------------------------------------------------
def measures(request, record_number):
    context = services.measures_view(actor=request.user, record_number=record_number)
    context["assign_form"] = AssignMeasureForm()
    return render(request, "clinical/measures.html", context)


@require_POST
def measure_assign(request, record_number):
    form = AssignMeasureForm(request.POST)
    if form.is_valid():
        services.measure_assign(actor=request.user, record_number=record_number, **form.cleaned_data)
        messages.success(request, "Assigned. The client sees it in their portal.")
        return redirect("measures", record_number=record_number)
    context = services.measures_view(actor=request.user, record_number=record_number)
    context["assign_form"] = form
    return render(request, "clinical/measures.html", context, status=400)


def measure_enter(request, record_number):
    """The counselor enters a questionnaire in session (a new one, or one assigned)."""
    source = request.POST if request.method == "POST" else request.GET
    instrument = INSTRUMENTS.get(source.get("instrument", ""), PHQ9)
    measure_id = source.get("measure", "")
    measure_id = int(measure_id) if measure_id.isascii() and measure_id.isdigit() and len(measure_id) < 19 else None
    form = MeasureForm(request.POST or None, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        try:
            measure = services.measure_enter(
                actor=request.user,
                record_number=record_number,
                instrument=instrument.key,
                answers=form.answers(),
                base_url=base_url(request),
                measure_id=measure_id,
            )
        except services.Conflict as exc:
            messages.error(request, str(exc))
            return redirect("measures", record_number=record_number)
        messages.success(request, f"{instrument.name} scored and saved.")
        return redirect("measure_detail", measure_id=measure.pk)
    client = services.measure_compose(actor=request.user, record_number=record_number)
    context = {"client": client, "form": form, "instrument": instrument, "measure_id": measure_id}
    return render(request, "clinical/measure_form.html", context, status=400 if form.errors else 200)


def measure_detail(request, measure_id):
    measure = services.measure_view(actor=request.user, measure_id=measure_id)
    return render(request, "clinical/measure_detail.html", {"measure": measure, "client": measure.client})


@require_POST
def measure_reviewed(request, measure_id):
    services.measure_alert_review(actor=request.user, measure_id=measure_id)
    messages.success(request, "Marked as reviewed.")
    return redirect("measure_detail", measure_id=measure_id)
