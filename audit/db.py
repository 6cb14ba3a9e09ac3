"""Database-level append-only protection for the audit tables and disclosure records.

The application has no code path that changes an event; these triggers make sure no
other path (a shell, a stray UPDATE) can either, short of a database owner dropping
them, which the hash chain and external anchors then reveal.

Maintenance modes (the one controlled way through the triggers)
----------------------------------------------------------------
Some operator work must touch an append-only row without opening the table to anything
else. Key rotation re-encrypts the ciphertext columns of disclosure records: the same
plaintext under a new key. A table is installed with the modes it accepts, each with
the columns that mode may change:

    install(connection, tables=("consent_disclosure",), modes={"rotation": (...columns)})

An UPDATE is then accepted only when

- the transaction is in that mode (PostgreSQL: the transaction-local setting
  `practice.maintenance`, set with set_config(..., true); SQLite, which has no session
  settings: a row in `audit_maintenance`, written and removed inside the same
  transaction, so no other connection ever sees it committed), and
- nothing but that mode's columns changes.

Every other UPDATE, every DELETE, and TRUNCATE (PostgreSQL) stays refused, in any mode.
Enter a mode only through `audit.services.maintenance(mode, ...)`, which also writes
the audit event for it in the same transaction. A new mode (for example a controlled
disposal after retention) adds its name and columns here, and its own rule in the
trigger if it needs more than "these columns may change".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

APPEND_ONLY_TABLES = ("audit_auditevent", "audit_flagreview", "consent_disclosure")

MAINTENANCE_SETTING = "practice.maintenance"
MAINTENANCE_TABLE = "audit_maintenance"  # SQLite only
ROTATION = "rotation"

# TG_ARGV holds pairs: a mode's name, then the comma-separated columns it may change.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_reject_change() RETURNS trigger AS $$
DECLARE
    v_mode text := coalesce(current_setting('practice.maintenance', true), '');
    v_allowed text[];
    i integer := 0;
BEGIN
    IF TG_OP = 'UPDATE' AND v_mode <> '' THEN
        WHILE i + 1 < TG_NARGS LOOP
            IF TG_ARGV[i] = v_mode THEN
                v_allowed := string_to_array(TG_ARGV[i + 1], ',');
                IF (to_jsonb(NEW) - v_allowed) = (to_jsonb(OLD) - v_allowed) THEN
                    RETURN NEW;
                END IF;
            END IF;
            i := i + 2;
        END LOOP;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def rotation_modes(table: str, apps=None) -> dict[str, tuple[str, ...]]:
    """The modes a table accepts: key rotation may change its encrypted columns."""
    from django.apps import apps as global_apps

    from records.fields import encrypted_fields

    for model in (apps or global_apps).get_models():
        if model._meta.db_table == table:
            columns = tuple(f.column for f in encrypted_fields(model))
            return {ROTATION: columns} if columns else {}
    return {}


def _table_columns(connection, table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def install_sql(
    vendor: str, table: str, modes: Mapping[str, Iterable[str]] | None = None, columns=(), *, refuse_delete=True
) -> list[str]:
    """`columns`: all of the table's columns (SQLite needs them to say what may not change).
    `refuse_delete=False` (PostgreSQL): another trigger owns DELETE on this table, as
    retention.db's guard does on consent_disclosure (it refuses outside an approved
    disposal)."""
    modes = {mode: tuple(cols) for mode, cols in (modes or {}).items() if cols}
    if vendor == "postgresql":
        args = ", ".join(f"'{part}'" for mode, cols in modes.items() for part in (mode, ",".join(cols)))
        return [
            _PG_FUNCTION,
            f"CREATE TRIGGER {table}_no_change BEFORE {'UPDATE OR DELETE' if refuse_delete else 'UPDATE'} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION audit_reject_change({args});",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();",
        ]
    if vendor == "sqlite":
        when = ""
        if modes:
            allowed = []
            for mode, cols in modes.items():
                unchanged = [f'NEW."{c}" IS OLD."{c}"' for c in columns if c not in cols]
                allowed.append(
                    f"(EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE} WHERE mode = '{mode}')"  # noqa: S608 - constants
                    + "".join(f" AND {u}" for u in unchanged)
                    + ")"
                )
            when = " WHEN NOT (" + " OR ".join(allowed) + ")"
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}{when} "
            f"BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE on {table} is not allowed'); END;",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE on {table} is not allowed'); END;",
        ]
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


def drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
    ]


def install(
    connection, tables=APPEND_ONLY_TABLES, *, modes: Mapping | None = None, apps=None, refuse_delete=True
) -> None:
    """Install (or re-install) the triggers. `modes={}` (the first migrations) refuses
    every change; `modes=None` gives each table the modes its model allows (rotation of
    its encrypted columns), read from `apps` (a migration's historical apps) or, without
    it, the current models."""
    with connection.cursor() as cursor:
        for table in tables:
            table_modes = modes if modes is not None else rotation_modes(table, apps)
            columns = _table_columns(connection, table) if table_modes and connection.vendor == "sqlite" else ()
            for statement in drop_sql(connection.vendor, table):
                cursor.execute(statement)
            for statement in install_sql(connection.vendor, table, table_modes, columns, refuse_delete=refuse_delete):
                cursor.execute(statement)


def set_mode_sql(vendor: str, mode: str) -> tuple[str, list]:
    if vendor == "postgresql":
        return "SELECT set_config(%s, %s, true)", [MAINTENANCE_SETTING, mode]
    return f"INSERT INTO {MAINTENANCE_TABLE} (mode) VALUES (%s)", [mode]  # noqa: S608 - constant


def clear_mode_sql(vendor: str) -> tuple[str, list]:
    if vendor == "postgresql":
        return "SELECT set_config(%s, '', true)", [MAINTENANCE_SETTING]
    return f"DELETE FROM {MAINTENANCE_TABLE}", []  # noqa: S608 - constant


@contextmanager
def triggers_suspended(connection, tables=APPEND_ONLY_TABLES) -> Iterator[None]:
    """Test-suite only: lets the test database be emptied between tests. Never used by
    the application."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred foreign-key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE;")
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER;")
            else:
                for statement in drop_sql(connection.vendor, table):
                    cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE;")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER;")
        else:
            install(connection, tables)
