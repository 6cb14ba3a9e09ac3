"""Disclosure records stay append-only, except that key rotation may re-encrypt their
encrypted columns (audit.db: maintenance modes)."""

from django.db import migrations

from audit import db


def forwards(apps, schema_editor):
    db.install(schema_editor.connection, tables=("consent_disclosure",), apps=apps)


def backwards(apps, schema_editor):
    db.install(schema_editor.connection, tables=("consent_disclosure",), modes={})


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_disclosure_append_only"), ("audit", "0009_maintenance_modes")]

    operations = [migrations.RunPython(forwards, backwards)]
