"""Maintenance modes for the append-only triggers (audit.db): PostgreSQL's trigger
function learns the modes given as trigger arguments; SQLite gets the table that holds a
transaction's mode (always empty outside one)."""

from django.db import migrations

from audit import db


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(db._PG_FUNCTION)
        else:
            cursor.execute(f"CREATE TABLE {db.MAINTENANCE_TABLE} (mode varchar(32) NOT NULL)")


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {db.MAINTENANCE_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_flag_kinds_self_provisioning_role_change")]

    operations = [migrations.RunPython(forwards, backwards)]
