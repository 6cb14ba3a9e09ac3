"""Retention, legal holds and disposal: use cases (practice admins only).

Rules:
- Nothing of a client's record is destroyed before its retention date
  (retention.policy.retain_until under the policy in force), nor while a legal hold
  stands. The application refuses here; on PostgreSQL the database refuses too
  (retention.db), whatever path a DELETE comes from.
- A disposal is proposed by one practice admin and approved by a different one; the
  approval re-checks the date and the holds under the client's row lock, then carries
  the disposal out in the same transaction as its audit event.
- Disposal removes the client's clinical content and identifying data (rows, and every
  encrypted value) and keeps a tombstone: the client row (record number, dates) and the
  Disposal row (the policy applied, who, when, what). Audit events are never disposed of.

Lock order (audit/services.py): audit.writing() takes the chain lock first; then the
client row (FOR NO KEY UPDATE: it serializes holds, proposals and approvals of one
client), then the disposal or hold row; then the work and its audit event.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection
from django.utils import timezone

import audit
from audit.models import Outcome
from practice.exceptions import NotFound, PermissionDenied
from practice.models import User
from records.models import Client
from records.services import require_admin
from retention import selectors
from retention.db import disposal_mode
from retention.models import Disposal, LegalHold, RetentionPolicy
from retention.policy import retain_until, service_end, was_minor


class RetentionRefused(PermissionDenied):
    """Refused because of retention: too early, under legal hold, the same admin twice,
    or already disposed of. The message says which."""


def _refused(action: str, actor: User, exc: RetentionRefused, *, client=None, object_type="client", object_id=""):
    audit.record(
        action=action,
        actor=actor,
        outcome=Outcome.DENIED,
        client=client,
        object_type=object_type,
        object_id=object_id,
        reason=str(exc)[:500],
    )
    raise exc


# --- Policy -------------------------------------------------------------------------------
def policy_set(*, actor: User, years_after_service: int, age_of_majority: int, years_after_majority: int):
    """Rule: practice admins change the practice's retention policy; the change is a new
    row (the old policy stays on file) and is audited with the old and new values."""
    require_admin(actor, "retention.policy_set")
    with audit.writing():
        old = selectors.current_policy()
        policy = RetentionPolicy(
            years_after_service=years_after_service,
            age_of_majority=age_of_majority,
            years_after_majority=years_after_majority,
            set_by=actor,
        )
        policy.full_clean()
        policy.save()
        audit.record(
            action="retention.policy_set",
            actor=actor,
            object_type="retention_policy",
            object_id=policy.pk,
            reason=(
                f"years_after_service {old.years_after_service}->{years_after_service}; "
                f"age_of_majority {old.age_of_majority}->{age_of_majority}; "
                f"years_after_majority {old.years_after_majority}->{years_after_majority}"
            ),
        )
    return policy


def _policy_on_file() -> RetentionPolicy:
    """The policy in force, saved (a disposal must point at the policy it applied)."""
    policy = selectors.current_policy()
    if policy.pk is None:
        policy.save()
    return policy


# --- Queue --------------------------------------------------------------------------------
def retention_overview(*, actor: User) -> dict:
    """The retention page: policy, records due for disposal, proposals, holds, tombstones."""
    require_admin(actor, "retention.view")
    audit.record(action="retention.view", actor=actor, object_type="retention")
    policy = selectors.current_policy()
    disposals = list(selectors.disposals())
    return {
        "policy": policy,
        "due": selectors.due_for_disposal(policy),
        "proposals": [d for d in disposals if d.status == Disposal.Status.PROPOSED],
        "completed": [d for d in disposals if d.status == Disposal.Status.COMPLETED],
        "holds": list(selectors.holds()),
    }


# --- Legal holds --------------------------------------------------------------------------
def hold_place(*, actor: User, record_number: str, reason: str) -> LegalHold:
    """Rule: a practice admin places a legal hold with a reason; it blocks disposal
    whatever the date, until released."""
    require_admin(actor, "retention.hold_place")
    reason = (reason or "").strip()
    client = Client.objects.filter(record_number=record_number, disposed_at__isnull=True).only("id").first()
    if client is None:
        raise NotFound
    if not reason:
        _refused("retention.hold_place", actor, RetentionRefused("A legal hold needs a reason."), client=client)
    with audit.writing():
        Client.objects.select_for_update(of=("self",), no_key=True).filter(pk=client.pk).only("id").get()
        hold = LegalHold.objects.create(client=client, reason=reason, placed_by=actor)
        audit.record(
            action="retention.hold_place", actor=actor, client=client, object_type="legal_hold", object_id=hold.pk
        )
    return hold


def hold_release(*, actor: User, hold_id: int, reason: str) -> LegalHold:
    require_admin(actor, "retention.hold_release")
    reason = (reason or "").strip()
    hold = LegalHold.objects.filter(pk=hold_id, released_at__isnull=True).select_related("client").first()
    if hold is None:
        raise NotFound
    if not reason:
        _refused(
            "retention.hold_release",
            actor,
            RetentionRefused("Say why the hold is released."),
            client=hold.client,
            object_type="legal_hold",
            object_id=hold.pk,
        )
    with audit.writing():
        Client.objects.select_for_update(of=("self",), no_key=True).filter(pk=hold.client_id).only("id").get()
        hold = LegalHold.objects.select_for_update(of=("self",), no_key=True).get(pk=hold.pk)
        if hold.released_at is not None:
            raise NotFound
        hold.released_at = timezone.now()
        hold.released_by = actor
        hold.release_reason = reason
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        audit.record(
            action="retention.hold_release",
            actor=actor,
            client=hold.client,
            object_type="legal_hold",
            object_id=hold.pk,
        )
    return hold


# --- Disposal -----------------------------------------------------------------------------
def _check_disposable(client: Client, policy: RetentionPolicy):
    """Raise RetentionRefused unless the client's record may be disposed of today."""
    if client.disposed_at is not None:
        raise RetentionRefused(f"{client.record_number} has already been disposed of.")
    until = retain_until(client, policy)
    if until >= timezone.localdate():
        raise RetentionRefused(f"{client.record_number} must be kept until {until:%Y-%m-%d} (retention policy).")
    if LegalHold.objects.filter(client=client, released_at__isnull=True).exists():
        raise RetentionRefused(f"{client.record_number} is under a legal hold.")
    return until


