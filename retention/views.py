"""Thin views over retention.services (practice admins)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from retention import services
from retention.forms import HoldForm, PolicyForm, ProposeForm, ReleaseForm


def _page(request, *, policy_form=None, hold_form=None, status=200):
    context = services.retention_overview(actor=request.user)
    policy = context["policy"]
    context["policy_form"] = policy_form or PolicyForm(
        initial={
            "years_after_service": policy.years_after_service,
            "age_of_majority": policy.age_of_majority,
            "years_after_majority": policy.years_after_majority,
        }
    )
    context["hold_form"] = hold_form or HoldForm()
    return render(request, "retention/overview.html", context, status=status)


def retention_overview(request):
    return _page(request)


@require_POST
def policy_set(request):
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _page(request, policy_form=form, status=400)
    services.policy_set(actor=request.user, **form.cleaned_data)
    messages.success(request, "Retention policy changed. Retention dates follow it at once.")
    return redirect("retention_overview")


@require_POST
def hold_place(request):
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _page(request, hold_form=form, status=400)
    try:
        services.hold_place(actor=request.user, **form.cleaned_data)
    except services.RetentionRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, hold_form=form, status=400)
    messages.success(request, f"Legal hold placed on {form.cleaned_data['record_number']}.")
    return redirect("retention_overview")


@require_POST
def hold_release(request, hold_id):
    form = ReleaseForm(request.POST)
    try:
        services.hold_release(actor=request.user, hold_id=hold_id, reason=form.data.get("reason", ""))
    except services.RetentionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Legal hold released.")
    return redirect("retention_overview")


@require_POST
def disposal_propose(request):
    form = ProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Name the record to dispose of.")
        return redirect("retention_overview")
    try:
        services.disposal_propose(actor=request.user, record_number=form.cleaned_data["record_number"])
    except services.RetentionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Disposal proposed. Another practice admin must approve it.")
    return redirect("retention_overview")


@require_POST
def disposal_approve(request, disposal_id):
    try:
        disposal = services.disposal_approve(actor=request.user, disposal_id=disposal_id)
    except services.RetentionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Record {disposal.record_number} disposed of. Its certificate is below.")
    return redirect("retention_overview")


@require_POST
def disposal_withdraw(request, disposal_id):
    services.disposal_withdraw(actor=request.user, disposal_id=disposal_id)
    messages.success(request, "Proposal withdrawn.")
    return redirect("retention_overview")


def disposal_certificate(request, disposal_id):
    disposal, pdf = services.certificate_pdf(actor=request.user, disposal_id=disposal_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="disposal-certificate-{disposal.pk}.pdf"'
    return response
