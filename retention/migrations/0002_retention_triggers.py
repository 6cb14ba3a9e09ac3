"""PostgreSQL: triggers refuse DELETE and TRUNCATE of client records, notes, addenda,
psychotherapy notes, authorizations and disclosure records outside an approved disposal
(retention.db). SQLite: nothing (the application paths refuse)."""

from django.db import migrations

from retention import db


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            db.install_postgres(cursor)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            db.uninstall_postgres(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_initial"),
        ("records", "0003_client_disposal"),
        ("consent", "0002_disclosure_append_only"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
