"""Fuzzing with Hypothesis: every form, every URL parameter and every query parameter,
with arbitrary text, NUL, oversize values, unicode digits, far-off dates, malformed
images and base64.

What must hold for every input: no 500; a refusal of a URL's own view is one denied
event; nothing is stored by someone the matrix refuses; typed text comes back escaped.

The forms are found, not listed: the walk opens every page the matrix lets someone
open and reads the fields of each form on it (tests/test_authorization_matrix.py). The
query parameters are found in the views' source. Example counts come from the
Hypothesis profile (conftest.py): small in CI, larger with HYPOTHESIS_PROFILE=deep.
"""

from __future__ import annotations

import importlib
import inspect
import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from django.db import transaction
from django.urls import Resolver404, resolve
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisDjangoTestCase

from audit.models import AuditEvent, Outcome
from tests.matrix import COLUMNS, Walker
from tests.test_authorization_matrix import TABLE, MatrixTestCase, form_data
from tests.urls_util import fill_parameters, route_parameters, url_patterns

# A marker that must never come back unescaped in a page.
MARKUP = "<x-fuzz onclick=1>&\"'"

SPECIAL = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u00b2",  # superscript two: str.isdigit() says yes, int() says no
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    "\u0968",  # Devanagari digit two
    "9" * 30,
    "-1",
    "0",
    "1e309",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "99999-01-01",
    MARKUP,
    "' OR 1=1 --",
    "../../etc/passwd",
    "data:image/png;base64,AAAA",
    "data:image/png;base64,%%%",
    "data:image/png;base64," + "A" * 5000,
    "x" * 5000,
    "\u202e\u0000\ufeff",
    "\ud7ff\ue000\U0010ffff",
]


def _values():
    return st.one_of(
        st.sampled_from(SPECIAL),
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
    )


VALUES = _values()
# URL parameters: anything but a slash (a slash is another URL, not this one's parameter).
PARAMETER_VALUES = st.one_of(
    st.sampled_from([v for v in SPECIAL if v and "/" not in v]),
    st.text(min_size=1, max_size=80).filter(lambda v: "/" not in v),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)

# Who tries each page: the first of these the matrix lets in.
PREFERENCE = ("anon", "cou", "adm", "cli", "sup", "osu")
CHANGE_TABLES = (
    "records.Client",
    "records.SessionNote",
    "records.Addendum",
    "records.PsychotherapyNote",
    "records.Assignment",
    "consent.Authorization",
    "consent.Disclosure",
    "consent.DeliveryLink",
    "practice.User",
    "emergency.EmergencyAccess",
)


class _Forms(HTMLParser):
    """The POST forms of a page: {action path: [field names]}."""

    def __init__(self, page_path):
        super().__init__()
        self.page_path, self.forms, self.current = page_path, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = urlsplit(attrs.get("action") or self.page_path).path
            self.forms.setdefault(self.current, set())
        elif (
            tag in ("input", "textarea", "select")
            and self.current
            and attrs.get("name")
            and attrs["name"] != "csrfmiddlewaretoken"
            and attrs.get("type") not in ("submit", "button")
        ):
            self.forms[self.current].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def _allowed_column(key, method, codes=("A", "a", "F")):
    row = TABLE.get((key, method))
    if row is None:
        return None
    return next((c for c in PREFERENCE if row.codes[c] in codes), None)


def _refused_columns(key, method):
    row = TABLE.get((key, method))
    return [c for c in row.codes if row.codes[c] in ("D", "L", "V")] if row else []


def _view_name(path):
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


def query_parameters() -> set[str]:
    """Every query parameter a view reads: request.GET.get("name"), and the fields of
    each form bound to request.GET."""
    names = set()
    for app in ("practice", "records", "consent", "audit", "emergency", "portal"):
        try:
            module = importlib.import_module(f"{app}.views")
        except ModuleNotFoundError:
            continue
        source = inspect.getsource(module)
        names |= set(re.findall(r"request\.GET\.get\(\"(\w+)\"", source))
        for form_name in re.findall(r"(\w+Form)\(request\.GET", source):
            form_class = getattr(module, form_name)
            names |= {f"{form_class.__name__}.{field}" for field in form_class.base_fields}
    return names


