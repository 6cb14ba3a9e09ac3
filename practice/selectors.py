from __future__ import annotations

from django.db.models import QuerySet

from practice.models import AuthenticatorDevice, RecoveryCodeDevice, User
from practice.roles import STAFF_ROLES, Role


def has_confirmed_totp(user: User) -> bool:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def unused_recovery_code_count(user: User) -> int:
    device = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device else 0


def practice_admin_emails() -> list[str]:
    """The addresses of the active practice admins (decrypted through the instances:
    emails are encrypted fields)."""
    admins = User.objects.filter(role=Role.PRACTICE_ADMIN, is_active=True).only("id", "email")
    return [admin.email for admin in admins if admin.email]


def staff_list() -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF_ROLES).order_by("-is_active", "last_name", "first_name")


def staff_without_two_factor() -> QuerySet[User]:
    """Active staff with no confirmed authenticator: they are sent to set one up at their
    next sign-in, and until then they have not signed in (or their two-factor was reset)."""
    return (
        User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .exclude(pk__in=AuthenticatorDevice.objects.filter(confirmed=True).values("user_id"))
        .order_by("last_name", "first_name", "username")
    )
