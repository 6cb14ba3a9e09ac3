"""Database-level append-only protection for the audit tables.

The application has no code path that changes an event; these triggers make sure no
other path (a shell, a stray UPDATE) can either, short of a database owner dropping
them, which the hash chain and external anchors then reveal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

APPEND_ONLY_TABLES = ("audit_auditevent", "audit_flagreview", "consent_disclosure")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_reject_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def install_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            _PG_FUNCTION,
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_reject_change();",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();",
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
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


def install(connection, tables=APPEND_ONLY_TABLES) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            for statement in install_sql(connection.vendor, table):
                cursor.execute(statement)


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
            for table in tables:
                if connection.vendor == "postgresql":
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER;")
                else:
                    for statement in install_sql(connection.vendor, table):
                        cursor.execute(statement)
