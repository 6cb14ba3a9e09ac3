"""Canonical bytes and hashes of audit events. The verifier and the writer share these
functions, so what is written is exactly what is checked."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

# The fields covered by the hash, in a fixed order. Adding a field later means adding it
# here with a default that keeps old events' canonical bytes unchanged.
HASHED_FIELDS = (
    "seq",
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
    "prev_hash",
)


def _normalise(name: str, value):
    if name == "occurred_at":
        if not isinstance(value, datetime):
            raise TypeError("occurred_at must be a datetime")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None:
        return None
    if name in ("seq", "actor_id", "client_id"):
        return int(value)
    return str(value)


def canonical_bytes(values: dict) -> bytes:
    payload = [_normalise(name, values.get(name)) for name in HASHED_FIELDS]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_hash(values: dict) -> str:
    return hashlib.sha256(canonical_bytes(values)).hexdigest()
