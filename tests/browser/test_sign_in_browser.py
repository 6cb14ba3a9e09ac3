"""A staff member's first sign-in, as a person does it in Chromium."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from practice.models import User
from tests.base import PASSWORD, make_user
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_now(secret: str) -> str:
    totp = TOTP(b32decode(secret), 30, 0, 6, 0)
    totp.time = time.time()
    return f"{totp.token():06d}"


def sign_in_with_code(page, base_url, user):
    """Password, then the current code of the user's authenticator."""
    from tests.base import current_code

    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/verify/.*"))
    page.get_by_label("Code").fill(current_code(user))
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name=re.compile("Welcome")).wait_for()


def test_first_sign_in_enrolls_two_factor_and_shows_recovery_codes(live_server, page):
    make_user("newcounselor", "counselor", totp=False)
    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + "/accounts/login/")
    screenshot(page, "sign-in")

    page.get_by_label("Username").fill("newcounselor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/setup/$"))
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    screenshot(page, "two-factor-setup")

    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill(totp_now(secret))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Two-factor sign-in is on").wait_for()
    assert page.locator("#recovery-codes li").count() == 10
    screenshot(page, "recovery-codes")

    page.get_by_role("link", name=re.compile("I have saved them")).click()
    page.get_by_role("heading", name=re.compile("Welcome")).wait_for()
    assert page.csp_errors == [], page.csp_errors
    assert User.objects.get(username="newcounselor").authenticatordevice_set.filter(confirmed=True).exists()


def test_idle_warning_appears_and_stay_signed_in_keeps_the_session(live_server, page, settings):
    settings.SESSION_IDLE_TIMEOUT = 8
    settings.SESSION_IDLE_WARNING = 5
    make_user("claire", "client")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("claire")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=re.compile("Welcome")).wait_for()

    dialog = page.get_by_role("alertdialog")
    dialog.wait_for(state="visible", timeout=10_000)
    screenshot(page, "idle-warning")
    page.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")
    page.reload()
    assert page.get_by_role("heading", name=re.compile("Welcome")).is_visible()

    # Left alone, the page signs itself out when the server ends the session.
    page.wait_for_url(re.compile(r".*/accounts/login/.*"), timeout=20_000)
    assert page.get_by_text("signed out after a period of inactivity").is_visible()
