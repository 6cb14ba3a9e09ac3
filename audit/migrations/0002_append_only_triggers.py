from django.db import migrations

from audit import db


def install(apps, schema_editor):
    db.install(schema_editor.connection, tables=("audit_auditevent",), modes={})


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table in ("audit_auditevent",):
            for statement in db.drop_sql(schema_editor.connection.vendor, table):
                cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
