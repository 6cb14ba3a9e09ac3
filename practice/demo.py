"""Demo practice: fictional people only. Used by `manage.py seed_demo` (DJANGO_DEBUG=1)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

from practice.roles import Role

DEMO_PASSWORD = "quiet-harbor-2026"  # noqa: S105 - demo only; seed_demo refuses with DJANGO_DEBUG=0

DEMO_STAFF = [
    # username, first, last, role
    ("avery.admin", "Avery", "Okafor", Role.PRACTICE_ADMIN),
    ("sam.supervisor", "Sam", "Lindqvist", Role.SUPERVISOR),
    ("casey.counselor", "Casey", "Moreno", Role.COUNSELOR),
    ("jordan.counselor", "Jordan", "Achebe", Role.COUNSELOR),
    ("riley.counselor", "Riley", "Tanaka", Role.COUNSELOR),
]


def require_debug(command: str) -> None:
    """Demo shortcuts (known passwords, printed TOTP secrets) exist only in development."""
    if not settings.DEBUG:
        raise CommandError(
            f"{command} runs only with DJANGO_DEBUG=1: the demo's known passwords and 2FA secrets exist "
            "only in development."
        )
