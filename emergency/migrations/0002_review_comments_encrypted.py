"""The reviewer's comment on an emergency access is encrypted (bound to its row) like
the clinician's justification: typed by staff, it may name people."""

import records.fields
from django.db import migrations


def encrypt_comments(apps, schema_editor):
    from records.fields import crypter, encrypt_bound, unseal

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, review_comment FROM emergency_emergencyaccess WHERE review_comment IS NOT NULL")
        rows = cursor.fetchall()
    with connection.cursor() as cursor:
        for pk, comment in rows:
            try:  # already encrypted (a re-run): leave it
                unseal(crypter().decrypt(comment.encode("ascii")))
                continue
            except Exception:  # noqa: BLE001, S110 - plaintext: encrypt it below
                pass
            value = encrypt_bound("emergency_emergencyaccess", "review_comment", pk, comment) if comment else None
            cursor.execute("UPDATE emergency_emergencyaccess SET review_comment = %s WHERE id = %s", [value, pk])


class Migration(migrations.Migration):

    dependencies = [
        ('emergency', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='emergencyaccess',
            name='review_comment',
            field=records.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.RunPython(encrypt_comments, elidable=False),
    ]
