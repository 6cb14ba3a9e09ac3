import io

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings

from practice.models import User
from records.models import Client, PsychotherapyNote, SessionNote


class SeedDemoTest(TestCase):
    @override_settings(DEBUG=True)
    def test_seeds_a_practice_idempotently_and_prints_how_to_sign_in(self):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        call_command("seed_demo", stdout=io.StringIO())
        self.assertEqual(User.objects.filter(role="counselor").count(), 3)
        self.assertEqual(Client.objects.count(), 13)  # a dozen, and one former client past retention
        self.assertTrue(SessionNote.objects.filter(status="signed").exists())
        self.assertTrue(SessionNote.objects.filter(status="draft").exists())
        self.assertTrue(PsychotherapyNote.objects.exists())
        self.assert_clinical_record()
        from consent.models import Authorization, Disclosure

        states = {a.state_label for a in Authorization.objects.all()}
        self.assertEqual(states, {"Signed", "Revoked", "Expired", "Waiting for signature"})
        self.assertEqual(Disclosure.objects.count(), 2)
        self.assertIn("alex@example.invalid", out.getvalue())
        from audit.demo import DEMO_AGENT
        from audit.models import AuditEvent
        from audit.selectors import flags
        from audit.verify import verify_chain

        self.assertGreater(AuditEvent.objects.filter(user_agent=DEMO_AGENT).count(), 1000)
        self.assertTrue(verify_chain().ok)
        kinds = {f.kind for f in flags()}
        self.assertTrue({"after_hours", "denied", "many_charts", "self_provisioning", "role_change"} <= kinds, kinds)
        # Staff have their recovery codes, as after enrollment: no "0 left" warning at home.
        from practice.selectors import unused_recovery_code_count

        for person in User.objects.exclude(role="client"):
            self.assertEqual(unused_recovery_code_count(person), 10, person.username)

        from audit.models import FlagReview

        # One late chart opening is reviewed (listed with its comment), the other waits.
        review = FlagReview.objects.select_related("reviewer").get()
        self.assertEqual((review.kind, review.reviewer.username), ("after_hours", "avery.admin"))
        text = out.getvalue()
        self.assertIn("casey.counselor", text)
        self.assertIn("TOTP secret", text)
        self.assertIn("totp_code", text)
        # Printed so that it runs as shown in another terminal (without DJANGO_DEBUG=1 the
        # settings refuse to start).
        self.assertIn("DJANGO_DEBUG=1 .venv/bin/python manage.py totp_code USERNAME", text)

    @override_settings(DEBUG=False)
    def test_refuses_without_debug(self):
        with self.assertRaises(CommandError):
            call_command("seed_demo", stdout=io.StringIO())
        self.assertFalse(User.objects.exists())

    def assert_clinical_record(self):
        """Diagnoses, plans (one review overdue), months of PHQ-9 and GAD-7, an alert, a
        questionnaire waiting in the portal; seeded once (the command ran twice)."""
        from datetime import timedelta

        from django.utils import timezone

        from clinical.models import Diagnosis, Measure, MeasureAlert, TreatmentPlan
        from clinical.selectors import reviews_due

        active = Client.objects.filter(status="active", disposed_at__isnull=True)
        with_diagnosis = set(Diagnosis.objects.values_list("client_id", flat=True))
        self.assertTrue(with_diagnosis)
        self.assertEqual(TreatmentPlan.objects.filter(status="signed").count(), len(with_diagnosis))
        self.assertLessEqual(len(with_diagnosis), active.count())
        casey = User.objects.get(username="casey.counselor")
        due = list(reviews_due(casey))
        self.assertTrue(any(p.review_date < timezone.localdate() for p in due))
        for key in ("phq9", "gad7"):
            done = Measure.objects.filter(instrument=key, status="completed")
            dates = sorted(m.completed_at for m in done)
            self.assertGreaterEqual(dates[-1] - dates[0], timedelta(days=120), key)
        self.assertTrue(MeasureAlert.objects.filter(reviewed_at__isnull=True).exists())
        self.assertTrue(Measure.objects.filter(status="assigned", client__user__isnull=False).exists())
        self.assertEqual(Diagnosis.objects.filter(previous__isnull=False).count(), 1)


class SeedDemoNotesTest(TestCase):
    @override_settings(DEBUG=True)
    def test_intakes_a_discharge_summary_and_supervision_work_once(self):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
        from records.models import NoteReturn

        self.assertEqual(SessionNote.objects.filter(template="intk", status="signed").count(), 12)
        discharged = [c for c in Client.objects.filter(status="discharged") if c.first_name == "Hana"]
        self.assertEqual(len(discharged), 1)
        summary = SessionNote.objects.get(client=discharged[0], template="disc")
        self.assertEqual((summary.status, summary.date_of_service), ("signed", discharged[0].discharged_on))
        self.assertFalse(SessionNote.objects.filter(client=discharged[0], status="draft").exists())
        riley = User.objects.get(username="riley.counselor")
        self.assertTrue(riley.is_pre_licensed)
        self.assertEqual(riley.supervisor.username, "sam.supervisor")
        waiting = SessionNote.objects.filter(author=riley, status="signed", cosigned_at__isnull=True)
        returned = NoteReturn.objects.filter(answered_at__isnull=True)
        self.assertEqual(waiting.count(), 2)
        self.assertEqual(returned.count(), 1)
        self.assertIn(returned.get().note, waiting)
