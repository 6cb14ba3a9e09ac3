"""Everything a client reaches, in one place: their record, who accessed it, a copy to
take away, their release forms and the accounting of disclosures. Thin views: validate,
call one service (portal, consent), render. Also the practice admin's copy of a record
for a client who asked on paper, which is only ever a download."""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinical import selectors as clinical_selectors
from clinical import services as clinical_services
from clinical.forms import MeasureForm
from clinical.instruments import INSTRUMENTS, PHQ9
from consent import services as consent_services
from consent.text import text_sha256
from portal import services
from portal.forms import CopyRequestForm, HistoryFilterForm, SignForm
from practice.exceptions import PermissionDenied

_CONTENT_TYPES = {"pdf": "application/pdf", "fhir": "application/fhir+json"}
_EXTENSIONS = {"pdf": "pdf", "fhir": "fhir.json"}


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    # Always an attachment: a copy is handed over, never shown as a page.
    response = HttpResponse(content, content_type=_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{_EXTENSIONS[fmt]}"'
    return response


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Home, record, history ------------------------------------------------------------------
def home(request):
    context = consent_services.portal_home(actor=request.user)
    # Read under the portal.view event of the service above: the client's own record.
    context["questionnaires"] = list(clinical_selectors.waiting_measures(context["client"]))
    return render(request, "portal/home.html", context)


def record(request):
    return render(request, "portal/record.html", services.my_record(actor=request.user))


def note(request, note_id):
    return render(request, "portal/note.html", {"note": services.my_note(actor=request.user, note_id=note_id)})


def questionnaire(request, measure_id):
    """The client fills in a questionnaire their counselor assigned. The posted form
    names its instrument; the service checks it is this questionnaire's."""
    if request.method == "POST":
        form = MeasureForm(request.POST, instrument=INSTRUMENTS.get(request.POST.get("instrument", ""), PHQ9))
        if form.is_valid():
            try:
                clinical_services.my_measure_complete(
                    actor=request.user,
                    measure_id=measure_id,
                    instrument=form.instrument.key,
                    answers=form.answers(),
                    base_url=request.build_absolute_uri("/").rstrip("/"),
                )
            except clinical_services.Conflict as exc:
                messages.error(request, str(exc))
                return redirect("portal_home")
            messages.success(request, "Thank you. Your answers were sent to your counselor.")
            return redirect("portal_home")
    measure = clinical_services.my_measure(actor=request.user, measure_id=measure_id)
    if request.method == "POST":
        form = MeasureForm(request.POST, instrument=measure.instrument_info)
    else:
        form = MeasureForm(instrument=measure.instrument_info)
    return render(
        request, "portal/questionnaire.html", {"measure": measure, "form": form}, status=400 if form.errors else 200
    )


def plan_acknowledge(request, plan_id):
    if request.method != "POST":
        plan = clinical_services.my_plan(actor=request.user, plan_id=plan_id)
        return render(request, "portal/plan.html", {"plan": plan})
    clinical_services.my_plan_acknowledge(actor=request.user, plan_id=plan_id)
    messages.success(request, "Thank you. Your counselor can see that you have read your treatment plan.")
    return redirect("portal_record")


def history(request):
    form = HistoryFilterForm(request.GET or None)
    month = before = None
    if form.is_bound and form.is_valid():
        month, before = form.cleaned_data["month"], form.cleaned_data["before"]
    context = services.access_history(actor=request.user, month=month, before=before)
    if month:
        context["previous_month"] = (month - timedelta(days=1)).replace(day=1)
        context["next_month"] = (month + timedelta(days=32)).replace(day=1)
    return render(request, "portal/history.html", {**context, "form": form}, status=400 if form.errors else 200)


# --- A copy to take away -------------------------------------------------------------------------
@require_POST
def copy_download(request, fmt):
    client, content = services.record_copy(actor=request.user, fmt=fmt)
    return _download(content, fmt, f"record-{client.record_number}")


def admin_copy(request, record_number):
    form = CopyRequestForm(request.POST or None)
    fmt = request.POST.get("format")
    if request.method == "POST" and form.is_valid() and fmt in services.COPY_FORMATS:
        client, content = services.record_copy_for_client(
            actor=request.user, record_number=record_number, fmt=fmt, requested_on=form.cleaned_data["requested_on"]
        )
        return _download(content, fmt, f"record-{client.record_number}")
    client = services.client_for_copy(actor=request.user, record_number=record_number)
    format_missing = request.method == "POST" and fmt not in services.COPY_FORMATS
    return render(
        request,
        "portal/admin_copy.html",
        {"client": client, "form": form, "format_missing": format_missing},
        status=400 if request.method == "POST" else 200,
    )


# --- Release-of-information forms ------------------------------------------------------------------
def authorization(request, auth_id):
    auth, text = consent_services.authorization_view(actor=request.user, auth_id=auth_id, for_client=True)
    form = SignForm(request.POST or None, initial={"text_sha256": text_sha256(text)})
    problem = None
    if request.method == "POST" and "back" not in request.POST and form.is_valid():
        fields = {
            "typed_name": form.cleaned_data["typed_name"],
            "agree": form.cleaned_data["agree"],
            "shown_sha256": form.cleaned_data["text_sha256"],
            "signature_image": form.cleaned_data["signature_image"],
        }
        if not form.cleaned_data["confirmed"]:
            problem = consent_services.sign_problem(auth, **fields)
            if problem is None:
                return render(request, "portal/confirm_sign.html", {"auth": auth, "form": form})
        else:
            try:
                consent_services.authorization_sign(
                    actor=request.user,
                    auth_id=auth_id,
                    ip=request.META.get("REMOTE_ADDR"),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    **fields,
                )
            except PermissionDenied as exc:
                problem = str(exc)
            else:
                messages.success(request, "Signed. You can download a copy, and revoke it at any time.")
                return redirect("portal_home")
    return render(request, "portal/authorization.html", {"auth": auth, "text": text, "form": form, "problem": problem})


def decline(request, auth_id):
    if request.method != "POST":
        auth, _ = consent_services.authorization_view(actor=request.user, auth_id=auth_id, for_client=True)
        return render(request, "portal/confirm_decline.html", {"auth": auth})
    consent_services.authorization_decline(actor=request.user, auth_id=auth_id)
    messages.info(request, "You declined this form. Nothing was released.")
    return redirect("portal_home")


def revoke(request, auth_id):
    if request.method != "POST":
        auth, _ = consent_services.authorization_view(actor=request.user, auth_id=auth_id, for_client=True)
        return render(request, "portal/confirm_revoke.html", {"auth": auth})
    consent_services.authorization_revoke(actor=request.user, auth_id=auth_id)
    messages.success(request, "Revoked. Nothing more will be released under this authorization.")
    return redirect("portal_home")


def authorization_pdf(request, auth_id):
    return _pdf(
        consent_services.authorization_pdf(actor=request.user, auth_id=auth_id, for_client=True),
        f"authorization-{auth_id}.pdf",
    )


# --- Accounting of disclosures ----------------------------------------------------------------------
def accounting(request):
    client, rows = consent_services.accounting(actor=request.user)
    return render(request, "consent/accounting.html", {"client": client, "disclosures": rows, "portal": True})


def accounting_pdf(request):
    return _pdf(consent_services.accounting_pdf(actor=request.user), "accounting-of-disclosures.pdf")