# The pages that read query parameters, with the person who may open them. A parameter
# that no entry names fails test_every_query_parameter_is_fuzzed.
QUERY_TARGETS = [
    (
        "audit_log",
        "adm",
        ["actor", "client", "action", "outcome", "date_from", "date_to", "event", "from_event", "to_event", "before"],
    ),
    ("audit_export", "adm", ["actor", "client", "action", "outcome", "date_from", "date_to", "event"]),
    ("audit_flags_reviewed", "adm", ["before"]),
    ("note_create", "cou", ["template"]),
    ("share", "cou", ["authorization"]),
    ("note_sign", "cou", ["version"]),
    ("emergency_open", "una", ["client"]),
    ("two_factor_verify", "unv", ["next"]),
    ("login", "anon", ["next"]),
    ("portal_history", "cli", ["month", "before"]),
    ("caseload", "cou", ["after"]),
    ("chart", "cou", ["before"]),
    ("admin_clients", "adm", ["after"]),
]
QUERY_FORMS = {"EventFilterForm": "audit_log", "HistoryFilterForm": "portal_history"}


class _Requests:
    def setUp(self):
        super().setUp()
        # Signed in here, once: a session created inside an example would be rolled back
        # with it, and the next example would quietly run as an anonymous visitor.
        self.walkers = {column: Walker(self, column) for column in COLUMNS}

    def walker(self, column) -> Walker:
        return self.walkers[column]

    def send(self, column, method, path, data=None):
        """One request in a savepoint rolled back afterwards, as Walker.request does, but
        returning the response, its events and the change counts before and after."""
        walker = self.walker(column)
        from http.cookies import SimpleCookie

        from django.apps import apps
        from django.conf import settings

        walker.http.cookies = SimpleCookie()
        if walker.session_cookie:
            walker.http.cookies[settings.SESSION_COOKIE_NAME] = walker.session_cookie
        counts = lambda: {name: apps.get_model(name).objects.count() for name in CHANGE_TABLES}  # noqa: E731
        result = {}
        with transaction.atomic():
            before = counts()
            if method == "GET":
                response = walker.http.get(path, data or {})
            else:
                response = walker.http.generic(
                    method, path, _urlencode(data or {}), "application/x-www-form-urlencoded"
                )
            result["response"] = response
            result["events"] = list(
                AuditEvent.objects.filter(request_id=response.get("X-Request-ID", "")).values_list("outcome", flat=True)
            )
            result["changed"] = {n: (before[n], c) for n, c in counts().items() if c != before[n]}
            transaction.set_rollback(True)
        return result

    def check_answer(self, label, result, own_view=True):
        response = result["response"]
        self.assertLess(response.status_code, 500, label)
        if response.status_code in (403, 404) and own_view:
            denied = result["events"].count(Outcome.DENIED)
            self.assertEqual(
                (denied, result["events"].count(Outcome.ALLOWED)), (1, 0), f"{label}: refusal events {result}"
            )
        if response.get("Content-Type", "").startswith("text/html") and not getattr(response, "streaming", False):
            self.assertNotIn(MARKUP.encode(), response.content, f"{label}: typed markup came back unescaped")


class FuzzTestCase(HypothesisDjangoTestCase, _Requests, MatrixTestCase):
    """The matrix's world (built once per test, in setUp); each example runs in a
    transaction of its own (Hypothesis' Django test case), each request in a savepoint."""


def _urlencode(data):
    from urllib.parse import urlencode

    return urlencode(data, doseq=True).encode()


def parameter_targets():
    """(url key, route, method, parameter) for every parameter of every URL, with a
    method someone may use."""
    return [
        (key, route, method, name)
        for key, route, methods in url_patterns()
        for name in route_parameters(route)
        for method in methods
        if _allowed_column(key, method)
    ]


# Hypothesis runs each example of a @given test in its own transaction, and setUp once
# for the test outside any: so each class below holds one @given test, and the plain
# tests live in FuzzCoverageTest.
class FuzzCoverageTest(_Requests, MatrixTestCase):
    def test_there_are_parameters_to_fuzz(self):
        self.assertGreater(len({(k, n) for k, _r, _m, n in parameter_targets()}), 10)

    def test_every_query_parameter_is_fuzzed(self):
        covered = {p for _key, _column, params in QUERY_TARGETS for p in params}
        for form_name, key in QUERY_FORMS.items():
            covered |= {f"{form_name}.{p}" for _k, _c, params in QUERY_TARGETS if _k == key for p in params}
        missing = query_parameters() - covered
        self.assertEqual(missing, set(), "query parameters read by a view but not in QUERY_TARGETS")

    def test_the_walk_finds_the_forms(self):
        targets = {key for key, _action in find_forms(self)}
        for expected in ("login", "note_create", "share", "portal_authorization", "audit_flag_review", "staff_create"):
            self.assertIn(expected, targets)


