"""Client identity out of plaintext: blind indexes and audit pseudonyms.

Security note: no table holds a client's email or name in clear. A client's account is
found by a keyed HMAC of the email they sign in with (the blind index): the account's
`username` is `idx:` followed by it, and `email_index` holds the same digest for
password resets. The email itself is an encrypted field; the names live only on the
encrypted Client record. Without IDENTITY_INDEX_KEY nobody holding the database can
confirm a guessed address.

The audit log names a client actor `client:<record number>`, never their email or name,
and keeps keyed digests (audit_digest) where a readable hash would let someone confirm
a guessed text.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

INDEX_PREFIX = "idx:"


def _subkey(purpose: str) -> bytes:
    """One key per use, derived from IDENTITY_INDEX_KEY (HMAC as a KDF)."""
    return hmac.new(settings.IDENTITY_INDEX_KEY.encode(), purpose.encode(), hashlib.sha256).digest()


def normalise_identifier(text: str) -> str:
    """What the index is computed over: an email with its spaces and case folded."""
    return (text or "").strip().casefold()


def blind_index(identifier: str) -> str:
    """The keyed HMAC (hex) an email is looked up by."""
    return hmac.new(
        _subkey("practice.identity.email"), normalise_identifier(identifier).encode(), hashlib.sha256
    ).hexdigest()


def client_username(email: str) -> str:
    """A client account's `username`: the blind index of their email. Staff usernames
    cannot start with `idx:` (their form allows letters, digits and . @ + - _ only)."""
    return INDEX_PREFIX + blind_index(email)


def audit_digest(purpose: str, value: str) -> str:
    """A keyed digest for the audit log where a plain hash would be a guess-checker (a
    note's content hash: its text can be confirmed by trying dates and service types).
    The same value gives the same digest, so the log can still be compared with the
    record by someone holding the key."""
    return hmac.new(_subkey(f"practice.audit.{purpose}"), value.encode(), hashlib.sha256).hexdigest()


def recovery_code_digest(code: str) -> str:
    """What is stored for a recovery code: 16 hex characters (64 bits) of a keyed HMAC
    (django-otp's token column holds 16). Codes are random and single-use, and the
    device is throttled, so 64 bits leave nothing to guess; without the key a stolen
    table confirms nothing."""
    typed = (code or "").strip().replace(" ", "").casefold()
    return hmac.new(_subkey("practice.otp.recovery"), typed.encode(), hashlib.sha256).hexdigest()[:16]


def audit_actor_name(user) -> str:
    """The name the audit log keeps for an account: staff by their username (see the
    README: staff identity), a client by a stable pseudonym, `client:<record number>`."""
    from practice.roles import Role

    if getattr(user, "role", "") != Role.CLIENT:
        return user.get_username()
    cached = getattr(user, "_audit_actor_name", None)
    if cached is None:
        from records.models import Client

        number = Client.objects.filter(user_id=user.pk).values_list("record_number", flat=True).first()
        cached = f"client:{number}" if number else f"client:user-{user.pk}"
        user._audit_actor_name = cached
    return cached