def disposal_propose(*, actor: User, record_number: str) -> Disposal:
    """Rule: a practice admin proposes the disposal of a record past its retention date
    and under no legal hold; a different admin must approve it."""
    require_admin(actor, "retention.dispose_propose")
    client = Client.objects.filter(record_number=record_number).first()
    if client is None:
        raise NotFound
    try:
        with audit.writing():
            client = Client.objects.select_for_update(of=("self",), no_key=True).get(pk=client.pk)
            policy = _policy_on_file()
            until = _check_disposable(client, policy)
            if Disposal.objects.filter(client=client, status=Disposal.Status.PROPOSED).exists():
                raise RetentionRefused(f"A disposal of {client.record_number} is already proposed.")
            disposal = Disposal.objects.create(
                client=client,
                record_number=client.record_number,
                proposed_by=actor,
                proposed_at=timezone.now(),
                policy=policy,
                years_after_service=policy.years_after_service,
                age_of_majority=policy.age_of_majority,
                years_after_majority=policy.years_after_majority,
                was_minor=was_minor(client, policy),
                retain_until=until,
                registered_on=timezone.localtime(client.created_at).date(),
                last_service_date=client.last_service_date,
                discharged_on=client.discharged_on,
            )
            audit.record(
                action="retention.dispose_propose",
                actor=actor,
                client=client,
                object_type="disposal",
                object_id=disposal.pk,
                reason=f"retain until {until:%Y-%m-%d} under policy #{policy.pk}",
            )
    except RetentionRefused as exc:
        _refused("retention.dispose_propose", actor, exc, client=client, object_id=client.pk)
    return disposal


