"""Re-encrypting every encrypted value under the newest key, and proving it is done.

Every table with encrypted columns is covered, append-only ones included (disclosure
records, and any audit table that holds encrypted columns): their batches run in the
"rotation" maintenance mode (audit.services.maintenance), which the append-only
triggers accept only for an UPDATE that changes nothing but the encrypted columns, and
which writes its own audit event in the same transaction. Nothing else about those
tables opens.

Resumable by construction: a value that already decrypts with the newest key is left
alone, so a run that was interrupted simply continues where values still need it.
MultiFernet.rotate keeps the plaintext as it is, so a value stays bound to its row and
column (records.fields) through any number of rotations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import connection, transaction

from audit.db import APPEND_ONLY_TABLES, MAINTENANCE_TABLE, ROTATION
from audit.services import maintenance
from audit.services import writing as audit_writing
from records import keycheck
from records.fields import DecryptionError, crypter, encrypted_fields, primary_fernet, unseal


@dataclass
class RotationResult:
    rotated: int = 0
    already_current: int = 0
    # Rows a service changed between the read and the re-encryption: left as written.
    changed_meanwhile: int = 0
    check_value_rotated: bool = False


@dataclass
class CheckResult:
    checked: int = 0
    # "app.Model.field" -> how many values the newest key alone cannot read.
    stale: dict[str, int] = field(default_factory=dict)
    # "app.Model.field" -> how many values name another place (or none): moved or planted.
    misplaced: dict[str, int] = field(default_factory=dict)
    check_value_current: bool = True
    maintenance_left_on: bool = False

    @property
    def ok(self) -> bool:
        return not self.stale and not self.misplaced and self.check_value_current and not self.maintenance_left_on

    def __str__(self) -> str:
        if self.ok:
            return f"checked={self.checked} all under the newest key"
        parts = [f"{label}={n}" for label, n in sorted(self.stale.items())]
        parts += [f"{label}: {n} not bound to their place" for label, n in sorted(self.misplaced.items())]
        if not self.check_value_current:
            parts.append("key check value not under the newest key")
        if self.maintenance_left_on:
            parts.append("a maintenance mode row is left on")
        return f"checked={self.checked} not readable with the newest key alone: " + ", ".join(parts)


def encrypted_models() -> list:
    return [m for m in apps.get_models() if encrypted_fields(m) and not m._meta.proxy and m._meta.managed]


def count_rows() -> int:
    return sum(m._base_manager.count() for m in encrypted_models())


def _batches(model, batch_size: int) -> Iterator[list[tuple]]:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in encrypted_fields(model))
    last = None
    while True:
        with connection.cursor() as cursor:
            # Raw values: the ORM would decrypt them on the way in.
            if last is None:
                cursor.execute(f"SELECT {pk}, {columns} FROM {table} ORDER BY {pk} LIMIT %s", [batch_size])  # noqa: S608
            else:
                cursor.execute(
                    f"SELECT {pk}, {columns} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",  # noqa: S608
                    [last, batch_size],
                )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def rotate_all(*, batch_size: int = 500, progress: Callable[[int], None] | None = None) -> RotationResult:
    """Rule: the key check value moves first (so processes with only the old key are
    refused from then on), then every value, table by table, in batches."""
    result = RotationResult()
    with transaction.atomic():
        result.check_value_rotated = keycheck.rotate_check_value(connection)
    newest = primary_fernet()
    multi = crypter()
    for model in encrypted_models():
        fields = encrypted_fields(model)
        table_name = model._meta.db_table
        table = connection.ops.quote_name(table_name)
        pk = connection.ops.quote_name(model._meta.pk.column)
        append_only = table_name in APPEND_ONLY_TABLES
        for rows in _batches(model, batch_size):
            changes = []
            for row in rows:
                updates = {}
                for f, value in zip(fields, row[1:], strict=True):
                    if value is None:
                        continue
                    token = value.encode("utf-8")
                    try:
                        newest.decrypt(token)
                        result.already_current += 1
                        continue
                    except InvalidToken:
                        pass
                    try:
                        updates[f.column] = (multi.rotate(token).decode("ascii"), value)
                    except InvalidToken:
                        raise DecryptionError(
                            f"{model._meta.label}.{f.name} (id {row[0]}) decrypts with no configured key"
                        ) from None
                if updates:
                    changes.append((row[0], updates))
            if changes:
                # Lock order (audit.services): the chain lock first, which every writing
                # service takes before it changes a row. The values were read before it,
                # so each UPDATE names the value it replaces: a row a service changed in
                # between (written under the newest key) is left as it is, never
                # overwritten with its older content.
                with audit_writing():
                    mode = (
                        maintenance(ROTATION, table=table_name, reason=f"re-encrypting {len(changes)} rows")
                        if append_only
                        else nullcontext()
                    )
                    with mode, connection.cursor() as cursor:
                        for row_pk, updates in changes:
                            assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in updates)
                            unchanged = " AND ".join(f"{connection.ops.quote_name(c)} = %s" for c in updates)
                            cursor.execute(
                                f"UPDATE {table} SET {assignments} WHERE {pk} = %s AND {unchanged}",  # noqa: S608
                                [*(new for new, _ in updates.values()), row_pk, *(old for _, old in updates.values())],
                            )
                            if cursor.rowcount:
                                result.rotated += len(updates)
                            else:
                                result.changed_meanwhile += 1
            if progress:
                progress(len(rows))
    return result


def check_all(*, batch_size: int = 500, progress: Callable[[int], None] | None = None) -> CheckResult:
    """Proof that the old keys can go: every value, and the key check value, decrypts
    with the newest key alone. Also names values bound to another place."""
    result = CheckResult(check_value_current=keycheck.newest_reads_check_value(connection))
    newest = primary_fernet()
    for model in encrypted_models():
        fields = encrypted_fields(model)
        for rows in _batches(model, batch_size):
            for row in rows:
                for f, value in zip(fields, row[1:], strict=True):
                    if value is None:
                        continue
                    result.checked += 1
                    label = f"{model._meta.label}.{f.name}"
                    try:
                        plaintext = newest.decrypt(value.encode("utf-8"))
                    except (InvalidToken, ValueError, TypeError):
                        result.stale[label] = result.stale.get(label, 0) + 1
                        continue
                    try:
                        place = unseal(plaintext)[:3]
                    except (ValueError, UnicodeDecodeError):
                        place = None
                    if place != (model._meta.db_table, f.column, str(row[0])):
                        result.misplaced[label] = result.misplaced.get(label, 0) + 1
            if progress:
                progress(len(rows))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {MAINTENANCE_TABLE}")  # noqa: S608 - constant
            result.maintenance_left_on = cursor.fetchone()[0] > 0
    return result
