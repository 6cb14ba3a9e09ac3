"""Reviewers' comments out of plaintext: each flag review's typed comment moves to a
ReviewComment (encrypted, bound to its row), and the append-only review row keeps an
empty comment. The append-only triggers are lifted for this one UPDATE (as the database
owner, who runs migrations) and installed again."""

import django.db.models.deletion
import records.fields
from django.db import migrations, models


def move_comments(apps, schema_editor):
    from audit import db

    connection = schema_editor.connection
    FlagReview = apps.get_model("audit", "FlagReview")
    ReviewComment = apps.get_model("audit", "ReviewComment")
    reviews = list(FlagReview.objects.exclude(comment="").values_list("id", "comment"))
    if not reviews:
        return
    for review_id, comment in reviews:
        if not ReviewComment.objects.filter(review_id=review_id).exists():
            ReviewComment.objects.create(review_id=review_id, text=comment)
    with connection.cursor() as cursor:
        for statement in db.drop_sql(connection.vendor, "audit_flagreview"):
            cursor.execute(statement)
        cursor.execute("UPDATE audit_flagreview SET comment = '' WHERE comment <> ''")
    db.install(connection, tables=("audit_flagreview",), apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0010_chain_head'),
    ]

    operations = [
        migrations.AlterField(
            model_name='flagreview',
            name='comment',
            field=models.CharField(blank=True, max_length=1000),
        ),
        migrations.CreateModel(
            name='ReviewComment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', records.fields.EncryptedTextField()),
                ('review', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='comment_text', to='audit.flagreview')),
            ],
        ),
        migrations.RunPython(move_comments, elidable=False),
    ]
