"""Domain exceptions that views turn into pages. They subclass Django's own, so an
uncaught one still becomes the right status (403 / 404), never a 500 with details."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404


class PermissionDenied(DjangoPermissionDenied):
    """The actor may not do this (403)."""


class NotFound(Http404):
    """No such object, or not one this actor may know about: the same 404 for both."""
