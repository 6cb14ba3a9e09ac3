"""Re-encrypting every encrypted value under the newest key.

Resumable by construction: a value that already decrypts with the newest key is left
alone, so a run that was interrupted simply continues where the values still need it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import connection, transaction

from records.fields import DecryptionError, crypter, encrypted_fields, primary_fernet


@dataclass
class RotationResult:
    rotated: int = 0
    already_current: int = 0


def encrypted_models() -> list:
    return [m for m in apps.get_models() if encrypted_fields(m)]


def count_rows() -> int:
    return sum(m.objects.count() for m in encrypted_models())


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
    result = RotationResult()
    newest = primary_fernet()
    multi = crypter()
    for model in encrypted_models():
        fields = encrypted_fields(model)
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        for rows in _batches(model, batch_size):
            with transaction.atomic():
                for row in rows:
                    updates = {}
                    for field, value in zip(fields, row[1:], strict=True):
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
                            updates[field.column] = multi.rotate(token).decode("ascii")
                        except InvalidToken:
                            raise DecryptionError(
                                f"{model._meta.label}.{field.name} (id {row[0]}) decrypts with no configured key"
                            ) from None
                    if updates:
                        assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in updates)
                        with connection.cursor() as cursor:
                            cursor.execute(
                                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                                [*updates.values(), row[0]],
                            )
                        result.rotated += len(updates)
            if progress:
                progress(len(rows))
    return result
