"""Deny by default: a client's chart, notes and psychotherapy notes open only for the
assigned counselors (and, read-only, their supervisor). Every refusal is audited."""

from datetime import date

from django.urls import reverse

from audit.models import AuditEvent, Outcome
from records import services
from tests.base import sign_in, strip_csrf
from tests.records.base import RecordsTestCase


class ChartAccessTest(RecordsTestCase):
    def urls_for(self, note, pnote):
        rn = self.rec.record_number
        return [
            ("get", reverse("chart", args=[rn])),
            ("get", reverse("note_create", args=[rn])),
            ("post", reverse("note_create", args=[rn])),
            ("get", reverse("psychotherapy_note_create", args=[rn])),
            ("get", reverse("note_detail", args=[note.pk])),
            ("get", reverse("note_edit", args=[note.pk])),
            ("get", reverse("note_print", args=[note.pk])),
            ("post", reverse("note_sign", args=[note.pk])),
            ("post", reverse("note_cosign", args=[note.pk])),
            ("post", reverse("addendum_create", args=[note.pk])),
            ("get", reverse("psychotherapy_note_detail", args=[pnote.pk])),
        ]

    def test_unassigned_counselor_admin_superuser_and_client_get_404_or_403_everywhere(self):
        note = self.write_note()
        pnote = services.psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 11, 2), text="private"
        )
        for user in (self.bob, self.avery, self.root, self.claire):
            sign_in(self.client, user)
            for method, url in self.urls_for(note, pnote):
                response = getattr(self.client, method)(url, {"text": "x"} if method == "post" else None)
                self.assertIn(response.status_code, (403, 404), f"{user} {method} {url}")
                self.assertNotContains(response, "Morgan", status_code=response.status_code)
                self.assertNotContains(response, "better sleep", status_code=response.status_code)
            self.client.logout()
        self.assertGreaterEqual(
            AuditEvent.objects.filter(outcome=Outcome.DENIED, actor__in=[self.bob, self.avery, self.root]).count(), 30
        )

    def test_assigned_counselor_reads_the_chart_and_it_is_audited(self):
        note = self.write_note()
        self.sign_in(self.alice)
        response = self.client.get(reverse("chart", args=[self.rec.record_number]))
        self.assertContains(response, "Morgan Ellery")
        # The timeline shows the note's summary; its text is on the note page.
        self.assertContains(response, reverse("note_detail", args=[note.pk]))
        event = self.assertOneEvent("chart.view", actor=self.alice)
        self.assertEqual(event.client, self.rec)

    def test_denied_chart_view_is_audited_with_the_attempted_record(self):
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)
        event = self.assertOneEvent("chart.view", actor=self.bob, outcome=Outcome.DENIED)
        self.assertEqual(event.object_id, self.rec.record_number)

    def test_missing_and_not_yours_look_the_same(self):
        self.sign_in(self.bob)
        theirs = self.client.get(reverse("chart", args=[self.rec.record_number]))
        missing = self.client.get(reverse("chart", args=["C-999999"]))
        self.assertEqual(theirs.status_code, missing.status_code)
        self.assertEqual(strip_csrf(theirs.content), strip_csrf(missing.content))

    def test_supervisor_reads_but_does_not_write(self):
        note = self.write_note()
        self.sign_in(self.sam)
        self.assertContains(self.client.get(reverse("chart", args=[self.rec.record_number])), "Morgan")
        self.assertEqual(self.client.get(reverse("note_detail", args=[note.pk])).status_code, 200)
        self.assertEqual(self.client.get(reverse("note_create", args=[self.rec.record_number])).status_code, 404)
        before = note.client.notes.count()
        response = self.client.post(
            reverse("note_create", args=[self.rec.record_number]) + "?template=free",
            {
                "date_of_service": "2026-11-01",
                "duration_minutes": 30,
                "service_type": "individual",
                "template": "free",
                "section_note": "supervisor text",
            },
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(note.client.notes.count(), before)
        self.assertEqual(len(self.events("note.compose", actor=self.sam, outcome=Outcome.DENIED)), 2)
        with self.assertRaises(services.NotFound):
            services.note_create(
                actor=self.sam,
                record_number=self.rec.record_number,
                date_of_service=date(2026, 11, 1),
                duration_minutes=30,
                service_type="individual",
                template="free",
                sections={},
            )
        self.assertOneEvent("note.create", actor=self.sam, outcome=Outcome.DENIED)

    def test_reassignment_removes_the_old_counselors_access_on_the_next_request(self):
        self.sign_in(self.alice)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 200)
        services.assign(actor=self.avery, client=self.rec, counselor=self.bob, kind="primary")
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)
        sign_in(self.client, self.bob)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 200)
        self.assertEqual(self.active_kinds(self.rec), {self.bob.pk: "primary"})
        self.assertOneEvent("assignment.assign", actor=self.avery, client=self.rec, object_id=str(self.bob.pk))

    def test_co_therapist_gets_access_and_unassigning_removes_it(self):
        services.assign(actor=self.avery, client=self.rec, counselor=self.bob, kind="co_therapist")
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 200)
        services.unassign(actor=self.avery, client=self.rec, counselor=self.bob)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)
        self.assertOneEvent("assignment.unassign", actor=self.avery)

    def test_supervisor_access_follows_supervision(self):
        services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=None, pre_licensed=False)
        self.sign_in(self.sam)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)

    def test_global_permissions_and_superuser_flags_open_nothing(self):
        from django.contrib.auth.models import Permission

        self.bob.user_permissions.add(*Permission.objects.filter(codename__in=["view_chart", "write_notes"]))
        self.bob.is_superuser = True
        self.bob.save()
        self.sign_in(self.bob)
        self.assertEqual(self.client.get(reverse("chart", args=[self.rec.record_number])).status_code, 404)
        self.assertNotIn(self.rec, list(services.selectors.clients_for(self.bob)))

    def test_only_practice_admins_manage_assignments(self):
        for user in (self.alice, self.sam, self.claire):
            sign_in(self.client, user)
            url = reverse("admin_client_assignments", args=[self.rec.record_number])
            response = self.client.post(url, {"counselor": user.pk, "kind": "primary"})
            self.assertEqual(response.status_code, 403)
            self.assertEqual(self.client.get(reverse("admin_clients")).status_code, 403)
        self.assertEqual(self.active_kinds(self.rec), {self.alice.pk: "primary"})
        self.assertEqual(len(self.events("assignment.view", outcome=Outcome.DENIED)), 3)