def disposal_withdraw(*, actor: User, disposal_id: int) -> Disposal:
    require_admin(actor, "retention.dispose_withdraw")
    with audit.writing():
        disposal = (
            Disposal.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=disposal_id, status="proposed")
            .first()
        )
        if disposal is None:
            raise NotFound
        disposal.status = Disposal.Status.WITHDRAWN
        disposal.withdrawn_at = timezone.now()
        disposal.save(update_fields=["status", "withdrawn_at"])
        audit.record(
            action="retention.dispose_withdraw",
            actor=actor,
            client=disposal.client,
            object_type="disposal",
            object_id=disposal.pk,
        )
    return disposal


def disposal_approve(*, actor: User, disposal_id: int) -> Disposal:
    """Rule: a practice admin other than the proposer approves; the date and the holds
    are checked again, under the client's row lock, and the disposal is carried out in
    the same transaction as its audit event."""
    require_admin(actor, "retention.dispose")
    proposal = Disposal.objects.filter(pk=disposal_id, status=Disposal.Status.PROPOSED).select_related("client").first()
    if proposal is None:
        raise NotFound
    try:
        with audit.writing():
            client = Client.objects.select_for_update(of=("self",), no_key=True).get(pk=proposal.client_id)
            disposal = Disposal.objects.select_for_update(of=("self",), no_key=True).get(pk=proposal.pk)
            if disposal.status != Disposal.Status.PROPOSED:
                raise RetentionRefused("This disposal is no longer waiting for approval.")
            if disposal.proposed_by_id == actor.pk:
                raise RetentionRefused("A disposal needs two different practice admins: another admin must approve it.")
            _check_disposable(client, selectors.current_policy())
            disposal.status = Disposal.Status.COMPLETED
            disposal.approved_by = actor
            disposal.approved_at = timezone.now()
            disposal.save(update_fields=["status", "approved_by", "approved_at"])
            disposal.removed = _carry_out(client)
            event = audit.record(
                action="retention.dispose",
                actor=actor,
                client=client,
                object_type="disposal",
                object_id=disposal.pk,
                reason=(
                    f"policy #{disposal.policy_id}; retain until {disposal.retain_until:%Y-%m-%d}; proposed by "
                    f"user {disposal.proposed_by_id}; removed "
                    + ", ".join(f"{k}={v}" for k, v in sorted(disposal.removed.items()))
                ),
            )
            disposal.audit_seq = event.seq
            disposal.save(update_fields=["removed", "audit_seq"])
    except RetentionRefused as exc:
        _refused("retention.dispose", actor, exc, client=proposal.client, object_type="disposal", object_id=disposal_id)
    return disposal


# Models that keep pointing at a disposed client: the tombstone and the audit trail.
KEPT = {"audit.AuditEvent", "records.Assignment", "records.ClientUserObjectPermission", "retention.Disposal"}


