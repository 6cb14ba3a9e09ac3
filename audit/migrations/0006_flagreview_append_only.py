from django.db import migrations

from audit import db


def install(apps, schema_editor):
    db.install(schema_editor.connection, tables=("audit_flagreview",), modes={})


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in db.drop_sql(schema_editor.connection.vendor, "audit_flagreview"):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_review_and_verification")]

    operations = [migrations.RunPython(install, uninstall)]
