"""django-axes kept the username typed into every failed sign-in (passwords included,
when someone typed one there) and every successful one. From now on it keeps a keyed
hash only (practice.lockout); the rows written before are deleted. This also ends any
lockout in progress."""

from django.db import migrations


def forget(apps, schema_editor):
    for name in ("AccessAttempt", "AccessFailureLog", "AccessLog"):
        apps.get_model("axes", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0002_user_is_pre_licensed_user_supervisor"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
