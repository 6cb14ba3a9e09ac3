"""Settings for the practice records system, read from the environment.

Every value can be set with an environment variable (see the README's configuration
table). Production (DJANGO_DEBUG=0, the default) refuses to start without its
secrets; a development run (DJANGO_DEBUG=1) creates its own keys on first start in
data/local-secrets.json and says so. Variables in the environment always win.
"""

from __future__ import annotations

import json
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from practice.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DJANGO_DATA_DIR") or BASE_DIR / "data")

DEBUG = env_bool("DJANGO_DEBUG", False)

# --- Secrets -----------------------------------------------------------------------------
SECRET_KEY = env_secret("SECRET_KEY")
_field_keys_raw = env_secret("FIELD_ENCRYPTION_KEY")
AUDIT_ANCHOR_KEY = env_secret("AUDIT_ANCHOR_KEY")
# Keyed HMACs of client identity (practice.identity): the blind index clients sign in by,
# and the digests the audit log keeps instead of readable hashes. Keep it like the field
# key: a different one makes every client's sign-in name unknown.
IDENTITY_INDEX_KEY = env_secret("IDENTITY_INDEX_KEY")

if DEBUG and not (SECRET_KEY and _field_keys_raw and AUDIT_ANCHOR_KEY and IDENTITY_INDEX_KEY):
    # Development only: keep generated keys in a git-ignored file so that data written
    # in one run still decrypts in the next.
    _local = DATA_DIR / "local-secrets.json"
    _stored: dict[str, str] = {}
    if _local.exists():
        _stored = json.loads(_local.read_text())
    _changed = False
    for _name, _make in (
        ("SECRET_KEY", lambda: secrets.token_urlsafe(50)),
        ("FIELD_ENCRYPTION_KEY", lambda: Fernet.generate_key().decode()),
        ("AUDIT_ANCHOR_KEY", lambda: secrets.token_urlsafe(32)),
        ("IDENTITY_INDEX_KEY", lambda: secrets.token_urlsafe(32)),
    ):
        if _name not in _stored:
            _stored[_name] = _make()
            _changed = True
    if _changed:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        _local.touch(mode=0o600)
        _local.write_text(json.dumps(_stored, indent=2))
        print(f"Development keys written to {_local} (DJANGO_DEBUG=1 only).", file=sys.stderr)
    SECRET_KEY = SECRET_KEY or _stored["SECRET_KEY"]
    _field_keys_raw = _field_keys_raw or _stored["FIELD_ENCRYPTION_KEY"]
    AUDIT_ANCHOR_KEY = AUDIT_ANCHOR_KEY or _stored["AUDIT_ANCHOR_KEY"]
    IDENTITY_INDEX_KEY = IDENTITY_INDEX_KEY or _stored["IDENTITY_INDEX_KEY"]

_missing = [
    name
    for name, value in (
        ("SECRET_KEY", SECRET_KEY),
        ("FIELD_ENCRYPTION_KEY", _field_keys_raw),
        ("IDENTITY_INDEX_KEY", IDENTITY_INDEX_KEY),
    )
    if not value
]
if _missing:
    raise ImproperlyConfigured(
        "Refusing to start: " + ", ".join(_missing) + " must be set (or NAME_FILE) when DJANGO_DEBUG=0"
    )

# One Fernet key, or several separated by commas, newest first. The newest encrypts;
# all of them decrypt (rotation: see `manage.py rotate_encryption_key`).
FIELD_ENCRYPTION_KEY = [k.strip() for k in _field_keys_raw.split(",") if k.strip()]
for _key in FIELD_ENCRYPTION_KEY:
    try:
        Fernet(_key)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None
if len(IDENTITY_INDEX_KEY.encode()) < 32:
    raise ImproperlyConfigured("IDENTITY_INDEX_KEY must be at least 32 bytes (secrets.token_urlsafe(32))")

# --- Hosts, apps, middleware -------------------------------------------------------------
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
PRACTICE_NAME = env_str("PRACTICE_NAME", "Riverside Counseling")

# No django.contrib.admin: its pages would be a second door around the services and
# the audit log. Operators use management commands that call the same services.
# "practice" comes first so that its createsuperuser and changepassword (which refuse and
# name the audited commands to use) replace django.contrib.auth's.
INSTALLED_APPS = [
    "practice",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "guardian",
    "audit",
    "records",
    "consent",
    "emergency",
    "portal",
    "retention",
    "clinical",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "practice.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "practice.middleware.SessionLifetimeMiddleware",
    "practice.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "practice.middleware.StaffTwoFactorMiddleware",
    "practice.middleware.DecryptionFailureMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "practice.middleware.NoStoreMiddleware",
    # With DEBUG=1, the product's 404 page instead of Django's technical one.
    "practice.middleware.ProductErrorPagesMiddleware",
    # AxesMiddleware last: it turns a lockout flagged during authentication into the
    # lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "practice.urls"
WSGI_APPLICATION = "practice.wsgi.application"
ASGI_APPLICATION = "practice.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "practice.context_processors.practice",
                "emergency.context_processors.emergency",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'practice.sqlite3'}"
if DATABASE_URL.startswith("sqlite"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed: {exc}") from None
# A kept connection is checked before a request reuses it: after the database dropped it
# (a restart, pg_terminate_backend) the next request reconnects instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_PREPARED_STATEMENTS", False):
    # Server-side binding lets PostgreSQL prepare repeated queries (no re-planning of the
    # permission-folded joins). Off by default: transaction-mode poolers (pgbouncer < 1.21)
    # cannot hold prepared statements.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the audit log and the session table be written while pages read.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
    }
