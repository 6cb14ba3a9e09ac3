"""The blind search index (records.search), filled for the clients already registered."""

import django.db.models.deletion
from django.db import migrations, models


def index_existing(apps, schema_editor):
    from records.search import client_digests

    Client = apps.get_model("records", "Client")
    Token = apps.get_model("records", "ClientSearchToken")
    for client in Client.objects.filter(disposed_at__isnull=True).order_by("pk").iterator(chunk_size=500):
        Token.objects.bulk_create(
            [
                Token(client_id=client.pk, digest=d)
                for d in client_digests(
                    first_name=client.first_name,
                    last_name=client.last_name,
                    preferred_name=client.preferred_name,
                    date_of_birth=client.date_of_birth,
                )
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("records", "0006_note_templates_and_returns")]

    operations = [
        migrations.CreateModel(
            name="ClientSearchToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(max_length=32)),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="records.client"
                    ),
                ),
            ],
            options={"indexes": [models.Index(fields=["digest", "client"], name="search_digest_client")]},
        ),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]
