"""Writing the audit log.

Rule: an access that cannot be audited does not happen. `record` raises on any failure.
Services that change data call it inside the same transaction.atomic() block as the
change, so a failed audit write rolls the change back; services that only read call it
before they return the data, so a failed write means nothing is returned.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from audit import context as audit_context
from audit.chain import BODY_FIELDS, GENESIS_HASH, body_text, chain_hash
from audit.models import AuditEvent, Outcome

# Any fixed 64-bit number: the PostgreSQL advisory lock that orders chain appends.
CHAIN_LOCK_ID = 0x5EC0_4D17

_APPEND_ARGS = (
    "%s::text, %s::timestamptz, %s::bigint, %s::text, %s::text, %s::text, %s::bigint, %s::text, %s::text, "
    "%s::text, %s::text, %s::inet, %s::text, %s::text"
)


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
    if outcome not in Outcome.values:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    ctx = audit_context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    values = {
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if actor else None,
        "actor_username": actor.get_username() if actor else (actor_username or ""),
        "actor_role": getattr(actor, "role", "") if actor else "",
        "action": action,
        "client_id": client.pk if client is not None else None,
        "outcome": outcome,
        "object_type": object_type,
        "object_id": str(object_id),
        "reason": reason[:500],
        "ip": ctx.ip,
        "user_agent": ctx.user_agent[:300],
        "request_id": ctx.request_id,
    }
    values["seq"], values["prev_hash"], values["hash"] = _append(values)
    event = AuditEvent(**values)
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _append(values: dict) -> tuple[int, str, str]:
    """Write the event; return (seq, prev_hash, hash)."""
    body = body_text(values)
    if connection.vendor == "postgresql":
        # One statement: lock, read the head, hash, insert (audit.sql.CREATE_AUDIT_APPEND).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT out_seq, out_prev_hash, out_hash FROM audit_append({_APPEND_ARGS})",  # noqa: S608
                [body, *(values[name] for name in BODY_FIELDS)],
            )
            return cursor.fetchone()
    # SQLite: transactions begin IMMEDIATE (settings), which serializes writers.
    # savepoint=False: inside a service's transaction a failure here fails the whole
    # transaction anyway.
    with transaction.atomic(savepoint=False):
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        digest = chain_hash(seq, prev_hash, body)
        AuditEvent.objects.bulk_create([AuditEvent(seq=seq, prev_hash=prev_hash, hash=digest, **values)])
    return seq, prev_hash, digest
