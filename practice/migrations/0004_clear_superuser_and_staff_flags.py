"""is_superuser and is_staff open nothing in this product, and nothing sets them (the
Django admin is gone, createsuperuser refuses). Flags set before are cleared, so that no
later code that asks them could find one."""

from django.db import migrations


def clear(apps, schema_editor):
    User = apps.get_model("practice", "User")
    User.objects.filter(is_superuser=True).update(is_superuser=False)
    User.objects.filter(is_staff=True).update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [("practice", "0003_forget_typed_usernames")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
