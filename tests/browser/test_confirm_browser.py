"""Releasing records with a preview, and the recipient's page, in Chromium at 1280 and
390 px; the recipient's page also without JavaScript."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from consent import services as consent
from consent.models import Disclosure
from consent.text import render_text, text_sha256
from records import services as records
from tests.base import make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def shots(page, name: str) -> None:
    """The page at 1280 px and at 390 px; nothing wider than the phone."""
    page.set_viewport_size(WIDE)
    screenshot(page, f"confirm-{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"confirm-{name}-390")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(WIDE)
    assert overflow <= 0, f"{name}: {overflow}px wider than a 390 px phone"


def world():
    admin = make_user("admin1", "practice_admin")
    counselor = make_user("casey", "counselor")
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
    today = timezone.localdate()
    for days in (3, 10):
        note = records.note_create(
            actor=counselor,
            record_number=client.record_number,
            date_of_service=today - timedelta(days=days),
            duration_minutes=50,
            service_type="individual",
            template="soap",
            sections={"subjective": "Feeling steadier this week."},
        )
        records.note_sign(actor=counselor, note_id=note.pk)
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
    consent.authorization_send(actor=counselor, auth_id=auth.pk, request_base_url="http://testserver")
    auth.refresh_from_db()
    consent.authorization_sign(
        actor=client_user,
        auth_id=auth.pk,
        typed_name="Robin Hale",
        agree=True,
        shown_sha256=text_sha256(render_text(auth)),
        signature_image="",
        ip="192.0.2.5",
        user_agent="Test",
    )
    mail.outbox.clear()
    return counselor, client, auth


def test_share_with_a_preview_then_the_recipients_page(live_server, page, chromium):
    counselor, client, auth = world()
    sign_in_with_code(page, live_server.url, counselor)
    page.goto(f"{live_server.url}/clients/{client.record_number}/share/")

    # The recipient is picked from the authorization, not retyped.
    page.get_by_label("Start from an authorization in force").select_option(str(auth.pk))
    page.get_by_role("button", name="Fill in from this authorization").click()
    assert page.get_by_label("Recipient's name").input_value() == "Dr. Dana Whitlock"
    assert page.get_by_label("Recipient's email").input_value() == "dwhitlock@example.invalid"
    assert page.get_by_label("Progress notes").is_checked()
    shots(page, "share-form")
    page.get_by_label("Attendance and dates of service").uncheck()
    page.get_by_role("button", name="Check consent and preview").click()

    # The preview: what the package will hold; nothing has left.
    page.get_by_role("heading", name="Check before release").wait_for()
    assert page.get_by_text("2 signed notes in this period").is_visible()
    assert page.get_by_text("NOTICE TO RECIPIENT", exact=False).is_visible()
    assert Disclosure.objects.count() == 0 and mail.outbox == []
    shots(page, "share-preview")

    # Going back keeps the values; the preview again, then the release.
    page.get_by_role("button", name="Go back and change").click()
    assert page.get_by_label("Progress notes").is_checked()
    assert not page.get_by_label("Attendance and dates of service").is_checked()
    page.get_by_role("button", name="Check consent and preview").click()
    page.get_by_role("button", name="Release to Dr. Dana Whitlock").click()
    page.get_by_text(re.compile("Released. The recipient was emailed")).wait_for()
    disclosure = Disclosure.objects.get()
    assert disclosure.categories == ["progress_notes"]
    assert page.csp_errors == [], page.csp_errors

    # The recipient, in a browser of their own.
    link = re.search(r"(https?://\S+/d/[\w-]+/)", mail.outbox[-2].body).group(1)
    code = re.search(r"code .*: (\d+)", mail.outbox[-1].body).group(1)
    context = chromium.new_context(viewport=WIDE, accept_downloads=True)
    recipient = context.new_page()
    errors = []
    recipient.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    recipient.goto(link)
    recipient.get_by_text("Casey Test").wait_for()
    assert recipient.get_by_text("3 of 3").is_visible()
    assert "Robin" not in recipient.content()
    shots(recipient, "recipient-page")
    recipient.get_by_label("Access code").fill("00000000")
    recipient.get_by_role("button", name="Download").click()
    recipient.get_by_text("That access code is not right. 4 tries left").wait_for()
    shots(recipient, "recipient-wrong-code")
    recipient.get_by_label("Access code").fill(code)
    with recipient.expect_download() as download_info:
        recipient.get_by_role("button", name="Download").click()
    with open(download_info.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"
    recipient.get_by_role("heading", name="Code accepted").wait_for()
    assert recipient.get_by_text("not right").count() == 0
    assert recipient.get_by_text("2 of 3 after this one").is_visible()
    shots(recipient, "recipient-success")
    # (A refused code is a 403 page, which the console reports; nothing else may appear.)
    assert [e for e in errors if "status of 403" not in e] == [], errors
    context.close()

    # Without JavaScript: the same pages, and the button downloads.
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False, accept_downloads=True)
    nojs = context.new_page()
    nojs.goto(link)
    nojs.get_by_label("Access code").fill("11111111")
    nojs.get_by_role("button", name="Download").click()
    nojs.get_by_text("3 tries left").wait_for()
    nojs.get_by_label("Access code").fill(code)
    nojs.get_by_role("button", name="Download").click()
    nojs.get_by_role("heading", name="Code accepted").wait_for()
    assert nojs.get_by_text("tries left").count() == 0
    with nojs.expect_download() as download_info:
        nojs.get_by_role("button", name="Download the records (PDF)").click()
    with open(download_info.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"
    context.close()

    # A withdrawn link says so, and nothing of the records.
    consent.disclosure_cancel(actor=counselor, disclosure_id=disclosure.pk)
    context = chromium.new_context(viewport=WIDE)
    withdrawn = context.new_page()
    withdrawn.goto(link)
    withdrawn.get_by_role("heading", name="This link was withdrawn").wait_for()
    for secret in ("Robin", "Hale", "Progress notes", "Casey", "Whitlock"):
        assert secret not in withdrawn.content()
    shots(withdrawn, "recipient-withdrawn")
    context.close()
