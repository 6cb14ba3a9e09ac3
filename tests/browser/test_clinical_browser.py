"""The chart of a client like the demo's, in Chromium: the questionnaire chart is inline
SVG drawn by the server (no script, nothing the strict CSP blocks), with the bands
marked; screenshots at 1280 and 390 px."""

import re
from datetime import date

import pytest

from clinical import demo, services
from records import services as records_services
from tests.base import make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_chart_draws_the_demo_clients_scores(live_server, page):
    admin = make_user("admin1", "practice_admin")
    counselor = make_user("casey", "counselor")
    client = records_services.client_create(
        actor=admin, first_name="Alex", last_name="Whitfield", date_of_birth=date(1988, 1, 1), counselor=counselor
    )
    services.diagnosis_add(actor=counselor, record_number=client.record_number, code="F41.1", kind="primary")
    demo.seed_plan(client, counselor, review_in_days=-3)
    demo.seed_scores(client, counselor)

    sign_in_with_code(page, live_server.url, counselor)
    assert page.get_by_role("heading", name=re.compile("Treatment plan reviews due")).is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/clients/{client.record_number}/")
    page.get_by_role("heading", name=re.compile("Alex Whitfield")).wait_for()
    charts = page.locator("figure.score-chart svg")
    assert charts.count() == 2
    phq9 = charts.nth(0)
    assert phq9.locator("circle").count() == len(demo.PHQ9_COURSE)
    assert phq9.locator("rect").count() == 5  # the five PHQ-9 bands
    assert phq9.bounding_box()["width"] > 200
    assert page.get_by_text("Generalized anxiety disorder").first.is_visible()
    assert page.get_by_text("Review due").is_visible()
    screenshot(page, "clinical-chart-1280")
    page.set_viewport_size({"width": 390, "height": 800})
    box = phq9.bounding_box()
    assert 200 < box["width"] <= 390, box
    screenshot(page, "clinical-chart-390")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/clients/{client.record_number}/questionnaires/")
    page.locator("figure.score-chart svg").first.wait_for()
    screenshot(page, "clinical-questionnaires-1280")
    assert page.csp_errors == [], page.csp_errors
