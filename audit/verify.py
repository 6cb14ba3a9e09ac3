"""Checking the audit chain.

Walks the events in sequence order, in keyset batches of raw rows, and recomputes every
hash. The first problem found is reported with its sequence number and its kind:

- missing:   sequence numbers skip (events were deleted)
- changed:   an event's content no longer matches its hash
- reordered: an event's hash is valid for another position in the chain
- inserted:  an event is internally consistent but does not link to the one before it
             (an event added with a recomputed hash)
- anchor:    the event at an anchored sequence number is not the anchored one

The chain head (audit_chainhead, advanced by every append) records the last sequence
number handed out: events deleted from the end of the log show as missing too.

An anchor (`manage.py audit_anchor`) is the latest sequence number and hash, signed with
an HMAC under AUDIT_ANCHOR_KEY, which lives outside the database: a log rewritten from
scratch up to an anchored point fails against a copy of that anchor kept elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from audit.chain import BODY_FIELDS, GENESIS_HASH, body_text, chain_hash

_COLUMNS = ("seq", "prev_hash", "hash", *BODY_FIELDS)
REORDER_WINDOW = 16


@dataclass
class Verdict:
    ok: bool
    checked: int
    last_seq: int
    last_hash: str
    bad_seq: int | None = None
    problem: str = ""
    detail: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.checked} events verified, chain intact up to seq {self.last_seq}"
        return f"FAILED at seq {self.bad_seq}: {self.problem} ({self.detail})"


def _rows(batch_size: int):
    cols = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {cols} FROM audit_auditevent WHERE seq > %s ORDER BY seq LIMIT %s",  # noqa: S608
                [last, batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _values(row) -> dict:
    values = dict(zip(_COLUMNS, row, strict=True))
    occurred = values["occurred_at"]
    if isinstance(occurred, str):  # SQLite returns text
        from django.utils.dateparse import parse_datetime

        values["occurred_at"] = parse_datetime(occurred)
    if values["occurred_at"].tzinfo is None:
        from datetime import UTC

        values["occurred_at"] = values["occurred_at"].replace(tzinfo=UTC)
    return values


def verify_chain(*, batch_size: int = 5000, progress: Callable[[int], None] | None = None, workers: int = 2) -> Verdict:
    # The head first: events appended while the walk runs come after it.
    head = _head()
    if connection.vendor == "postgresql":
        verdict = _verify_in_database(batch_size=max(batch_size, 50_000), progress=progress, workers=workers)
    else:
        verdict = _verify_in_python(batch_size=batch_size, progress=progress)
    return _check_head(verdict, head) if verdict.ok else verdict


def _head() -> tuple[int, str] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
        return cursor.fetchone()


def _check_head(verdict: Verdict, head: tuple[int, str] | None) -> Verdict:
    """The events must reach the head (the last number ever handed out): a deleted tail
    shows as missing events even though what is left links up."""
    if head is None:
        if verdict.last_seq:
            return Verdict(
                False, verdict.checked, verdict.last_seq, verdict.last_hash, 1, "missing", "the chain head is gone"
            )
        return verdict
    seq, digest = head
    if seq > verdict.last_seq:
        detail = f"events {verdict.last_seq + 1}..{seq} are gone (the chain head records seq {seq})"
        return Verdict(
            False, verdict.checked, verdict.last_seq, verdict.last_hash, verdict.last_seq + 1, "missing", detail
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_auditevent WHERE seq = %s", [seq])
        row = cursor.fetchone()
    if seq and (row is None or row[0] != digest):
        detail = "the event at the chain head is not the one the head records"
        return Verdict(False, verdict.checked, verdict.last_seq, verdict.last_hash, seq, "changed", detail)
    return verdict


def _classify(
    seq: int, prev_hash: str, body: str, stored_hash: str, expected_prev: str, checked: int, last_seq: int
) -> Verdict:
    """Name what is wrong with an event whose hash or link does not check out."""
    if chain_hash(seq, prev_hash, body) != stored_hash:
        for other in range(max(1, seq - REORDER_WINDOW), seq + REORDER_WINDOW + 1):
            if other != seq and chain_hash(other, prev_hash, body) == stored_hash:
                return Verdict(
                    False, checked, last_seq, expected_prev, seq, "reordered", f"this event was written as seq {other}"
                )
        return Verdict(
            False, checked, last_seq, expected_prev, seq, "changed", "the event's content does not match its hash"
        )
    return Verdict(
        False, checked, last_seq, expected_prev, seq, "inserted", "the event does not link to the event before it"
    )


def _range_check(first: int, last: int) -> tuple[int, int | None]:
    """Check events first..last in one query (PostgreSQL). Returns (events found, the
    first bad seq or None). The event before `first` is read too, for the first link."""
    from audit.sql import EXPECTED_HASH_SQL

    sql = f"""
        WITH l AS (
            SELECT seq, prev_hash, hash, {EXPECTED_HASH_SQL} AS expected,
                   lag(seq) OVER (ORDER BY seq) AS pseq, lag(hash) OVER (ORDER BY seq) AS phash
            FROM audit_auditevent WHERE seq BETWEEN %s AND %s
        )
        SELECT count(*),
               min(seq) FILTER (WHERE expected <> hash
                                   OR coalesce(pseq, 0) <> seq - 1
                                   OR coalesce(phash, %s) <> prev_hash)
        FROM l WHERE seq >= %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [first - 1, last, GENESIS_HASH, first])
        return cursor.fetchone()


