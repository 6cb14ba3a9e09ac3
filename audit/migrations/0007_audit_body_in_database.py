from django.db import migrations

from audit.sql import (
    CREATE_AUDIT_APPEND,
    CREATE_AUDIT_BODY,
    DROP_AUDIT_APPEND,
    DROP_AUDIT_APPEND_V1,
    DROP_AUDIT_BODY,
)

CHAIN_LOCK_ID = 0x5EC0_4D17  # audit.services.CHAIN_LOCK_ID, frozen here


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_AUDIT_APPEND_V1)
        schema_editor.execute(CREATE_AUDIT_BODY)
        schema_editor.execute(CREATE_AUDIT_APPEND % {"lock_id": CHAIN_LOCK_ID})


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_AUDIT_APPEND)
        schema_editor.execute(DROP_AUDIT_BODY)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_flagreview_append_only")]

    operations = [migrations.RunPython(create, drop)]
