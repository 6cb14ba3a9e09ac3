"""Account, sign-in and two-factor use cases. Each writes its audit event in the same
transaction as its change (audit.record raises if it cannot write, and the change is
rolled back)."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login

import audit
from audit.models import Outcome
from audit.services import refuse
from practice.exceptions import PermissionDenied
from practice.middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT
from practice.models import AuthenticatorDevice, RecoveryCodeDevice, User
from practice.roles import STAFF_ROLES


# --- Sign-in ----------------------------------------------------------------------------
def sign_in(*, request: HttpRequest, user: User, typed_username: str | None = None) -> None:
    """Start a session. django.contrib.auth.login cycles the session key (no fixation).
    `typed_username`: the name typed at the sign-in form, whose failures are cleared (a
    client's stored username is the blind index of it, not the name itself)."""
    from practice.lockout import clear_own_failures

    with audit.writing():
        audit.record(action="auth.login", actor=user, object_type="user", object_id=user.pk)
        django_login(request, user)
        clear_own_failures(typed_username or user.get_username())
        now = timezone.now().timestamp()
        request.session[SESSION_LOGIN_AT] = now
        request.session[SESSION_LAST_SEEN] = now


def _record_refused_sign_in(action: str, username: str, reason: str) -> None:
    """The attempted name is kept only as the id of a real account: people type
    passwords into the username box."""
    # A NUL is no account's name (and PostgreSQL text cannot hold one).
    user = User.objects.find_by_sign_in_name(username)
    audit.record(
        action=action,
        outcome=Outcome.DENIED,
        object_type="user",
        object_id=user.pk if user else "",
        reason=reason or ("" if user else "unknown username"),
    )


def sign_in_failed(*, username: str) -> None:
    """A wrong password, an unknown account or a deactivated one."""
    _record_refused_sign_in("auth.login_failed", username, "")


def locked_out(*, username: str) -> None:
    _record_refused_sign_in("auth.lockout", username, "too many failed sign-ins")


def sign_out(*, request: HttpRequest, reason: str = "") -> None:
    """End the session. reason="idle" when the page's idle timer signed the user out."""
    from django.contrib.auth import logout

    user = request.user
    with audit.writing():
        if user.is_authenticated:
            audit.record(action="auth.logout", actor=user, object_type="user", object_id=user.pk, reason=reason)
        logout(request)


def session_expired(*, user: User, reason: str) -> None:
    audit.record(action="auth.session_expired", actor=user, object_type="user", object_id=user.pk, reason=reason)


# --- Two-factor -------------------------------------------------------------------------
def totp_enrollment_device(*, user: User) -> AuthenticatorDevice:
    """The unconfirmed authenticator being enrolled. Refused when the user already has a
    confirmed one (replacing it is an admin reset), and when enrollment has not begun."""
    if AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied("two-factor is already set up")
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise PermissionDenied("open the set-up page first")
    return device


def totp_enrollment_begin(*, user: User) -> AuthenticatorDevice:
    """Rule: an authenticator key is shown once. Each opening of the set-up page gives
    the unconfirmed authenticator a new key (encrypted at rest), so a key shown before
    (a screenshot, a page left open) no longer works; after confirmation the key is
    never shown again. Audited, as the key is a secret handed out."""
    if AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied("two-factor is already set up")
    from practice.models import _new_totp_key

    with audit.writing():
        device = (
            AuthenticatorDevice.objects.select_for_update(of=("self",), no_key=True)
            .filter(user=user, confirmed=False)
            .first()
        )
        if device is None:
            device = AuthenticatorDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        else:
            device.key = _new_totp_key()
            device.save(update_fields=["key"])
        audit.record(action="auth.2fa_key_shown", actor=user, object_type="user", object_id=user.pk)
    return device


def totp_confirm(*, request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Confirm enrollment with a first code. Returns the new recovery codes (shown
    once), or None when the code is wrong."""
    device = totp_enrollment_device(user=user)
    with audit.writing():
        if not device.verify_token(token):
            audit.record(action="auth.2fa_enroll", actor=user, outcome=Outcome.DENIED, reason="wrong code")
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit.record(action="auth.2fa_enroll", actor=user, object_type="user", object_id=user.pk)
        _mark_verified(request, device)
    return codes


def two_factor_verify(*, request: HttpRequest, user: User, token: str) -> bool:
    """Check a code from the authenticator app, or a one-time recovery code."""
    token = token.strip().replace(" ", "")
    with audit.writing():
        device = None
        candidates = list(
            AuthenticatorDevice.objects.select_for_update(of=("self",), no_key=True).filter(user=user, confirmed=True)
        )
        candidates += list(
            RecoveryCodeDevice.objects.select_for_update(of=("self",), no_key=True).filter(user=user, confirmed=True)
        )
        for candidate in candidates:
            allowed, _ = candidate.verify_is_allowed()
            if allowed and candidate.verify_token(token):
                device = candidate
                break
        if device is None:
            audit.record(action="auth.2fa_verify", actor=user, outcome=Outcome.DENIED, reason="wrong code")
            return False
        used_recovery = isinstance(device, RecoveryCodeDevice)
        audit.record(
            action="auth.2fa_verify",
            actor=user,
            object_type="user",
            object_id=user.pk,
            reason="recovery code used" if used_recovery else "",
        )
        _mark_verified(request, device)
    return True


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes (in the caller's transaction). The codes are
    returned to be shown once; only their keyed digests are stored."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    return device.issue_codes(settings.RECOVERY_CODE_COUNT)


def _mark_verified(request: HttpRequest, device) -> None:
    # A new session key at the moment the session gains its second factor.
    request.session.cycle_key()
    otp_login(request, device)


def regenerate_recovery_codes(*, user: User) -> list[str]:
    if not user.is_verified():
        refuse(
            "auth.recovery_codes_regenerated",
            user,
            object_type="user",
            object_id=user.pk,
            reason="second factor not verified",
            not_found=False,
        )
    with audit.writing():
        codes = _new_recovery_codes(user)
        audit.record(action="auth.recovery_codes_regenerated", actor=user, object_type="user", object_id=user.pk)
    return codes


# --- Passwords --------------------------------------------------------------------------
# Each writes its event in the same transaction as the change: a password that changed
# without its event, or an event for a change that did not happen, cannot exist.
def password_change(*, request: HttpRequest, form) -> User:
    """A signed-in user changes their password (django's PasswordChangeForm, valid).
    Their other sessions end (the session hash changes); this one stays signed in."""
    from django.contrib.auth import update_session_auth_hash

    with audit.writing():
        user = form.save()
        audit.record(action="auth.password_change", actor=user, object_type="user", object_id=user.pk)
    update_session_auth_hash(request, user)
    return user


def password_reset_request(*, form, **email_options) -> None:
    """Someone asks for a reset link (django's PasswordResetForm, valid). The event names
    the accounts a link went to, never the address typed; the page is the same either
    way. The links are sent inside the transaction: no event, no link."""
    email = form.cleaned_data["email"]
    users = list(form.get_users(email))
    with audit.writing():
        for user in users:
            audit.record(action="auth.password_reset_request", object_type="user", object_id=user.pk)
        if not users:
            audit.record(action="auth.password_reset_request", object_type="user", reason="no matching account")
        form.save(**email_options)


def password_reset_complete(*, form) -> User:
    """A reset link's new password (django's SetPasswordForm, valid)."""
    with audit.writing():
        user = form.save()
        audit.record(action="auth.password_reset", actor=user, object_type="user", object_id=user.pk)
    return user


# --- Staff accounts (practice admins, and the operator at the console) --------------------
@dataclass(frozen=True)
class Operator:
    """Someone at the server's console running a management command (under
    audit.context.operator_context). The commands manage accounts through these same
    services, so every step is audited; an Operator is not an account and holds no
    permission on any client."""

    name: str
    is_authenticated: ClassVar[bool] = False

    @classmethod
    def from_console(cls) -> Operator:
        try:
            return cls(getpass.getuser())
        except (KeyError, OSError):  # no name for this uid (containers)
            return cls("unknown")


def _by(actor: User | Operator) -> dict:
    """audit.record's actor arguments: the account, or the operator's name."""
    if isinstance(actor, Operator):
        return {"actor": None, "actor_username": f"operator:{actor.name}"[:150]}
    return {"actor": actor}


def require_practice_admin(actor: User | Operator, action: str) -> None:
    if isinstance(actor, Operator):
        return
    if not (actor.is_authenticated and actor.is_practice_admin and actor.is_active):
        refuse(action, actor, object_type="user", reason="not a practice admin", not_found=False)


def _refuse_own_account(actor: User | Operator, user: User, action: str, reason: str) -> None:
    if not isinstance(actor, Operator) and user.pk == actor.pk:
        refuse(action, actor, object_type="user", object_id=user.pk, reason=reason, not_found=False)


def staff_create(
    *,
    actor: User | Operator,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    request: HttpRequest | None = None,
) -> User:
    """Create a staff account with no usable password. With a request, email its owner
    a link to choose one; the operator's command prints the link instead
    (operator_password_link). There are no shared or admin-chosen passwords, and no
    path sets is_superuser or is_staff: those flags open nothing here."""
    require_practice_admin(actor, "staff.create")
    if role not in STAFF_ROLES:
        raise ValueError("staff accounts are counselors, supervisors or practice admins")
    with audit.writing():
        user = User(username=username, first_name=first_name, last_name=last_name, email=email, role=role)
        user.set_unusable_password()
        user.full_clean()
        user.save()
        audit.record(action="staff.create", **_by(actor), object_type="user", object_id=user.pk, reason=f"role={role}")
    if request is not None:
        _send_set_password_email(base_url=request.build_absolute_uri("/"), user=user)
    return user


def set_password_link(*, user: User, base_url: str) -> str:
    """A one-time link to choose a password: Django's reset token, which stops working
    once the password changes (or after PASSWORD_RESET_TIMEOUT)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def _send_set_password_email(*, base_url: str, user: User) -> None:
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    context = {
        "user": user,
        "practice_name": settings.PRACTICE_NAME,
        "link": set_password_link(user=user, base_url=base_url),
    }
    subject = render_to_string("registration/account_created_subject.txt", context).strip()
    body = render_to_string("registration/account_created_email.txt", context)
    send_mail(subject, body, None, [user.email])


def operator_password_link(*, operator: Operator, user: User, base_url: str) -> str:
    """The operator's command prints a set-password link instead of emailing it (the
    first practice admin, before mail is set up). Audited like the emailed link."""
    with audit.writing():
        audit.record(
            action="staff.password_link",
            **_by(operator),
            object_type="user",
            object_id=user.pk,
            reason="printed at the console",
        )
        return set_password_link(user=user, base_url=base_url)


def _account_changed(*, actor: User | Operator, user: User, action: str, detail: str) -> None:
    """What every change to an account's standing does, in the caller's transaction:
    re-sync every object permission the person's access depends on, end any emergency
    access they hold, end all of their sessions, and audit it. The change takes effect on their next request."""
    from emergency.services import end_for_account_change
    from records.permissions import sync_person

    granted, revoked = sync_person(user)
    end_for_account_change(user=user, audit_actor=_by(actor), reason=f"account changed: {action}")
    ended = end_sessions(user)
    audit.record(
        action=action,
        **_by(actor),
        object_type="user",
        object_id=user.pk,
        reason=f"{detail}granted={granted} revoked={revoked} sessions ended={ended}",
    )


def staff_change_role(*, actor: User | Operator, user: User, role: str) -> User:
    """Rule: a practice admin changes another staff member's role, never their own.
    The person's permissions are re-synced and their sessions end in the same
    transaction; every change of role is flagged for review. A client account never
    becomes staff this way, nor staff a client."""
    action = "staff.role_change"
    require_practice_admin(actor, action)
    if role not in STAFF_ROLES or user.role not in STAFF_ROLES:
        raise ValueError("roles change only between counselor, supervisor and practice admin")
    _refuse_own_account(actor, user, action, "another practice admin must change your own role")
    with audit.writing():
        user = User.objects.select_for_update(of=("self",), no_key=True).get(pk=user.pk)
        old = user.role
        if old == role:
            return user
        user.role = role
        user.save(update_fields=["role"])
        _account_changed(actor=actor, user=user, action=action, detail=f"role {old} -> {role} ")
    return user


def staff_set_active(*, actor: User | Operator, user: User, active: bool) -> User:
    """Deactivate (or reactivate) an account. Deactivation ends every session of the
    user at once and removes their permissions; reactivation restores what their
    assignments give. Everything they did is kept: nothing is deleted."""
    action = "staff.reactivate" if active else "staff.deactivate"
    require_practice_admin(actor, action)
    if not active:
        _refuse_own_account(actor, user, action, "you cannot deactivate your own account")
    with audit.writing():
        user = User.objects.select_for_update(of=("self",), no_key=True).get(pk=user.pk)
        user.is_active = active
        user.deactivated_at = None if active else timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
        _account_changed(actor=actor, user=user, action=action, detail="")
    return user


def end_sessions(user: User) -> int:
    """Delete every stored session that belongs to user. Returns how many."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def staff_reset_two_factor(*, actor: User | Operator, user: User) -> None:
    """For a lost phone and lost recovery codes: remove the user's authenticator and
    recovery codes and end their sessions; they enroll again at their next sign-in.
    Rule: another practice admin (or the operator) does it, never the user themself."""
    require_practice_admin(actor, "staff.reset_2fa")
    _refuse_own_account(actor, user, "staff.reset_2fa", "another practice admin must reset your own two-factor")
    with audit.writing():
        AuthenticatorDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        ended = end_sessions(user)
        audit.record(
            action="staff.reset_2fa",
            **_by(actor),
            object_type="user",
            object_id=user.pk,
            reason=f"sessions ended={ended}",
        )


def staff_send_password_link(*, actor: User, request: HttpRequest, user: User) -> None:
    """Email a staff member a fresh one-time link to choose a password (a lost welcome
    email, a forgotten password on an account without a usable one)."""
    require_practice_admin(actor, "staff.password_link")
    with audit.writing():
        audit.record(action="staff.password_link", actor=actor, object_type="user", object_id=user.pk)
        _send_set_password_email(base_url=request.build_absolute_uri("/"), user=user)
