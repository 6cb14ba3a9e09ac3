"""PostgreSQL: the retention guard (retention.db) also on the tables that came later:
supervisors' returns of notes, and the clinical record's diagnoses, treatment plans,
questionnaires and their alerts are deleted only inside an approved disposal.
SQLite: nothing (the application paths refuse)."""

from django.db import migrations

from retention import db


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            db.install_later_postgres(cursor)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            db.uninstall_later_postgres(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0002_retention_triggers"),
        ("clinical", "0002_plans_and_measures"),
        ("records", "0006_note_templates_and_returns"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
