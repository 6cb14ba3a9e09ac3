"""The note page's fixed statements (records.selectors, practice.sql) give what the ORM
gives, refuse what guardian refuses, and cost a fixed number of queries."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice.sql import Columns
from records import selectors, services
from records.models import Client, SessionNote
from records.permissions import VIEW_CHART, WRITE_NOTES
from tests.records.base import RecordsTestCase


class NoteReadTest(RecordsTestCase):
    def add_addenda(self, note, *texts):
        for text in texts:
            services.addendum_create(actor=self.alice, note_id=note.pk, text=text)

    def test_the_note_is_the_one_the_orm_loads_field_for_field(self):
        note = self.signed_note()
        found = selectors.note_for(self.alice, note.pk)
        expected = SessionNote.objects.get(pk=note.pk)
        for field in SessionNote._meta.concrete_fields:
            self.assertEqual(getattr(found, field.attname), getattr(expected, field.attname), field.name)
        # Dates and times arrive as the ORM gives them (aware datetimes, dates).
        self.assertEqual(found.date_of_service, date(2026, 11, 2))
        self.assertIsNotNone(found.signed_at.tzinfo)
        self.assertEqual(found.client.display_name, "Morgan Ellery")
        self.assertEqual(found.author, self.alice)

    def test_identifying_fields_a_note_page_does_not_show_stay_unread(self):
        found = selectors.note_for(self.alice, self.signed_note().pk)
        self.assertEqual(
            found.client.get_deferred_fields(),
            {
                "date_of_birth",
                "email",
                "phone",
                "address",
                "emergency_contact",
                "is_minor",
                "last_service_date",
                "discharged_on",
                "user_id",
                "created_at",
                "part2_since",
            },
        )

    def test_only_holders_of_the_permission_get_the_note(self):
        note = self.signed_note()
        self.assertIsNotNone(selectors.note_for(self.alice, note.pk, WRITE_NOTES))
        self.assertIsNotNone(selectors.note_for(self.sam, note.pk, VIEW_CHART))  # supervisor reads
        self.assertIsNone(selectors.note_for(self.sam, note.pk, WRITE_NOTES))  # ... but does not write
        for user in (self.bob, self.avery, self.root, self.claire):
            self.assertIsNone(selectors.note_for(user, note.pk), user.username)
            self.assertIsNone(selectors.note_with_addenda_for(user, note.pk), user.username)
        self.assertIsNone(selectors.note_for(self.alice, note.pk + 1000))

    def test_addenda_come_in_signing_order_with_their_authors(self):
        note = self.signed_note()
        self.assertEqual(selectors.note_with_addenda_for(self.alice, note.pk).addenda_list, [])
        self.add_addenda(note, "First correction.", "Second correction.")
        found = selectors.note_with_addenda_for(self.alice, note.pk)
        self.assertEqual([a.text for a in found.addenda_list], ["First correction.", "Second correction."])
        self.assertEqual([a.author for a in found.addenda_list], [self.alice, self.alice])
        self.assertEqual(found.content, SessionNote.objects.get(pk=note.pk).content)

    def test_the_note_page_costs_the_same_queries_with_one_addendum_or_twenty(self):
        note = self.signed_note()
        self.add_addenda(note, "one")
        self.sign_in(self.alice)
        url = reverse("note_detail", args=[note.pk])
        self.client.get(url)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                self.assertContains(self.client.get(url), "Addendum")
            return len(ctx)

        one = count()
        self.add_addenda(note, *[f"correction {i}" for i in range(19)])
        self.assertEqual(one, count())


class ColumnsTest(RecordsTestCase):
    def test_an_unknown_column_is_refused_when_the_statement_is_written(self):
        with self.assertRaisesMessage(ValueError, "no columns ['nickname']"):
            Columns(Client, "c", ("id", "nickname"))

    def test_booleans_and_dates_convert_on_every_database(self):
        cols = Columns(Client, "c", ("id", "is_minor", "last_service_date", "created_at", "date_of_birth"))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {cols.select()} FROM {cols.table} WHERE c.id = %s", [self.rec.pk])  # noqa: S608
            client = cols.build(cursor.fetchone())
        self.assertIs(client.is_minor, False)
        self.assertIsNone(client.last_service_date)
        self.assertIsNotNone(client.created_at.tzinfo)
        self.assertEqual(client.date_of_birth, date(1990, 4, 2))  # decrypted, then parsed
