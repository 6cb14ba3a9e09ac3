"""Writing the audit log.

Rule: an access that cannot be audited does not happen. `record` raises on any failure.
Services that change data call it inside the same transaction.atomic() block as the
change, so a failed audit write rolls the change back; services that only read call it
before they return the data, so a failed write means nothing is returned.

Lock order. Every service that writes follows it; writing it down once is what keeps
two services from waiting on each other:

1. The audit chain lock first. A service's writing transaction is `audit.writing()`:
   transaction.atomic() whose first statement takes the chain lock (a transaction-scoped
   PostgreSQL advisory lock; on SQLite the transaction already began IMMEDIATE, which
   holds the database's one write lock). It is held until commit. `record` takes the
   same lock again (re-entrant), so a write's events keep their order.
2. Then row locks, only on the rows the service writes, and never stronger than it
   needs: `select_for_update(of=("self",), no_key=True)`. `of=("self",)` keeps a
   select_related join from locking the client (or author) row as well; `no_key=True`
   (FOR NO KEY UPDATE) does not conflict with the FOR KEY SHARE lock that every audit
   insert's foreign-key check takes on its client and actor rows.
3. Then the work, and `record` in the same transaction.

A read takes no row lock: `record` appends its event in one statement that takes the
chain lock, then inserts (its foreign-key check takes FOR KEY SHARE on the client and
actor rows), and releases both when that statement commits. So a read waits for a
writer at step 1, holding nothing, and a writer never waits for a read while holding a
lock the read needs. (The deadlock this order removes: note_sign locked the note and,
through its join, the client FOR UPDATE, then waited for the chain lock, which a read
held while its foreign-key check waited for that client row.)

tests/test_concurrency.py runs signs, co-signs, authorization signings and addenda
against concurrent reads of one client on PostgreSQL; tests/test_lock_order.py checks
that each writing service takes the chain lock before any row lock.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from django.db import connection, transaction
from django.utils import timezone

from audit import anchors
from audit import context as audit_context
from audit.chain import BODY_FIELDS, GENESIS_HASH, body_text, chain_hash
from audit.models import AuditEvent, ChainHead, Outcome
from practice.identity import audit_actor_name

# Any fixed 64-bit number: the PostgreSQL advisory lock that orders chain appends.
CHAIN_LOCK_ID = 0x5EC0_4D17

_APPEND_ARGS = (
    "%s::timestamptz, %s::bigint, %s::text, %s::text, %s::text, %s::bigint, %s::text, %s::text, "
    "%s::text, %s::text, %s::inet, %s::text, %s::text"
)


def lock_chain() -> None:
    """Step 1 of the lock order: take the chain lock until the current transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("the chain lock belongs inside a service's transaction (audit.writing())")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])


@contextmanager
def writing() -> Iterator[None]:
    """The transaction of a service that writes: the chain lock first, then the caller's
    row locks and work (see the lock order above)."""
    with transaction.atomic():
        lock_chain()
        yield


def record(
    *,
    action: str,
    actor=None,
    outcome: str = Outcome.ALLOWED,
    client=None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    actor_username: str | None = None,
) -> AuditEvent:
    """Append one event to the chain and return it. Raises if it cannot be written.

    Inside a service's transaction.atomic() block the event commits or rolls back with
    the work. Outside one, the append is its own transaction: a read service writes its
    event, and only then returns the data.
    """
    values = _event_values(
        action=action,
        actor=actor,
        outcome=outcome,
        client=client,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        actor_username=actor_username,
    )
    values["seq"], values["prev_hash"], values["hash"] = _append(values)
    if outcome == Outcome.DENIED:
        audit_context.current().denied.append(
            (
                values["seq"],
                {
                    "action": action,
                    "actor": actor,
                    "client": client,
                    "object_type": object_type,
                    "object_id": object_id,
                    "reason": reason,
                    "actor_username": actor_username,
                },
            )
        )
    event = AuditEvent(**values)
    event._state.adding = False
    event._state.db = connection.alias
    return event


def refuse(
    action: str, actor, *, object_type: str, object_id="", reason: str, client=None, not_found: bool = True
) -> NoReturn:
    """Record a refused access, then raise: NotFound (404, where existence must not leak)
    or PermissionDenied (403). Call it outside any transaction that the refusal rolls
    back, so the denial itself is kept. (If it is rolled back anyway, audit.refusals
    writes it again once the request is over.)"""
    from practice.exceptions import NotFound, PermissionDenied

    record(
        action=action,
        actor=actor,
        outcome=Outcome.DENIED,
        client=client,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
    )
    raise (NotFound if not_found else PermissionDenied)(reason)


