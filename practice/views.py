from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from practice import home as home_service
from practice import selectors, services
from practice.exceptions import PermissionDenied
from practice.forms import (
    IndexedPasswordResetForm,
    SignInForm,
    StaffCreateForm,
    StaffRoleForm,
    SupervisionForm,
    TokenForm,
)
from practice.middleware import SESSION_LAST_SEEN, session_expiry_reason
from practice.models import User


# --- Refusals ----------------------------------------------------------------------------
def not_found(request, exception):
    """handler404: every 404, wherever raised, is noted for its audit event."""
    from django.views import defaults

    from audit import refusals

    refusals.note_refusal(request, exception)
    return defaults.page_not_found(request, exception)


def forbidden(request, exception):
    """handler403: as not_found."""
    from django.views import defaults

    from audit import refusals

    refusals.note_refusal(request, exception)
    return defaults.permission_denied(request, exception)


def bad_request(request, exception):
    """handler400. A request too large to read (RequestDataTooBig) gets a page that says
    what was too large and the limits, with status 413; anything else the plain 400."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
    from django.views import defaults

    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent):
        from records.forms import NOTE_TEXT_MAX

        return render(
            request,
            "413.html",
            {
                "limit_mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024),
                "too_many_fields": isinstance(exception, TooManyFieldsSent),
                "note_text_max": NOTE_TEXT_MAX,
            },
            status=413,
        )
    return defaults.bad_request(request, exception)


# --- Public ------------------------------------------------------------------------------
@login_not_required
@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        services.sign_in(request=self.request, user=form.get_user(), typed_username=form.cleaned_data["username"])
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        # A locked-out attempt is recorded once, as a lockout, by `lockout` below.
        if not getattr(self.request, "axes_locked_out", False):
            services.sign_in_failed(username=form.data.get("username", "")[:150])
        return super().form_invalid(form)


def lockout(request, original_response=None, credentials=None):
    """django-axes calls this for every attempt while an account or address is locked.
    The page is the same whether or not the account exists."""
    username = (credentials or {}).get("username", "") or request.POST.get("username", "")
    services.locked_out(username=username[:150])
    return TemplateResponse(
        request,
        "registration/lockout.html",
        {"minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        status=429,
    ).render()


@login_not_required
@require_POST
def sign_out(request):
    idle = request.POST.get("reason") == "idle"
    services.sign_out(request=request, reason="idle" if idle else "")
    messages.info(request, "You were signed out after a period of inactivity." if idle else "You are signed out.")
    return redirect("login")


class PasswordReset(auth_views.PasswordResetView):
    success_url = reverse_lazy("password_reset_done")
    form_class = IndexedPasswordResetForm

    def form_valid(self, form):
        services.password_reset_request(
            form=form,
            use_https=self.request.is_secure(),
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context=self.extra_email_context,
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        # Django's form_valid, with the save and its event in one transaction. No
        # sign-in after a reset (post_reset_login stays False): the user signs in, and
        # staff verify their second factor.
        services.password_reset_complete(form=form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


# --- Two-factor --------------------------------------------------------------------------
def two_factor_setup(request):
    """GET shows a new key (QR code and text) once; POST confirms it with a first code.
    A refused code gives the form back without the key: the app already holds it, and
    opening the page again starts over with a new one."""
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        try:
            services.totp_enrollment_device(user=request.user)
        except PermissionDenied:
            confirmed = selectors.has_confirmed_totp(request.user)
            return redirect("two_factor_verify" if confirmed else "two_factor_setup")
        if form.is_valid():
            codes = services.totp_confirm(request=request, user=request.user, token=form.cleaned_data["token"])
            if codes is not None:
                return render(request, "two_factor/recovery_codes.html", {"codes": codes, "first_time": True})
            form.add_error("token", "That code did not match. Check the time on your phone and try the newest code.")
        return render(request, "two_factor/setup.html", {"form": form, "qr_uri": None, "secret": None})
    try:
        device = services.totp_enrollment_begin(user=request.user)
    except PermissionDenied:
        return redirect("two_factor_verify")
    qr_uri = segno.make(device.config_url, error="m").svg_data_uri(scale=5, dark="#1b1f24", light="#ffffff")
    return render(request, "two_factor/setup.html", {"form": form, "qr_uri": qr_uri, "secret": device.secret_text})


def two_factor_verify(request):
    if not request.user.is_practice_staff and not selectors.has_confirmed_totp(request.user):
        return redirect("home")
    if request.user.is_verified():
        return redirect("home")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.two_factor_verify(request=request, user=request.user, token=form.cleaned_data["token"]):
            return redirect(_safe_next(request) or "home")
        form.add_error("token", "That code did not match. Use the newest code, or one of your recovery codes.")
    return render(request, "two_factor/verify.html", {"form": form})


@require_POST
def recovery_codes_regenerate(request):
    codes = services.regenerate_recovery_codes(user=request.user)
    return render(request, "two_factor/recovery_codes.html", {"codes": codes, "first_time": False})


def _safe_next(request) -> str | None:
    target = request.GET.get("next") or request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


# --- Session -----------------------------------------------------------------------------
@require_POST
def keepalive(request):
    """'Stay signed in': the middleware already counted this request as activity."""
    return JsonResponse({"idle_timeout": settings.SESSION_IDLE_TIMEOUT})


@require_GET
def session_status(request):
    """Seconds left before the idle timeout. Sent with X-Session-Passive so that
    asking does not itself count as activity (another tab may have been used)."""
    import time

    last_seen = request.session.get(SESSION_LAST_SEEN, 0)
    reason = session_expiry_reason(request.session, time.time())
    remaining = 0 if reason else max(0, int(settings.SESSION_IDLE_TIMEOUT - (time.time() - last_seen)))
    return JsonResponse({"remaining": remaining})


class PasswordChange(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        services.password_change(request=self.request, form=form)
        return HttpResponseRedirect(self.get_success_url())


# --- Home --------------------------------------------------------------------------------
def home(request):
    from practice import admin_home

    context = home_service.home_view(actor=request.user)
    context["recovery_codes_left"] = selectors.unused_recovery_code_count(request.user)
    # The practice admin's worklist: its own selector and include (counts, no client record).
    context["admin_work"] = admin_home.worklist(request.user)
    return render(request, "practice/home.html", context)


# --- Staff accounts (practice admins) ----------------------------------------------------
def staff_list(request):
    services.require_practice_admin(request.user, "staff.list")
    # With each counselor's supervisor, shown beside their role (one query).
    staff = selectors.staff_list().select_related("supervisor")
    return render(request, "practice/staff_list.html", {"staff": staff})


def staff_create(request):
    services.require_practice_admin(request.user, "staff.create")
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.staff_create(actor=request.user, request=request, **form.cleaned_data)
        messages.success(request, f"Account created for {user}. A link to choose a password was emailed.")
        return redirect("staff_list")
    return render(request, "practice/staff_form.html", {"form": form})


@require_POST
def staff_set_active(request, user_id: int):
    services.require_practice_admin(request.user, "staff.set_active")
    user = get_object_or_404(User, pk=user_id, role__in=selectors.STAFF_ROLES)
    active = request.POST.get("active") == "1"
    services.staff_set_active(actor=request.user, user=user, active=active)
    messages.success(request, f"{user} is now {'active' if active else 'deactivated; their sessions ended'}.")
    return redirect(reverse("staff_list"))


@require_POST
def staff_reset_two_factor(request, user_id: int):
    services.require_practice_admin(request.user, "staff.reset_2fa")
    user = get_object_or_404(User, pk=user_id, role__in=selectors.STAFF_ROLES)
    services.staff_reset_two_factor(actor=request.user, user=user)
    messages.success(request, f"Two-factor for {user} was reset; they set it up again at their next sign-in.")
    return redirect("staff_list")


@require_POST
def staff_send_password_link(request, user_id: int):
    services.require_practice_admin(request.user, "staff.password_link")
    user = get_object_or_404(User, pk=user_id, role__in=selectors.STAFF_ROLES)
    services.staff_send_password_link(actor=request.user, request=request, user=user)
    messages.success(request, f"A link to choose a password was emailed to {user}.")
    return redirect("staff_list")


def staff_change_role(request, user_id: int):
    """A confirmation page (GET), then the change (POST): the person's permissions are
    recomputed and their sessions end."""
    services.require_practice_admin(request.user, "staff.role_change")
    user = get_object_or_404(User, pk=user_id, role__in=selectors.STAFF_ROLES)
    form = StaffRoleForm(request.POST or None, current_role=user.role)
    if request.method == "POST" and form.is_valid():
        user = services.staff_change_role(actor=request.user, user=user, role=form.cleaned_data["role"])
        messages.success(request, f"{user}'s role is now {user.get_role_display()}; their sessions ended.")
        return redirect("staff_list")
    return render(request, "practice/staff_role.html", {"form": form, "member": user})


def staff_supervision(request, user_id: int):
    """A counselor's supervisor and pre-licensed status, set through the records
    service (which audits it and moves the supervisor's read access at once)."""
    from practice.roles import Role
    from records import selectors as records_selectors
    from records import services as records_services

    services.require_practice_admin(request.user, "supervision.set")
    member = get_object_or_404(User.objects.select_related("supervisor"), pk=user_id, role=Role.COUNSELOR)
    form = SupervisionForm(request.POST if request.method == "POST" else None, member=member)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                member = records_services.set_supervision(
                    actor=request.user,
                    counselor=member,
                    supervisor=form.cleaned_data["supervisor"],
                    pre_licensed=form.cleaned_data["pre_licensed"],
                )
            except records_services.SupervisionRefused as exc:
                form.add_error(None, str(exc))
            else:
                supervisor = (
                    f"supervised by {member.supervisor.get_full_name()}" if member.supervisor else "no supervisor"
                )
                licensed = "pre-licensed" if member.is_pre_licensed else "licensed"
                messages.success(request, f"{member.get_full_name()}: {licensed}, {supervisor}.")
                return redirect("staff_list")
    context = {"form": form, "member": member, "waiting": records_selectors.awaiting_cosign_count(member)}
    return render(request, "practice/staff_supervision.html", context, status=status)
