"""The consent gate: the one function that decides whether information may leave the
practice. Every disclosure (consent.services.share) passes through `check`.

Rule: an authorization that is signed, not revoked and not expired (today, at this
moment) must cover this recipient, every requested category, the whole date range and
this purpose; psychotherapy notes need a psychotherapy-notes authorization.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from consent.models import Authorization, Category, Purpose
from records.models import Client


@dataclass(frozen=True)
class DisclosureRequest:
    client: Client
    recipient_name: str
    recipient_organization: str
    recipient_email: str
    categories: frozenset[str]
    information_from: date
    information_to: date
    purpose: str
    psychotherapy_notes: bool = False


@dataclass
class Decision:
    allowed: bool
    authorization: Authorization | None = None
    reasons: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _missing(auth: Authorization, req: DisclosureRequest, today: date) -> list[str]:
    ref = f"authorization #{auth.pk}"
    missing = []
    if auth.status != Authorization.Status.SIGNED:
        missing.append(f"{ref} is {auth.get_status_display().lower()}, not signed")
    if auth.revoked_at is not None:
        missing.append(f"{ref} was revoked on {timezone.localtime(auth.revoked_at):%b %d, %Y}")
    if auth.expires_on < today:
        missing.append(f"{ref} expired on {auth.expires_on:%b %d, %Y}")
    if (_norm(auth.recipient_name), _norm(auth.recipient_organization), _norm(auth.recipient_email)) != (
        _norm(req.recipient_name),
        _norm(req.recipient_organization),
        _norm(req.recipient_email),
    ):
        # The authorization by its number only: refusal reasons are written to the audit
        # log, which must not name the recipient.
        missing.append(f"{ref} names a different recipient")
    wants_pn = req.psychotherapy_notes
    if wants_pn and auth.kind != Authorization.Kind.PSYCHOTHERAPY_NOTES:
        missing.append(f"{ref} does not cover psychotherapy notes (they need their own authorization)")
    if not wants_pn and auth.kind == Authorization.Kind.PSYCHOTHERAPY_NOTES:
        missing.append(f"{ref} covers psychotherapy notes only")
    uncovered = sorted(set(req.categories) - set(auth.categories)) if not wants_pn else []
    if uncovered:
        missing.append(f"{ref} does not cover: " + ", ".join(Category(c).label for c in uncovered))
    if req.information_from < auth.information_from or req.information_to > auth.information_to:
        missing.append(
            f"{ref} covers information from {auth.information_from:%b %d, %Y} to {auth.information_to:%b %d, %Y} only"
        )
    if req.purpose != auth.purpose:
        missing.append(f"{ref} is for the purpose '{Purpose(auth.purpose).label}'")
    return missing


def check(req: DisclosureRequest, *, lock: bool = False) -> Decision:
    """Decide one disclosure. With lock=True (inside the disclosing transaction) the
    client's authorizations are locked, so a revocation cannot slip in between the
    decision and the disclosure record."""
    today = timezone.localdate()
    qs = Authorization.objects.filter(client=req.client).select_related("client")
    if lock:
        qs = qs.select_for_update(of=("self",), no_key=True)
    candidates = list(qs.order_by("-signed_at", "-id"))
    if not candidates:
        return Decision(False, None, ["no authorization is on file for this client"])
    best: list[str] | None = None
    for auth in candidates:
        missing = _missing(auth, req, today)
        if not missing:
            return Decision(True, auth, [])
        if best is None or len(missing) < len(best):
            best = missing
    return Decision(False, None, best or [])
