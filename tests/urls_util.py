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


# --- The authorization matrix's walk -----------------------------------------------------
# Methods tried on a function view that does not restrict them with require_GET /
# require_POST / require_http_methods: the two a browser sends.
DEFAULT_METHODS = ("GET", "POST")


def _qualified_walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _qualified_walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            key = f"{namespace}{entry.name}" if entry.name else f"{namespace}{route}"
            yield key, route, entry.callback


def route_parameters(route: str) -> list[str]:
    """The names of a route's parameters, path converters and regex groups alike."""
    import re

    return re.findall(r"(?<!\?P)<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)


def fill_parameters(route: str, values: dict[str, str]) -> str:
    """The route as a path, each parameter (path converter or regex group) replaced by
    values[name]."""
    import re

    path = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", lambda m: values[m.group(1)], route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + path


def accepted_methods(callback) -> tuple[str, ...]:
    """Every HTTP method the view answers (HEAD and OPTIONS aside): a class-based view's
    handlers, a require_http_methods list, or DEFAULT_METHODS."""
    import inspect

    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return tuple(
            m.upper() for m in view_class.http_method_names if m not in ("head", "options") and hasattr(view_class, m)
        )
    func = callback
    while func is not None:
        try:
            nonlocals = inspect.getclosurevars(func).nonlocals
        except (TypeError, ValueError):
            nonlocals = {}
        allowed = nonlocals.get("request_method_list")
        if allowed is not None:
            return tuple(m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m in allowed)
        func = getattr(func, "__wrapped__", None)
    return DEFAULT_METHODS


def url_patterns(urlconf=None):
    """(key, route, accepted methods) of every URL pattern: the key is the namespaced
    URL name ("login", "admin:index"), or the route for a pattern without a name."""
    for key, route, callback in _qualified_walk(get_resolver(urlconf).url_patterns):
        yield key, route, accepted_methods(callback)
