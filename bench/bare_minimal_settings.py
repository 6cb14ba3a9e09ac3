"""See bench/bare_settings.py: sessions and authentication only."""

from bench.bare_settings import *  # noqa: F403
from bench.bare_settings import TEMPLATES

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
# The layout's context processors, minus the CSP nonce (its middleware is not here).
TEMPLATES[0]["OPTIONS"]["context_processors"] = [
    p for p in TEMPLATES[0]["OPTIONS"]["context_processors"] if not p.startswith("csp.")
]
