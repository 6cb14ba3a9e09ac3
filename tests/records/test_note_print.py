"""The printed note identifies the client and the practice, carries who printed it and
when, and puts no form on paper."""

import re

from django.conf import settings
from django.urls import reverse

from audit.models import Outcome
from tests.records.base import RecordsTestCase


class NotePrintTest(RecordsTestCase):
    def test_print_names_the_client_practice_and_printing_user(self):
        note = self.signed_note()
        self.sign_in(self.alice)
        page = self.client.get(reverse("note_print", args=[note.pk]))
        self.assertEqual(page.status_code, 200)
        text = page.content.decode()
        # The legal name, the date of birth and the record number, as set up in the fixture.
        self.assertIn("Morgan Ellery", text)
        self.assertIn("Apr 2, 1990", text)
        self.assertIn(self.rec.record_number, text)
        self.assertIn(settings.PRACTICE_NAME, text)
        self.assertRegex(text, r"Printed by Alice Test on \w{3} \d{1,2}, \d{4} \d{2}:\d{2}")
        self.assertOneEvent("note.print", actor=self.alice, client=self.rec)

    def test_the_printed_record_holds_no_form(self):
        note = self.signed_note()
        self.sign_in(self.alice)
        text = self.client.get(reverse("note_print", args=[note.pk])).content.decode()
        article = re.search(r'<article class="printed-note">(.*?)</article>', text, re.S).group(1)
        self.assertNotIn("<form", article)
        self.assertNotIn("Add an addendum", text)

    def test_a_preferred_name_does_not_replace_the_legal_name_on_paper(self):
        self.rec.preferred_name = "Mo"
        self.rec.save()
        note = self.signed_note()
        self.sign_in(self.alice)
        text = self.client.get(reverse("note_print", args=[note.pk])).content.decode()
        self.assertIn("Morgan Ellery", text)

    def test_people_outside_the_care_team_cannot_print(self):
        note = self.signed_note()
        for person in (self.bob, self.avery):
            with self.subTest(person=person.username):
                self.sign_in(person)
                self.assertEqual(self.client.get(reverse("note_print", args=[note.pk])).status_code, 404)
                self.assertOneEvent("note.print", actor=person, outcome=Outcome.DENIED)
