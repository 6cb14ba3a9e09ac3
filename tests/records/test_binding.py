"""Each ciphertext is bound to its table, column and row: moved anywhere else it fails
closed like a damaged value, with its `record.decrypt_failed` event."""

import importlib
from datetime import date

from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse

from audit.models import Outcome
from records import rotation, services
from records.fields import DecryptionError, Unverified, crypter
from records.models import Client, PsychotherapyNote, SessionNote
from tests.consent.base import ConsentTestCase


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def put(table, column, pk, value):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608


class SwapTest(ConsentTestCase):
    def setUp(self):
        self.note = self.write_note(sections={"subjective": "Morgan's own words.", "plan": "Continue weekly."})
        self.other_note = self.write_note(
            author=self.bob, client=self.other, sections={"subjective": "Jamie's own words.", "plan": "Monthly."}
        )

    def assertPageFailsClosed(self, user, url, *hidden):
        self.sign_in(user)
        before = len(self.events("record.decrypt_failed"))
        response = self.client.get(url)
        self.assertEqual(response.status_code, 500, url)
        self.assertContains(response, "could not be opened", status_code=500)
        for text in ("gAAAA", *hidden):
            self.assertNotContains(response, text, status_code=500)
        failed = self.events("record.decrypt_failed")
        self.assertEqual(len(failed), before + 1)
        self.assertEqual(failed[-1].outcome, Outcome.ERROR)
        self.assertEqual(failed[-1].actor, user)
        return failed[-1]

    def test_a_note_moved_to_another_clients_note_fails_closed_on_the_note_page(self):
        put("records_sessionnote", "content", self.note.pk, raw("records_sessionnote", "content", self.other_note.pk))
        with self.assertRaises(DecryptionError) as caught:
            SessionNote.objects.get(pk=self.note.pk)
        self.assertIn("another row", str(caught.exception))
        # The note page reads through practice.sql's fixed statement: the same check.
        event = self.assertPageFailsClosed(self.alice, reverse("note_detail", args=[self.note.pk]), "Jamie")
        self.assertIn("records.SessionNote.content", event.reason)
        # The chart's timeline never reads a note's content, so it neither shows nor
        # trips over the moved value.
        chart = self.client.get(reverse("chart", args=[self.rec.record_number]))
        self.assertEqual(chart.status_code, 200)
        self.assertNotContains(chart, "Jamie")
        self.assertNotContains(chart, "gAAAA")
        # The row it came from still reads.
        self.assertEqual(SessionNote.objects.get(pk=self.other_note.pk).sections["plan"], "Monthly.")

    def test_names_swapped_between_two_clients_fail_closed(self):
        mine, theirs = (
            raw("records_client", "first_name", self.rec.pk),
            raw("records_client", "first_name", self.other.pk),
        )
        put("records_client", "first_name", self.rec.pk, theirs)
        put("records_client", "first_name", self.other.pk, mine)
        for pk in (self.rec.pk, self.other.pk):
            with self.assertRaises(DecryptionError):
                Client.objects.get(pk=pk)
        self.assertPageFailsClosed(self.alice, reverse("chart", args=[self.rec.record_number]), "Jamie")
        self.assertPageFailsClosed(self.bob, reverse("chart", args=[self.other.record_number]), "Morgan")
        self.assertPageFailsClosed(self.avery, reverse("admin_clients"), "Jamie", "Morgan")

    def test_a_value_moved_to_another_column_of_the_same_row_fails_closed(self):
        put("records_client", "last_name", self.rec.pk, raw("records_client", "first_name", self.rec.pk))
        with self.assertRaises(DecryptionError) as caught:
            Client.objects.get(pk=self.rec.pk)
        self.assertIn("another column", str(caught.exception))
        self.assertPageFailsClosed(self.alice, reverse("chart", args=[self.rec.record_number]), "Morgan Morgan")

    def test_a_value_moved_to_another_table_fails_closed(self):
        pn = services.psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 5, 5), text="Process."
        )
        put("records_psychotherapynote", "text", pn.pk, raw("records_sessionnote", "content", self.note.pk))
        self.assertPageFailsClosed(self.alice, reverse("psychotherapy_note_detail", args=[pn.pk]), "own words")

    def test_a_disclosure_recipient_moved_between_columns_fails_closed(self):
        self.signed_note()
        self.signed()
        disclosure = self.share()
        with connection.cursor() as cursor:
            # Past the append-only trigger as only a database owner could.
            from audit.db import triggers_suspended

            with triggers_suspended(connection, tables=("consent_disclosure",)):
                cursor.execute(
                    "UPDATE consent_disclosure SET recipient_organization = recipient_name WHERE id = %s",
                    [disclosure.pk],
                )
        self.assertPageFailsClosed(self.alice, reverse("accounting", args=[self.rec.record_number]), "Whitlock")

    def test_a_value_encrypted_with_the_right_key_but_unbound_fails_closed(self):
        # What the fields wrote before binding, or a value planted by someone with the key.
        put("records_client", "first_name", self.rec.pk, crypter().encrypt(b"Planted").decode())
        with self.assertRaises(DecryptionError) as caught:
            Client.objects.get(pk=self.rec.pk)
        self.assertIn("not bound", str(caught.exception))

    def test_the_binding_survives_rotation(self):
        new = Fernet.generate_key().decode()
        with override_settings(FIELD_ENCRYPTION_KEY=[new, *settings.FIELD_ENCRYPTION_KEY]):
            rotation.rotate_all(batch_size=3)
        with override_settings(FIELD_ENCRYPTION_KEY=[new]):
            self.assertEqual(SessionNote.objects.get(pk=self.note.pk).sections["plan"], "Continue weekly.")
            put(
                "records_sessionnote",
                "content",
                self.note.pk,
                raw("records_sessionnote", "content", self.other_note.pk),
            )
            with self.assertRaises(DecryptionError):
                SessionNote.objects.get(pk=self.note.pk)
            check = rotation.check_all()
        self.assertFalse(check.ok)
        self.assertEqual(check.misplaced, {"records.SessionNote.content": 1})
        self.assertEqual(check.stale, {})


