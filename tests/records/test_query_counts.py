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


class ListPagingTest(RecordsTestCase):
    """The caseload and the admin's client list: 50 a page by record number (keyset),
    the same number of queries for a page whatever the number of clients."""

    def add_clients(self, n, counselor=None):
        from records.models import Client

        for i in range(n):
            services.client_create(
                actor=self.avery,
                first_name=f"Page{i}",
                last_name="Client",
                date_of_birth=date(1990, 1, 1),
                counselor=counselor or self.alice,
            )
        return list(Client.objects.order_by("record_number").values_list("record_number", flat=True))

    def queries(self, url, data=None):
        self.client.get(url, data)
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url, data)
        self.assertEqual(response.status_code, 200)
        return len(ctx), response

    def test_caseload_pages(self):
        self.add_clients(54)  # alice: rec and 54 more
        mine = [c.record_number for c in services.selectors.caseload(self.alice)]
        self.assertEqual(len(mine), 55)
        self.sign_in(self.alice)
        first = self.client.get(reverse("caseload"))
        self.assertEqual([c.record_number for c in first.context["clients"]], mine[:50])
        self.assertContains(first, f"?after={mine[49]}")
        second = self.client.get(reverse("caseload"), {"after": first.context["next_after"]})
        self.assertEqual([c.record_number for c in second.context["clients"]], mine[50:])
        self.assertIsNone(second.context["next_after"])
        self.assertEqual(len(self.events("caseload.view", actor=self.alice)), 2)

    def test_admin_list_pages_and_query_count_does_not_grow(self):
        self.sign_in(self.avery)
        numbers = self.add_clients(3)
        few, _ = self.queries(reverse("admin_clients"))
        numbers = self.add_clients(60, counselor=self.bob)
        many, response = self.queries(reverse("admin_clients"))
        self.assertEqual([c.record_number for c in response.context["clients"]], numbers[:50])
        self.assertEqual(few, many)
        later, response = self.queries(reverse("admin_clients"), {"after": response.context["next_after"]})
        self.assertEqual([c.record_number for c in response.context["clients"]], numbers[50:])
        self.assertEqual(later, many)

    def test_bad_cursors_are_the_first_page(self):
        self.add_clients(2)
        for user, url in ((self.alice, reverse("caseload")), (self.avery, reverse("admin_clients"))):
            self.sign_in(user)
            for value in ("\x00", "x" * 500, "١٢", ""):
                response = self.client.get(url, {"after": value})
                self.assertEqual(response.status_code, 200, value)
                self.assertTrue(response.context["clients"], value)

    def test_a_counselor_cannot_page_through_the_admin_list(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("admin_clients"), {"after": "C-000000"})
        self.assertEqual(response.status_code, 403)
        self.assertOneEvent("client.list", actor=self.alice, outcome="denied")

    def test_lists_decrypt_no_contact_details(self):
        from unittest import mock

        from records.models import Client

        self.add_clients(3)
        fields = [Client._meta.get_field(name) for name in ("address", "phone", "email", "emergency_contact")]
        patches = [mock.patch.object(f, "from_db_value", side_effect=AssertionError(f.name)) for f in fields]
        for p in patches:
            p.start()
        try:
            for user, url in ((self.alice, reverse("caseload")), (self.avery, reverse("admin_clients"))):
                self.sign_in(user)
                self.assertEqual(self.client.get(url).status_code, 200, url)
        finally:
            for p in patches:
                p.stop()
