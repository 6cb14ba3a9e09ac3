"""Every page each person can reach, on a 390 px phone, in Chromium.

The demo practice (seed_demo) gives every kind of record a page: notes in each state,
authorizations in each state, disclosures, an emergency access, flags. For each persona
the test signs in (staff with their two-factor code), then follows same-origin links from
the home page, GET only (no sign-out, no downloads, nothing a form posts), at most
PAGES_PER_PERSONA pages and PER_PATTERN pages of one URL pattern (ids and record numbers
count as one). It fails naming each page that is wider than the phone
(`document.documentElement.scrollWidth` above 390), each box that scrolls sideways (a
table that cuts off its columns), each stacked table cell without its label, each form
control under 24 px tall and each console error (a CSP violation). New pages are
found by the crawl itself: no list of URLs to keep up to date.

Screenshots go to test-artifacts/ (git-ignored): phone-<persona>-<page>.png at 390 px, and
with PHONE_SWEEP_WIDE=1 also wide-<persona>-<page>.png at 1280 px.
"""

import io
import os
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command

from practice.demo import DEMO_PASSWORD
from tests.base import current_code
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
PAGES_PER_PERSONA = 80
PER_PATTERN = 2  # pages of one URL pattern (ids and record numbers count as one)
PER_PATH = 4  # pages of one path pattern whatever their query (the audit log's filters)

# Never followed: the sign-out, the session pings, and what downloads instead of showing.
SKIP = re.compile(
    r"/accounts/logout/|/accounts/session/|/healthz|\.pdf$|\.csv$|/pdf/$|/copy/(pdf|fhir)/$|^/static/|^/media/"
)

PERSONAS = [
    # name, username, two-factor
    ("counselor", "casey.counselor", True),
    ("supervisor", "sam.supervisor", True),
    ("prelicensed", "riley.counselor", True),
    ("emergency", "jordan.counselor", True),  # with an emergency access running
    ("admin", "avery.admin", True),
    ("client", "alex@example.invalid", False),
]