class PsychotherapyNoteAccessTest(RecordsTestCase):
    def setUp(self):
        self.pnote = services.psychotherapy_note_create(
            actor=self.alice,
            record_number=self.rec.record_number,
            date_of_service=date(2026, 11, 2),
            text="Countertransference noted.",
        )

    def test_only_the_author_reads_it(self):
        self.sign_in(self.alice)
        self.assertContains(
            self.client.get(reverse("psychotherapy_note_detail", args=[self.pnote.pk])), "Countertransference"
        )
        self.assertOneEvent("pnote.view", actor=self.alice)
        services.assign(actor=self.avery, client=self.rec, counselor=self.bob, kind="co_therapist")
        for user in (self.sam, self.bob, self.avery, self.root):
            sign_in(self.client, user)
            response = self.client.get(reverse("psychotherapy_note_detail", args=[self.pnote.pk]))
            self.assertEqual(response.status_code, 404, user)
        self.assertEqual(len(self.events("pnote.view", outcome=Outcome.DENIED)), 4)

    def test_it_is_not_in_the_chart_timeline_for_anyone_else(self):
        self.sign_in(self.sam)
        self.assertNotContains(self.client.get(reverse("chart", args=[self.rec.record_number])), "Countertransference")


class AdminOnlyPagesTest(RecordsTestCase):
    def test_others_cannot_register_clients_or_end_assignments(self):
        for user in (self.alice, self.sam, self.claire):
            sign_in(self.client, user)
            response = self.client.post(
                reverse("admin_client_create"),
                {"first_name": "X", "last_name": "Y", "date_of_birth": "1990-01-01"},
            )
            self.assertEqual(response.status_code, 403, user)
            response = self.client.post(reverse("admin_unassign", args=[self.rec.record_number, self.alice.pk]))
            self.assertEqual(response.status_code, 403, user)
        self.assertEqual(self.active_kinds(self.rec), {self.alice.pk: "primary"})
        self.assertFalse(services.selectors.Client.objects.filter(record_number="C-000003").exists())
        self.assertEqual(len(self.events("client.create", outcome=Outcome.DENIED)), 3)


class FailClosedAuditTest(RecordsTestCase):
    """If the audit write fails, no data is returned and no change is kept."""

    def failing_audit(self):
        from unittest import mock

        from django.db import DatabaseError

        return mock.patch("audit.services._append", side_effect=DatabaseError("audit table unavailable"))

    def test_a_chart_read_returns_nothing_when_its_event_cannot_be_written(self):
        from django.db import DatabaseError

        self.write_note()
        self.sign_in(self.alice)
        with self.failing_audit(), self.assertRaises(DatabaseError):
            self.client.get(reverse("chart", args=[self.rec.record_number]))
        with self.failing_audit(), self.assertRaises(DatabaseError):
            services.chart_view(actor=self.alice, record_number=self.rec.record_number)

    def test_a_note_is_not_kept_when_its_event_cannot_be_written(self):
        from django.db import DatabaseError

        from records.models import SessionNote

        with self.failing_audit(), self.assertRaises(DatabaseError):
            self.write_note()
        self.assertFalse(SessionNote.objects.exists())
        note = self.write_note()
        with self.failing_audit(), self.assertRaises(DatabaseError):
            services.note_sign(actor=self.alice, note_id=note.pk)
        note.refresh_from_db()
        self.assertEqual(note.status, "draft")
