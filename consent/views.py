"""Consent views: thin, one service call each."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consent import services
from consent.forms import AuthorizationForm, DownloadForm, InvitationForm, LegalDisclosureForm, ShareForm
from practice.exceptions import PermissionDenied
from records import services as records_services


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Counselor ------------------------------------------------------------------------------
def authorization_new(request, record_number):
    client = records_services.client_for_writing(
        actor=request.user, record_number=record_number, action="authorization.compose"
    )
    form = AuthorizationForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        auth = services.authorization_prepare(actor=request.user, record_number=record_number, **form.cleaned_data)
        messages.success(request, "Authorization prepared. Read it over, then send it to the client.")
        return redirect("authorization_detail", auth_id=auth.pk)
    return render(request, "consent/authorization_form.html", {"form": form, "client": client})


def authorization_detail(request, auth_id):
    auth, text = services.authorization_view(actor=request.user, auth_id=auth_id, for_client=False)
    return render(request, "consent/authorization_detail.html", {"auth": auth, "text": text})


@require_POST
def authorization_send(request, auth_id):
    services.authorization_send(actor=request.user, auth_id=auth_id, request_base_url=_base_url(request))
    messages.success(request, "Sent. The client gets an email with a link to read and sign it.")
    return redirect("authorization_detail", auth_id=auth_id)


def authorization_pdf(request, auth_id):
    return _pdf(
        services.authorization_pdf(actor=request.user, auth_id=auth_id, for_client=False),
        f"authorization-{auth_id}.pdf",
    )


def share(request, record_number):
    client = records_services.client_for_writing(
        actor=request.user, record_number=record_number, action="disclosure.compose"
    )
    form = ShareForm(request.POST or None)
    denied = None
    if request.method == "POST" and form.is_valid():
        try:
            disclosure = services.share(
                actor=request.user,
                record_number=record_number,
                base_url=_base_url(request),
                purpose_detail=form.cleaned_data["purpose_detail"],
                **form.request_fields(),
            )
        except services.ConsentDenied as exc:
            denied = exc.decision
        else:
            messages.success(
                request,
                f"Released. The recipient was emailed a download link and, separately, "
                f"an access code (disclosure #{disclosure.pk}).",
            )
            return redirect("chart", record_number=record_number)
    return render(
        request, "consent/share.html", {"form": form, "client": client, "denied": denied}, status=403 if denied else 200
    )


@require_POST
def authorization_from_request(request, record_number):
    """After a refusal: prepare and send the client an authorization for exactly what
    was asked."""
    client = records_services.client_for_writing(
        actor=request.user, record_number=record_number, action="authorization.compose"
    )
    form = ShareForm(request.POST)
    if not form.is_valid():
        return redirect("share", record_number=record_number)
    fields = form.request_fields()
    from datetime import timedelta

    from django.utils import timezone

    from consent.models import Authorization

    auth = (
        services.authorization_prepare(
            actor=request.user,
            record_number=record_number,
            kind=Authorization.Kind.PSYCHOTHERAPY_NOTES
            if fields["psychotherapy_notes"]
            else Authorization.Kind.GENERAL,
            recipient_name=fields["recipient_name"],
            recipient_organization=fields["recipient_organization"],
            recipient_email=fields["recipient_email"],
            recipient_address="",
            categories=sorted(fields["categories"]),
            information_from=fields["information_from"],
            information_to=fields["information_to"],
            purpose=fields["purpose"],
            purpose_detail=form.cleaned_data["purpose_detail"],
            expires_on=timezone.localdate() + timedelta(days=365),
            expiration_event="",
            representative_name="",
            representative_authority="",
        )
        if not client.is_minor
        else None
    )
    if auth is None:
        messages.error(request, "The client is a minor: prepare the authorization by hand to name the representative.")
        return redirect("authorization_new", record_number=record_number)
    services.authorization_send(actor=request.user, auth_id=auth.pk, request_base_url=_base_url(request))
    messages.success(request, "A new authorization for exactly this request was sent to the client.")
    return redirect("authorization_detail", auth_id=auth.pk)


def disclose_legal(request, record_number):
    client = records_services.client_for_writing(
        actor=request.user, record_number=record_number, action="disclosure.compose"
    )
    form = LegalDisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        disclosure = services.disclose_without_authorization(
            actor=request.user,
            record_number=record_number,
            base_url=_base_url(request),
            legal_basis=form.cleaned_data["legal_basis"],
            justification=form.cleaned_data["justification"],
            purpose_detail=form.cleaned_data["purpose_detail"],
            **form.request_fields(),
        )
        messages.success(request, f"Released under {disclosure.purpose_text()}. The practice admins were told.")
        return redirect("chart", record_number=record_number)
    return render(request, "consent/disclose_legal.html", {"form": form, "client": client})


@require_POST
def disclosure_cancel(request, disclosure_id, record_number):
    services.disclosure_cancel(actor=request.user, disclosure_id=disclosure_id, record_number=record_number)
    messages.success(request, "The download link is void.")
    return redirect("chart", record_number=record_number)


def accounting(request, record_number):
    client, rows = services.accounting(actor=request.user, record_number=record_number)
    return render(request, "consent/accounting.html", {"client": client, "disclosures": rows, "portal": False})


def accounting_pdf(request, record_number):
    return _pdf(
        services.accounting_pdf(actor=request.user, record_number=record_number), f"accounting-{record_number}.pdf"
    )


# --- Public: invitation and delivery ---------------------------------------------------------------
@login_not_required
def invitation_accept(request, token):
    if not services.invitation_is_valid(token):
        return render(request, "consent/invitation_invalid.html", status=404)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            form.add_error("password1", exc)
        except PermissionDenied:
            form.add_error(None, "An account already uses this email address. Please contact the practice to link it.")
        else:
            from practice import services as practice_services

            user.backend = "django.contrib.auth.backends.ModelBackend"
            practice_services.sign_in(request=request, user=user)
            return redirect("portal_home")
    return render(request, "consent/invitation.html", {"form": form})


@login_not_required
def delivery_download(request, token):
    form = DownloadForm(request.POST or None)
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            disclosure, content = services.delivery_download(token=token, code=form.cleaned_data["code"])
        except PermissionDenied:
            problem = "That did not work. Check the code, or ask the practice for a new link."
        else:
            return _pdf(content, f"records-{disclosure.pk}.pdf")
    return render(request, "consent/download.html", {"form": form, "problem": problem}, status=403 if problem else 200)
