"""A practice admin reviews the access log and a flag in Chromium."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from records import services
from tests.base import make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_filters_the_log_and_reviews_a_flag(live_server, page):
    admin = make_user("admin1", "practice_admin")
    counselor = make_user("counselor1", "counselor")
    client = services.client_create(
        actor=admin, first_name="Robin", last_name="Hale", date_of_birth=date(1991, 5, 5), counselor=counselor
    )
    night = (datetime.now(UTC) - timedelta(days=2)).replace(hour=7, minute=30)  # 02:30 or 03:30 in New York
    with time_machine.travel(night, tick=False):
        services.chart_view(actor=counselor, record_number=client.record_number)

    sign_in_with_code(page, live_server.url, admin)
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Client record number").fill(client.record_number)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("cell", name="Opened a client's chart", exact=True).first.wait_for()
    screenshot(page, "audit-log")

    page.get_by_role("link", name="Flags to review").click()
    page.get_by_role("cell", name="Outside office hours").first.wait_for()
    screenshot(page, "audit-flags")
    page.get_by_label("Comment").first.fill("Crisis call that night; expected.")
    page.get_by_role("button", name="Reviewed").first.click()
    page.get_by_text(re.compile(r"marked reviewed")).wait_for()
    assert page.csp_errors == [], page.csp_errors
