"""Two practice admins dispose of a record past retention in Chromium."""

import re

import pytest

from practice.roles import Role
from tests.base import make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code
from tests.retention.base import plant_old_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_one_admin_proposes_another_approves_and_the_certificate_is_listed(live_server, page, chromium):
    first, second = make_user("admin1", Role.PRACTICE_ADMIN), make_user("admin2", Role.PRACTICE_ADMIN)
    counselor, on_call = make_user("counselor1", Role.COUNSELOR), make_user("oncall1", Role.COUNSELOR)
    client = plant_old_client(admin=first, counselor=counselor, other_admin=second, emergency_user=on_call)

    sign_in_with_code(page, live_server.url, first)
    page.get_by_role("link", name="Retention").click()
    page.get_by_role("cell", name=client.record_number).wait_for()
    screenshot(page, "retention-queue")
    page.get_by_role("button", name="Propose disposal").click()
    page.get_by_text("Another practice admin must approve it.").wait_for()
    assert page.get_by_text("Waiting for another admin").is_visible()
    assert page.get_by_role("button", name="Approve and dispose").count() == 0
    assert page.csp_errors == [], page.csp_errors

    other_context = chromium.new_context(viewport={"width": 1280, "height": 800})
    other = other_context.new_page()
    sign_in_with_code(other, live_server.url, second)
    other.goto(live_server.url + "/practice/retention/")
    other.get_by_role("button", name="Approve and dispose").click()
    other.get_by_text(re.compile(rf"Record {client.record_number} disposed of")).wait_for()
    assert other.get_by_role("link", name="PDF").count() == 1
    screenshot(other, "retention-disposed")
    other.set_viewport_size({"width": 390, "height": 800})
    screenshot(other, "retention-disposed-390")
    other_context.close()
