"""A wrong FIELD_ENCRYPTION_KEY is refused before anything is written.

The database holds one key-check value: a known text encrypted under the key the data
is written with (table records_keycheck, written by the migration that creates it).
Every process checks it on its first database connection (`connection_created`, so
runserver, gunicorn, every management command, a shell: anything that can write), and
practice/wsgi.py and asgi.py check at import, so a web server with a wrong key never
boots. Outcomes:

- the newest key reads it: go on;
- only an older key in the list reads it: a rotation is pending. Refused, except for
  `rotate_encryption_key`, whose first step re-encrypts the check value under the newest
  key (also alone, with `--prepare`, so web processes with `new,old` can start before the
  data is re-encrypted). Processes started later with only the old key are then refused;
- no configured key reads it: refused.

A refusal closes the connection and raises KeyCheckFailed, whose message names
FIELD_ENCRYPTION_KEY. The check runs once per process for a given database and key list.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS

TABLE = "records_keycheck"
CHECK_TEXT = b"practice-records FIELD_ENCRYPTION_KEY check v1"

OK, PENDING, WRONG, EMPTY, UNMIGRATED = "ok", "pending", "wrong", "empty", "unmigrated"

WRONG_MESSAGE = (
    "Refusing to start: no key in FIELD_ENCRYPTION_KEY can read this database's key check. "
    "The key is wrong, or the key the data is written with is missing from the list. "
    "Nothing was written. Set FIELD_ENCRYPTION_KEY to that key (several keys: newest first)."
)
PENDING_MESSAGE = (
    "Refusing to start: the newest key in FIELD_ENCRYPTION_KEY is not the one this database "
    "is written with (an older key in the list is). If it is a new key, run "
    "`manage.py rotate_encryption_key --prepare` (or the whole rotation) first; if not, the "
    "newest key is wrong. Nothing was written."
)


class KeyCheckFailed(ImproperlyConfigured):
    """FIELD_ENCRYPTION_KEY does not fit the database. The message says what to do."""


_verified: set[tuple] = set()
_allow_pending = {"on": False}


def _keys() -> tuple[str, ...]:
    from django.conf import settings

    keys = settings.FIELD_ENCRYPTION_KEY
    return tuple(keys) if isinstance(keys, list | tuple) else (keys,)


def _identity(connection, keys) -> tuple:
    return (connection.vendor, str(connection.settings_dict.get("NAME")), keys)


def _reads(key: str, token: str) -> bool:
    try:
        return Fernet(key).decrypt(token.encode("ascii")) == CHECK_TEXT
    except (InvalidToken, ValueError, TypeError):
        return False


def _tables(connection) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _token(connection) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} ORDER BY id LIMIT 1")  # noqa: S608 - constant
        row = cursor.fetchone()
    return row[0] if row else None


def state(connection, keys: tuple[str, ...] | None = None) -> str:
    keys = keys or _keys()
    if TABLE not in _tables(connection):
        return UNMIGRATED
    token = _token(connection)
    if token is None:
        return EMPTY
    if _reads(keys[0], token):
        return OK
    if any(_reads(k, token) for k in keys[1:]):
        return PENDING
    return WRONG


def _sample_values(connection, apps=None) -> list[str]:
    """The first row's encrypted values of every table that has encrypted columns."""
    from django.apps import apps as global_apps

    from records.fields import encrypted_fields

    tables = _tables(connection)
    qn = connection.ops.quote_name
    values = []
    for model in (apps or global_apps).get_models():
        fields = encrypted_fields(model)
        if not fields or model._meta.db_table not in tables:
            continue
        columns = ", ".join(qn(f.column) for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {qn(model._meta.db_table)} ORDER BY {qn(model._meta.pk.column)} LIMIT 1"  # noqa: S608
            )
            row = cursor.fetchone()
        values.extend(v for v in row or () if v)
    return values


def write_initial(connection, apps=None) -> None:
    """Write the check value (first migrate, or a check table found empty) under the
    first configured key that reads the data already there: the newest on a new
    database. Refuses if no configured key reads it."""
    keys = _keys()
    samples = _sample_values(connection, apps)
    for key in keys:
        fernet = Fernet(key)
        try:
            for value in samples:
                fernet.decrypt(value.encode("ascii"))
        except (InvalidToken, ValueError, TypeError):
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (token) VALUES (%s)",  # noqa: S608 - constant
                [fernet.encrypt(CHECK_TEXT).decode("ascii")],
            )
        return
    raise KeyCheckFailed(WRONG_MESSAGE)


def enforce(connection, *, allow_pending: bool | None = None) -> str:
    """Raise KeyCheckFailed unless the keys fit this database. Returns the state."""
    keys = _keys()
    ident = _identity(connection, keys)
    if ident in _verified:
        return OK
    if allow_pending is None:
        allow_pending = _allow_pending["on"]
    found = state(connection, keys)
    if found == EMPTY:
        write_initial(connection)
        found = state(connection, keys)
    if found == WRONG:
        raise KeyCheckFailed(WRONG_MESSAGE)
    if found == PENDING and not allow_pending:
        raise KeyCheckFailed(PENDING_MESSAGE)
    if found == OK:
        _verified.add(ident)
    return found


def rotate_check_value(connection) -> bool:
    """Re-encrypt the check value under the newest key (rotation's first step). It must
    be readable by a configured key first: a rotation never starts from a wrong list.
    Returns True if it changed."""
    keys = _keys()
    found = state(connection, keys)
    if found == EMPTY:
        write_initial(connection)
        found = state(connection, keys)
    if found == WRONG:
        raise KeyCheckFailed(WRONG_MESSAGE)
    if found != PENDING:
        return False
    token = _token(connection)
    rotated = MultiFernet([Fernet(k) for k in keys]).rotate(token.encode("ascii")).decode("ascii")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET token = %s", [rotated])  # noqa: S608 - constant
    _verified.add(_identity(connection, keys))
    return True


def newest_reads_check_value(connection) -> bool:
    return state(connection) == OK


class allow_pending_rotation:  # noqa: N801 - used as a context manager
    """Lets this process connect while a rotation is pending (rotate_encryption_key)."""

    def __enter__(self):
        self._before = _allow_pending["on"]
        _allow_pending["on"] = True
        return self

    def __exit__(self, *exc):
        _allow_pending["on"] = self._before
        return False


def forget() -> None:
    """Tests: check again on the next connection."""
    _verified.clear()


def on_connection_created(sender, connection, **kwargs) -> None:
    """Security note: runs before the first statement of every new connection; a
    refusal closes the connection, so nothing is read or written through it."""
    if connection.alias != DEFAULT_DB_ALIAS:
        return
    try:
        enforce(connection)
    except KeyCheckFailed:
        connection.close()
        raise


def enforce_at_start() -> None:
    """For the WSGI/ASGI entry points: connect now, so a wrong key stops the server
    before it accepts a request."""
    from django.db import connection

    connection.ensure_connection()
    enforce(connection)
