"""Baseline stacks for bench/note_page.py (never deployed). Both read the note row with
plain session authentication and none of the protections under test: no two-factor, no
object permission, no decryption, no audit.

- bench.bare_settings: Django's ordinary web stack kept (security headers, CSRF,
  messages, CSP, no-store, static files), the four protections removed.
- bench.bare_minimal_settings: sessions and authentication only.
"""

from practice.settings import *  # noqa: F403
from practice.settings import MIDDLEWARE, TEMPLATES

_UNDER_TEST = {
    "practice.middleware.RequestContextMiddleware",  # audit context
    "practice.middleware.SessionLifetimeMiddleware",
    "practice.middleware.OTPMiddleware",
    "practice.middleware.StaffTwoFactorMiddleware",
    "practice.middleware.DecryptionFailureMiddleware",
    "axes.middleware.AxesMiddleware",
}
MIDDLEWARE = [m for m in MIDDLEWARE if m not in _UNDER_TEST]
ROOT_URLCONF = "bench.bare_urls"
TEMPLATES = TEMPLATES
