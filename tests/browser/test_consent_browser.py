"""A client signs an authorization with a drawn signature; the counselor shares; the
recipient downloads with the code. In Chromium."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from consent import services as consent
from consent.models import Authorization
from records import services as records
from tests.base import PASSWORD, make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_share_and_download(live_server, page):
    admin = make_user("admin1", "practice_admin")
    counselor = make_user("counselor1", "counselor")
    client_user = make_user("robin", "client")
    client = records.client_create(
        actor=admin,
        first_name="Robin",
        last_name="Hale",
        date_of_birth=date(1991, 5, 5),
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
        sections={"subjective": "Feeling steadier this week."},
    )
    records.note_sign(actor=counselor, note_id=note.pk)
    today = timezone.localdate()
    auth = consent.authorization_prepare(
        actor=counselor,
        record_number=client.record_number,
        kind="general",
        recipient_name="Dr. Dana Whitlock",
        recipient_organization="Eastside Clinic",
        recipient_email="dwhitlock@example.invalid",
        recipient_address="",
        categories=["attendance", "progress_notes"],
        information_from=today - timedelta(days=30),
        information_to=today,
        purpose="continuity",
        purpose_detail="",
        expires_on=today + timedelta(days=90),
        expiration_event="",
        representative_name="",
        representative_authority="",
    )
    consent.authorization_send(actor=counselor, auth_id=auth.pk, request_base_url=live_server.url)

    # The client reads and signs, drawing a signature.
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("robin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="My records").first.click()
    page.get_by_role("link", name=re.compile("Release of information to Dr. Dana Whitlock")).click()
    page.get_by_label("Type your full name").fill("Robin Hale")
    page.locator("#signature-pad").scroll_into_view_if_needed()
    pad = page.locator("#signature-pad").bounding_box()
    page.mouse.move(pad["x"] + 30, pad["y"] + 90)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(pad["x"] + 30 + step * 30, pad["y"] + 90 - (step % 3) * 25)
    page.mouse.up()
    page.get_by_label("I agree to sign this form electronically.").check()
    screenshot(page, "consent-sign")
    page.get_by_role("button", name="Sign…", exact=True).click()
    page.get_by_text("This cannot be undone.").wait_for()
    page.get_by_role("button", name="Yes, sign it").click()
    page.get_by_text("Signed. You can download a copy").wait_for()
    auth.refresh_from_db()
    assert auth.status == Authorization.Status.SIGNED
    assert auth.signature_image.startswith("data:image/png;base64,") and len(auth.signature_image) > 500
    page.get_by_role("button", name="Sign out").click()

    # The counselor shares.
    sign_in_with_code(page, live_server.url, counselor)
    page.goto(f"{live_server.url}/clients/{client.record_number}/share/")
    page.get_by_label("Recipient's name").fill("Dr. Dana Whitlock")
    page.get_by_label("Organization").fill("Eastside Clinic")
    page.get_by_label("Recipient's email").fill("dwhitlock@example.invalid")
    page.get_by_label("Progress notes").check()
    page.get_by_label("Services from").fill((today - timedelta(days=20)).isoformat())
    page.get_by_label("Services to").fill(today.isoformat())
    page.get_by_label("Purpose", exact=True).select_option("continuity")
    page.get_by_role("button", name="Check consent and preview").click()
    page.get_by_role("heading", name="Check before release").wait_for()
    page.get_by_role("button", name="Release to Dr. Dana Whitlock").click()
    page.get_by_text(re.compile("Released. The recipient was emailed")).wait_for()
    screenshot(page, "consent-shared")
    page.get_by_role("button", name="Sign out").click()

    # The recipient downloads with the code from the second email.
    link = re.search(r"(https?://\S+/d/[\w-]+/)", mail.outbox[-2].body).group(1)
    code = re.search(r"code .*: (\d+)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.get_by_label("Access code").fill(code)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download").click()
    path = download_info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(4) == b"%PDF"
    assert page.csp_errors == [], page.csp_errors
