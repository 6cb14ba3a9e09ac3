"""Emergency (break-glass) access: use cases.

Rules:
- Only an active counselor or supervisor who has no access to the client opens one,
  choosing a reason from the list and writing a justification. Clients and practice
  admins never do; the care team needs none.
- It lasts settings.EMERGENCY_ACCESS_MINUTES and is read-only: records.selectors honor
  the grant for reading the chart and its session notes only (never write_notes, never
  psychotherapy notes, never consent or sharing).
- Every event it produces is an `emergency.*` action (flagged on the review pages, and
  shown in the client's access history); the practice admins are emailed (no clinical
  text, no client name) and each access waits in the review queue until an admin
  acknowledges or escalates it with a comment.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

import audit
from audit.models import AuditEvent, FlagKind, FlagReview, Outcome
from audit.services import refuse, require_reviewer
from emergency.models import EmergencyAccess, Reason
from practice import selectors as practice_selectors
from practice.exceptions import PermissionDenied
from practice.models import User
from records import selectors as records_selectors
from records.models import Client
from records.permissions import VIEW_CHART

logger = logging.getLogger("emergency")

MIN_JUSTIFICATION = 20


class EmergencyRefused(PermissionDenied):
    """An emergency access that may not be opened; the message says why."""


def _deny(actor: User, reason: str, *, client: Client | None = None, object_id="") -> None:
    """Record the refused attempt (kept: no transaction is open), then raise."""
    audit.record(
        action="emergency.open",
        actor=actor,
        outcome=Outcome.DENIED,
        client=client,
        object_type="client",
        object_id=object_id,
        reason=reason,
    )
    raise EmergencyRefused(reason)


def require_clinician(*, actor: User, record_number: str = "") -> None:
    """Rule: only active counselors and supervisors open emergency access (403, audited)."""
    if not (actor.is_authenticated and actor.is_active and actor.is_clinician):
        refuse(
            "emergency.open",
            actor,
            object_type="client",
            object_id=record_number[:64],
            reason="only counselors and supervisors open emergency access",
            not_found=False,
        )


def record_incomplete_attempt(*, actor: User, record_number: str) -> None:
    """A form sent without a reason or justification: nothing opens, and the attempt is
    recorded (the view shows the form again with the text kept)."""
    require_clinician(actor=actor, record_number=record_number)
    audit.record(
        action="emergency.open",
        actor=actor,
        outcome=Outcome.DENIED,
        object_type="client",
        object_id=record_number.strip()[:64],
        reason="no reason or justification given",
    )


def emergency_open(*, actor: User, record_number: str, reason: str, justification: str) -> EmergencyAccess:
    """Open a time-limited, read-only emergency access to a client's chart."""
    require_clinician(actor=actor, record_number=record_number)
    if reason not in Reason.values or len((justification or "").strip()) < MIN_JUSTIFICATION:
        _deny(actor, "no reason or justification given", object_id=record_number)
    client = (
        Client.objects.filter(record_number=record_number).only("id", "record_number").first()
        if records_selectors.possible_record_number(record_number)
        else None
    )
    if client is None:
        refuse("emergency.open", actor, object_type="client", object_id=record_number, reason="no such client")
    if records_selectors.client_for(actor, record_number, VIEW_CHART) is not None:
        _deny(actor, "already on the care team: no emergency access needed", client=client, object_id=client.pk)
    now = timezone.now()
    with audit.writing():
        access = EmergencyAccess.objects.create(
            user=actor,
            client=client,
            reason=reason,
            justification=justification.strip(),
            opened_at=now,
            expires_at=now + timedelta(minutes=settings.EMERGENCY_ACCESS_MINUTES),
        )
        audit.record(
            action="emergency.open",
            actor=actor,
            client=client,
            object_type="emergency_access",
            object_id=access.pk,
            reason=f"{reason}; {settings.EMERGENCY_ACCESS_MINUTES} minutes; read-only",
        )
        transaction.on_commit(lambda: _notify_admins(access, actor))
    return access


def _notify_admins(access: EmergencyAccess, actor: User) -> None:
    """Email every active practice admin: who, which record number, which reason, until
    when. No client name and no justification (those stay in the application)."""
    admins = practice_selectors.practice_admin_emails()
    until = timezone.localtime(access.expires_at)
    try:
        if admins:
            send_mail(
                f"{settings.PRACTICE_NAME}: emergency access opened",
                f"{actor} opened emergency access to the chart of client {access.client.record_number}.\n"
                f"Reason: {Reason(access.reason).label}.\n"
                f"Read-only, until {until:%b %d, %Y %H:%M %Z}.\n\n"
                f"Review it in the emergency access queue (access #{access.pk}).",
                None,
                admins,
            )
    except Exception:  # noqa: BLE001 - the access stands; the failure is logged and audited
        logger.exception("emergency access %s: notifying the practice admins failed", access.pk)
        outcome, note = Outcome.ERROR, "email to practice admins failed"
    else:
        outcome, note = Outcome.ALLOWED, f"emailed {len(admins)} practice admin(s)"
    audit.record(
        action="emergency.notify",
        actor=actor,
        outcome=outcome,
        client=access.client,
        object_type="emergency_access",
        object_id=access.pk,
        reason=note,
    )


