"""Hand-written SELECTs for the few reads on every page view, built into model instances
exactly as the ORM builds them.

Why: on the note page, compiling ORM querysets cost several times what PostgreSQL spent
answering them (bench/note_page.py). These reads run a fixed statement instead; the rows
become ordinary model instances: the database backend's converters and then each field's
own `from_db_value` are applied, in that order, as the ORM's compiler applies them. That
keeps decryption fail-closed (records.fields) and dates and times as the ORM gives them.

Only columns that are named are read; the rest of the instance is deferred (as with
`QuerySet.only`), so an unneeded encrypted field is never decrypted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import Col


class Columns:
    """Some (or all) of a model's concrete columns under a table alias."""

    def __init__(self, model: type[Model], alias: str, names: Iterable[str] | None = None):
        wanted = set(names) if names is not None else None
        fields = [f for f in model._meta.concrete_fields if wanted is None or f.name in wanted or f.attname in wanted]
        if wanted is not None:
            unknown = wanted - {f.name for f in fields} - {f.attname for f in fields}
            if unknown:
                raise ValueError(f"{model._meta.label} has no columns {sorted(unknown)}")
        self.model = model
        self.alias = alias
        self.fields = fields
        self.attnames = [f.attname for f in fields]
        self._converters: dict[str, list] = {}
        self._text: dict[str, tuple[str, str]] = {}

    @property
    def table(self) -> str:
        """`table alias`, for a FROM or JOIN clause."""
        return self._sql()[0]

    def select(self) -> str:
        """The column list, for a SELECT clause."""
        return self._sql()[1]

    def _sql(self) -> tuple[str, str]:
        # Built once per database vendor (quoting differs), not on every request.
        found = self._text.get(connection.vendor)
        if found is None:
            qn = connection.ops.quote_name
            found = self._text[connection.vendor] = (
                f"{qn(self.model._meta.db_table)} {self.alias}",
                ", ".join(f"{self.alias}.{qn(f.column)}" for f in self.fields),
            )
        return found

    def _converters_for(self, conn) -> list:
        found = self._converters.get(conn.vendor)
        if found is None:
            found = []
            for f in self.fields:
                col = Col(self.alias, f)
                found.append((col, conn.ops.get_db_converters(col) + col.get_db_converters(conn)))
            self._converters[conn.vendor] = found
        return found

    def build(self, row: Sequence, start: int = 0) -> Model:
        """The instance from row[start:start + len(self.fields)]."""
        values = []
        for (col, converters), value in zip(self._converters_for(connection), row[start:], strict=False):
            for convert in converters:
                value = convert(value, col, connection)
            values.append(value)
        return self.model.from_db(connection.alias, self.attnames, values)

    def __len__(self) -> int:
        return len(self.fields)


def build_all(row: Sequence, *columns: Columns) -> list[Model]:
    """One instance per Columns, reading the row left to right."""
    instances, start = [], 0
    for cols in columns:
        instances.append(cols.build(row, start))
        start += len(cols)
    return instances


def fetch(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
