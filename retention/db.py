"""Database-level retention guard (PostgreSQL), and the transaction-local disposal mode.

On PostgreSQL, triggers refuse DELETE (and TRUNCATE) of a client's record, session
notes, addenda, psychotherapy notes, authorizations and disclosure records, whatever
path the statement comes from (the application, a shell, psql). Client rows are never
deleted: a disposed client's row is its tombstone. The other rows may be deleted only
inside a transaction that

  1. has set the transaction-local setting `practice.maintenance` to 'disposal'
     (retention.services does, through `disposal_mode`, and resets it at once), and
  2. holds a completed Disposal of that client, approved by an admin other than the
     proposer, whose retention date has passed, with no legal hold standing.

This is the same kind of escape hatch as key rotation's `practice.maintenance` mode on
the append-only tables, and composes with it: on consent_disclosure, UPDATE stays with
the append-only trigger (rotation's hatch) and DELETE goes to this guard (disposal's).
The audit tables have no disposal hatch: audit events are never disposed of.

SQLite has no such triggers (the application paths refuse); its append-only trigger on
consent_disclosure is dropped and re-created inside the disposal's own transaction
(SQLite DDL is transactional), so no other connection ever sees it missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

MAINTENANCE_SETTING = "practice.maintenance"
DISPOSAL_MODE = "disposal"

# table -> how a row names its client (the guard's trigger argument)
GUARDED_TABLES = {
    "records_sessionnote": "client",
    "records_addendum": "note",
    "records_psychotherapynote": "client",
    "consent_authorization": "client",
    "consent_disclosure": "client",
}
CLIENT_TABLE = "records_client"
ALL_TABLES = (CLIENT_TABLE, *GUARDED_TABLES)
# Tables that came later (supervisors' returns of notes, through their note like addenda;
# the clinical record's diagnoses, treatment plans, questionnaires and their alerts):
# migration retention.0003 puts the same guard on them.
LATER_GUARDED_TABLES = {
    "records_notereturn": "note",
    "clinical_diagnosis": "client",
    "clinical_treatmentplan": "client",
    "clinical_measure": "client",
    "clinical_measurealert": "measure",
}

_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION retention_guard_delete() RETURNS trigger AS $$
DECLARE
    v_client bigint;
BEGIN
    -- TG_ARGV[0]: how the row names its client ('note': through its session note,
    -- 'measure': through its questionnaire).
    IF TG_ARGV[0] = 'note' THEN
        SELECT n.client_id INTO v_client FROM records_sessionnote n WHERE n.id = OLD.note_id;
    ELSIF TG_ARGV[0] = 'measure' THEN
        SELECT m.client_id INTO v_client FROM clinical_measure m WHERE m.id = OLD.measure_id;
    ELSE
        v_client := OLD.client_id;
    END IF;
    IF current_setting('practice.maintenance', true) = 'disposal'
       AND EXISTS (
           SELECT 1 FROM retention_disposal d
           WHERE d.client_id = v_client AND d.status = 'completed'
             AND d.approved_by_id IS NOT NULL AND d.approved_by_id <> d.proposed_by_id
             AND d.retain_until < current_date)
       AND NOT EXISTS (
           SELECT 1 FROM retention_legalhold h WHERE h.client_id = v_client AND h.released_at IS NULL)
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'retention: DELETE on % refused: client % is within its retention period, under legal hold, '
        'or not approved for disposal by two practice admins', TG_TABLE_NAME, v_client
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

_REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION retention_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'retention: % on % refused: client records are disposed of only through an approved '
        'disposal, and client rows never (they are the tombstone)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def install_postgres(cursor) -> None:
    cursor.execute(_GUARD_FUNCTION)
    cursor.execute(_REFUSE_FUNCTION)
    cursor.execute(
        f"CREATE TRIGGER {CLIENT_TABLE}_retention_no_delete BEFORE DELETE ON {CLIENT_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION retention_refuse();"
    )
    for table, via in GUARDED_TABLES.items():
        if table == "consent_disclosure":
            # Append-only stays for UPDATE; DELETE moves to the retention guard.
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};")
            cursor.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_reject_change();"
            )
        cursor.execute(
            f"CREATE TRIGGER {table}_retention_delete BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION retention_guard_delete('{via}');"
        )
    for table in ALL_TABLES:
        if table == "consent_disclosure":
            continue  # already refuses TRUNCATE (append-only)
        cursor.execute(
            f"CREATE TRIGGER {table}_retention_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION retention_refuse();"
        )


def install_later_postgres(cursor) -> None:
    """The guard on the later tables (retention.0003)."""
    cursor.execute(_GUARD_FUNCTION)
    for table, via in LATER_GUARDED_TABLES.items():
        cursor.execute(
            f"CREATE TRIGGER {table}_retention_delete BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION retention_guard_delete('{via}');"
        )
        cursor.execute(
            f"CREATE TRIGGER {table}_retention_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION retention_refuse();"
        )


def uninstall_later_postgres(cursor) -> None:
    for table in LATER_GUARDED_TABLES:
        cursor.execute(f"DROP TRIGGER IF EXISTS {table}_retention_delete ON {table};")
        cursor.execute(f"DROP TRIGGER IF EXISTS {table}_retention_no_truncate ON {table};")


def uninstall_postgres(cursor) -> None:
    for table in ALL_TABLES:
        cursor.execute(f"DROP TRIGGER IF EXISTS {table}_retention_no_delete ON {table};")
        cursor.execute(f"DROP TRIGGER IF EXISTS {table}_retention_delete ON {table};")
        cursor.execute(f"DROP TRIGGER IF EXISTS {table}_retention_no_truncate ON {table};")
    cursor.execute("DROP TRIGGER IF EXISTS consent_disclosure_no_change ON consent_disclosure;")
    cursor.execute(
        "CREATE TRIGGER consent_disclosure_no_change BEFORE UPDATE OR DELETE ON consent_disclosure "
        "FOR EACH ROW EXECUTE FUNCTION audit_reject_change();"
    )
    cursor.execute("DROP FUNCTION IF EXISTS retention_guard_delete();")
    cursor.execute("DROP FUNCTION IF EXISTS retention_refuse();")


@contextmanager
def disposal_mode(connection) -> Iterator[None]:
    """Inside the disposal's transaction only: lets the database accept the deletion of
    that client's rows (PostgreSQL: the guard still checks the approved disposal and
    legal holds). Reset before the block ends, even on error."""
    from audit.db import drop_sql, install_sql

    if not connection.in_atomic_block:
        raise RuntimeError("disposal_mode must run inside the disposal's transaction")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, %s, true)", [MAINTENANCE_SETTING, DISPOSAL_MODE])
        elif connection.vendor == "sqlite":
            delete_trigger = [s for s in drop_sql("sqlite", "consent_disclosure") if "_no_delete" in s]
            for statement in delete_trigger:
                cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, '', true)", [MAINTENANCE_SETTING])
            elif connection.vendor == "sqlite":
                for statement in install_sql("sqlite", "consent_disclosure"):
                    if "_no_delete" in statement:
                        cursor.execute(statement)


@contextmanager
def triggers_suspended(connection) -> Iterator[None]:
    """Test-suite only (emptying the test database between tests). PostgreSQL only:
    SQLite has no retention triggers."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE;")
        for table in (*ALL_TABLES, *LATER_GUARDED_TABLES):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER;")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE;")
            for table in (*ALL_TABLES, *LATER_GUARDED_TABLES):
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER;")
