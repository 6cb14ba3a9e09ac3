"""Encrypted model fields that fail closed, each value bound to its place.

django-encrypted-model-fields 0.6.5 returns the stored value unchanged when it cannot
decrypt it (a wrong key, a damaged value, plaintext written around the field): the page
would show ciphertext, or a planted value, as if it were the record. These subclasses
keep EncryptedMixin in the hierarchy (its storage type and migrations) but:

- decrypt only when reading from the database, strictly: any failure raises
  DecryptionError, which the request turns into an error page that shows nothing from
  the record and a `record.decrypt_failed` audit event;
- never decrypt in to_python: values from forms and full_clean() are plaintext already;
- take keys from settings.FIELD_ENCRYPTION_KEY only (newest first), re-read when the
  setting changes, never from the database.

Binding (security note): the authenticated Fernet plaintext is an envelope

    b"bind1" US table US column US row-id US value        (US = the byte 0x1f)

so a ciphertext copied to another row, or to another column, decrypts but names another
place, and is refused like a damaged value. Table and column are checked as the value
is read (from_db_value); the row, which from_db_value cannot see, is checked when the
instance is built (the model's from_db, which the ORM, select_related, raw() and
practice.sql all go through). Every model with one of these fields gets this
automatically (class_prepared below), including a row id known before its INSERT: the
primary key is drawn from the table's sequence first. Consequences:

- write these fields through instances (save(), create(), bulk_create()); QuerySet.update()
  and bulk_update() have no row to bind to and are refused;
- read them through instances; values()/values_list() give an unverified value that
  refuses to be used as text;
- key rotation (MultiFernet.rotate) keeps the plaintext, so the binding survives it;
  a renamed table or column needs its values re-bound by a migration.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connections, models, router, transaction
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import class_prepared
from encrypted_model_fields.fields import EncryptedMixin

ENVELOPE = b"bind1"
SEP = b"\x1f"


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key, or belongs to
    another row or column. The message names the field, never the value."""


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


# --- The envelope ---------------------------------------------------------------------------
def seal(table: str, column: str, row, value: str) -> bytes:
    """The plaintext that is encrypted: the value and its place."""
    return SEP.join((ENVELOPE, table.encode(), column.encode(), str(row).encode(), value.encode("utf-8")))


def unseal(plaintext: bytes) -> tuple[str, str, str, str]:
    """(table, column, row, value); ValueError if it is not an envelope."""
    parts = plaintext.split(SEP, 4)
    if len(parts) != 5 or parts[0] != ENVELOPE:
        raise ValueError("not a bound value")
    return parts[1].decode(), parts[2].decode(), parts[3].decode(), parts[4].decode("utf-8")


def encrypt_bound(table: str, column: str, row, value: str) -> str:
    return crypter().encrypt(seal(table, column, row, value)).decode("ascii")


class _Bound:
    """A value on its way to the database, with the row it belongs to."""

    __slots__ = ("row", "value")

    def __init__(self, value, row):
        self.value = value
        self.row = row


class Unverified:
    """A decrypted value whose row is not checked yet (the instance is being built).
    Outside an instance (values(), values_list()) it refuses to be used."""

    __slots__ = ("row", "value")

    def __init__(self, value, row: str):
        self.value = value
        self.row = row

    def __str__(self):
        raise DecryptionError("an encrypted value read without its row: read it through the model instance")

    def __repr__(self) -> str:
        return "<encrypted value, row not verified>"


