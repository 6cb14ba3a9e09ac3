"""Writing the audit log.

Rule: an access that cannot be audited does not happen. `record` raises on any failure;
callers call it inside the same transaction.atomic() block as the work, so a failed
audit write rolls the work back and the request fails.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from audit import context as audit_context
from audit.chain import GENESIS_HASH, event_hash
from audit.models import AuditEvent, Outcome

# Any fixed 64-bit number: the PostgreSQL advisory lock that orders chain appends.
_CHAIN_LOCK_ID = 0x5EC0_4D17


def _lock_chain() -> None:
    """Serialize appends to the chain for the rest of the current transaction.

    PostgreSQL: a transaction-level advisory lock, released at commit. Services keep
    their atomic blocks short (never a whole request), so the lock is held for the
    audit insert and the write it describes, not for page rendering.
    SQLite: transactions begin IMMEDIATE (settings), which already serializes writers.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


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
    """Append one event to the chain and return it. Raises if it cannot be written."""
    if outcome not in Outcome.values:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    ctx = audit_context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        values = {
            "seq": seq,
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
            "prev_hash": prev_hash,
        }
        values["hash"] = event_hash(values)
        # bulk_create: one INSERT with no model save() hooks in between.
        (event,) = AuditEvent.objects.bulk_create([AuditEvent(**values)])
    return event
