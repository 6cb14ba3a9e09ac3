from django.db import migrations

# Superseded by 0007 (the body is now built in the database). Nothing is created here any
# more; 0007 installs the current functions.


def create(apps, schema_editor):
    pass


def drop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_auditevent_client_auditevent_audit_client_seq")]

    operations = [migrations.RunPython(create, drop)]
