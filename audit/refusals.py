"""Every refusal recorded, from one place.

A request that ends in a refusal (NotFound / PermissionDenied, Django's Http404 /
PermissionDenied) must leave exactly one denied event. Most refusals are recorded where
they happen (audit.services.refuse, with the action, object and reason). This module
catches the rest, once the request is over:

- a refusal raised without a denied event (a forgotten refuse(), a get_object_or_404,
  a PermissionDenied from a form or a helper), or a 403 / 404 page a view rendered
  itself, gets a generic `request.refused` event;
- a denied event that was rolled back with the transaction it was written in is
  written again, after the rollback, with the same action, object and reason.

`note_refusal` is called by the 403/404 handlers (practice.urls handler403/handler404)
and by RequestContextMiddleware.process_exception (which also runs with DEBUG=1, where
Django shows its debug page instead of the handlers); `settle` by
RequestContextMiddleware at the end of every request.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404

from audit import context as audit_context
from audit.models import AuditEvent, Outcome

_ATTRIBUTE = "_audit_refusal"


def is_refusal(exception: BaseException) -> bool:
    return isinstance(exception, (Http404, PermissionDenied))


def note_refusal(request, exception: BaseException) -> None:
    """Remember that this request is ending in a refusal."""
    if is_refusal(exception) and getattr(request, _ATTRIBUTE, None) is None:
        setattr(request, _ATTRIBUTE, exception)


REFUSAL_STATUSES = frozenset({403, 404})


def settle(request, response) -> None:
    """After the response is made: make sure a refused request has its one denied
    event, and that no denied event of this request was lost to a rollback."""
    from audit.services import record

    ctx = audit_context.current()
    if ctx.denied:
        seqs = [seq for seq, _ in ctx.denied]
        kept = AuditEvent.objects.filter(seq__in=seqs, request_id=ctx.request_id, outcome=Outcome.DENIED)
        if not kept.exists():
            # Every denial this request wrote was rolled back: write the last one again.
            _, call = ctx.denied[-1]
            ctx.denied.clear()
            record(outcome=Outcome.DENIED, **_still_there(call))
        return
    exception = getattr(request, _ATTRIBUTE, None)
    if exception is None and response.status_code not in REFUSAL_STATUSES:
        return
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    match = getattr(request, "resolver_match", None)
    if match is None and not signed_in:
        # No such page, asked by someone not signed in: nothing was refused to anyone,
        # and scanners would otherwise write to the chain at will.
        return
    record(
        action="request.refused",
        actor=user if signed_in else None,
        outcome=Outcome.DENIED,
        object_type="url",
        # The pattern's name, never the path: paths carry tokens and record numbers.
        object_id=(match.url_name or match.route)[:64] if match else "",
        reason=_reason(exception),
    )


def _reason(exception: BaseException | None) -> str:
    from practice.exceptions import NotFound
    from practice.exceptions import PermissionDenied as DomainPermissionDenied

    if exception is None:
        return "refusal page"
    if isinstance(exception, Resolver404):
        return "no such page"
    if isinstance(exception, (NotFound, DomainPermissionDenied)) and exception.args:
        # The product's own refusals carry a reason written for the log.
        return f"not recorded where refused: {exception.args[0]}"[:500]
    return "not found" if isinstance(exception, Http404) else "permission denied"


def _still_there(call: dict) -> dict:
    """The recorded call's arguments, without a client or actor that the rollback
    removed as well (their ids would point nowhere)."""
    call = dict(call)
    reason = call.get("reason") or ""
    call["reason"] = (reason + " (recorded again after a rollback)").strip()
    for name in ("client", "actor"):
        obj = call.get(name)
        pk = getattr(obj, "pk", None) if obj is not None else None
        if pk is not None and not obj.__class__._default_manager.filter(pk=pk).exists():
            call[name] = None
    return call
