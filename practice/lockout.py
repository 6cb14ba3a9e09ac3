"""Counting failed sign-ins (django-axes) without keeping what was typed.

People type passwords into the username box. Axes stores the username of every failed
attempt, so it is given a keyed hash instead (AXES_USERNAME_CALLABLE): the same name
always counts against the same key, and nobody reading the table learns what was typed.

Security note: a successful sign-in clears the failures counted against its own
username only. Axes' AXES_RESET_ON_SUCCESS would also clear every failure from the same
address, whatever username it was against: an attacker signing in to their own account
between guesses would reset the count against someone else's.
"""

from __future__ import annotations

from axes.conf import settings
from axes.handlers.proxy import AxesProxyHandler
from django.utils.crypto import salted_hmac

_SALT = "practice.lockout.username"


def username_key(username: str) -> str:
    """The keyed hash axes counts a username under (case and spaces folded)."""
    return salted_hmac(_SALT, username.strip().casefold(), algorithm="sha256").hexdigest()


def axes_username(request, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: where axes would read the typed username, the key of it."""
    field = settings.AXES_USERNAME_FORM_FIELD
    typed = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    if typed is None:
        return None
    return username_key(str(typed))


def clear_own_failures(username: str) -> int:
    """After a successful sign-in: forget the failures counted against this username,
    and no other."""
    return AxesProxyHandler.reset_attempts(username=username_key(username))
