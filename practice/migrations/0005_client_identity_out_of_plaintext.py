"""Client identity out of plaintext (practice.identity).

Every account's email is encrypted (bound to its row, like every encrypted field) and
indexed by a keyed HMAC (email_index). A client account's username, until now their
email, becomes `idx:` and the keyed HMAC of it, so they still sign in with the same
name; their first and last name are emptied (the Client record keeps them, encrypted).
Staff keep their usernames and names. Needs IDENTITY_INDEX_KEY and the newest
FIELD_ENCRYPTION_KEY of the running application.
"""

import practice.models
import records.fields
from django.db import migrations, models

BATCH = 500


def move_identity(apps, schema_editor):
    from practice.identity import blind_index, client_username
    from records.fields import crypter, encrypt_bound, unseal

    connection = schema_editor.connection
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, username, email, role FROM practice_user WHERE id > %s ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
        if not rows:
            break
        last = rows[-1][0]
        with connection.cursor() as cursor:
            for pk, username, email, role in rows:
                if email:
                    try:  # already encrypted (a re-run): leave it
                        unseal(crypter().decrypt(email.encode("ascii")))
                        continue
                    except Exception:  # noqa: BLE001, S110 - plaintext: encrypt it below
                        pass
                index = blind_index(email) if email else ""
                sealed = encrypt_bound("practice_user", "email", pk, email) if email else None
                if role == "client":
                    cursor.execute(
                        "UPDATE practice_user SET email = %s, email_index = %s, username = %s, "
                        "first_name = '', last_name = '' WHERE id = %s",
                        [sealed, index, client_username(username), pk],
                    )
                else:
                    cursor.execute(
                        "UPDATE practice_user SET email = %s, email_index = %s WHERE id = %s", [sealed, index, pk]
                    )


class Migration(migrations.Migration):

    dependencies = [
        ('practice', '0004_clear_superuser_and_staff_flags'),
        ('records', '0005_bind_encrypted_values'),
    ]

    operations = [
        migrations.AlterModelManagers(
            name='user',
            managers=[
                ('objects', practice.models.UserManager()),
            ],
        ),
        migrations.AddField(
            model_name='user',
            name='email_index',
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AlterField(
            model_name='user',
            name='email',
            field=records.fields.EncryptedEmailField(blank=True, null=True, verbose_name='email address'),
        ),
        migrations.RunPython(move_identity, elidable=False),
    ]
