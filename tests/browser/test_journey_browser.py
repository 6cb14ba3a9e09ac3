"""The whole journey in Chromium, each step by the person who takes it: a counselor signs
in with two-factor, writes a note and signs it; the client signs a release form; the
counselor shares; the recipient downloads; a practice admin finds every step in the
audit log and verifies the chain. Screenshots at 1280 and 390 px go to test-artifacts/
(git-ignored)."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from consent import services as consent
from consent.models import Authorization, Disclosure
from records import services as records
from records.models import SessionNote
from tests.base import PASSWORD, make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


def shots(page, name: str) -> None:
    """The page at 1280 px and at 390 px (nothing wider than the phone)."""
    page.set_viewport_size(WIDE)
    screenshot(page, f"journey-{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"journey-{name}-390")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(WIDE)
    assert overflow <= 0, f"{name}: {overflow}px wider than a 390 px phone"


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))


def other_person(chromium, page):
    """A browser of its own (own cookies), reporting console errors into `page`'s list."""
    context = chromium.new_context(viewport=WIDE)
    other = context.new_page()
    other.on("console", lambda m: page.csp_errors.append(m.text) if m.type == "error" else None)
    return other


def test_note_signature_share_download_and_the_admin_finds_every_step(live_server, chromium, page):
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
    today = timezone.localdate()
    auth = consent.authorization_prepare(
        actor=counselor,
        record_number=client.record_number,
        kind="general",
        recipient_name="Dr. Dana Whitlock",
        recipient_organization="Eastside Clinic",
        recipient_email="dwhitlock@example.invalid",
        recipient_address="",
        categories=["progress_notes"],
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
    page.set_viewport_size(WIDE)
    console_errors = page.csp_errors  # every browser's console errors land here

    # 1. The counselor signs in with two-factor, writes a note and signs it.
    sign_in_with_code(page, live_server.url, counselor)
    page.get_by_role("link", name="Caseload", exact=True).click()
    page.get_by_role("link", name="Robin Hale").click()
    page.get_by_role("button", name="Write note").click()
    page.get_by_label("Subjective").fill("Sleeping better; fewer panic episodes.")
    page.get_by_label("Plan").fill("Continue weekly sessions.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    shots(page, "note-draft")
    page.get_by_role("button", name="Save and sign…").click()
    page.get_by_role("button", name="Sign and lock this version").click()
    page.get_by_text("Note signed.").wait_for()
    shots(page, "note-signed")
    note = SessionNote.objects.get(client=client)
    assert note.status == "signed" and note.content_sha256 == note.compute_sha256()

    # 2. The client signs the release form in the portal, in a browser of their own.
    counselor_page, page = page, other_person(chromium, page)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("robin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="My records").first.click()
    page.get_by_role("link", name=re.compile("Release of information to Dr. Dana Whitlock")).click()
    page.get_by_label("Type your full name").fill("Robin Hale")
    page.get_by_label("I agree to sign this form electronically.").check()
    shots(page, "client-signs")
    page.get_by_role("button", name="Sign…", exact=True).click()
    page.get_by_text("This cannot be undone.").wait_for()
    page.get_by_role("button", name="Yes, sign it").click()
    page.get_by_text("Signed. You can download a copy").wait_for()
    auth.refresh_from_db()
    assert auth.status == Authorization.Status.SIGNED
    sign_out(page)

    # 3. The counselor, still signed in, shares the signed note under that authorization.
    client_page, page = page, counselor_page
    page.goto(f"{live_server.url}/clients/{client.record_number}/share/")
    page.get_by_label("Recipient's name").fill("Dr. Dana Whitlock")
    page.get_by_label("Organization").fill("Eastside Clinic")
    page.get_by_label("Recipient's email").fill("dwhitlock@example.invalid")
    page.get_by_label("Progress notes").check()
    page.get_by_label("Services from").fill((today - timedelta(days=7)).isoformat())
    page.get_by_label("Services to").fill(today.isoformat())
    page.get_by_label("Purpose", exact=True).select_option("continuity")
    page.get_by_role("button", name="Check consent and preview").click()
    page.get_by_role("heading", name="Check before release").wait_for()
    page.get_by_role("button", name="Release to Dr. Dana Whitlock").click()
    page.get_by_text(re.compile("Released. The recipient was emailed")).wait_for()
    shots(page, "shared")
    sign_out(page)

    # 4. The recipient downloads with the link and, from the second email, the code.
    page = client_page
    link = re.search(r"(https?://\S+/d/[\w-]+/)", mail.outbox[-2].body).group(1)
    code = re.search(r"code .*: (\d+)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.get_by_label("Access code").fill(code)
    shots(page, "recipient")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download").click()
    with open(download_info.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"
    disclosure = Disclosure.objects.get(client=client)

    # 5. A practice admin finds every step in the log and verifies the chain.
    sign_in_with_code(page, live_server.url, admin)
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Client record number").fill(client.record_number)
    page.get_by_role("button", name="Filter").click()
    table = page.locator("table.review")
    steps = [
        "Started a session note",
        "Signed a session note",
        "Signed a release authorization",
        "Released records under the client's authorization",
        "Downloaded shared records",
    ]
    for words in steps:
        table.get_by_role("cell", name=words, exact=True).first.wait_for()
    shots(page, "admin-log-client")
    # The counselor's sign-in with its second factor, by person.
    page.get_by_label("Person").select_option(str(counselor.pk))
    page.get_by_label("Client record number").fill("")
    page.get_by_label("Action").select_option("auth.")
    page.get_by_role("button", name="Filter").click()
    table.get_by_role("cell", name="Entered a two-factor code", exact=True).first.wait_for()
    assert table.get_by_role("cell", name="Entered a two-factor code", exact=True).count() == 1
    assert table.get_by_role("cell", name="Signed in", exact=True).count() == 1
    page.get_by_role("button", name="Verify now").click()
    page.get_by_text(re.compile(r"OK: \d+ events verified")).first.wait_for()
    page.get_by_text("Chain intact", exact=True).wait_for()
    shots(page, "admin-verified")
    assert console_errors == [], console_errors
    page.context.close()

    # What the pages showed is what the log holds: one allowed event per step.
    for action, object_id in [
        ("note.sign", note.pk),
        ("authorization.sign", auth.pk),
        ("disclosure.share", disclosure.pk),
        ("disclosure.download", disclosure.pk),
    ]:
        events = AuditEvent.objects.filter(action=action, client=client, outcome=Outcome.ALLOWED)
        assert list(events.values_list("object_id", flat=True)) == [str(object_id)], action
