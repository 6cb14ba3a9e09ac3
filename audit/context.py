"""Who is asking and from where, for the audit log.

The request middleware fills this for web requests; management commands set their own
with `operator_context`. Services never need to pass the request down for this.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None = None
    user_agent: str = ""
    # The denied events audit.record wrote during this unit of work, as (seq, the
    # arguments of the call): audit.refusals checks at the end of a request that one of
    # them survived (a rolled-back transaction takes its events with it).
    denied: list = field(default_factory=list, compare=False, repr=False)


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("audit_request_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        # Outside a request and outside operator_context (a shell, a test): still give
        # every event a request id so events of one unit of work can be grouped.
        return RequestContext(request_id=new_request_id(), user_agent="")
    return ctx


def set_current(ctx: RequestContext | None) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


@contextmanager
def operator_context(command: str) -> Iterator[RequestContext]:
    """Context for management commands: no IP, the command's name as the agent."""
    token = _current.set(RequestContext(request_id=new_request_id(), user_agent=f"manage.py {command}"))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