def _event_values(
    *, action, actor, outcome, client, object_type, object_id, reason, actor_username, occurred_at=None
) -> dict:
    if outcome not in Outcome.values:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    ctx = audit_context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return {
        "occurred_at": occurred_at or timezone.now(),
        "actor_id": actor.pk if actor else None,
        # A client is named by a pseudonym (client:<record number>), never their email.
        "actor_username": fit(audit_actor_name(actor) if actor else (actor_username or ""), 150),
        "actor_role": getattr(actor, "role", "") if actor else "",
        "action": fit(action, 64),
        "client_id": client.pk if client is not None else None,
        "outcome": outcome,
        "object_type": fit(object_type, 64),
        "object_id": fit(object_id, 64),
        "reason": fit(reason, 500),
        "ip": _canonical_ip(ctx.ip),
        "user_agent": fit(ctx.user_agent, 300),
        "request_id": ctx.request_id,
    }


def fit(value, limit: int) -> str:
    """Text as the event stores it: no NUL (PostgreSQL text cannot hold one) and at most
    `limit` characters, a cut one ending in an ellipsis. A denied attempt with a 10,000
    character id is still an event; it never fails the write."""
    text = str(value).replace("\x00", "\ufffd")
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _canonical_ip(ip: str | None) -> str | None:
    """The address as PostgreSQL's host() writes it back (compressed IPv6)."""
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return None


def _append(values: dict) -> tuple[int, str, str]:
    """Write the event (and anchor it outside the database once it commits, when an
    anchor is due: audit.anchors); return (seq, prev_hash, hash)."""
    seq, prev_hash, digest = _append_to_chain(values)
    anchors.after_append(seq, digest)
    return seq, prev_hash, digest


def _append_to_chain(values: dict) -> tuple[int, str, str]:
    if connection.vendor == "postgresql":
        # One statement: lock, read the head, hash, insert (audit.sql.CREATE_AUDIT_APPEND).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT out_seq, out_prev_hash, out_hash FROM audit_append({_APPEND_ARGS})",  # noqa: S608
                [values[name] for name in BODY_FIELDS],
            )
            return cursor.fetchone()
    body = body_text(values)
    # SQLite: transactions begin IMMEDIATE (settings), which serializes writers.
    # savepoint=False: inside a service's transaction a failure here fails the whole
    # transaction anyway.
    with transaction.atomic(savepoint=False):
        # The head, not the last event: a deleted tail's numbers are never reused.
        # Events written around this function (beyond the head) are not collided with.
        head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        if head is not None and (last is None or head[0] >= last[0]):
            last = head
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        digest = chain_hash(seq, prev_hash, body)
        AuditEvent.objects.bulk_create([AuditEvent(seq=seq, prev_hash=prev_hash, hash=digest, **values)])
        if head is None:
            ChainHead.objects.create(id=1, seq=seq, hash=digest)
        else:
            ChainHead.objects.filter(pk=1).update(seq=seq, hash=digest)
    return seq, prev_hash, digest


# --- Maintenance modes ---------------------------------------------------------------------
@contextmanager
def maintenance(mode: str, *, table: str, reason: str = "") -> Iterator[None]:
    """The one way through the append-only triggers (audit.db explains the modes).

    Rule: a maintenance mode lasts one block inside the caller's transaction, lets the
    triggers accept only the UPDATEs that mode allows (only its columns change), and is
    itself recorded: the `maintenance.<mode>` event is written in the same transaction,
    so the change and its record commit or roll back together. On PostgreSQL the mode is
    a transaction-local setting; on SQLite a row written and removed inside the block
    (the block is a savepoint: an error inside it rolls the mode back with the work).
    Callers: records.rotation (mode "rotation").
    """
    from audit import db

    if not connection.in_atomic_block:
        raise RuntimeError("a maintenance mode needs the caller's transaction.atomic() block")
    with transaction.atomic():
        record(action=f"maintenance.{mode}", object_type="table", object_id=table, reason=reason)
        with connection.cursor() as cursor:
            cursor.execute(*db.set_mode_sql(connection.vendor, mode))
        yield
        with connection.cursor() as cursor:
            cursor.execute(*db.clear_mode_sql(connection.vendor))


