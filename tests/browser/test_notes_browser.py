"""A counselor writes, saves and signs a note in Chromium; the chart shows it."""

import re
from datetime import date

import pytest

from records import services
from tests.base import make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_counselor_writes_and_signs_a_note(live_server, page):
    admin = make_user("admin1", "practice_admin")
    counselor = make_user("counselor1", "counselor")
    client = services.client_create(
        actor=admin, first_name="Robin", last_name="Hale", date_of_birth=date(1991, 5, 5), counselor=counselor
    )
    sign_in_with_code(page, live_server.url, counselor)
    page.get_by_role("link", name="Caseload", exact=True).click()
    page.get_by_role("link", name="Robin Hale").click()
    page.get_by_role("button", name="Write note").click()
    page.get_by_label("Subjective").fill("Reports a good week at school.")
    page.get_by_label("Plan").fill("Review goals next time.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    page.get_by_role("button", name="Save and sign…").click()
    page.get_by_role("button", name="Sign and lock this version").click()
    page.get_by_text("Note signed.").wait_for()
    screenshot(page, "note-signed")
    page.get_by_role("link", name=re.compile("Robin Hale")).click()
    page.get_by_role("heading", name=re.compile("Robin Hale")).wait_for()
    # The chart lists the note's summary (its text is not read there); the note page shows it.
    assert page.get_by_text("Signed").first.is_visible()
    assert not page.get_by_text("Reports a good week at school.").is_visible()
    screenshot(page, "chart")
    page.get_by_role("link", name=re.compile("Individual therapy")).first.click()
    page.get_by_text("Reports a good week at school.").wait_for()
    assert page.csp_errors == [], page.csp_errors
    assert client.notes.get().status == "signed"
