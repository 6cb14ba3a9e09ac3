"""Caseload and chart cost the same number of queries for 5 and for 50 rows."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records import services
from tests.records.base import RecordsTestCase


class QueryCountTest(RecordsTestCase):
    def queries_for(self, url) -> int:
        self.client.get(url)  # warm per-process caches (content types) first
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(ctx)

    def add_clients(self, n):
        for i in range(n):
            client = services.client_create(
                actor=self.avery,
                first_name=f"F{i}",
                last_name="L",
                date_of_birth=date(1990, 1, 1),
                counselor=self.alice,
            )
            self.write_note(client=client)

    def add_notes(self, n):
        for _ in range(n):
            note = self.write_note()
            services.note_sign(actor=self.alice, note_id=note.pk)
            services.addendum_create(actor=self.alice, note_id=note.pk, text="addendum")

    def test_caseload_queries_do_not_grow_with_clients(self):
        self.sign_in(self.alice)
        self.add_clients(4)
        five = self.queries_for(reverse("caseload"))
        self.add_clients(45)
        fifty = self.queries_for(reverse("caseload"))
        self.assertEqual(five, fifty)

    def test_chart_queries_do_not_grow_with_notes(self):
        self.sign_in(self.alice)
        self.add_notes(5)
        url = reverse("chart", args=[self.rec.record_number])
        five = self.queries_for(url)
        self.add_notes(45)
        fifty = self.queries_for(url)
        self.assertEqual(five, fifty)

    def test_admin_client_list_queries_do_not_grow(self):
        self.sign_in(self.avery)
        self.add_clients(3)
        few = self.queries_for(reverse("admin_clients"))
        self.add_clients(30)
        self.assertEqual(few, self.queries_for(reverse("admin_clients")))