# --- Verification ------------------------------------------------------------------------
def verify_and_record(*, actor=None, batch_size: int = 5000, progress=None, anchor: dict | None = None):
    """Verify the whole chain (and an anchor, if given), keep the verdict for the review
    pages, and audit the verification itself."""
    from audit.models import ChainVerification
    from audit.verify import check_anchor, verify_chain

    verdict = verify_chain(batch_size=batch_size, progress=progress)
    if verdict.ok and anchor is not None:
        verdict = check_anchor(anchor) or verdict
    ChainVerification.objects.create(
        run_by=actor if actor is not None and actor.is_authenticated else None,
        ok=verdict.ok,
        checked=verdict.checked,
        last_seq=verdict.last_seq,
        bad_seq=verdict.bad_seq,
        problem=verdict.problem,
        detail=verdict.detail[:200],
    )
    record(
        action="audit.verify",
        actor=actor,
        outcome=Outcome.ALLOWED if verdict.ok else Outcome.ERROR,
        object_type="audit_log",
        reason=str(verdict)[:500],
    )
    return verdict


# --- Review (practice admins) -------------------------------------------------------------
def require_reviewer(actor, action: str) -> None:
    """Rule: only practice admins review the audit log. Refusals are themselves logged."""
    from practice.exceptions import PermissionDenied

    if not (actor.is_authenticated and actor.is_practice_admin and actor.is_active):
        record(
            action=action, actor=actor, outcome=Outcome.DENIED, object_type="audit_log", reason="not a practice admin"
        )
        raise PermissionDenied("Only practice admins review the audit log.")


def _is_action_name(text: str) -> bool:
    """An action the log holds, or a prefix ending in a dot of one (as the filter reads it)."""
    if text.endswith("."):
        return AuditEvent.objects.filter(action__startswith=text).exists()
    return AuditEvent.objects.filter(action=text).exists()


def _describe(flt) -> str:
    """The filter as the event keeps it. The action box is free text: anything that is
    not an action of the log (a name typed there by mistake) is kept as a keyed digest."""
    from practice.identity import audit_digest

    parts = []
    for name, value in vars(flt).items():
        if not value:
            continue
        if name == "action" and not _is_action_name(str(value)):
            value = "hmac:" + audit_digest("audit.filter", str(value))[:16]
        parts.append(f"{name}={value}")
    return " ".join(parts)[:500]


def review_log(*, actor, flt, before: int | None = None):
    from audit.selectors import event_page

    require_reviewer(actor, "audit.view")
    record(action="audit.view", actor=actor, object_type="audit_log", reason=_describe(flt))
    return event_page(flt, before=before)


def export_log(*, actor, flt):
    """The rows of a CSV export. The export is audited before the first row is read."""
    from audit.selectors import events_for_export

    require_reviewer(actor, "audit.export")
    record(action="audit.export", actor=actor, object_type="audit_log", reason=_describe(flt))
    return events_for_export(flt)


def review_flags(*, actor, days: int | None = None):
    from audit.selectors import flags

    require_reviewer(actor, "audit.flags_view")
    record(action="audit.flags_view", actor=actor, object_type="audit_log")
    return flags(days=days)


def review_reviewed_flags(*, actor, before: int | None = None):
    """The flags already reviewed, with their comments, who reviewed them and when."""
    from audit.selectors import reviewed_flags_page

    require_reviewer(actor, "audit.flags_reviewed_view")
    record(action="audit.flags_reviewed_view", actor=actor, object_type="audit_log")
    return reviewed_flags_page(before=before)


def review_flag(*, actor, seq: int, kind: str, comment: str):
    """Mark a flagged event reviewed, with the reviewer's comment. Written once."""
    from audit.models import AuditEvent, FlagKind, FlagReview
    from practice.exceptions import NotFound

    require_reviewer(actor, "audit.flag_review")
    if kind not in FlagKind.values:
        raise ValueError(f"unknown flag kind {kind!r}")
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        raise NotFound
    from audit.models import ReviewComment

    with writing():
        review, created = FlagReview.objects.get_or_create(event=event, kind=kind, defaults={"reviewer": actor})
        if created:
            ReviewComment.objects.create(review=review, text=comment)
            record(
                action="audit.flag_review",
                actor=actor,
                object_type="audit_event",
                object_id=seq,
                # The comment is typed by staff and may name people: it stays on the
                # review row (encrypted), never readable in the log.
                reason=kind,
            )
    return review


def verify_now(*, actor):
    """The review page's verification: the whole chain, then the latest anchor."""
    require_reviewer(actor, "audit.verify")
    return verify_and_record(actor=actor, anchor=anchors.latest())
