"""Signing confirms, in Chromium at 1280 and 390 px: text typed after the last save is
saved by "Save and sign", shown on the confirmation, and is what the signature locks.
Also the discharge confirmation and the offer of the discharge summary."""

import re
from datetime import date

import pytest

from records import services
from records.models import SessionNote
from tests.base import make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


def shots(page, name: str) -> None:
    """The page at 1280 px and at 390 px; nothing wider than the phone."""
    page.set_viewport_size(WIDE)
    screenshot(page, f"notes-{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"notes-{name}-390")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(WIDE)
    assert overflow <= 0, f"{name}: {overflow}px wider than a 390 px phone"


def test_sign_with_unsaved_changes_saves_shows_and_locks_that_text(live_server, page):
    admin = make_user("admin1", "practice_admin")
    counselor = make_user("counselor1", "counselor")
    client = services.client_create(
        actor=admin, first_name="Robin", last_name="Hale", date_of_birth=date(1991, 5, 5), counselor=counselor
    )
    sign_in_with_code(page, live_server.url, counselor)
    page.goto(f"{live_server.url}/clients/{client.record_number}/")
    page.get_by_label("New note").select_option("intk")
    page.get_by_role("button", name="Write note").click()
    page.get_by_role("heading", name="New note: Intake assessment").wait_for()
    page.get_by_label("Presenting problem").fill("Panic attacks on the train since March.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    # Typed after the last save, then straight to signing: no save in between.
    page.get_by_label("Risk assessment").fill("Denies suicidal ideation; no plan, no means.")
    shots(page, "sign-unsaved-editor")
    page.get_by_role("button", name="Save and sign…").click()
    page.get_by_role("heading", name="Sign this note?").wait_for()
    locked = page.get_by_role("article", name="What will be locked")
    assert locked.get_by_text("Denies suicidal ideation; no plan, no means.").is_visible()
    assert locked.get_by_text("Panic attacks on the train since March.").is_visible()
    note = SessionNote.objects.get(client=client)
    assert (note.status, note.version) == ("draft", 2)  # saved, not yet signed
    shots(page, "sign-confirmation")
    page.get_by_role("button", name="Sign and lock this version").click()
    page.get_by_text("Note signed.").wait_for()
    note.refresh_from_db()
    assert note.status == "signed"
    assert note.sections["risk_assessment"] == "Denies suicidal ideation; no plan, no means."
    shots(page, "signed-intake")
    assert page.csp_errors == [], page.csp_errors


def test_discharge_asks_then_offers_the_summary(live_server, page):
    admin = make_user("admin1", "practice_admin")
    counselor = make_user("counselor1", "counselor")
    client = services.client_create(
        actor=admin, first_name="Robin", last_name="Hale", date_of_birth=date(1991, 5, 5), counselor=counselor
    )
    sign_in_with_code(page, live_server.url, counselor)
    page.goto(f"{live_server.url}/clients/{client.record_number}/")
    page.get_by_role("link", name="Discharge client…").click()
    page.get_by_role("heading", name="What discharge means").wait_for()
    shots(page, "discharge-confirmation")
    page.get_by_role("button", name="Discharge client").click()
    page.get_by_text(re.compile("Client discharged on")).wait_for()
    shots(page, "discharge-summary-offered")
    page.get_by_role("link", name="Write the discharge summary").click()
    page.get_by_role("heading", name="New note: Discharge summary").wait_for()
    assert page.get_by_label("Reason for discharge").is_visible()
    assert page.get_by_label("Service type").input_value() == "discharge"
    assert page.csp_errors == [], page.csp_errors
