"""Reads of consent records for pages that have already checked access and written
their audit event (the client portal)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from consent.models import Authorization, Disclosure
from records.models import Client


def client_authorizations(client: Client) -> QuerySet[Authorization]:
    """Every authorization the client has been shown (drafts are the care team's own)."""
    return client.authorizations.exclude(status=Authorization.Status.DRAFT).select_related("prepared_by")


def authorizations_by_id(client: Client, ids: Iterable[int]) -> dict[int, Authorization]:
    """The client's authorizations among `ids`, in one query (none when ids is empty)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {a.pk: a for a in Authorization.objects.filter(client=client, pk__in=ids).only(*_AUTH_FIELDS)}


def disclosures_by_id(client: Client, ids: Iterable[int]) -> dict[int, Disclosure]:
    """The client's disclosures among `ids`, in one query, without their packages."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {
        d.pk: d
        for d in Disclosure.objects.filter(client=client, pk__in=ids).only(
            "id", "client_id", "authorization_id", "legal_basis", "recipient_name", "recipient_organization"
        )
    }


_AUTH_FIELDS = ("id", "client_id", "kind", "status", "recipient_name", "recipient_organization")
