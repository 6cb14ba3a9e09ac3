"""Bind every existing encrypted value to its table, column and row (records.fields:
the envelope inside the Fernet plaintext), re-encrypted under the newest key. Values
already bound are left alone. Append-only tables are changed in the "rotation"
maintenance mode, which lets only their encrypted columns change."""

from django.db import migrations

BATCH = 1000


def bind(apps, schema_editor):
    from cryptography.fernet import InvalidToken

    from audit import db
    from records.fields import crypter, encrypted_fields, primary_fernet, seal, unseal
    from records.keycheck import WRONG_MESSAGE, KeyCheckFailed

    connection = schema_editor.connection
    qn = connection.ops.quote_name
    multi, newest = crypter(), primary_fernet()
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if not fields or model._meta.proxy:
            continue
        table, pk = model._meta.db_table, model._meta.pk.column
        columns = ", ".join(qn(f.column) for f in fields)
        last = None
        while True:
            with connection.cursor() as cursor:
                where = "" if last is None else f"WHERE {qn(pk)} > %s "
                cursor.execute(
                    f"SELECT {qn(pk)}, {columns} FROM {qn(table)} {where}ORDER BY {qn(pk)} LIMIT {BATCH}",  # noqa: S608
                    [] if last is None else [last],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            changes = []
            for row in rows:
                updates = {}
                for field, value in zip(fields, row[1:], strict=True):
                    if value is None:
                        continue
                    try:
                        plaintext = multi.decrypt(value.encode("ascii"))
                    except InvalidToken:
                        raise KeyCheckFailed(f"{model._meta.label}.{field.name} (id {row[0]}): {WRONG_MESSAGE}") from None
                    try:
                        unseal(plaintext)
                        continue
                    except ValueError:
                        pass
                    sealed = seal(table, field.column, row[0], plaintext.decode("utf-8"))
                    updates[field.column] = newest.encrypt(sealed).decode("ascii")
                if updates:
                    changes.append((row[0], updates))
            if not changes:
                continue
            with connection.cursor() as cursor:
                append_only = table in db.APPEND_ONLY_TABLES
                if append_only:
                    cursor.execute(*db.set_mode_sql(connection.vendor, db.ROTATION))
                for row_pk, updates in changes:
                    assignments = ", ".join(f"{qn(c)} = %s" for c in updates)
                    cursor.execute(
                        f"UPDATE {qn(table)} SET {assignments} WHERE {qn(pk)} = %s",  # noqa: S608
                        [*updates.values(), row_pk],
                    )
                if append_only:
                    cursor.execute(*db.clear_mode_sql(connection.vendor))


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_keycheck"),
        ("consent", "0003_disclosure_rotation_mode"),
        ("practice", "0003_forget_typed_usernames"),
        ("emergency", "0001_initial"),
        ("retention", "0002_retention_triggers"),
        ("audit", "0009_maintenance_modes"),
    ]

    operations = [migrations.RunPython(bind, migrations.RunPython.noop)]
