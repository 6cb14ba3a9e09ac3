"""Canonical bytes and hashes of audit events. One definition:

    hash = SHA-256( "<seq>|<prev_hash>|" + body )

where body is a JSON array of the event's other fields (BODY_FIELDS, in order), written
exactly as PostgreSQL's json_build_array(...)::text writes it. On PostgreSQL the
functions audit_body() and audit_append() (audit/sql.py) build it in the database, so one
statement appends an event and verification runs at the database's speed; on SQLite this
module builds it. Tests check that both give the same text.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

# The fields covered by the body, in a fixed order. Adding a field later means adding it
# here with a default that keeps old events' canonical bytes unchanged.
BODY_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "client_id",
    "outcome",
    "object_type",
    "object_id",
    "reason",
    "ip",
    "user_agent",
    "request_id",
)
HASHED_FIELDS = ("seq", "prev_hash", *BODY_FIELDS)


def _normalise(name: str, value):
    if name == "occurred_at":
        if not isinstance(value, datetime):
            raise TypeError("occurred_at must be a datetime")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None:
        return None
    if name in ("actor_id", "client_id"):
        return int(value)
    return str(value)


def body_text(values: dict) -> str:
    """The same text as the SQL function audit_body() (json_build_array(...)::text), so
    a chain written on either database verifies with either implementation."""
    return json.dumps(
        [_normalise(name, values.get(name)) for name in BODY_FIELDS], ensure_ascii=False, separators=(", ", ": ")
    )


def chain_hash(seq: int, prev_hash: str, body: str) -> str:
    return hashlib.sha256(f"{int(seq)}|{prev_hash}|{body}".encode()).hexdigest()


def event_hash(values: dict) -> str:
    return chain_hash(values["seq"], values["prev_hash"], body_text(values))
