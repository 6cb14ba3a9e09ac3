"""The second person on a disclosure without authorization: psychotherapy notes and
42 CFR Part 2 records asked for under a legal basis wait here for a practice admin who
is not the requester. Nothing is sent, and no link exists, until one approves."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

import audit
from audit.services import refuse
from consent import gate
from consent.models import LegalRequest
from consent.services.disclosures import _create_disclosure
from practice.models import User
from records import selectors as records_selectors

DECIDED_SHOWN = 20


class _Refused(Exception):
    pass


def _require_approver(actor: User, action: str, object_id="") -> None:
    if not (actor.is_authenticated and actor.is_practice_admin and actor.is_active):
        refuse(
            action,
            actor,
            object_type="legal_request",
            object_id=object_id,
            reason="not a practice admin",
            not_found=False,
        )


def legal_requests_for_review(*, actor: User) -> tuple[list[LegalRequest], list[LegalRequest]]:
    """The approval queue: (waiting, recently decided). Rule: practice admins only. They
    see the basis, its citation, the justification, the court details, what and to whom,
    never the records themselves."""
    _require_approver(actor, "disclosure.legal_queue")
    audit.record(action="disclosure.legal_queue", actor=actor, object_type="legal_request")
    rows = LegalRequest.objects.select_related("client", "requested_by", "decided_by")
    waiting = list(rows.filter(status=LegalRequest.Status.PENDING).order_by("requested_at", "id"))
    decided = list(rows.filter(needs_approval=True).exclude(status=LegalRequest.Status.PENDING)[:DECIDED_SHOWN])
    return waiting, decided


def pending_count() -> int:
    """For the admin's home page: how many requests wait (no client data, no event)."""
    return LegalRequest.objects.filter(status=LegalRequest.Status.PENDING).count()


def _pending(actor: User, request_id, action: str) -> LegalRequest:
    legal = (
        LegalRequest.objects.select_related("client", "requested_by").filter(pk=request_id).first()
        if records_selectors.possible_id(request_id)
        else None
    )
    if legal is None:
        refuse(action, actor, object_type="legal_request", object_id=request_id, reason="no such request")
    if legal.requested_by_id == actor.pk:
        refuse(
            action,
            actor,
            client=legal.client,
            object_type="legal_request",
            object_id=legal.pk,
            reason="the requester cannot decide their own request: another practice admin must",
            not_found=False,
        )
    return legal


def _request_of(legal: LegalRequest) -> gate.DisclosureRequest:
    return gate.DisclosureRequest(
        client=legal.client,
        recipient_name=legal.recipient_name,
        recipient_organization=legal.recipient_organization,
        recipient_email=legal.recipient_email,
        categories=frozenset(legal.categories),
        information_from=legal.information_from,
        information_to=legal.information_to,
        purpose=legal.purpose,
        psychotherapy_notes=legal.includes_psychotherapy_notes,
        legal_basis=legal.legal_basis,
        justification=legal.justification,
        court_name=legal.court_name,
        court_date=legal.court_date,
        court_reference=legal.court_reference,
    )


def legal_request_approve(*, actor: User, request_id: int, base_url: str, comment: str = "") -> LegalRequest:
    """Rule: a practice admin other than the requester approves; the consent gate decides
    again at this moment (the client may have become a Part 2 client since); then the
    package is made in the requester's name, the link and code are sent, and the one
    event of the approval and release is written, all in one transaction."""
    action = "disclosure.legal_approve"
    _require_approver(actor, action, request_id)
    found = _pending(actor, request_id, action)
    try:
        with audit.writing():
            legal = LegalRequest.objects.select_for_update(of=("self",), no_key=True).get(pk=found.pk)
            legal.client, legal.requested_by = found.client, found.requested_by
            if legal.status != LegalRequest.Status.PENDING:
                raise _Refused(f"this request is already {legal.get_status_display().lower()}")
            req = _request_of(legal)
            decision = gate.check(req, lock=True)
            if not decision.allowed:
                raise _Refused("the consent gate now refuses it: " + "; ".join(decision.reasons))
            legal.status = LegalRequest.Status.RELEASED
            legal.decided_by, legal.decided_at = actor, timezone.now()
            legal.decision_comment = " ".join(comment.split())
            disclosure, _ = _create_disclosure(
                actor=legal.requested_by,
                client=legal.client,
                req=req,
                authorization=None,
                purpose_detail=legal.purpose_detail,
                base_url=base_url,
                legal=legal,
            )
            legal.disclosure = disclosure
            legal.save()
            audit.record(
                action=action,
                actor=actor,
                client=legal.client,
                object_type="disclosure",
                object_id=disclosure.pk,
                reason=f"request #{legal.pk} by user {legal.requested_by_id} approved and released "
                f"({legal.legal_basis}, {decision.basis.citation})",
            )
            _tell_requester(legal, "approved: the records were sent to the recipient")
    except _Refused as exc:
        refuse(
            action,
            actor,
            client=found.client,
            object_type="legal_request",
            object_id=found.pk,
            reason=str(exc),
            not_found=False,
        )
    return legal


def legal_request_reject(*, actor: User, request_id: int, comment: str = "") -> LegalRequest:
    """Rule: a practice admin other than the requester rejects; nothing is sent."""
    action = "disclosure.legal_reject"
    _require_approver(actor, action, request_id)
    found = _pending(actor, request_id, action)
    try:
        with audit.writing():
            legal = LegalRequest.objects.select_for_update(of=("self",), no_key=True).get(pk=found.pk)
            legal.client, legal.requested_by = found.client, found.requested_by
            if legal.status != LegalRequest.Status.PENDING:
                raise _Refused(f"this request is already {legal.get_status_display().lower()}")
            legal.status = LegalRequest.Status.REJECTED
            legal.decided_by, legal.decided_at = actor, timezone.now()
            legal.decision_comment = " ".join(comment.split())
            legal.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
            audit.record(
                action=action,
                actor=actor,
                client=legal.client,
                object_type="legal_request",
                object_id=legal.pk,
                reason=f"request #{legal.pk} by user {legal.requested_by_id} rejected; nothing sent",
            )
            _tell_requester(legal, "rejected: nothing was sent")
    except _Refused as exc:
        refuse(
            action,
            actor,
            client=found.client,
            object_type="legal_request",
            object_id=found.pk,
            reason=str(exc),
            not_found=False,
        )
    return legal


def _tell_requester(legal: LegalRequest, outcome: str) -> None:
    email = legal.requested_by.email
    if email:
        send_mail(
            f"{settings.PRACTICE_NAME}: your disclosure request #{legal.pk}",
            f"Your request #{legal.pk} to release records of client {legal.client.record_number} without an "
            f"authorization was {outcome}.",
            None,
            [email],
        )
