"""Reads of emergency grants. Whether a grant opens a chart is decided in
records.selectors (folded into the chart and note queries); these are for the banner,
the clinician's own list and the review queue."""

from __future__ import annotations

from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from emergency.models import EmergencyAccess
from practice.models import User
from records.models import Client


def active_grant(user: User, client: Client) -> EmergencyAccess | None:
    return (
        EmergencyAccess.objects.filter(user=user, client=client, ended_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


def active_grants_for(user: User) -> list[EmergencyAccess]:
    """For the banner on every page: the user's running emergency accesses, with the
    record number only (nothing identifying is decrypted for the banner)."""
    if not getattr(user, "is_authenticated", False) or not user.is_clinician:
        return []
    return list(
        EmergencyAccess.objects.filter(user=user, ended_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("client")
        .only("id", "expires_at", "ended_at", "client__record_number")
        .order_by("expires_at")
    )


def review_queue() -> QuerySet[EmergencyAccess]:
    """Every emergency access, those waiting for review first. The justification is
    decrypted for the reviewing admin: it is the staff member's account of the
    emergency, which the review is about."""
    return (
        EmergencyAccess.objects.select_related("user", "reviewed_by")
        .annotate(
            client_record=F("client__record_number"),
            waiting=Case(When(review=EmergencyAccess.Review.PENDING, then=Value(0)), default=Value(1)),
        )
        .order_by("waiting", "-opened_at", "-id")
    )


def pending_count() -> int:
    return EmergencyAccess.objects.filter(review=EmergencyAccess.Review.PENDING).count()
