"""Second factors at rest: authenticator keys move from django-otp's TOTPDevice
(plaintext) to AuthenticatorDevice (the key an encrypted field, bound to its row), and
the old rows are deleted; recovery codes are replaced in place by their keyed digests
(practice.identity.recovery_code_digest). Sessions verified with an old authenticator
row ask for a code again. Needs IDENTITY_INDEX_KEY and the newest FIELD_ENCRYPTION_KEY.
"""

import django.db.models.deletion
import practice.models
import records.fields
from django.conf import settings
from django.db import migrations, models


def move_second_factors(apps, schema_editor):
    from practice.identity import recovery_code_digest

    OldDevice = apps.get_model("otp_totp", "TOTPDevice")
    NewDevice = apps.get_model("practice", "AuthenticatorDevice")
    copied = ("user_id", "name", "confirmed", "step", "t0", "digits", "tolerance", "drift", "last_t")
    copied += ("throttling_failure_timestamp", "throttling_failure_count", "created_at", "last_used_at")
    for old in OldDevice.objects.order_by("id").iterator():
        # save() draws the new row's id first, then encrypts the key bound to it.
        NewDevice.objects.create(key=old.key, **{name: getattr(old, name) for name in copied})
    OldDevice.objects.all().delete()

    Token = apps.get_model("otp_static", "StaticToken")
    hexdigits = set("0123456789abcdef")
    for token in Token.objects.order_by("id").iterator():
        if len(token.token) == 16 and set(token.token) <= hexdigits:
            continue  # already a digest (a re-run)
        token.token = recovery_code_digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):

    dependencies = [
        ('otp_static', '0003_add_timestamps'),
        ('otp_totp', '0003_add_timestamps'),
        ('practice', '0005_client_identity_out_of_plaintext'),
    ]

    operations = [
        migrations.CreateModel(
            name='RecoveryCodeDevice',
            fields=[
            ],
            options={
                'verbose_name': 'recovery codes',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('otp_static.staticdevice',),
        ),
        migrations.CreateModel(
            name='AuthenticatorDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key', records.fields.EncryptedCharField(default=practice.models._new_totp_key)),
                ('step', models.PositiveSmallIntegerField(default=30)),
                ('t0', models.BigIntegerField(default=0)),
                ('digits', models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ('tolerance', models.PositiveSmallIntegerField(default=1)),
                ('drift', models.SmallIntegerField(default=0)),
                ('last_t', models.BigIntegerField(default=-1)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'authenticator app',
                'abstract': False,
            },
        ),
        migrations.RunPython(move_second_factors, elidable=False),
    ]
