"""The chart's timeline: note summaries, 20 a page (keyset), and no note content or
addendum text decrypted on the chart; the note page shows the full text."""

from datetime import date, timedelta
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records import services
from records.models import Addendum, SessionNote
from tests.records.base import RecordsTestCase


def no_decryption_of(*fields):
    """Patch each encrypted field so that reading it from the database fails the test."""
    patches = [
        mock.patch.object(field, "from_db_value", side_effect=AssertionError(f"{field} was decrypted"))
        for field in fields
    ]

    class _All:
        def __enter__(self):
            for p in patches:
                p.start()

        def __exit__(self, *exc):
            for p in patches:
                p.stop()

    return _All()


CONTENT = SessionNote._meta.get_field("content")
ADDENDUM_TEXT = Addendum._meta.get_field("text")


class ChartTimelineTest(RecordsTestCase):
    def setUp(self):
        self.url = reverse("chart", args=[self.rec.record_number])

    def add_notes(self, n, start=date(2025, 1, 1)):
        notes = []
        for i in range(n):
            note = self.write_note(date_of_service=start + timedelta(days=i))
            notes.append(services.note_sign(actor=self.alice, note_id=note.pk))
        return notes

    def shown(self, response) -> list[int]:
        return [note.pk for note in response.context["notes"]]

    def test_first_page_is_the_twenty_newest_then_older_pages(self):
        notes = self.add_notes(25)
        newest_first = [n.pk for n in sorted(notes, key=lambda n: (n.date_of_service, n.pk), reverse=True)]
        self.sign_in(self.alice)
        first = self.client.get(self.url)
        self.assertEqual(self.shown(first), newest_first[:20])
        cursor = first.context["next_cursor"]
        self.assertContains(first, f"?before={cursor}")
        second = self.client.get(self.url, {"before": cursor})
        self.assertEqual(self.shown(second), newest_first[20:])
        self.assertIsNone(second.context["next_cursor"])
        self.assertContains(second, "Newest notes")

    def test_same_day_notes_are_not_lost_between_pages(self):
        notes = [self.write_note(date_of_service=date(2025, 3, 3)) for _ in range(23)]
        self.sign_in(self.alice)
        first = self.client.get(self.url)
        second = self.client.get(self.url, {"before": first.context["next_cursor"]})
        self.assertEqual(sorted(self.shown(first) + self.shown(second)), sorted(n.pk for n in notes))

    def test_chart_decrypts_no_note_content_and_no_addendum(self):
        notes = self.add_notes(3)
        services.addendum_create(actor=self.alice, note_id=notes[0].pk, text="Addendum text here.")
        self.sign_in(self.alice)
        with no_decryption_of(CONTENT, ADDENDUM_TEXT), CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Reports better sleep")
        self.assertNotContains(response, "Addendum text here.")
        self.assertContains(response, "1 addendum")
        # Not even selected: no statement reads a note's content or an addendum's text.
        for query in queries:
            self.assertNotIn('"records_sessionnote"."content"', query["sql"])
            self.assertNotIn('"records_addendum"."text"', query["sql"])
        # The patch does catch a read through the ORM.
        with no_decryption_of(CONTENT), self.assertRaises(AssertionError):
            list(SessionNote.objects.filter(client=self.rec))

    def test_note_page_shows_the_full_text(self):
        (note,) = self.add_notes(1)
        services.addendum_create(actor=self.alice, note_id=note.pk, text="Addendum text here.")
        self.sign_in(self.alice)
        response = self.client.get(reverse("note_detail", args=[note.pk]))
        self.assertContains(response, "Reports better sleep.")
        self.assertContains(response, "Continue weekly.")
        self.assertContains(response, "Addendum text here.")

    def test_summary_shows_what_identifies_the_note(self):
        (note,) = self.add_notes(1)
        self.sign_in(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, reverse("note_detail", args=[note.pk]))
        self.assertContains(response, "Individual therapy")
        self.assertContains(response, "50 min")
        self.assertContains(response, "Signed")

    def test_query_count_is_the_same_for_3_and_40_notes(self):
        self.sign_in(self.alice)
        self.add_notes(3)
        self.client.get(self.url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url)
        notes = self.add_notes(37, start=date(2024, 1, 1))
        for note in notes[:5]:
            services.addendum_create(actor=self.alice, note_id=note.pk, text="x")
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(self.url)
        self.assertEqual(len(response.context["notes"]), 20)
        self.assertEqual(len(few), len(many))
        with CaptureQueriesContext(connection) as older:
            self.client.get(self.url, {"before": response.context["next_cursor"]})
        self.assertEqual(len(older), len(many))

    def test_bad_cursors_show_the_first_page(self):
        self.add_notes(2)
        self.sign_in(self.alice)
        for value in ("x", "2025-13-01_1", "2025-01-01_", "2025-01-01_99999999999999999999", "١٢_٣", "\x00", "9" * 500):
            response = self.client.get(self.url, {"before": value})
            self.assertEqual(response.status_code, 200, value)
            self.assertEqual(len(response.context["notes"]), 2, value)

    def test_unassigned_counselor_gets_no_page_of_the_timeline(self):
        self.add_notes(2)
        self.sign_in(self.bob)
        response = self.client.get(self.url, {"before": "2030-01-01_1"})
        self.assertEqual(response.status_code, 404)
        self.assertOneEvent("chart.view", actor=self.bob, outcome="denied")

    def test_each_page_is_one_chart_view_event(self):
        self.add_notes(21)
        self.sign_in(self.alice)
        first = self.client.get(self.url)
        self.client.get(self.url, {"before": first.context["next_cursor"]})
        self.assertEqual(len(self.events("chart.view", actor=self.alice)), 2)