# Migrations run as the database owner (MIGRATE_DATABASE_URL); the application connects
# as a role that owns nothing (DATABASE_URL's user): it cannot disable the append-only
# triggers, change session_replication_role, or ALTER, DROP or TRUNCATE a table.
# practice.db_roles; `manage.py migrate` switches to this URL when it is set.
MIGRATE_DATABASE_URL = env_str("MIGRATE_DATABASE_URL") or ""
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and authentication ---------------------------------------------------------
AUTH_USER_MODEL = "practice.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Guardian answers object-level questions only; nothing grants global access.
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object, anonymous users get nothing

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_SECONDS", 60 * 60 * 24, minimum=300)

# Brute force: lock by username and, separately, by IP address (practice/lockout.py).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Counted under a keyed hash of the typed username, never the text itself.
AXES_USERNAME_CALLABLE = "practice.lockout.axes_username"
# Security note: never True. Axes would clear every failure from the signing-in address,
# against any username; practice.services.sign_in clears the account's own instead.
AXES_RESET_ON_SUCCESS = False
# Sign-ins are in the audit log; axes' own log would keep usernames in clear.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "practice.views.lockout"
AXES_VERBOSE = False
# Axes keeps the form's fields of each failed attempt (post_data): never the typed name.
AXES_SENSITIVE_PARAMETERS = ["username", "email", "token", "csrfmiddlewaretoken"]
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Two-factor (django-otp): required for every staff role.
OTP_TOTP_ISSUER = PRACTICE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
RECOVERY_CODE_COUNT = 10

# --- Sessions ----------------------------------------------------------------------------
# Large enough that an oversize note (10 MB pasted) still reaches its form, which refuses
# it, names the field's limit and gives the text back; a body beyond this gets the 413
# page (practice.views.bad_request), which says what was too large.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024

SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 15, minimum=1) * 60
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
SESSION_IDLE_WARNING = min(60, SESSION_IDLE_TIMEOUT // 2)
# Activity is written to the session at most this often (seconds): a session row update
# on every request would cost a write per page view. The idle timeout is exact to within
# this resolution.
SESSION_ACTIVITY_RESOLUTION = min(30, SESSION_IDLE_TIMEOUT // 10)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "practice_session"
CSRF_COOKIE_HTTPONLY = True

# --- Headers and transport ---------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Static files ------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development serves straight from the app folders (no collectstatic step); production
# serves the collected, hashed and compressed copies.
_static_root = env_str("STATIC_ROOT")
STATIC_ROOT = Path(_static_root) if _static_root else (None if DEBUG else BASE_DIR / "staticfiles")
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email -------------------------------------------------------------------------------
_email_backend = env_str("EMAIL_BACKEND", "console")
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}.get(_email_backend or "")
if EMAIL_BACKEND is None:
    raise ImproperlyConfigured(f"EMAIL_BACKEND must be console, file or smtp; got {_email_backend!r}")
EMAIL_FILE_PATH = str(env_str("EMAIL_FILE_PATH") or DATA_DIR / "mail")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "records@practice.invalid")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Audit -------------------------------------------------------------------------------
# Review flags: access outside office hours (practice time zone, Monday to Friday), and
# one person opening many different charts in a short time.
AUDIT_OFFICE_HOURS = (env_int("AUDIT_OFFICE_HOURS_START", 7), env_int("AUDIT_OFFICE_HOURS_END", 20))
AUDIT_OFFICE_WEEKDAYS = env_bool("AUDIT_WEEKENDS_ARE_OFFICE_HOURS", False) and {0, 1, 2, 3, 4, 5, 6} or {0, 1, 2, 3, 4}
AUDIT_BURST_CHARTS = env_int("AUDIT_BURST_CHARTS", 10, minimum=2)
AUDIT_BURST_MINUTES = env_int("AUDIT_BURST_MINUTES", 10, minimum=1)
AUDIT_FLAG_WINDOW_DAYS = env_int("AUDIT_FLAG_WINDOW_DAYS", 14, minimum=1)
# Anchors: the chain's head, HMAC-signed, appended to a file outside the database every N
# events and every M minutes (audit.anchors). An empty AUDIT_ANCHOR_FILE turns them off.
AUDIT_ANCHOR_FILE = env_str("AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit-anchors.jsonl"))
AUDIT_ANCHOR_EVERY_EVENTS = env_int("AUDIT_ANCHOR_EVERY_EVENTS", 1000, minimum=1)
AUDIT_ANCHOR_EVERY_MINUTES = env_int("AUDIT_ANCHOR_EVERY_MINUTES", 10, minimum=1)

# --- Emergency (break-glass) access -------------------------------------------------------
EMERGENCY_ACCESS_MINUTES = env_int("EMERGENCY_ACCESS_MINUTES", 60, minimum=5)

# --- Disclosures ------------------------------------------------------------------------
DISCLOSURE_LINK_DAYS = env_int("DISCLOSURE_LINK_DAYS", 7, minimum=1)
DISCLOSURE_MAX_DOWNLOADS = env_int("DISCLOSURE_MAX_DOWNLOADS", 3, minimum=1)
DISCLOSURE_MAX_CODE_ATTEMPTS = env_int("DISCLOSURE_MAX_CODE_ATTEMPTS", 5, minimum=1)

# --- Locale ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --- Logging: never log request bodies or clinical text ----------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
ADMINS: list[tuple[str, str]] = []