class WritingAndReadingTest(ConsentTestCase):
    def test_every_way_of_reading_an_instance_checks_the_row(self):
        note = self.signed_note()
        self.assertEqual(SessionNote.objects.select_related("client").get(pk=note.pk).client.first_name, "Morgan")
        self.assertEqual(
            SessionNote.objects.raw("SELECT * FROM records_sessionnote")[0].sections["plan"], "Continue weekly."
        )
        deferred = Client.objects.defer("first_name").get(pk=self.rec.pk)
        self.assertEqual(deferred.first_name, "Morgan")
        fresh = Client.objects.get(pk=self.rec.pk)
        fresh.refresh_from_db(fields=["last_name"])
        self.assertEqual(fresh.last_name, "Ellery")

    def test_values_list_gives_a_value_that_refuses_to_be_text(self):
        (value,) = Client.objects.filter(pk=self.rec.pk).values_list("first_name", flat=True)
        self.assertIsInstance(value, Unverified)
        self.assertNotIn("Morgan", repr(value))
        with self.assertRaises(DecryptionError):
            str(value)

    def test_queryset_update_of_an_encrypted_field_is_refused(self):
        with self.assertRaises(TypeError), transaction.atomic():
            Client.objects.filter(pk=self.rec.pk).update(first_name="Bulk")
        self.assertEqual(Client.objects.get(pk=self.rec.pk).first_name, "Morgan")

    def test_bulk_create_binds_each_row(self):
        made = PsychotherapyNote.objects.bulk_create(
            [
                PsychotherapyNote(client=self.rec, author=self.alice, date_of_service=date(2026, 1, d), text=f"n{d}")
                for d in (1, 2, 3)
            ]
        )
        self.assertEqual(len({n.pk for n in made}), 3)
        self.assertEqual(
            sorted(n.text for n in PsychotherapyNote.objects.filter(pk__in=[n.pk for n in made])), ["n1", "n2", "n3"]
        )

    def test_row_ids_drawn_before_insert_do_not_collide_with_later_rows(self):
        first = services.psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 5, 5), text="One."
        )
        second = services.psychotherapy_note_create(
            actor=self.alice, record_number=self.rec.record_number, date_of_service=date(2026, 5, 6), text="Two."
        )
        self.assertGreater(second.pk, first.pk)
        self.assertEqual(PsychotherapyNote.objects.get(pk=second.pk).text, "Two.")


class MigrationBindsExistingRowsTest(ConsentTestCase):
    def test_values_written_before_binding_are_bound_by_the_migration(self):
        note = self.signed_note()
        self.signed()
        disclosure = self.share()
        legacy = {
            ("records_client", "first_name", self.rec.pk): b"Morgan",
            ("records_client", "date_of_birth", self.rec.pk): b"1990-04-02",
            ("records_sessionnote", "content", note.pk): b'{"plan": "Legacy plan."}',
        }
        for (table, column, pk), plaintext in legacy.items():
            put(table, column, pk, crypter().encrypt(plaintext).decode())
        from audit.db import triggers_suspended

        with triggers_suspended(connection, tables=("consent_disclosure",)):
            put("consent_disclosure", "recipient_name", disclosure.pk, crypter().encrypt(b"Legacy Recipient").decode())
        with self.assertRaises(DecryptionError):
            Client.objects.get(pk=self.rec.pk)

        migration = importlib.import_module("records.migrations.0005_bind_encrypted_values")

        class Editor:
            pass

        editor = Editor()
        editor.connection = connection
        migration.bind(apps, editor)

        client = Client.objects.get(pk=self.rec.pk)
        self.assertEqual((client.first_name, client.date_of_birth), ("Morgan", date(1990, 4, 2)))
        self.assertEqual(SessionNote.objects.get(pk=note.pk).sections, {"plan": "Legacy plan."})
        self.assertEqual(type(disclosure).objects.get(pk=disclosure.pk).recipient_name, "Legacy Recipient")
        self.assertTrue(rotation.check_all().ok)
        # Run again: nothing left to bind, nothing changes.
        before = raw("records_client", "first_name", self.rec.pk)
        migration.bind(apps, editor)
        self.assertEqual(raw("records_client", "first_name", self.rec.pk), before)
