from django.db import migrations

from audit import db


def install(apps, schema_editor):
    db.install(schema_editor.connection, tables=("consent_disclosure",), modes={})


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in db.drop_sql(schema_editor.connection.vendor, "consent_disclosure"):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial"), ("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(install, uninstall)]