def emergency_end(*, actor: User, access_id: int) -> EmergencyAccess:
    """The clinician ends their own emergency access before it expires."""
    with audit.writing():
        access = (
            EmergencyAccess.objects.select_for_update(of=("self",), no_key=True)
            .select_related("client")
            .filter(pk=access_id, user_id=actor.pk, ended_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if access is not None:
            access.ended_at = timezone.now()
            access.save(update_fields=["ended_at"])
            audit.record(
                action="emergency.end",
                actor=actor,
                client=access.client,
                object_type="emergency_access",
                object_id=access.pk,
                reason="ended by the clinician",
            )
            return access
    refuse("emergency.end", actor, object_type="emergency_access", object_id=access_id, reason="no such access")


def end_for_account_change(*, user: User, audit_actor: dict, reason: str) -> int:
    """End every active emergency access of a person whose account changed (a change of
    role, a deactivation), in the caller's transaction; one emergency.end event each.
    audit_actor: audit.record's actor arguments (an account, or the operator)."""
    now = timezone.now()
    ended = 0
    active = EmergencyAccess.objects.select_for_update(of=("self",), no_key=True).select_related("client")
    for access in active.filter(user=user, ended_at__isnull=True, expires_at__gt=now):
        access.ended_at = now
        access.save(update_fields=["ended_at"])
        audit.record(
            action="emergency.end",
            **audit_actor,
            client=access.client,
            object_type="emergency_access",
            object_id=access.pk,
            reason=reason,
        )
        ended += 1
    return ended


def my_active(*, actor: User) -> list[EmergencyAccess]:
    from emergency.selectors import active_grants_for

    return active_grants_for(actor)


# --- Review (practice admins) -------------------------------------------------------------
def review_queue(*, actor: User):
    """Rule: practice admins only. Viewing the queue is audited."""
    from emergency.selectors import review_queue as queue

    require_reviewer(actor, "audit.emergency_queue")
    audit.record(action="audit.emergency_queue", actor=actor, object_type="audit_log")
    return list(queue())


def emergency_review(*, actor: User, access_id: int, decision: str, comment: str) -> EmergencyAccess:
    """Acknowledge or escalate one emergency access, with a comment. Written once; the
    access's flagged events are marked reviewed with the same comment."""
    require_reviewer(actor, "audit.emergency_review")
    if decision not in (EmergencyAccess.Review.ACKNOWLEDGED, EmergencyAccess.Review.ESCALATED):
        raise PermissionDenied("Choose acknowledge or escalate.")
    comment = (comment or "").strip()
    if not comment:
        raise PermissionDenied("Write a comment.")
    # Refusals are recorded before the transaction, which would roll them back.
    pending = (
        EmergencyAccess.objects.filter(pk=access_id).values_list("review", flat=True).first()
        if records_selectors.possible_id(access_id)
        else None
    )
    if pending is None:
        refuse("audit.emergency_review", actor, object_type="emergency_access", object_id=access_id, reason="none")
    if pending != EmergencyAccess.Review.PENDING:
        refuse(
            "audit.emergency_review",
            actor,
            object_type="emergency_access",
            object_id=access_id,
            reason="already reviewed",
            not_found=False,
        )
    with audit.writing():
        # Lock order (audit.services): the chain lock, then the access row, then the flag reviews.
        access = EmergencyAccess.objects.select_for_update(of=("self",), no_key=True).get(pk=access_id)
        if access.review != EmergencyAccess.Review.PENDING:  # reviewed by someone else meanwhile
            raise PermissionDenied("This emergency access was already reviewed.")
        access.review = decision
        access.reviewed_by = actor
        access.reviewed_at = timezone.now()
        access.review_comment = comment[:1000]
        access.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_comment"])
        events = AuditEvent.objects.filter(
            action__startswith="emergency.",
            actor_id=access.user_id,
            client_id=access.client_id,
            occurred_at__gte=access.opened_at,
        ).exclude(reviews__kind=FlagKind.EMERGENCY)
        FlagReview.objects.bulk_create(
            # The comment stays on the access (encrypted), not on each append-only review.
            [FlagReview(event=e, kind=FlagKind.EMERGENCY, reviewer=actor) for e in events]
        )
        audit.record(
            action="audit.emergency_review",
            actor=actor,
            client=access.client,
            object_type="emergency_access",
            object_id=access.pk,
            # The comment stays on the access row (encrypted), never readable in the log.
            reason=decision,
        )
    return access
