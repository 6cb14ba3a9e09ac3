"""The machinery of the authorization matrix (tests/test_authorization_matrix.py): the
people, the objects a URL's parameters are filled with, one request per URL, method
and person, and what came back.

Each request runs inside a savepoint that is rolled back after its audit events are
read, so every request sees the same world: a POST that signs a note, discharges a
client or deactivates an account does not change what the next request finds.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import Resolver404, resolve

from audit.models import AuditEvent, Outcome
from tests.base import sign_in
from tests.urls_util import fill_parameters, route_parameters, url_patterns

# The people, in the order of the table's columns: (column, persona attribute on the
# test case or None for anonymous, second factor verified).
PERSONAS = (
    ("anon", None, False),
    ("cli", "client_user", True),
    ("ocl", "other_client_user", True),
    ("cou", "counselor", True),
    ("cot", "cotherapist", True),
    ("una", "unassigned", True),
    ("sup", "supervisor", True),
    ("osu", "other_supervisor", True),
    ("adm", "practice_admin", True),
    ("su", "superuser", True),
    ("unv", "counselor", False),
    ("dea", "deactivated", True),
)
COLUMNS = tuple(column for column, _, _ in PERSONAS)

CODES = {
    "A": "allowed: 2xx, 3xx or 400 (a form's errors), with exactly one allowed audit event",
    "a": "answered without client data: 2xx, 3xx or 400 and no audit event",
    "F": "refused with a message: 2xx, 3xx or 400 with exactly one denied event (a wrong password, a rule broken)",
    "D": "refused: 403 or 404 with exactly one denied audit event and no allowed one",
    "L": "sent to the sign-in page, nothing audited as allowed",
    "V": "sent to two-factor verification or enrollment, nothing audited as allowed",
    "S": "the Django admin, open to superusers: anything but a 500 (issue #9 removes it; then drop its row)",
}


class _RolledBack(Exception):
    pass


@dataclass(frozen=True)
class Row:
    key: str
    methods: tuple[str, ...]
    codes: dict[str, str]


def parse_table(rows) -> dict[tuple[str, str], str | Row]:
    """{(url key, method): Row} from the table's tuples; a malformed row raises."""
    table: dict[tuple[str, str], Row] = {}
    for key, methods, codes in rows:
        letters = codes.split()
        if len(letters) != len(COLUMNS):
            raise AssertionError(f"row {key!r} {methods!r} has {len(letters)} codes, the table has {len(COLUMNS)}")
        unknown = set(letters) - set(CODES)
        if unknown:
            raise AssertionError(f"row {key!r} {methods!r} uses unknown codes {sorted(unknown)}")
        row = Row(key, tuple(methods.split()), dict(zip(COLUMNS, letters, strict=True)))
        for method in row.methods:
            if (key, method) in table:
                raise AssertionError(f"two rows for {key!r} {method}")
            table[(key, method)] = row
    return table


def lookup(table, key: str, method: str) -> Row | None:
    """The row for the URL and method; "prefix:*" rows cover a whole namespace."""
    row = table.get((key, method))
    if row is None and ":" in key:
        row = table.get((key.split(":", 1)[0] + ":*", method))
    return row


@dataclass
class Result:
    code: str
    detail: str


def classify(response, events: list[str]) -> Result:
    allowed = events.count(Outcome.ALLOWED)
    denied = events.count(Outcome.DENIED)
    status = response.status_code
    detail = f"{status}, events allowed={allowed} denied={denied} other={len(events) - allowed - denied}"
    if status in (301, 302, 303, 307, 308):
        location = response["Location"]
        detail += f" -> {location}"
        # Sent away before anything happened: to sign-in (the Django admin's own login
        # page forwards there too) or to the second factor.
        target = _url_name(location)
        if not events and target in ("login", "admin:login"):
            return Result("L", detail)
        if not events and target in ("two_factor_verify", "two_factor_setup"):
            return Result("V", detail)
    if 200 <= status < 400 or status == 400:
        if denied == 0 and allowed == 1:
            return Result("A", detail)
        if denied == 0 and allowed == 0 and len(events) == 0:
            return Result("a", detail)
        if denied == 1 and len(events) == 1:
            return Result("F", detail)
        return Result("?", detail)
    if status in (403, 404) and denied == 1 and allowed == 0:
        return Result("D", detail)
    return Result("?", detail)


def _url_name(location: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        match = resolve(urlsplit(location).path)
    except Resolver404:
        return None
    return match.view_name


class Walker:
    """Requests every URL, as one person, with each method the view accepts."""

    def __init__(self, case, column: str, urlconf=None):
        self.case = case
        self.column = column
        self.urlconf = urlconf
        _, attribute, verified = next(p for p in PERSONAS if p[0] == column)
        self.http = HttpClient()
        self.session_cookie = None
        if attribute is not None:
            sign_in(self.http, getattr(case, attribute), verified=verified)
            self.session_cookie = self.http.cookies[settings.SESSION_COOKIE_NAME].value

    def request(self, method: str, path: str, data: dict | None = None) -> Result:
        # The same session for every request: a sign-out or a rotated key is rolled back
        # in the database, and so here.
        self.http.cookies = SimpleCookie()
        if self.session_cookie:
            self.http.cookies[settings.SESSION_COOKIE_NAME] = self.session_cookie
        result = None
        try:
            with transaction.atomic():
                try:
                    if method == "GET":
                        response = self.http.get(path)
                    else:
                        body = urlencode(data or {}, doseq=True).encode()
                        response = self.http.generic(method, path, body, "application/x-www-form-urlencoded")
                except Exception as exc:  # a 500: the test client re-raises the view's exception
                    result = Result("500", f"500 {type(exc).__name__}: {str(exc)[:200]}")
                    raise _RolledBack from exc
                request_id = response.get("X-Request-ID", "")
                events = list(AuditEvent.objects.filter(request_id=request_id).values_list("outcome", flat=True))
                result = classify(response, events)
                raise _RolledBack
        except _RolledBack:
            pass
        return result


def paths(case, urlconf=None, only=None):
    """(key, path, methods) of every URL pattern, its parameters filled from the test
    case's objects; a parameter nobody knows is reported, never skipped."""
    for key, route, methods in url_patterns(urlconf):
        if only is not None and key not in only:
            continue
        values, missing = {}, []
        for name in route_parameters(route):
            value = case.parameter(key, name)
            if value is None:
                missing.append(name)
            else:
                values[name] = str(value)
        yield key, (None if missing else fill_parameters(route, values)), methods, missing
