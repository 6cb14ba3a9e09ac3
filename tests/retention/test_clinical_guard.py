"""PostgreSQL: the retention guard covers the clinical record's tables too (diagnoses,
treatment plans, questionnaires and their alerts): a raw DELETE or TRUNCATE is refused
while the client is within retention, and an approved disposal still removes them."""

from datetime import date

from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from clinical.models import Diagnosis, Measure, MeasureAlert, TreatmentPlan
from clinical.services import diagnosis_add
from retention import services
from tests.clinical.base import completed, signed_plan
from tests.retention.base import RetentionTestCase

# PHQ-9 with item 9 above 0: it raises an alert row.
PHQ9_WITH_ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 1]


class ClinicalRetentionGuardTest(RetentionTestCase):
    def setUp(self):
        super().setUp()
        if connection.vendor != "postgresql":
            self.skipTest("database triggers: PostgreSQL only")

    def plant(self, client):
        diagnosis_add(actor=self.alice, record_number=client.record_number, code="F41.1", kind="primary")
        signed_plan(self.alice, client)
        completed(self.alice, client, "phq9", PHQ9_WITH_ITEM_9)

    def counts(self, client):
        return (
            Diagnosis.objects.filter(client=client).count(),
            TreatmentPlan.objects.filter(client=client).count(),
            Measure.objects.filter(client=client).count(),
            MeasureAlert.objects.filter(measure__client=client).count(),
        )

    def test_raw_delete_and_truncate_are_refused_within_retention(self):
        self.plant(self.rec)
        before = self.counts(self.rec)
        self.assertEqual(before[0], 1)
        self.assertEqual(before[1], 1)
        self.assertEqual(before[2], 1)
        self.assertGreaterEqual(before[3], 1)
        statements = [
            "DELETE FROM clinical_measurealert",
            "DELETE FROM clinical_measure",
            "DELETE FROM clinical_treatmentplan",
            "DELETE FROM clinical_diagnosis",
            "TRUNCATE clinical_measurealert",
            "TRUNCATE clinical_diagnosis CASCADE",
        ]
        for sql in statements:
            with self.assertRaises(DatabaseError, msg=sql), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        # The disposal mode alone opens nothing: the guard wants an approved disposal.
        with self.assertRaises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('practice.maintenance', 'disposal', true)")
            cursor.execute("DELETE FROM clinical_diagnosis")
        self.assertEqual(self.counts(self.rec), before)

    def test_an_approved_disposal_still_removes_them(self):
        self.plant(self.old)
        self.assertNotEqual(self.counts(self.old), (0, 0, 0, 0))
        disposal = services.disposal_propose(actor=self.avery, record_number=self.old.record_number)
        self.sign_in(self.blair)
        response = self.client.post(reverse("disposal_approve", args=[disposal.pk]))
        self.assertRedirects(response, reverse("retention_overview"), fetch_redirect_response=False)
        self.assertEqual(self.counts(self.old), (0, 0, 0, 0))
        self.assertLess(self.old.last_service_date, date(2020, 1, 1))
