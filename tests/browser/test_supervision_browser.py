"""Return for revision in Chromium, at 1280 and 390 px: a supervisor returns a
pre-licensed counselor's note with a comment; the counselor finds it from the home
page, reads the comment, signs a revision (an addendum); the supervisor co-signs."""

import re
from datetime import date

import pytest

from records import services
from records.models import NoteReturn
from tests.base import make_user
from tests.browser.test_note_signing_browser import shots
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENT = "Please add what the client agreed to practise before the next session."


def test_return_for_revision_then_revision_then_co_signature(live_server, chromium, page):
    admin = make_user("admin1", "practice_admin")
    supervisor = make_user("sup1", "supervisor")
    counselor = make_user("counselor1", "counselor")
    services.set_supervision(actor=admin, counselor=counselor, supervisor=supervisor, pre_licensed=True)
    client = services.client_create(
        actor=admin, first_name="Robin", last_name="Hale", date_of_birth=date(1991, 5, 5), counselor=counselor
    )
    draft = services.note_create(
        actor=counselor,
        record_number=client.record_number,
        date_of_service=date(2026, 11, 2),
        duration_minutes=50,
        service_type="individual",
        template="soap",
        sections={"subjective": "Reports a calmer week.", "plan": "Continue weekly."},
    )
    note = services.note_sign(actor=counselor, note_id=draft.pk)

    sign_in_with_code(page, live_server.url, supervisor)
    # The home page's block lists the note to co-sign.
    page.locator("#block-awaiting_cosign").wait_for()
    page.locator(".home-block", has=page.locator("#block-awaiting_cosign")).get_by_role(
        "link", name=re.compile("Robin Hale")
    ).click()
    page.get_by_label("What should be revised").fill(COMMENT)
    shots(page, "return-form")
    page.get_by_role("button", name="Return for revision").click()
    page.get_by_text("Returned to its author for revision").wait_for()
    shots(page, "returned-supervisor-view")

    # The counselor, in a browser of their own (the supervisor stays signed in).
    supervisor_page, context = page, chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.on("console", lambda m: supervisor_page.csp_errors.append(m.text) if m.type == "error" else None)
    sign_in_with_code(page, live_server.url, counselor)
    shots(page, "home-returned")
    page.get_by_role("link", name="Caseload", exact=True).click()
    page.get_by_role("heading", name="Returned to you for revision").wait_for()
    shots(page, "caseload-returned")
    page.locator("#returned-to-me").locator("xpath=..").get_by_role("link", name=re.compile("Robin Hale")).click()
    page.get_by_text(COMMENT).first.wait_for()
    page.get_by_label("Addendum").fill("The client agreed to a five-minute breathing practice each morning.")
    shots(page, "returned-author-view")
    page.get_by_role("button", name="Sign revision and send back").click()
    page.get_by_text("The note is back with your supervisor").wait_for()
    shots(page, "revision-signed")
    assert not NoteReturn.objects.get(note=note).is_open
    context.close()

    page = supervisor_page
    page.goto(f"{live_server.url}/notes/{note.pk}/")
    page.get_by_role("button", name="Co-sign").click()
    page.get_by_text("Note co-signed.").wait_for()
    shots(page, "co-signed")
    note.refresh_from_db()
    assert note.cosigned_by_id == supervisor.pk
    assert page.csp_errors == [], page.csp_errors


def test_staff_page_sets_supervision(live_server, page):
    admin = make_user("admin1", "practice_admin")
    make_user("sup1", "supervisor")
    counselor = make_user("counselor1", "counselor")
    sign_in_with_code(page, live_server.url, admin)
    page.goto(f"{live_server.url}/staff/")
    page.get_by_role("link", name="Supervision").click()
    page.get_by_label("Supervisor", exact=True).select_option(label="Sup1 Test")
    page.get_by_label(re.compile("Pre-licensed")).check()
    shots(page, "staff-supervision")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Counselor1 Test: pre-licensed, supervised by Sup1 Test.").wait_for()
    shots(page, "staff-list-supervision")
    counselor.refresh_from_db()
    assert counselor.is_pre_licensed and counselor.supervisor.username == "sup1"
    assert page.csp_errors == [], page.csp_errors
