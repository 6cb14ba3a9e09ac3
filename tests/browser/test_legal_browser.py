"""A counselor asks to release psychotherapy notes under a court order; nothing is sent
until a practice admin approves it from the queue on their home page (Chromium, 1280 and
390 px)."""

import re
from datetime import date

import pytest
from django.core import mail

from consent.models import LegalRequest
from practice.roles import Role
from records import services as records_services
from tests.base import make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_court_order_for_psychotherapy_notes_waits_for_an_admin(live_server, page, chromium):
    counselor, admin = make_user("lcounselor", Role.COUNSELOR), make_user("ladmin", Role.PRACTICE_ADMIN)
    client = records_services.client_create(
        actor=admin, first_name="Robin", last_name="Hale", date_of_birth=date(1991, 3, 3), counselor=counselor
    )
    records_services.psychotherapy_note_create(
        actor=counselor, record_number=client.record_number, date_of_service=date(2026, 11, 2), text="Process."
    )

    sign_in_with_code(page, live_server.url, counselor)
    page.goto(f"{live_server.url}/clients/{client.record_number}/disclose-without-authorization/")
    page.get_by_label("Recipient's name").fill("Court clerk")
    page.get_by_label("Recipient's email").fill("clerk@example.invalid")
    page.get_by_label("Services from").fill("2026-01-01")
    page.get_by_label("Services to").fill("2026-11-30")
    page.get_by_label("Purpose", exact=True).select_option("legal")
    page.get_by_label(re.compile("Release the psychotherapy notes")).check()
    page.get_by_label("Legal basis").select_option("court_order")
    page.get_by_label("Justification").fill("The court ordered the treating counselor's notes produced.")
    page.get_by_label("Issuing court or authority").fill("Superior Court of Example County")
    page.get_by_label("Date of the order or subpoena").fill("2026-11-20")
    page.get_by_label("Docket or reference number").fill("26-CV-4411")
    screenshot(page, "legal-request-form")
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, "legal-request-form-390")
    page.get_by_role("button", name="Check and preview").click()
    page.get_by_text("Another practice admin must approve this.").wait_for()
    screenshot(page, "legal-request-preview-390")
    page.get_by_role("button", name="Ask for approval to release to Court clerk").click()
    page.get_by_text(re.compile("waits for a practice admin's approval. Nothing has been sent")).wait_for()
    assert page.csp_errors == [], page.csp_errors
    assert not [m for m in mail.outbox if "clerk@example.invalid" in m.to]
    legal = LegalRequest.objects.get()

    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    other = context.new_page()
    errors = []
    other.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in_with_code(other, live_server.url, admin)
    other.get_by_text("1 request").wait_for()
    other.get_by_role("link", name="Open the approval queue").click()
    other.get_by_role("heading", name=re.compile(f"Request #{legal.pk}")).wait_for()
    assert other.get_by_text("26-CV-4411").count() == 1
    screenshot(other, "legal-approval-queue")
    other.set_viewport_size({"width": 390, "height": 800})
    screenshot(other, "legal-approval-queue-390")
    width = other.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the queue scrolls sideways at 390 px ({width} px wide)"
    other.get_by_label("Comment (kept with the decision)").fill("Order checked with the court clerk.")
    other.get_by_role("button", name="Approve and send").click()
    other.get_by_text(re.compile(f"Request #{legal.pk} approved")).wait_for()
    other.get_by_text("Nothing is waiting.").wait_for()
    screenshot(other, "legal-approval-done-390")
    assert errors == [], errors
    context.close()
    legal.refresh_from_db()
    assert legal.status == LegalRequest.Status.RELEASED
    assert len([m for m in mail.outbox if "clerk@example.invalid" in m.to]) == 2
