"""A client at phone width (390 px) in Chromium: signs in, reads a note, finds a staff
member's access in the history, revokes an authorization through its confirmation, and
downloads both copies. No portal page is wider than the screen. Screenshots go to
test-artifacts/ (git-ignored), at 390 and at 1280 px."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from consent import services as consent
from consent.models import Authorization
from consent.text import render_text, text_sha256
from records import services as records
from tests.base import PASSWORD, make_user
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NOTE_TEXT = "Practised the breathing exercise before the interview and it helped."


def _authorization(counselor, client, recipient, organization):
    today = timezone.localdate()
    return consent.authorization_prepare(
        actor=counselor,
        record_number=client.record_number,
        kind="general",
        recipient_name=recipient,
        recipient_organization=organization,
        recipient_email="recipient@example.invalid",
        recipient_address="",
        categories=["attendance", "progress_notes"],
        information_from=today - timedelta(days=60),
        information_to=today,
        purpose="continuity",
        purpose_detail="",
        expires_on=today + timedelta(days=180),
        expiration_event="",
        representative_name="",
        representative_authority="",
    )


def _practice(base_url):
    admin = make_user("admin1", "practice_admin")
    counselor = make_user("casey", "counselor")
    counselor.last_name = "Lindqvist"
    counselor.save(update_fields=["last_name"])
    client_user = make_user("robin", "client")
    client = records.client_create(
        actor=admin,
        first_name="Robin",
        last_name="Hale",
        date_of_birth=timezone.localdate().replace(year=1991),
        email="robin@example.invalid",
        counselor=counselor,
    )
    client.user = client_user
    client.save()
    note = records.note_create(
        actor=counselor,
        record_number=client.record_number,
        date_of_service=timezone.localdate() - timedelta(days=3),
        duration_minutes=50,
        service_type="individual",
        template="soap",
        sections={"subjective": NOTE_TEXT, "plan": "Keep practising daily."},
    )
    records.note_sign(actor=counselor, note_id=note.pk)
    records.addendum_create(actor=counselor, note_id=note.pk, text="Date of the next session corrected.")
    records.note_view(actor=counselor, note_id=note.pk)
    signed = _authorization(counselor, client, "Dr. Dana Whitlock", "Eastside Clinic")
    consent.authorization_send(actor=counselor, auth_id=signed.pk, request_base_url=base_url)
    signed.refresh_from_db()
    consent.authorization_sign(
        actor=client_user,
        auth_id=signed.pk,
        typed_name="Robin Hale",
        agree=True,
        shown_sha256=text_sha256(render_text(signed)),
        signature_image="",
        ip=None,
        user_agent="",
    )
    pending = _authorization(counselor, client, "Ms. Ortiz", "Lincoln High School")
    consent.authorization_send(actor=counselor, auth_id=pending.pk, request_base_url=base_url)
    return signed, pending


def _fits(page, name):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width} px wide at {PHONE['width']} px"
    screenshot(page, f"portal-390-{name}")


def test_a_client_on_a_phone(live_server, chromium):
    signed, pending = _practice(live_server.url)
    context = chromium.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("robin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="My records").first.click()
    page.get_by_role("heading", name="My records").wait_for()
    _fits(page, "home")

    # Reading a note.
    page.get_by_role("link", name=re.compile(r"^My record Read")).click()
    _fits(page, "record")
    page.get_by_role("link", name=re.compile("Individual therapy")).click()
    page.get_by_text(NOTE_TEXT).wait_for()
    page.get_by_text("Date of the next session corrected.").wait_for()
    _fits(page, "note")

    # The counselor's reading of that note, in the history.
    page.goto(live_server.url + "/my/")
    page.get_by_role("link", name=re.compile("Who accessed my record")).click()
    entry = page.locator("li.access", has_text="Casey Lindqvist").filter(has_text="read a session note")
    entry.first.wait_for()
    assert "counselor" in entry.first.inner_text()
    _fits(page, "history")

    # The pending form reads as a page: the notices come before the signature fields.
    page.goto(live_server.url + "/my/")
    page.get_by_role("link", name=re.compile("Release of information to Ms. Ortiz")).click()
    notice = page.get_by_text(re.compile("does not depend on whether you sign")).bounding_box()
    name_field = page.get_by_label("Type your full name").bounding_box()
    assert notice["y"] < name_field["y"]
    assert page.evaluate("getComputedStyle(document.getElementById('authorization-text')).overflowY") == "visible"
    _fits(page, "authorization")
    page.get_by_label("Type your full name").fill("Robin Hale")
    page.get_by_label("I agree to sign this form electronically.").check()
    page.get_by_role("button", name="Sign…").click()
    page.get_by_role("heading", name="Sign this form?").wait_for()
    _fits(page, "confirm-sign")
    page.get_by_role("button", name="No, go back").click()
    assert page.get_by_label("Type your full name").input_value() == "Robin Hale"
    pending.refresh_from_db()
    assert pending.status == Authorization.Status.PENDING
    page.get_by_role("link", name="Decline…").click()
    page.get_by_text("This cannot be undone.").wait_for()
    _fits(page, "confirm-decline")
    page.get_by_role("link", name="No, go back").click()

    # Revoking, through its confirmation page.
    page.goto(live_server.url + "/my/")
    page.get_by_role("link", name="Revoke…").click()
    page.get_by_role("heading", name="Revoke this authorization?").wait_for()
    page.get_by_text("This cannot be undone.").wait_for()
    _fits(page, "confirm-revoke")
    signed.refresh_from_db()
    assert signed.status == Authorization.Status.SIGNED
    page.get_by_role("button", name="Yes, revoke it").click()
    page.get_by_text(re.compile("Revoked. Nothing more will be released")).wait_for()
    signed.refresh_from_db()
    assert signed.status == Authorization.Status.REVOKED
    _fits(page, "revoked")

    # Both copies.
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Download as PDF").click()
    with open(pdf_download.value.path(), "rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert NOTE_TEXT in text
    with page.expect_download() as fhir_download:
        page.get_by_role("button", name=re.compile("FHIR")).click()
    with open(fhir_download.value.path(), "rb") as fh:
        bundle = Bundle.model_validate_json(fh.read())
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds.count("Patient") == 1 and kinds.count("DocumentReference") == 1 and kinds.count("Consent") == 2
    assert "AuditEvent" in kinds

    # The copies are in the history now.
    page.goto(live_server.url + "/my/access/")
    page.get_by_text("You downloaded a copy of your record (PDF)").wait_for()
    page.get_by_text("You downloaded a copy of your record (FHIR file)").wait_for()
    _fits(page, "history-after")
    page.goto(live_server.url + "/my/access/?month=" + timezone.localdate().strftime("%Y-%m"))
    _fits(page, "history-month")
    page.goto(live_server.url + "/my/accounting/")
    _fits(page, "accounting")
    assert csp_errors == [], csp_errors

    # The same pages on a desktop screen, to look at.
    desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, storage_state=context.storage_state())
    wide = desktop.new_page()
    for path, name in (("/my/", "home"), ("/my/record/", "record"), ("/my/access/", "history")):
        wide.goto(live_server.url + path)
        screenshot(wide, f"portal-1280-{name}")
    wide.goto(f"{live_server.url}/my/authorizations/{pending.pk}/")
    screenshot(wide, "portal-1280-authorization")
    desktop.close()
    context.close()
