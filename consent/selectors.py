"""Reads of consent records for pages that have already checked access and written
their audit event (the client portal, the home pages)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from consent.models import Authorization, Disclosure
from practice.models import User
from records import selectors as records_selectors
from records.models import Client
from records.permissions import WRITE_NOTES


def client_authorizations(client: Client) -> QuerySet[Authorization]:
    """Every authorization the client has been shown (drafts are the care team's own)."""
    return client.authorizations.exclude(status=Authorization.Status.DRAFT).select_related("prepared_by")


def awaiting_client_signature(user: User) -> QuerySet[Authorization]:
    """Forms sent and not yet signed or declined, on the clients whose care team the user
    is on (the counselor's home page), the longest-waiting first."""
    return (
        Authorization.objects.filter(
            status=Authorization.Status.PENDING, client__in=records_selectors.clients_for(user, WRITE_NOTES)
        )
        .select_related("client")
        .order_by("sent_at", "id")
    )


def active_authorizations(client: Client) -> list[Authorization]:
    """The client's authorizations in force (signed, not revoked, not expired), newest
    first: the share form picks its recipient from these."""
    candidates = client.authorizations.filter(status=Authorization.Status.SIGNED, revoked_at__isnull=True)
    return [a for a in candidates.order_by("-signed_at", "-id") if a.is_active]


def forms_to_sign(client: Client) -> QuerySet[Authorization]:
    """The client's forms waiting for their signature (the client's home page)."""
    return client.authorizations.filter(status=Authorization.Status.PENDING).order_by("sent_at", "id")


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