class FailClosedEncryptedMixin(EncryptedMixin):
    def _label(self) -> str:
        return f"{self.model._meta.label}.{self.name}" if hasattr(self, "model") else self.name

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            plaintext = crypter().decrypt(value.encode("utf-8") if isinstance(value, str) else value)
        except (InvalidToken, TypeError, ValueError):
            raise DecryptionError(
                f"{self._label()} could not be decrypted: wrong FIELD_ENCRYPTION_KEY or a damaged value"
            ) from None
        try:
            table, column, row, text = unseal(plaintext)
        except (ValueError, UnicodeDecodeError):
            raise DecryptionError(f"{self._label()} holds a value not bound to any place") from None
        if table != self.model._meta.db_table or column != self.column:
            raise DecryptionError(f"{self._label()} holds a value that belongs to another column")
        # The base field's own parsing (dates), skipping EncryptedMixin's lenient decrypt.
        return Unverified(super(EncryptedMixin, self).to_python(text), row)

    def to_python(self, value):
        return super(EncryptedMixin, self).to_python(value)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if value is None:
            return None
        if model_instance.pk is None:
            raise ValueError(f"{self._label()}: the row needs its primary key before an encrypted value is written")
        return _Bound(value, model_instance.pk)

    def get_db_prep_save(self, value, connection):
        if value is None:
            return None
        if not isinstance(value, _Bound):
            raise TypeError(
                f"{self._label()} is written through a model instance (save, create, bulk_create): "
                "QuerySet.update() and bulk_update() cannot bind a value to its row"
            )
        plain = super(EncryptedMixin, self).get_db_prep_save(value.value, connection)
        if plain is None:
            return None
        return encrypt_bound(self.model._meta.db_table, self.column, value.row, str(plain))


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


# --- Every model with encrypted fields: row ids before INSERT, rows checked on load ----------
def verify_rows(instance) -> None:
    """Replace each Unverified value by its value, if it names this instance's row."""
    state = instance.__dict__
    for field in encrypted_fields(type(instance)):
        value = state.get(field.attname)
        if isinstance(value, Unverified):
            if value.row != str(instance.pk):
                raise DecryptionError(f"{field._label()} holds a value that belongs to another row")
            state[field.attname] = value.value


def allocate_row_id(connection, model) -> int:
    """A primary key from the table's own sequence, before the INSERT, so the values can
    be bound to it. Unique across processes like the automatic one."""
    table, column = model._meta.db_table, model._meta.pk.column
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [qn(table), column])
            return cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            # AUTOINCREMENT tables keep their counter in sqlite_sequence; moving it here
            # reserves the number (writers are serialized; both statements in one transaction).
            with transaction.atomic(using=connection.alias):
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT %s, 0 "
                    "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s)",
                    [table, table],
                )
                cursor.execute(
                    f"UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max({qn(column)}), 0) "  # noqa: S608
                    f"FROM {qn(table)})) + 1 WHERE name = %s RETURNING seq",
                    [table],
                )
                return cursor.fetchone()[0]
    raise NotImplementedError(f"row ids before INSERT are not written for {connection.vendor}")


def _install_binding(sender, **kwargs) -> None:
    model = sender
    if model._meta.abstract or model._meta.proxy or not encrypted_fields(model):
        return
    if "from_db" not in model.__dict__:
        plain_from_db = model.from_db.__func__

        def from_db(cls, db, field_names, values):
            instance = plain_from_db(cls, db, field_names, values)
            verify_rows(instance)
            return instance

        model.from_db = classmethod(from_db)
    pk = model._meta.pk
    if isinstance(pk, AutoFieldMixin) and "get_pk_value_on_save" not in pk.__dict__:
        # Called by save() and bulk_create() when the instance has no primary key yet.
        def get_pk_value_on_save(instance, _model=model):
            instance._state.row_id_drawn = True
            return allocate_row_id(connections[router.db_for_write(_model, instance=instance)], _model)

        pk.get_pk_value_on_save = get_pk_value_on_save

        # save() tries an UPDATE first when the primary key is set; a key just drawn
        # from the sequence has no row yet, so go straight to the INSERT.
        plain_do_update = model._do_update

        def _do_update(self, *args, **kwargs):
            drawn = getattr(self._state, "row_id_drawn", False)
            self._state.row_id_drawn = False
            if drawn and self._state.adding:
                return False
            return plain_do_update(self, *args, **kwargs)

        model._do_update = _do_update


class_prepared.connect(_install_binding, dispatch_uid="records.fields.binding")
