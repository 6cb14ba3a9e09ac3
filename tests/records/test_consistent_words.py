"""The same fact reads the same everywhere, and forms assume nothing a person must choose."""

import re
from datetime import date

from django.urls import reverse

from records import services
from tests.records.base import RecordsTestCase


class ConsistentWordsTest(RecordsTestCase):
    def test_caseload_and_chart_agree_on_the_last_service_and_ignore_drafts(self):
        signed = self.write_note(date_of_service=date(2026, 11, 12))
        services.note_sign(actor=self.alice, note_id=signed.pk)
        self.write_note(date_of_service=date(2026, 11, 19))  # a later draft is not a service yet
        self.sign_in(self.alice)
        caseload = self.client.get(reverse("caseload")).content.decode()
        chart = self.client.get(reverse("chart", args=[self.rec.record_number])).content.decode()
        self.assertIn("Last service", caseload)
        self.assertNotIn("Last session", caseload)
        self.assertIn("Nov 12, 2026", caseload)
        self.assertNotIn("Nov 19, 2026", caseload)
        self.assertIn("Last service Nov 12, 2026", chart)

    def test_a_preferred_name_stands_beside_the_legal_name_in_headings(self):
        self.rec.preferred_name = "Mo"
        self.rec.save()
        self.sign_in(self.alice)
        chart = self.client.get(reverse("chart", args=[self.rec.record_number])).content.decode()
        heading = re.search(r"<h1>(.*?)</h1>", chart, re.S).group(1)
        self.assertIn("Morgan Ellery", heading)
        self.assertIn("Mo", heading)

    def test_a_new_note_does_not_default_to_an_intake_assessment(self):
        self.sign_in(self.alice)
        page = self.client.get(reverse("note_create", args=[self.rec.record_number])).content.decode()
        selected = re.search(r'<option value="([a-z_]+)" selected>', page)
        self.assertIsNotNone(selected)
        self.assertEqual(selected.group(1), "individual")

    def test_disclosure_forms_make_the_purpose_a_choice(self):
        self.sign_in(self.alice)
        for name in ("share", "disclose_legal"):
            with self.subTest(page=name):
                page = self.client.get(reverse(name, args=[self.rec.record_number])).content.decode()
                purpose = re.search(r'<select name="purpose".*?</select>', page, re.S).group(0)
                self.assertNotIn("selected", purpose.split("</option>", 1)[1])
                self.assertIn('<option value="" selected>Choose a purpose', purpose)
                self.assertNotIn("Release my psychotherapy notes", page)
