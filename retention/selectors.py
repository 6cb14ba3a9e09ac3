"""Reads for retention: the policy in force, each client's retention date, and the
disposal queue. Retention dates are computed, not stored: they follow the policy, the
last date of service and (for minors) the date of birth, which stays encrypted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from records.models import Client
from retention.models import Disposal, LegalHold, RetentionPolicy
from retention.policy import retain_until

# What computing a retention date needs of a client: only the date of birth is decrypted.
RETENTION_FIELDS = (
    "id",
    "record_number",
    "date_of_birth",
    "is_minor",
    "last_service_date",
    "discharged_on",
    "created_at",
    "disposed_at",
)


def current_policy() -> RetentionPolicy:
    """The newest policy, or the documented defaults (unsaved) until an admin sets one."""
    return RetentionPolicy.objects.select_related("set_by").first() or RetentionPolicy()


@dataclass(frozen=True)
class Due:
    client: Client
    retain_until: date


def retention_date(client: Client, policy: RetentionPolicy | None = None) -> date | None:
    if client.disposed_at is not None:
        return None
    return retain_until(client, policy or current_policy())


def active_hold_ids(client_ids=None) -> set[int]:
    qs = LegalHold.objects.filter(released_at__isnull=True)
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    return set(qs.values_list("client_id", flat=True))


def due_for_disposal(policy: RetentionPolicy, today: date | None = None) -> list[Due]:
    """Clients past their retention date, with no legal hold and no open proposal."""
    today = today or timezone.localdate()
    held = active_hold_ids()
    proposed = set(Disposal.objects.filter(status=Disposal.Status.PROPOSED).values_list("client_id", flat=True))
    found = []
    for client in Client.objects.filter(disposed_at__isnull=True).only(*RETENTION_FIELDS).order_by("record_number"):
        until = retain_until(client, policy)
        if until < today and client.pk not in held and client.pk not in proposed:
            found.append(Due(client, until))
    return found


def holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.select_related("client", "placed_by", "released_by").only(
        "id",
        "reason",
        "placed_at",
        "released_at",
        "release_reason",
        "client__record_number",
        "placed_by__first_name",
        "placed_by__last_name",
        "placed_by__username",
        "released_by__first_name",
        "released_by__last_name",
        "released_by__username",
    )


def disposals() -> QuerySet[Disposal]:
    return Disposal.objects.select_related("proposed_by", "approved_by")


def proposals_awaiting(admin) -> QuerySet[Disposal]:
    """Proposed disposals this admin may approve: another admin's (two people decide)."""
    return Disposal.objects.filter(status=Disposal.Status.PROPOSED).exclude(proposed_by=admin)
