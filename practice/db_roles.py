"""The application's own PostgreSQL role: it reads and writes rows, and owns nothing.

Why: the append-only triggers on the audit and disclosure tables stop everyone except a
table's owner (or a superuser), who can disable them (ALTER TABLE ... DISABLE TRIGGER)
or skip them (SET session_replication_role = replica). So the application must not be
that owner. Migrations run as the owner (MIGRATE_DATABASE_URL); the application
connects as a role made here (DATABASE_URL), which:

- owns no table, sequence or function, so it cannot ALTER, DROP, TRUNCATE or disable a
  trigger, and is not a superuser, so it cannot set session_replication_role;
- may SELECT, INSERT, UPDATE and DELETE rows, except: no UPDATE or DELETE on the audit
  events and flag reviews, no DELETE on the chain head. (DELETE on disclosure records
  stays: the retention guard's trigger allows it only inside an approved disposal.)

`grant_sql` is idempotent: run it (manage.py app_db_role) after every migration, which
`manage.py migrate` does by itself when MIGRATE_DATABASE_URL is set.
"""

from __future__ import annotations

from psycopg import sql

APPEND_ONLY = ("audit_auditevent", "audit_flagreview")
NO_DELETE = ("audit_chainhead",)


def create_sql(role: str, password: str | None) -> list:
    """CREATE ROLE for the application: log in, nothing more (needs CREATEROLE)."""
    statement = sql.SQL(
        "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
    ).format(sql.Identifier(role))
    if password:
        statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
    return [statement]


def grant_sql(role: str, database: str, tables: list[str]) -> list:
    r = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), r),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(r),
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(r),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(r),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(r),
    ]
    for table in APPEND_ONLY:
        if table in tables:
            statements.append(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(table), r))
    for table in NO_DELETE:
        if table in tables:
            statements.append(sql.SQL("REVOKE DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(table), r))
    return statements


def role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def check_role(cursor, role: str) -> list[str]:
    """What makes `role` unfit to run the application (empty when it is fit)."""
    problems = []
    cursor.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = %s",
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        return [f"role {role} does not exist"]
    for flag, name in zip(row, ("superuser", "createrole", "createdb", "replication", "bypassrls"), strict=True):
        if flag:
            problems.append(f"{role} has {name}")
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_has_role(%s, c.relowner, 'USAGE')",
        [role],
    )
    owned = [name for (name,) in cursor.fetchall()]
    if owned:
        problems.append(f"{role} owns (or inherits the owner of) {', '.join(sorted(owned)[:5])}")
    return problems


def apply(connection, role: str, *, create: bool = False, password: str | None = None) -> list[str]:
    """Create (optionally) and grant the application's role on this connection's
    database; return the statements run, as text."""
    with connection.cursor() as cursor:
        run = []
        if create and not role_exists(cursor, role):
            run += create_sql(role, password)
        tables = connection.introspection.table_names(cursor)
        run += grant_sql(role, connection.settings_dict["NAME"], tables)
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        texts = []
        for statement in run:
            text = statement.as_string(raw.connection)
            cursor.execute(text)
            texts.append(text)
    return texts