def _carry_out(client: Client) -> dict[str, int]:
    """Remove the client's clinical content and identifying data. In the caller's
    transaction, after the approval is written (the PostgreSQL guard looks for it)."""
    from consent.models import Authorization, DeliveryLink, Disclosure, Invitation, LegalRequest
    from emergency.models import EmergencyAccess
    from records.models import Addendum, Assignment, ClientSearchToken, NoteReturn, PsychotherapyNote, SessionNote
    from records.permissions import sync_client

    removed: dict[str, int] = {}

    def gone(kind: str, queryset) -> None:
        removed[kind] = queryset.count()
        queryset.delete()

    with disposal_mode(connection):
        gone("note_returns", NoteReturn.objects.filter(note__client=client))
        gone("addenda", Addendum.objects.filter(note__client=client))
        gone("session_notes", SessionNote.objects.filter(client=client))
        gone("psychotherapy_notes", PsychotherapyNote.objects.filter(client=client))
        DeliveryLink.objects.filter(disclosure__client=client).delete()
        gone("legal_requests", LegalRequest.objects.filter(client=client))
        gone("disclosures", Disclosure.objects.filter(client=client))
        gone("authorizations", Authorization.objects.filter(client=client))
        Invitation.objects.filter(client=client).delete()
        gone("emergency_accesses", EmergencyAccess.objects.filter(client=client))
        LegalHold.objects.filter(client=client).delete()  # all released (checked)
        from clinical.services import dispose_client_records

        removed.update(dispose_client_records(client))
    # The blind search index holds digests of the names and date of birth.
    ClientSearchToken.objects.filter(client=client).delete()
    # The care team's access ends; the assignment history (who, when) is kept.
    Assignment.objects.filter(client=client, ended_at__isnull=True).update(ended_at=timezone.now())
    sync_client(client)
    emptied = {f.attname: None for f in _encrypted(Client)}
    Client.objects.filter(pk=client.pk).update(**emptied, disposed_at=timezone.now())
    removed["identifying_fields"] = len(emptied)
    if client.user_id:
        _scrub_portal_account(client.user_id)
        removed["portal_account"] = 1
    _assert_nothing_left(client)
    return {k: v for k, v in removed.items() if v}


def _encrypted(model):
    from records.fields import encrypted_fields

    return encrypted_fields(model)


def _scrub_portal_account(user_id: int) -> None:
    """The client's portal account is kept (audit events point at it) but emptied of
    identifying data and closed for good."""
    from axes.models import AccessAttempt

    from practice.lockout import username_key
    from practice.services import end_sessions

    user = User.objects.get(pk=user_id)
    # A client signs in with their email: axes counted their failures under it.
    old_names = [user.username, *([user.email] if user.email else [])]
    user.username = f"disposed-{user.pk}"
    user.first_name = ""
    user.last_name = ""
    user.email = None
    user.is_active = False
    user.deactivated_at = user.deactivated_at or timezone.now()
    user.set_unusable_password()
    user.save()
    end_sessions(user)
    AccessAttempt.objects.filter(username__in=[*map(username_key, old_names), *old_names]).delete()


def _assert_nothing_left(client: Client) -> None:
    """Fail closed: a model added later that points at the client and is not handled
    above stops the disposal (the transaction rolls back) instead of leaving data."""
    for model in apps.get_models():
        if model._meta.label in KEPT:
            continue
        for field in model._meta.concrete_fields:
            if (
                field.is_relation
                and field.related_model is Client
                and model._default_manager.filter(**{field.name: client}).exists()
            ):
                raise RuntimeError(f"disposal left rows in {model._meta.label}; disposal must handle them")


def certificate_pdf(*, actor: User, disposal_id: int) -> tuple[Disposal, bytes]:
    """The disposal certificate: what, when, by whom, under which policy."""
    from retention.pdf import certificate

    require_admin(actor, "retention.certificate")
    disposal = (
        Disposal.objects.select_related("proposed_by", "approved_by", "client")
        .filter(pk=disposal_id, status=Disposal.Status.COMPLETED)
        .first()
    )
    if disposal is None:
        raise NotFound
    audit.record(
        action="retention.certificate",
        actor=actor,
        client=disposal.client,
        object_type="disposal",
        object_id=disposal.pk,
    )
    return disposal, certificate(disposal)


def client_retention(client: Client) -> dict:
    """For pages that already checked access to the client: its retention date and
    whether a hold stands."""
    policy = selectors.current_policy()
    return {
        "retain_until": selectors.retention_date(client, policy),
        "held": LegalHold.objects.filter(client=client, released_at__isnull=True).exists(),
        "service_end": service_end(client),
    }