def _verify_in_database(*, batch_size: int, progress, workers: int) -> Verdict:
    """PostgreSQL: each range of events is checked by one query (hashes recomputed with
    the same audit_body() the writer used, links compared with lag()), ranges in parallel
    on separate connections; Python then names the first problem."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(seq) FROM audit_auditevent")
        max_seq = cursor.fetchone()[0] or 0
    ranges = [(a, min(a + batch_size - 1, max_seq)) for a in range(1, max_seq + 1, batch_size)]

    def check(bounds):
        try:
            found, bad = _range_check(*bounds)
        finally:
            if parallel:
                connections.close_all()
        if progress:
            progress(found)
        return bounds, found, bad

    # Inside a transaction (the test suite) other connections cannot see its rows.
    parallel = workers > 1 and not connection.in_atomic_block
    if parallel:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(check, ranges))
    else:
        results = [check(r) for r in ranges]

    bad = min((b for _, _, b in results if b is not None), default=None)
    if bad is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT hash FROM audit_auditevent WHERE seq = %s", [max_seq])
            row = cursor.fetchone()
        return Verdict(True, max_seq, max_seq, row[0] if row else GENESIS_HASH)
    return _name_problem(bad)


def _name_problem(bad: int) -> Verdict:
    from audit.sql import BODY_COLUMNS

    select = f"SELECT seq, prev_hash, hash, audit_body({BODY_COLUMNS}) FROM audit_auditevent "  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select + "WHERE seq < %s ORDER BY seq DESC LIMIT 1", [bad])
        before = cursor.fetchone()
        cursor.execute(select + "WHERE seq = %s", [bad])
        seq, prev_hash, stored, body = cursor.fetchone()
    expected_seq = before[0] + 1 if before else 1
    expected_prev = before[2] if before else GENESIS_HASH
    checked = expected_seq - 1
    if seq != expected_seq:
        return Verdict(
            False,
            checked,
            expected_seq - 1,
            expected_prev,
            expected_seq,
            "missing",
            f"events {expected_seq}..{seq - 1} are gone",
        )
    return _classify(seq, prev_hash, body, stored, expected_prev, checked, seq - 1)


def _verify_in_python(*, batch_size: int, progress) -> Verdict:
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for rows in _rows(batch_size):
        for row in rows:
            values = _values(row)
            seq = values["seq"]
            if seq != expected_seq:
                return Verdict(
                    False,
                    checked,
                    expected_seq - 1,
                    prev_hash,
                    expected_seq,
                    "missing",
                    f"events {expected_seq}..{seq - 1} are gone",
                )
            body = body_text(values)
            if chain_hash(seq, values["prev_hash"], body) != values["hash"]:
                for other in range(max(1, seq - REORDER_WINDOW), seq + REORDER_WINDOW + 1):
                    if other != seq and chain_hash(other, values["prev_hash"], body) == values["hash"]:
                        return Verdict(
                            False,
                            checked,
                            seq - 1,
                            prev_hash,
                            seq,
                            "reordered",
                            f"this event was written as seq {other}",
                        )
                return Verdict(
                    False, checked, seq - 1, prev_hash, seq, "changed", "the event's content does not match its hash"
                )
            if values["prev_hash"] != prev_hash:
                return Verdict(
                    False,
                    checked,
                    seq - 1,
                    prev_hash,
                    seq,
                    "inserted",
                    "the event does not link to the event before it",
                )
            prev_hash = values["hash"]
            expected_seq = seq + 1
            checked += 1
        if progress:
            progress(len(rows))
    return Verdict(True, checked, expected_seq - 1, prev_hash)


# --- Anchors -----------------------------------------------------------------------------
def _anchor_key() -> bytes:
    key = settings.AUDIT_ANCHOR_KEY
    if not key:
        raise ImproperlyConfigured("AUDIT_ANCHOR_KEY must be set to write or check audit anchors")
    return key.encode("utf-8")


def _anchor_mac(seq: int, digest: str) -> str:
    return hmac.new(_anchor_key(), f"{seq}|{digest}".encode(), hashlib.sha256).hexdigest()


def make_anchor(seq: int, digest: str, created_at: str) -> dict:
    return {"seq": seq, "hash": digest, "created_at": created_at, "hmac": _anchor_mac(seq, digest)}


def check_anchor(anchor: dict) -> Verdict | None:
    """None when the log still holds the anchored event; otherwise a failing verdict."""
    try:
        seq, digest, mac = int(anchor["seq"]), str(anchor["hash"]), str(anchor["hmac"])
    except (KeyError, TypeError, ValueError):
        return Verdict(False, 0, 0, "", None, "anchor", "the anchor file is not an anchor")
    if not hmac.compare_digest(mac, _anchor_mac(seq, digest)):
        return Verdict(False, 0, 0, "", seq, "anchor", "the anchor's HMAC is wrong (forged anchor or other key)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_auditevent WHERE seq = %s", [seq])
        row = cursor.fetchone()
    if row is None:
        return Verdict(False, 0, 0, "", seq, "anchor", "the anchored event is gone")
    if row[0] != digest:
        return Verdict(False, 0, 0, "", seq, "anchor", "the log was rewritten up to the anchored event")
    return None


def load_anchor(text: str) -> dict:
    """One anchor (audit_anchor --output), or the last line of an anchor file."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].strip() != "{":
        return json.loads(lines[-1])
    return json.loads(text)
