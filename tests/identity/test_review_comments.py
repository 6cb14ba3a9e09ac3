"""Comments typed by reviewers are encrypted: a flag review's comment is a ReviewComment
(the append-only review row keeps none), an emergency access's review comment an
encrypted field; the migrations move the comments written before."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import DatabaseError, connection, transaction

from audit import services as audit_services
from audit.db import triggers_suspended
from audit.models import FlagReview, Outcome
from emergency.models import EmergencyAccess
from emergency.services import emergency_open, emergency_review
from tests.consent.base import ConsentTestCase

JUSTIFICATION = "Covering a crisis call for a colleague today."


class Editor:
    def __init__(self):
        self.connection = connection


def column(table: str, name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {name} FROM {table}")  # noqa: S608 - fixed names
        return repr(cursor.fetchall())


class ReviewCommentsTest(ConsentTestCase):
    def setUp(self):
        self.access = emergency_open(
            actor=self.alice,
            record_number=self.other.record_number,
            reason="covering",
            justification=JUSTIFICATION,
        )
        emergency_review(actor=self.avery, access_id=self.access.pk, decision="escalated", comment="Ask Quentin Vale.")
        self.denied = audit_services.record(action="test.denied", outcome=Outcome.DENIED)
        audit_services.review_flag(actor=self.avery, seq=self.denied.seq, kind="denied", comment="Called Quentin Vale.")

    def test_comments_are_encrypted_and_read_back(self):
        self.assertNotIn("Quentin", column("emergency_emergencyaccess", "review_comment"))
        self.assertNotIn("Quentin", column("audit_flagreview", "comment"))
        self.assertNotIn("Quentin", column("audit_reviewcomment", "text"))
        self.assertEqual(EmergencyAccess.objects.get(pk=self.access.pk).review_comment, "Ask Quentin Vale.")
        review = FlagReview.objects.get(event=self.denied, kind="denied")
        self.assertEqual(review.comment_text.text, "Called Quentin Vale.")
        # The review row itself stays append-only.
        with self.assertRaises(DatabaseError), transaction.atomic():
            FlagReview.objects.filter(pk=review.pk).update(comment="x")

    def test_the_migrations_move_comments_written_before(self):
        review = FlagReview.objects.get(event=self.denied, kind="denied")
        review.comment_text.delete()
        with triggers_suspended(connection, tables=("audit_flagreview",)), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_flagreview SET comment = %s WHERE id = %s", ["Old Quentin note.", review.pk])
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE emergency_emergencyaccess SET review_comment = %s WHERE id = %s",
                ["Old Quentin.", self.access.pk],
            )
        importlib.import_module("audit.migrations.0011_review_comments_encrypted").move_comments(apps, Editor())
        importlib.import_module("emergency.migrations.0002_review_comments_encrypted").encrypt_comments(apps, Editor())
        for table, name in (
            ("audit_flagreview", "comment"),
            ("audit_reviewcomment", "text"),
            ("emergency_emergencyaccess", "review_comment"),
        ):
            self.assertNotIn("Quentin", column(table, name))
        self.assertEqual(FlagReview.objects.get(pk=review.pk).comment_text.text, "Old Quentin note.")
        self.assertEqual(EmergencyAccess.objects.get(pk=self.access.pk).review_comment, "Old Quentin.")
        # The append-only triggers are back.
        with self.assertRaises(DatabaseError), transaction.atomic():
            FlagReview.objects.filter(pk=review.pk).update(comment="x")
        with self.assertRaises(DatabaseError), transaction.atomic():
            FlagReview.objects.filter(pk=review.pk).delete()