# Scripts run in the page: what is wider than the screen.
STATUS_ERROR = "Failed to load resource: the server responded with a status of"
WIDTH = "document.documentElement.scrollWidth"
SIDEWAYS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const s = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(s.overflowX)) continue;
    if (el.tagName === 'TEXTAREA') continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}`
               + ` scrolls ${el.scrollWidth - el.clientWidth}px sideways`);
    }
  }
  return out;
}"""
# A table stacked on the phone (its cells shown as blocks) labels each cell by its column.
UNLABELLED = """() => {
  const out = [];
  for (const td of document.querySelectorAll('td')) {
    if (getComputedStyle(td).display === 'table-cell' || td.hasAttribute('colspan')) continue;
    if (!td.hasAttribute('data-label')) {
      out.push(`a stacked table's cell has no data-label: "${td.textContent.trim().slice(0, 40)}"`);
      break;
    }
  }
  return out;
}"""
# Form controls a finger can hit: at least 24 px tall (WCAG 2.2, 2.5.8); an unstyled
# input (a type the stylesheet forgot) is about 20.
SMALL_TARGETS = """() => {
  const out = [];
  const controls = document.querySelectorAll(
    'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button:not(.link), a.button');
  for (const el of controls) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (r.height < 24) {
      const name = el.getAttribute('name') || el.textContent.trim().slice(0, 30);
      out.push(`${el.tagName.toLowerCase()} "${name}" is ${Math.round(r.height)}px tall (under 24)`);
    }
  }
  return out;
}"""
WIDEST = """(limit) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > limit + 1 && r.width > 0) {
      out.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}`
               + ` right edge ${Math.round(r.right)}px`);
    }
  }
  return out.slice(0, 5);
}"""


def pattern(url: str) -> str:
    """One key per kind of page: a path segment holding a digit is an id or a record
    number; query values do not count, their names do."""
    parts = urlsplit(url)
    path = "/".join("*" if re.search(r"\d", seg) else seg for seg in parts.path.split("/"))
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def slug(url: str) -> str:
    parts = urlsplit(url)
    text = (parts.path.strip("/") or "home") + ("-" + parts.query if parts.query else "")
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:80]


def _seed(live_url, settings):
    """The demo practice, an emergency access running for one counselor, and the link and
    code the demo's recipients were emailed (their links point at the live server)."""
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    settings.DEBUG = False
    from emergency import services as emergency
    from practice.models import User
    from records.models import Assignment

    jordan = User.objects.get(username="jordan.counselor")
    foreign = Assignment.objects.filter(counselor__username="casey.counselor", ended_at__isnull=True).last()
    access = emergency.emergency_open(
        actor=jordan,
        record_number=foreign.client.record_number,
        reason="risk_to_client",
        justification="On call: the client phoned in crisis and their counselor is away.",
    )
    links = re.findall(r"https?://\S+?(/d/[\w-]+/)", "\n".join(x.body for x in mail.outbox))
    codes = re.findall(r"code .*: (\d+)", "\n".join(x.body for x in mail.outbox))
    assert links and codes, "the demo emailed no recipient link"
    return live_url + links[0], codes[0], f"/clients/{access.client.record_number}/"


def _sign_in(page, base_url, username, two_factor):
    from practice.models import User

    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if two_factor:
        page.wait_for_url(re.compile(r".*/accounts/2fa/verify/.*"))
        page.get_by_label("Code").fill(current_code(User.objects.get(username=username)))
        page.get_by_role("button", name="Verify").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


class Sweep:
    def __init__(self, chromium, base_url, wide):
        self.chromium = chromium
        self.base_url = base_url
        self.wide = wide
        self.problems: list[str] = []
        self.visited: dict[str, list[str]] = {}

    def context(self):
        context = self.chromium.new_context(viewport=PHONE)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        return context, page

    def check(self, page, persona: str, label: str, status: int = 200) -> None:
        """The page now shown: no wider than the phone, nothing scrolling sideways, no
        console error."""
        name = f"{persona} {label}"
        width = page.evaluate(WIDTH)
        if width > PHONE["width"]:
            widest = page.evaluate(WIDEST, PHONE["width"])
            self.problems.append(f"{name}: {width}px wide at {PHONE['width']}px ({'; '.join(widest)})")
        for box in page.evaluate(SIDEWAYS) + page.evaluate(UNLABELLED) + page.evaluate(SMALL_TARGETS):
            self.problems.append(f"{name}: {box}")
        # The browser reports a page's own 403 or 404 status as a console error: that
        # one is the page working; anything else (a CSP violation) is not.
        errors = [e for e in page.console_errors if not (status >= 400 and e.startswith(f"{STATUS_ERROR} {status}"))]
        if errors:
            self.problems.append(f"{name}: console errors {errors}")
        page.console_errors.clear()
        screenshot(page, f"phone-{persona}-{slug(label)}")
        if self.wide:
            page.set_viewport_size(WIDE)
            screenshot(page, f"wide-{persona}-{slug(label)}")
            page.set_viewport_size(PHONE)
        self.visited.setdefault(persona, []).append(label)

    def links(self, page) -> list[str]:
        return page.evaluate(
            """() => [
              ...[...document.querySelectorAll('a[href]')].filter(a => !a.hasAttribute('download')).map(a => a.href),
              ...[...document.querySelectorAll('form')]
                 .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get').map(f => f.action),
              // A search box, searched: its results are a page of their own.
              ...[...document.querySelectorAll('form input[type=search][name]')].map(i => {
                 const url = new URL(i.form.action); url.searchParams.set(i.name, 'alex'); return url.href; }),
            ]"""
        )

    def confirming(self, page) -> list[str]:
        """The page's buttons that lead to a confirmation ("Sign…", "Discharge…"): by the
        product's convention a label ending in an ellipsis asks before doing anything."""
        return page.evaluate(
            """() => [...document.querySelectorAll('form')]
              .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'post')
              .flatMap(f => [...f.querySelectorAll('button:not([type]), button[type=submit], input[type=submit]')])
              .map(b => (b.innerText || b.value || '').trim()).filter(t => t.endsWith('\u2026'))"""
        )

    def submit(self, page, persona: str, url: str, button: str) -> None:
        """The page a confirming button leads to, with the form as the page shows it
        (a confirmation, or the form again with its errors)."""
        page.goto(url)
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name=button, exact=True).first.click()
        response = navigation.value
        status = response.status if response else 200
        self.check(page, persona, f"{url[len(self.base_url) :]} [{button}]", status)

    def crawl(self, page, persona: str, extra: list[str] = (), *, signed_in: bool = True) -> None:
        base = self.base_url
        queue = [base + path for path in extra] + [base + "/"]
        seen_urls, per_pattern, per_path, shown = set(), {}, {}, 0
        while queue and shown < PAGES_PER_PERSONA:
            if isinstance(queue[0], tuple):  # a confirming button: once per kind of page
                url, button = queue.pop(0)
                key = f"{pattern(url[len(base) :])} [{button}]"
                if key not in per_pattern:
                    per_pattern[key] = 1
                    shown += 1
                    self.submit(page, persona, url, button)
                continue
            url = queue.pop(0).split("#")[0]
            if url in seen_urls or not url.startswith(base):
                continue
            seen_urls.add(url)
            path = url[len(base) :] or "/"
            key = pattern(path)
            path_key = key.split("?")[0]
            if SKIP.search(urlsplit(path).path) or per_pattern.get(key, 0) >= PER_PATTERN:
                continue
            if per_path.get(path_key, 0) >= PER_PATH:
                continue
            try:
                response = page.goto(url)
            except Exception as exc:  # a link that downloads a file has no page to check
                if "Download is starting" in str(exc):
                    continue
                raise
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            if signed_in and "/accounts/login/" in page.url:
                self.problems.append(f"{persona} {path}: signed out on the way")
                return
            per_pattern[key] = per_pattern.get(key, 0) + 1
            per_path[path_key] = per_path.get(path_key, 0) + 1
            shown += 1
            label = path if response.status < 400 else f"{path} ({response.status})"
            self.check(page, persona, label, response.status)
            queue.extend(self.links(page))
            queue.extend((url, button) for button in self.confirming(page))


def test_no_page_is_wider_than_a_phone(live_server, chromium, settings):
    link, code, emergency_chart = _seed(live_server.url, settings)
    sweep = Sweep(chromium, live_server.url, wide=os.environ.get("PHONE_SWEEP_WIDE") == "1")

    # Before signing in: the sign-in page and its neighbours, and a refused sign-in.
    context, page = sweep.context()
    sweep.crawl(page, "visitor", ["/accounts/login/", "/accounts/password/reset/"], signed_in=False)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("casey.counselor")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    # The refused sign-in's page, not the one the click leaves (measuring a page while it
    # is replaced fails on a loaded machine).
    page.get_by_text("That username and password did not match.").wait_for()
    sweep.check(page, "visitor", "/accounts/login/ (wrong password)")

    # The disclosure recipient, with the emailed link: the page, a wrong code, the download.
    page.goto(link)
    sweep.check(page, "recipient", "/d/<link>/")
    page.get_by_label("Access code").fill("000000" if code != "000000" else "111111")
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Download").click()
    sweep.check(page, "recipient", "/d/<link>/ (wrong code)", refused.value.status)
    context.close()

    for persona, username, two_factor in PERSONAS:
        context, page = sweep.context()
        _sign_in(page, live_server.url, username, two_factor)
        sweep.crawl(page, persona, [emergency_chart] if persona == "emergency" else [])
        # A mistyped address and a record number nobody has: the product's own pages.
        for path in ("/no-such-page/", "/clients/NOPE-0000/"):
            response = page.goto(live_server.url + path)
            sweep.check(page, persona, f"{path} ({response.status})", response.status)
        context.close()

    report = "\n".join(f"{who}: {len(pages)} pages: {', '.join(pages)}" for who, pages in sweep.visited.items())
    print(report)
    for persona, _, _ in PERSONAS:
        assert len(sweep.visited.get(persona, [])) >= 3, f"{persona} reached almost nothing:\n{report}"
    assert not sweep.problems, "\n".join(sweep.problems)
