"""Request-wide security middleware: request context for the audit log, session
lifetimes, the two-factor requirement for staff, and no-store caching."""

from __future__ import annotations

import time
from typing import ClassVar

import django_otp.middleware
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.functional import SimpleLazyObject, empty
from django_otp.models import Device

from audit import context as audit_context
from audit import refusals
from practice.sql import Columns, fetch

SESSION_LOGIN_AT = "practice_login_at"
SESSION_LAST_SEEN = "practice_last_seen"


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and records where it came
    from, for audit events written while it runs. When the response is made, it makes
    sure a refused request left its one denied event (audit.refusals)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = audit_context.RequestContext(
            request_id=audit_context.new_request_id(),
            ip=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        request.request_id = ctx.request_id
        token = audit_context.set_current(ctx)
        try:
            response = self.get_response(request)
            refusals.settle(request, response)
        finally:
            audit_context.reset(token)
        response["X-Request-ID"] = ctx.request_id
        return response

    def process_exception(self, request, exception):
        # With DEBUG=1 Django answers a view's 404 with its debug page, not handler404.
        refusals.note_refusal(request, exception)


def session_expiry_reason(session, now: float) -> str | None:
    """Why this authenticated session must end now, or None."""
    login_at = session.get(SESSION_LOGIN_AT)
    last_seen = session.get(SESSION_LAST_SEEN)
    if login_at is None or last_seen is None:
        return "missing"
    if now - login_at > settings.SESSION_ABSOLUTE_LIFETIME:
        return "absolute"
    if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    return None


class SessionLifetimeMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT seconds without a request, or
    SESSION_ABSOLUTE_LIFETIME seconds after sign-in, whichever comes first."""

    # Requests that must not count as activity (the page's own timer polls).
    PASSIVE_HEADER = "HTTP_X_SESSION_PASSIVE"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            reason = session_expiry_reason(request.session, now)
            if reason:
                from practice import services

                services.session_expired(user=request.user, reason=reason)
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(settings.LOGIN_URL)
            if not request.META.get(self.PASSIVE_HEADER) and (
                now - request.session[SESSION_LAST_SEEN] >= settings.SESSION_ACTIVITY_RESOLUTION
            ):
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class OTPMiddleware(django_otp.middleware.OTPMiddleware):
    """django-otp's middleware (request.user.otp_device, user.is_verified()), loading the
    session's device with a fixed statement instead of a compiled queryset: it runs on
    every staff request (bench/note_page.py). The checks are django-otp's own: the device
    must be a Device, exist, belong to the user and be confirmed (_finalize_device)."""

    _columns: ClassVar[dict[type, Columns]] = {}

    def _verify_user_sync(self, request, user):
        # AuthenticationMiddleware's user is a lazy object too. Verify the user inside it,
        # so that request.user is one proxy deep, not two: every `user.…` lookup in a
        # template passes through each proxy.
        if isinstance(user, SimpleLazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        return super()._verify_user_sync(request, user)

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        try:
            label, device_id = persistent_id.rsplit("/", 1)
            model = apps.get_model(label)
            device_id = int(device_id)
        except (ValueError, LookupError):
            return None
        if not issubclass(model, Device):
            return None
        cols = self._columns.get(model)
        if cols is None:
            # Not the encrypted key: a session's check needs the device's identity only,
            # and a wrong key must not fail every page before it reaches the error page.
            from records.fields import FailClosedEncryptedMixin

            plain = [f.name for f in model._meta.concrete_fields if not isinstance(f, FailClosedEncryptedMixin)]
            cols = self._columns[model] = Columns(model, "d", plain)
        rows = fetch(f"SELECT {cols.select()} FROM {cols.table} WHERE d.id = %s", [device_id])  # noqa: S608
        return cols.build(rows[0]) if rows else None


# URL names a staff member may reach before verifying a second factor.
TWO_FACTOR_EXEMPT = frozenset({"two_factor_verify", "two_factor_setup", "logout", "keepalive", "session_status"})


class StaffTwoFactorMiddleware:
    """No staff page without a verified second factor. Staff who have not enrolled are
    sent to enrollment; staff who have are sent to verification. A client who turned on
    an authenticator from their portal account verifies it the same way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and self._needs_second_factor(user):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in TWO_FACTOR_EXEMPT:
                from practice.selectors import has_confirmed_totp

                target = "two_factor_verify" if has_confirmed_totp(user) else "two_factor_setup"
                return redirect(reverse(target))
        return self.get_response(request)

    @staticmethod
    def _needs_second_factor(user) -> bool:
        """Staff always; a client once they have turned on an authenticator."""
        if user.is_practice_staff:
            return True
        from practice.selectors import has_confirmed_totp

        return has_confirmed_totp(user)


class NoStoreMiddleware:
    """Nothing the application renders may be kept by a browser or proxy cache: a
    shared computer's back button must not show a client's chart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store, max-age=0"
        response["Pragma"] = "no-cache"
        return response


class DecryptionFailureMiddleware:
    """A value that cannot be decrypted (wrong key, damaged data) ends the request with
    a page that shows nothing from the record: never ciphertext, never a guess. The
    failure is logged without the value and written to the audit log as an error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from records.fields import DecryptionError

        if not isinstance(exception, DecryptionError):
            return None
        import logging

        from django.template.response import TemplateResponse

        import audit
        from audit.models import Outcome

        logging.getLogger("records.encryption").error(
            "decryption failed on %s (request %s): %s", request.path, getattr(request, "request_id", ""), exception
        )
        audit.record(
            action="record.decrypt_failed",
            actor=request.user,
            outcome=Outcome.ERROR,
            object_type="request",
            object_id=request.path[:64],
            reason=str(exception)[:200],
        )
        return TemplateResponse(
            request, "records/decryption_error.html", {"request_id": getattr(request, "request_id", "")}, status=500
        )


class ProductErrorPagesMiddleware:
    """The product's own 404 page in a demo run too. With DEBUG=1 Django answers a 404
    with its technical page, which lists every URL pattern of the site, instead of
    calling handler404 (a 403 already goes to handler403 in either mode). This sends a
    mistyped address and a refusal raised as a 404 to the same handler as production:
    the same page, and the same note for the refusal's denied event. Without DEBUG it
    does nothing: Django calls the handler itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exception:
                from practice.views import not_found

                return not_found(request, exception)
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import Http404

        if settings.DEBUG and isinstance(exception, Http404):
            from practice.views import not_found

            return not_found(request, exception)
        return None
