"""Anchors: the chain's head, HMAC-signed, appended to a file outside the database.

The database owner can disable the append-only triggers, delete events and rewrite the
chain head; what they cannot rewrite is a file on the application server (or a log
shipped from it) that holds the head as it was, signed with AUDIT_ANCHOR_KEY, which is
not in the database either. So:

- the application appends an anchor after the commit of every
  AUDIT_ANCHOR_EVERY_EVENTS-th event, and after the first commit once
  AUDIT_ANCHOR_EVERY_MINUTES have passed since the file last grew (any process);
- `manage.py audit_anchor`, run on a schedule, appends one too, so an idle
  application still anchors;
- `verify_audit_chain` (and the review page's verification) checks the latest anchor
  in the file by default.

One JSON object per line, appended with O_APPEND under an exclusive flock (gunicorn's
workers share the file); nothing ever rewrites a line. Make the file append-only for
everyone but root (`chattr +a`) and ship copies off the host: README, "Protecting the
audit tail".
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit.verify import make_anchor

logger = logging.getLogger(__name__)

# How often a process looks at the file's age (its modification time) at most.
_STAT_EVERY_SECONDS = 30.0
_state = {"checked_at": 0.0, "file_time": 0.0}


def anchor_path() -> Path | None:
    value = settings.AUDIT_ANCHOR_FILE
    return Path(value) if value else None


def append(seq: int, digest: str, *, path: Path | None = None) -> dict:
    """Append one anchor line; return the anchor."""
    path = path or anchor_path()
    if path is None:
        raise RuntimeError("AUDIT_ANCHOR_FILE is not set")
    anchor = make_anchor(seq, digest, timezone.now().isoformat())
    line = (json.dumps(anchor, separators=(",", ":")) + "\n").encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    _state["file_time"] = _state["checked_at"] = time.time()
    return anchor


def latest(path: Path | None = None) -> dict | None:
    """The last anchor in the file, or None when there is none yet."""
    path = path or anchor_path()
    if path is None or not path.exists():
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 8192))
        tail = handle.read().decode("utf-8", "replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def _due(seq: int) -> bool:
    if seq % settings.AUDIT_ANCHOR_EVERY_EVENTS == 0:
        return True
    now = time.time()
    if now - _state["checked_at"] >= _STAT_EVERY_SECONDS:
        _state["checked_at"] = now
        path = anchor_path()
        try:
            _state["file_time"] = path.stat().st_mtime if path else now
        except FileNotFoundError:
            _state["file_time"] = 0.0
    return now - _state["file_time"] >= settings.AUDIT_ANCHOR_EVERY_MINUTES * 60


def after_append(seq: int, digest: str) -> None:
    """Called by audit.record for every event: anchor it once it has committed, when one
    is due. A failure to write the file is logged, never raised: the event and the work
    it describes have committed by then."""
    if anchor_path() is None or not _due(seq):
        return
    from django.db import transaction

    def write() -> None:
        try:
            append(seq, digest)
        except OSError:
            logger.exception("audit anchor for seq %s could not be written", seq)

    _state["file_time"] = time.time()  # one anchor per due moment, not one per event after it
    transaction.on_commit(write)
