"""The key-check value (records.keycheck), written under the key the existing data
decrypts with; a key list that reads none of it stops the migration."""

from django.db import migrations, models


def write_check_value(apps, schema_editor):
    from records import keycheck

    keycheck.write_initial(schema_editor.connection, apps=apps)


class Migration(migrations.Migration):
    dependencies = [("records", "0003_client_disposal"), ("consent", "0003_disclosure_rotation_mode")]

    operations = [
        migrations.CreateModel(
            name="KeyCheck",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.TextField()),
            ],
        ),
        migrations.RunPython(write_check_value, migrations.RunPython.noop),
    ]
