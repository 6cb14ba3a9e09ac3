"""Consent views: thin, one service call each."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consent import bases, selectors, services
from consent.forms import (
    AuthorizationForm,
    DecisionForm,
    DownloadForm,
    InvitationForm,
    LegalDisclosureForm,
    Part2ConfirmForm,
    ShareForm,
    authorization_choice_label,
)
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


def authorization_send(request, auth_id):
    """What the client will receive (GET, or a POST without the previewed text's hash),
    then, confirmed with that hash, the sending."""
    shown = request.POST.get("shown_sha256") if request.method == "POST" else None
    if shown:
        try:
            services.authorization_send(
                actor=request.user, auth_id=auth_id, request_base_url=_base_url(request), shown_sha256=shown
            )
        except services.TextChanged:
            context = services.authorization_send_preview(actor=request.user, auth_id=auth_id)
            return render(request, "consent/authorization_send.html", {**context, "changed": True})
        messages.success(request, "Sent. The client gets an email with a link to read and sign it.")
        return redirect("authorization_detail", auth_id=auth_id)
    context = services.authorization_send_preview(actor=request.user, auth_id=auth_id)
    return render(request, "consent/authorization_send.html", context)


def authorization_pdf(request, auth_id):
    return _pdf(
        services.authorization_pdf(actor=request.user, auth_id=auth_id, for_client=False),
        f"authorization-{auth_id}.pdf",
    )


# --- Releasing records: the form, a preview of the package, then the release --------------
# Without JavaScript: the form POSTs to its own URL and gets the preview; the preview
# carries the same values in hidden fields with a signed copy of them, and its buttons
# POST them back as step "confirm" (release) or "edit" (the form again, values kept).
# Nothing is stored or sent before "confirm"; a confirmation whose values differ from the
# preview it carries (or an old one) is previewed again, not released.
def _carried(form) -> list[tuple[str, str]]:
    """The form's cleaned values as (name, text) pairs in a fixed order: what the preview
    carries to its confirmation, and signs."""
    pairs = []
    for name in form.fields:
        value = form.cleaned_data.get(name)
        if isinstance(value, list | tuple | set | frozenset):
            pairs += [(name, str(v)) for v in sorted(value)]
        elif isinstance(value, bool):
            pairs += [(name, "on")] if value else []
        elif value not in (None, ""):
            pairs.append((name, value.isoformat() if hasattr(value, "isoformat") else str(value)))
    return pairs


def _sign(request, record_number, carried, *, legal: bool) -> str:
    path = "legal" if legal else "share"
    return services.sign_preview(
        carried, actor=request.user, record_number=record_number, path=path, session=request.session
    )


def _confirmed(request, record_number, form, *, legal: bool) -> bool:
    """The confirmation of a preview this person saw of this client on this path, once."""
    return services.preview_matches(
        request.POST.get("preview_token", ""),
        _carried(form),
        actor=request.user,
        record_number=record_number,
        path="legal" if legal else "share",
        session=request.session,
    )


def _step(request) -> str:
    return request.POST.get("step", "preview") if request.method == "POST" else "form"


def _preview_or_refusal(request, record_number, form, *, legal: bool):
    """The preview of what the package will hold; on the authorized path, the gate's
    refusal instead (403, with the offer to ask the client for exactly this)."""
    extra = (
        form.legal_fields()
        if legal
        else {
            "authorization_id": form.cleaned_data.get("authorization"),
            "purpose_detail": form.cleaned_data["purpose_detail"],
        }
    )
    try:
        preview = services.disclosure_preview(
            actor=request.user,
            record_number=record_number,
            **extra,
            **form.request_fields(),
        )
    except services.ConsentDenied as exc:
        if legal:
            return _legal_page(request, exc.request.client, form, exc.decision)
        return _refused(request, form, exc)
    # The recipient as the preview names it (picked from an authorization, or typed).
    carried = [(k, v) for k, v in _carried(form) if not k.startswith("recipient_")]
    carried += [(k, v) for k, v in preview.recipient.items() if v]
    return render(
        request,
        "consent/disclosure_preview.html",
        {
            "preview": preview,
            "carried": carried,
            "preview_token": _sign(request, record_number, carried, legal=legal),
            "legal": legal,
        },
    )


def _refused(request, form, exc):
    req = exc.request
    asked = [("recipient_name", req.recipient_name), ("recipient_organization", req.recipient_organization)]
    asked += [("recipient_email", req.recipient_email)]
    asked += [(k, v) for k, v in _carried(form) if not k.startswith("recipient_") and k != "authorization"]
    context = {"form": form, "client": req.client, "denied": exc.decision, "asked": asked}
    return render(request, "consent/share.html", context, status=403)


def _from_authorization(request, authorizations) -> dict:
    """The form's first values from the authorization picked (?authorization=N): its
    recipient, information, dates and purpose, so nothing is retyped."""
    picked = request.GET.get("authorization", "")
    auth = next((a for a in authorizations if str(a.pk) == picked), None)
    if auth is None:
        return {}
    return {
        "authorization": auth.pk,
        "recipient_name": auth.recipient_name,
        "recipient_organization": auth.recipient_organization,
        "recipient_email": auth.recipient_email,
        "categories": list(auth.categories),
        "information_from": auth.information_from,
        "information_to": auth.information_to,
        "purpose": auth.purpose,
        "purpose_detail": auth.purpose_detail,
        "psychotherapy_notes": auth.kind == auth.Kind.PSYCHOTHERAPY_NOTES,
    }


def share(request, record_number):
    step = _step(request)
    if step in ("preview", "confirm"):
        form = ShareForm(request.POST)
        if form.is_valid():
            if step == "confirm" and _confirmed(request, record_number, form, legal=False):
                return _release(request, record_number, form)
            return _preview_or_refusal(request, record_number, form, legal=False)
    client = records_services.client_for_writing(
        actor=request.user, record_number=record_number, action="disclosure.compose"
    )
    authorizations = selectors.active_authorizations(client)
    # A form with errors, or "go back and change": the values as they were.
    form = (
        ShareForm(request.POST)
        if request.method == "POST"
        else ShareForm(initial=_from_authorization(request, authorizations))
    )
    picks = [(str(a.pk), authorization_choice_label(a)) for a in authorizations]
    picked = str(form["authorization"].value() or "")
    return render(request, "consent/share.html", {"form": form, "client": client, "picks": picks, "picked": picked})


def _release(request, record_number, form):
    try:
        disclosure = services.share(
            actor=request.user,
            record_number=record_number,
            base_url=_base_url(request),
            purpose_detail=form.cleaned_data["purpose_detail"],
            **form.request_fields(),
        )
    except services.ConsentDenied as exc:
        return _refused(request, form, exc)
    messages.success(
        request,
        f"Released. The recipient was emailed a download link and, separately, "
        f"an access code (disclosure #{disclosure.pk}).",
    )
    return redirect("chart", record_number=record_number)


@require_POST
def authorization_from_request(request, record_number):
    """After a refusal: prepare an authorization for exactly what was asked, and show
    what the client would receive before it is sent."""
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
    # Prepared, not sent: the counselor sees what the client would receive (and its
    # one-year expiry) before it goes.
    messages.success(request, "An authorization for exactly this request is ready. Check it, then send it.")
    return redirect("authorization_send", auth_id=auth.pk)


def disclose_legal(request, record_number):
    """The legal-basis path: the same form, preview and confirmation as sharing; the
    consent gate decides it (the basis is an input), at the preview and at release."""
    step = _step(request)
    if step in ("preview", "confirm"):
        form = LegalDisclosureForm(request.POST)
        if form.is_valid():
            if step == "confirm" and _confirmed(request, record_number, form, legal=True):
                try:
                    legal = services.disclose_without_authorization(
                        actor=request.user,
                        record_number=record_number,
                        base_url=_base_url(request),
                        **form.legal_fields(),
                        **form.request_fields(),
                    )
                except services.ConsentDenied as exc:
                    return _legal_page(request, exc.request.client, form, exc.decision)
                if legal.disclosure is None:
                    messages.success(
                        request,
                        f"Request #{legal.pk} waits for a practice admin's approval. Nothing has been sent; "
                        "you will get an email when it is decided.",
                    )
                else:
                    messages.success(request, f"Released under {legal.basis_text()}. The practice admins were told.")
                return redirect("chart", record_number=record_number)
            return _preview_or_refusal(request, record_number, form, legal=True)
    client = records_services.client_for_writing(
        actor=request.user, record_number=record_number, action="disclosure.compose"
    )
    form = LegalDisclosureForm(request.POST or None)
    return _legal_page(request, client, form)


def _legal_page(request, client, form, denied=None):
    return render(
        request,
        "consent/disclose_legal.html",
        {"form": form, "client": client, "denied": denied, "bases": bases.BASES.values()},
        status=403 if denied else 200,
    )


# --- Practice admins: 42 CFR Part 2 ---------------------------------------------------------------
def client_part2(request, record_number):
    form = Part2ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        client = services.client_mark_part2(actor=request.user, record_number=record_number)
        messages.success(
            request,
            f"{client.record_number} is marked as covered by 42 CFR Part 2: every disclosure now needs Part 2 "
            "consent and carries the 2.32 notice.",
        )
        return redirect("admin_client_assignments", record_number=record_number)
    client = services.client_part2_view(actor=request.user, record_number=record_number)
    return render(request, "consent/part2_confirm.html", {"client": client, "form": form})


# --- Practice admins: the approval queue ------------------------------------------------------
def legal_approvals(request):
    waiting, decided = services.legal_requests_for_review(actor=request.user)
    return render(
        request,
        "consent/legal_approvals.html",
        {"waiting": waiting, "decided": decided, "form": DecisionForm()},
    )


@require_POST
def legal_request_decide(request, request_id, decision):
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    if decision == "approve":
        legal = services.legal_request_approve(
            actor=request.user, request_id=request_id, base_url=_base_url(request), comment=comment
        )
        messages.success(
            request, f"Request #{legal.pk} approved: the recipient was sent a link and, separately, a code."
        )
    else:
        legal = services.legal_request_reject(actor=request.user, request_id=request_id, comment=comment)
        messages.success(request, f"Request #{legal.pk} rejected: nothing was sent.")
    return redirect("legal_approvals")


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


# What a refused link says: nothing of the records (no client, no categories, no sender).
LINK_REFUSALS = {
    "unknown": ("This link is not valid", "Check that the whole link was copied from the email."),
    "withdrawn": ("This link was withdrawn", "The practice withdrew it, so it no longer opens anything."),
    "expired": ("This link has expired", "Download links work for a limited time only."),
    "used_up": ("This link has been used up", "It was used for every download it allowed."),
    "locked": ("This link is locked", "Too many wrong access codes were entered, so it no longer works."),
}


@login_not_required
def delivery_download(request, token):
    """The recipient's page: the link's facts and the code (GET); the code (POST), which
    gives a page of its own with a one-time download button; the button (POST grant),
    which gives the package."""
    if request.method == "POST" and request.POST.get("grant"):
        try:
            disclosure, content = services.delivery_download(token=token, grant=request.POST["grant"])
        except services.LinkRefused as exc:
            return _link_refused(request, exc, DownloadForm())
        return _pdf(content, f"records-{disclosure.pk}.pdf")
    form = DownloadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            state, grant = services.delivery_unlock(token=token, code=form.cleaned_data["code"])
        except services.LinkRefused as exc:
            return _link_refused(request, exc, form)
        return render(
            request,
            "consent/download_ready.html",
            {"state": state, "grant": grant, "grant_minutes": services.delivery.GRANT_MINUTES},
        )
    try:
        state = services.delivery_open(token=token)
    except services.LinkRefused as exc:
        return _link_refused(request, exc, form)
    return render(request, "consent/download.html", {"form": form, "state": state})


def _link_refused(request, exc, form):
    if exc.state is not None:
        # A wrong code, or a used download button: the code again, with what is left.
        if exc.kind == "wrong_code":
            tries = exc.state.tries_left
            problem = (
                f"That access code is not right. {tries} tr{'y' if tries == 1 else 'ies'} left before this link locks."
            )
        else:
            problem = "That download button was already used or is too old. Enter the access code again."
            form = DownloadForm()
        context = {"form": form, "state": exc.state, "problem": problem}
        return render(request, "consent/download.html", context, status=403)
    title, text = LINK_REFUSALS[exc.kind]
    status = 404 if exc.kind == "unknown" else 403
    return render(request, "consent/download_refused.html", {"refusal": {"title": title, "text": text}}, status=status)