class UrlParameterFuzzTest(FuzzTestCase):
    """Every URL parameter, as someone who may open the URL with its real objects."""

    @given(st.data())
    def test_no_url_parameter_value_makes_a_500_or_an_unaudited_refusal(self, data):
        key, route, method, name = data.draw(st.sampled_from(parameter_targets()), label="target")
        value = data.draw(PARAMETER_VALUES, label="value")
        values = {p: str(self.parameter(key, p)) for p in route_parameters(route)}
        values[name] = quote(value, safe="")
        path = fill_parameters(route, values)
        column = _allowed_column(key, method)
        result = self.send(column, method, path, form_data(self, key, method))
        self.check_answer(f"{method} {path} as {column}", result, own_view=_view_name(path) == key)


class QueryParameterFuzzTest(FuzzTestCase):
    @given(st.data())
    def test_no_query_parameter_value_makes_a_500(self, data):
        key, column, params = data.draw(st.sampled_from(QUERY_TARGETS), label="page")
        chosen = data.draw(st.lists(st.sampled_from(params), min_size=1, unique=True), label="params")
        query = {p: data.draw(VALUES, label=p) for p in chosen}
        route = next(r for k, r, _m in url_patterns() if k == key)
        path = fill_parameters(route, {p: str(self.parameter(key, p)) for p in route_parameters(route)})
        self.check_answer(f"GET {path} {query!r} as {column}", self.send(column, "GET", path, query))


def find_forms(case) -> dict:
    """{(url key, action path): field names} of every POST form on every page someone
    may open, with the matrix's objects."""
    found = {}
    for key, route, methods in url_patterns():
        if "GET" not in methods:
            continue
        row = TABLE.get((key, "GET"))
        path = fill_parameters(route, {p: str(case.parameter(key, p)) for p in route_parameters(route)})
        for column in PREFERENCE:
            if row is None or row.codes[column] not in ("A", "a"):
                continue
            response = case.send(column, "GET", path)["response"]
            if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                break
        else:
            continue
        parser = _Forms(path)
        parser.feed(response.content.decode())
        for action, fields in parser.forms.items():
            target = _view_name(action)
            if target and _allowed_column(target, "POST"):
                found.setdefault((target, action), set()).update(fields)
    return found


class FormFuzzTest(FuzzTestCase):
    """Every form the walk finds, posted with arbitrary values, by someone it is for."""

    def forms(self):
        if getattr(self, "_forms", None) is None:
            self._forms = find_forms(self)
        return self._forms

    @given(st.data())
    def test_no_form_input_makes_a_500_or_comes_back_unescaped(self, data):
        forms = self.forms()
        (key, action) = data.draw(st.sampled_from(sorted(forms)), label="form")
        fields = sorted(forms[(key, action)])
        posted = {name: data.draw(VALUES, label=name) for name in fields}
        column = _allowed_column(key, "POST")
        result = self.send(column, "POST", action, posted)
        self.check_answer(f"POST {action} as {column} {posted!r}", result)
        response = result["response"]
        if response.status_code in (301, 302, 303) and result["changed"]:
            # Stored: the page it leads to shows the text escaped.
            page = self.send(column, "GET", response["Location"])["response"]
            self.assertLess(page.status_code, 500)
            if page.get("Content-Type", "").startswith("text/html"):
                self.assertNotIn(MARKUP.encode(), page.content)


class RefusedFormFuzzTest(FormFuzzTest):
    """The same forms, posted by people the matrix refuses: nothing may be stored."""

    test_no_form_input_makes_a_500_or_comes_back_unescaped = None

    @given(st.data())
    def test_a_refused_person_stores_nothing_whatever_they_post(self, data):
        forms = self.forms()
        (key, action) = data.draw(st.sampled_from(sorted(forms)), label="form")
        refused = _refused_columns(key, "POST")
        if not refused:
            return
        column = data.draw(st.sampled_from(refused), label="person")
        fields = sorted(forms[(key, action)])
        posted = {name: data.draw(st.one_of(VALUES, st.just("valid")), label=name) for name in fields}
        # Half the time, what the page's own person would send: a refusal must not depend
        # on the input being wrong.
        if data.draw(st.booleans(), label="realistic"):
            posted.update(form_data(self, key, "POST") or {})
        result = self.send(column, "POST", action, posted)
        self.check_answer(f"POST {action} as {column}", result)
        self.assertEqual(result["changed"], {}, f"POST {action} as {column} changed {result['changed']}")
