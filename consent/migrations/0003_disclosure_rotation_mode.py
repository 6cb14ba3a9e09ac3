"""Disclosure records stay append-only, except that key rotation may re-encrypt their
encrypted columns (audit.db: maintenance modes)."""

from django.db import migrations

from audit import db


def _delete_is_retentions(connection) -> bool:
    # On PostgreSQL, DELETE on this table belongs to the retention guard (retention.db,
    # installed by retention 0002): it refuses outside an approved disposal.
    return connection.vendor == "postgresql"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    db.install(
        connection, tables=("consent_disclosure",), apps=apps, refuse_delete=not _delete_is_retentions(connection)
    )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    db.install(
        connection, tables=("consent_disclosure",), modes={}, refuse_delete=not _delete_is_retentions(connection)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_disclosure_append_only"),
        ("audit", "0009_maintenance_modes"),
        ("retention", "0002_retention_triggers"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
