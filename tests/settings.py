"""Settings for the test suite: the real settings, with keys made for this run so the
suite never reads or writes the development key file."""

import os

from cryptography.fernet import Fernet

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-only-" + Fernet.generate_key().decode())
os.environ.setdefault("FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode())
os.environ.setdefault("AUDIT_ANCHOR_KEY", "test-only-anchor-key")
os.environ.setdefault("IDENTITY_INDEX_KEY", "test-only-identity-index-key-" + Fernet.generate_key().decode())
os.environ.setdefault("EMAIL_BACKEND", "console")
# Tests that write anchors choose their own file (the database is emptied between tests,
# so one anchor file for the whole run would name events that are gone).
os.environ.setdefault("AUDIT_ANCHOR_FILE", "")

from practice.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
