"""Thin views: validate, call one service, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from clinical import icd10, services
from clinical.forms import DiagnosisAddForm, DiagnosisReviseForm, DiagnosisSearchForm


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
