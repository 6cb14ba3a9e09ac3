"""Every URL of the application, for the authorization tests: a new URL is in the
tables below automatically, so nobody can add a page and forget its row."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC_URL_NAMES = frozenset(
    {
        "login",
        "logout",  # POST only; signing out when already signed out is harmless
        "healthz",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        # A client without an account sets a password from a one-time link.
        "invitation_accept",
        # A recipient outside the practice downloads a package: expiring link + one-time code.
        "delivery_download",
    }
)

_SAMPLE_VALUES = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000", "path": "x"}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _sample_path(route: str) -> str:
    import re

    def fill(match):
        converter = match.group(1) or "str"
        return _SAMPLE_VALUES.get(converter, "1")

    path = re.sub(r"<(?:(\w+):)?\w+>", fill, route)
    # Regex routes (none today) are reduced to a plain sample.
    path = path.replace("^", "").replace("$", "").replace("\\Z", "")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path


def application_urls():
    """(name, sample path) of every URL."""
    for route, pattern in _walk(get_resolver().url_patterns):
        yield pattern.name or route, _sample_path(route)


def application_routes():
    """(name, route) of every URL pattern, the route with its <converter:name> parts."""
    for route, pattern in _walk(get_resolver().url_patterns):
        yield pattern.name or route, route


def fill_route(route: str, values) -> str:
    """The route with each <converter:name> replaced by values(name, route)."""
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values(m.group(1), route)), route)
