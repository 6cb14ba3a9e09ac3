"""The comparison stack for bench/note_page.py: Django with plain session
authentication and nothing else (no two-factor, no object permission, no decryption,
no audit, no security middleware), rendering the same page layout. Used only by the
benchmark, never deployed."""

from practice.settings import *  # noqa: F403
from practice.settings import TEMPLATES

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "bench.bare_urls"
# The layout's context processors, minus the CSP nonce (its middleware is not here).
TEMPLATES[0]["OPTIONS"]["context_processors"] = [
    p for p in TEMPLATES[0]["OPTIONS"]["context_processors"] if not p.startswith("csp.")
]
