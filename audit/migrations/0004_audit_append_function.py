from django.db import migrations

from audit.services import CHAIN_LOCK_ID
from audit.sql import CREATE_AUDIT_APPEND, DROP_AUDIT_APPEND


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_AUDIT_APPEND % {"lock_id": CHAIN_LOCK_ID})


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_AUDIT_APPEND)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_auditevent_client_auditevent_audit_client_seq")]

    operations = [migrations.RunPython(create, drop)]
