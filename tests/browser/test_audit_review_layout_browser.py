"""The review pages and the admin's home page fit a 1280 px screen without horizontal
scrolling (the page, and the table inside its box), and stack on a tablet (700 px) and
a 390 px phone.
Screenshots in test-artifacts/review-*.png."""

import contextlib
from datetime import date

import pytest

import audit
from audit.context import RequestContext, reset, set_current
from audit.models import FlagKind, FlagReview, Outcome
from emergency import services as emergency
from records import services
from tests.base import make_user
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in_browser import sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_REASON = "Requested by the county court under docket 2026-CV-000123456789; " * 6
OVERFLOW = """() => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) out.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
  for (const el of document.querySelectorAll('.table-wrap')) {
    if (el.scrollWidth > el.clientWidth) out.push(`table box ${el.scrollWidth} > ${el.clientWidth}`);
  }
  return out;
}"""


def _plant(admin, counselor):
    """Rows as wide as the log gets: long names, a long reason, an IPv6 address, refusals."""
    client = services.client_create(
        actor=admin, first_name="Robin", last_name="Hale", date_of_birth=date(1991, 5, 5), counselor=counselor
    )
    token = set_current(
        RequestContext(request_id="f" * 32, ip="2001:db8:85a3:1234:5678:8a2e:370:7334", user_agent="Browser/1")
    )
    try:
        for _ in range(3):
            services.chart_view(actor=counselor, record_number=client.record_number)
        stranger = make_user("maximiliana.featherstonehaugh-okonkwo", "counselor")
        for _ in range(2):
            with contextlib.suppress(services.NotFound):  # refused: a denied-attempt flag
                services.chart_view(actor=stranger, record_number=client.record_number)
        emergency.emergency_open(
            actor=stranger,
            record_number=client.record_number,
            reason="risk_to_others",
            justification="The client phoned the front desk describing a plan; on-call counselor is unreachable. " * 3,
        )
        audit.record(
            action="disclosure.download",
            actor_username="recipient",
            outcome=Outcome.DENIED,
            client=client,
            object_type="disclosure",
            object_id=12345678901234,
            reason=LONG_REASON,
        )
        event = audit.record(action="staff.role_change", actor=admin, object_type="user", object_id=stranger.pk)
    finally:
        reset(token)
    FlagReview.objects.create(
        event=event, kind=FlagKind.ROLE_CHANGE, reviewer=admin, comment="Agreed with the director; " * 10
    )


@pytest.mark.parametrize("width", [1280, 700, 390])
def test_review_pages_fit_without_horizontal_scrolling(live_server, page, width):
    admin = make_user("admin1", "practice_admin")
    counselor = make_user("counselor1", "counselor")
    _plant(admin, counselor)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_with_code(page, live_server.url, admin)
    for path, name in [
        ("/", "home"),
        ("/audit/", "log"),
        ("/audit/flags/", "flags"),
        ("/audit/flags/reviewed/", "flags-reviewed"),
        ("/audit/emergency/", "emergency-queue"),
    ]:
        page.goto(live_server.url + path)
        page.locator("h1").wait_for()
        screenshot(page, f"review-{name}-{width}")
        assert page.evaluate(OVERFLOW) == [], f"{path} at {width} px"
    if width == 390:
        # Stacked: each cell names its column.
        page.goto(live_server.url + "/audit/")
        label = page.locator('table.review td[data-label="Who"]').first
        before = label.evaluate("el => getComputedStyle(el, '::before').content")
        assert before == '"Who"', before
        assert label.evaluate("el => getComputedStyle(el).display") != "table-cell"
    assert page.csp_errors == [], page.csp_errors
