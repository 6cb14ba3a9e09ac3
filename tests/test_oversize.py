"""Oversize input: every text field says its limit before anyone types (maxlength and a
visible limit for the long ones); a note longer than its limit is refused with the limit
named and the text given back; a request too large to read gets a page that says so."""

from __future__ import annotations

from html.parser import HTMLParser

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from records.forms import NOTE_TEXT_MAX
from records.models import SessionNote
from tests.base import sign_in
from tests.test_authorization_matrix import TABLE, MatrixTestCase
from tests.test_fuzz import PREFERENCE, _Requests
from tests.urls_util import fill_parameters, route_parameters, url_patterns

# Fields that are not typed text, or whose length the browser or the field type bounds.
_NOT_TEXT = {"hidden", "checkbox", "radio", "date", "number", "file", "submit", "button", "password", "month"}


class _TextFields(HTMLParser):
    """Every typed-text field of a page's POST forms: (name, maxlength or None)."""

    def __init__(self):
        super().__init__()
        self.fields, self.in_post_form = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_post_form = (attrs.get("method") or "").lower() == "post"
        elif self.in_post_form and (
            tag == "textarea" or (tag == "input" and (attrs.get("type") or "text") not in _NOT_TEXT)
        ):
            self.fields.append((attrs.get("name"), attrs.get("maxlength")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False


class FieldLimitTest(_Requests, MatrixTestCase):
    def test_every_text_field_of_every_form_has_a_maxlength(self):
        checked, unlimited = 0, []
        for key, route, methods in url_patterns():
            row = TABLE.get((key, "GET"))
            if "GET" not in methods or row is None:
                continue
            path = fill_parameters(route, {p: str(self.parameter(key, p)) for p in route_parameters(route)})
            for column in PREFERENCE:
                if row.codes[column] not in ("A", "a"):
                    continue
                response = self.send(column, "GET", path)["response"]
                if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                    parser = _TextFields()
                    parser.feed(response.content.decode())
                    for name, maxlength in parser.fields:
                        checked += 1
                        if not maxlength:
                            unlimited.append(f"{key} ({path}) as {column}: {name}")
                    break
        self.assertGreater(checked, 30)
        self.assertEqual(unlimited, [], "text fields without a maxlength")

    def test_the_long_note_fields_say_their_limit_in_words(self):
        sign_in(self.client, self.alice)
        page = self.client.get(reverse("note_create", args=[self.rec.record_number]))
        self.assertContains(page, f'maxlength="{NOTE_TEXT_MAX}"')
        self.assertContains(page, "Up to 20,000 characters.")
        detail = self.client.get(reverse("note_detail", args=[self.signed_note.pk]))
        self.assertContains(detail, "Up to 20,000 characters.")


class OversizeNoteTest(MatrixTestCase):
    def test_a_10_mb_note_is_refused_with_its_limit_and_the_text_given_back(self):
        sign_in(self.client, self.alice)
        text = "Start of the pasted text. " + "x" * (10 * 1024 * 1024)
        before = SessionNote.objects.count()
        response = self.client.post(
            reverse("note_create", args=[self.rec.record_number]) + "?template=soap",
            {
                "date_of_service": timezone.localdate().isoformat(),
                "duration_minutes": "50",
                "service_type": "individual",
                "template": "soap",
                "section_subjective": text,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Ensure this value has at most 20000 characters")
        self.assertContains(response, "Start of the pasted text. xxxx")
        self.assertEqual(len(response.context["form"]["section_subjective"].value()), len(text))
        self.assertEqual(SessionNote.objects.count(), before)

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=50_000)
    def test_a_request_too_large_to_read_gets_a_page_that_says_so(self):
        sign_in(self.client, self.alice)
        response = self.client.post(
            reverse("note_create", args=[self.rec.record_number]), {"section_subjective": "x" * 60_000}
        )
        self.assertEqual(response.status_code, 413)
        self.assertContains(response, "Too large to save", status_code=413)
        self.assertContains(response, "nothing was saved", status_code=413)
        self.assertContains(response, "20,000 characters", status_code=413)
