"""A practice admin changes a staff member's role, with confirmation, in Chromium, on a
desktop screen and on a phone."""

import re

import pytest

from practice.models import User
from tests.base import make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_role_change_with_confirmation(live_server, page):
    avery = make_user("avery", "practice_admin")
    dana = make_user("dana", "counselor")
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_with_code(page, live_server.url, avery)

    page.goto(live_server.url + "/staff/")
    page.get_by_role("row", name=re.compile("dana")).get_by_role("link", name="Change role").click()
    page.get_by_role("heading", name=re.compile("Change the role of")).wait_for()
    screenshot(page, "staff-role-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits(page)
    screenshot(page, "staff-role-390")

    page.get_by_label("New role", exact=True).select_option("supervisor")
    page.get_by_role("button", name="Change role").click()
    page.get_by_text("Tick the box to confirm the change.").wait_for()
    assert User.objects.get(pk=dana.pk).role == "counselor"

    page.get_by_label(re.compile("I understand")).check()
    page.get_by_role("button", name="Change role").click()
    page.get_by_text(re.compile("role is now Clinical supervisor")).wait_for()
    screenshot(page, "staff-list-390")
    assert fits(page)
    assert User.objects.get(pk=dana.pk).role == "supervisor"
    assert page.csp_errors == [], page.csp_errors
