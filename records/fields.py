"""Encrypted model fields that fail closed.

django-encrypted-model-fields 0.6.5 returns the stored value unchanged when it cannot
decrypt it (a wrong key, a damaged value, plaintext written around the field): the page
would show ciphertext, or a planted value, as if it were the record. These subclasses
keep EncryptedMixin in the hierarchy (its storage type and migrations) but:

- decrypt only in from_db_value, strictly: any failure raises DecryptionError, which the
  request turns into an error page that shows nothing from the record;
- never decrypt in to_python: values from forms and full_clean() are plaintext already;
- take keys from settings.FIELD_ENCRYPTION_KEY only (newest first), re-read when the
  setting changes, never from the database.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from encrypted_model_fields.fields import EncryptedMixin


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key. The message
    names the field, never the value."""


@lru_cache(maxsize=4)
def _crypter_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY holds no key")
    return MultiFernet([Fernet(k) for k in keys])


def crypter() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEY
    return _crypter_for(tuple(keys) if isinstance(keys, list | tuple) else (keys,))


def primary_fernet() -> Fernet:
    keys = settings.FIELD_ENCRYPTION_KEY
    return Fernet(keys[0] if isinstance(keys, list | tuple) else keys)


def _reset(setting, **kwargs):
    if setting == "FIELD_ENCRYPTION_KEY":
        _crypter_for.cache_clear()


setting_changed.connect(_reset)


def encrypt_text(plaintext: str) -> str:
    return crypter().encrypt(plaintext.encode("utf-8")).decode("ascii")


class FailClosedEncryptedMixin(EncryptedMixin):
    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            plaintext = crypter().decrypt(value.encode("utf-8") if isinstance(value, str) else value)
        except (InvalidToken, TypeError, ValueError):
            label = f"{self.model._meta.label}.{self.name}" if hasattr(self, "model") else self.name
            raise DecryptionError(
                f"{label} could not be decrypted: wrong FIELD_ENCRYPTION_KEY or a damaged value"
            ) from None
        # The base field's own parsing (dates), skipping EncryptedMixin's lenient decrypt.
        return super(EncryptedMixin, self).to_python(plaintext.decode("utf-8"))

    def to_python(self, value):
        return super(EncryptedMixin, self).to_python(value)

    def get_db_prep_save(self, value, connection):
        value = super(EncryptedMixin, self).get_db_prep_save(value, connection)
        if value is None:
            return None
        return encrypt_text(str(value))


class EncryptedCharField(FailClosedEncryptedMixin, models.CharField):
    pass


class EncryptedTextField(FailClosedEncryptedMixin, models.TextField):
    pass


class EncryptedDateField(FailClosedEncryptedMixin, models.DateField):
    pass


class EncryptedEmailField(FailClosedEncryptedMixin, models.EmailField):
    pass


def encrypted_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, FailClosedEncryptedMixin)]
