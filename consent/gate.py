"""The consent gate: the one function that decides whether information may leave the
practice. Every disclosure passes through `check`: the authorized ones
(consent.services.share) and those under a legal basis
(consent.services.disclose_without_authorization). Nothing else says yes.

Rule, with an authorization: one that is signed, not revoked and not expired (today, at
this moment) must cover this recipient, every requested category, the whole date range
and this purpose; psychotherapy notes need a psychotherapy-notes authorization; for a client
covered by 42 CFR Part 2, it must be a Part 2 consent.

Rule, under a legal basis (the request names one): the basis is on the fixed list
(consent.bases) and allows what is asked: psychotherapy notes only under the bases 45 CFR
164.508(a)(2) lists, 42 CFR Part 2 records only under a 2.64 court order or a 2.51
medical emergency; a written justification; for a court order or subpoena, the court,
the date and the docket or reference number. The decision also says whether a practice
admin must approve before anything leaves (psychotherapy notes or Part 2 records,
except under a serious and imminent threat).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from consent import bases
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
    # The legal-basis path: no authorization, a basis from consent.bases instead.
    legal_basis: str = ""
    justification: str = ""
    court_name: str = ""
    court_date: date | None = None
    court_reference: str = ""

    @property
    def part2(self) -> bool:
        """Records covered by 42 CFR Part 2: the client is marked as covered (every record
        of theirs is), or substance-use information was asked for."""
        return self.client.part2_since is not None or Category.SUBSTANCE_USE in self.categories


@dataclass
class Decision:
    allowed: bool
    authorization: Authorization | None = None
    reasons: list[str] = field(default_factory=list)
    basis: bases.Basis | None = None
    # Allowed, but nothing leaves until a practice admin other than the requester approves.
    needs_approval: bool = False


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
    if req.client.part2_since is not None and not auth.is_part2_consent:
        missing.append(
            f"{ref} is not a 42 CFR Part 2 consent, and every record of this client is covered by Part 2: "
            "prepare a new authorization (it will say so)"
        )
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
    if req.legal_basis:
        return _legal(req)
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


def _legal(req: DisclosureRequest) -> Decision:
    """A disclosure without authorization: what the named basis allows, nothing more."""
    basis = bases.get(req.legal_basis)
    if basis is None:
        return Decision(False, None, [f"'{req.legal_basis}' is not a legal basis this practice discloses under"])
    reasons = []
    named = f"{basis.label} ({basis.citation})"
    if req.psychotherapy_notes and not basis.psychotherapy_notes:
        reasons.append(
            f"psychotherapy notes leave without an authorization only under the bases 45 CFR 164.508(a)(2) lists; "
            f"{named} is not one of them"
        )
    if req.part2 and not basis.part2:
        reasons.append(
            "records covered by 42 CFR Part 2 leave without the client's consent only under a court order that "
            f"meets 42 CFR 2.64 or to medical personnel in a medical emergency (42 CFR 2.51), not under {named}"
        )
    if len(" ".join(req.justification.split())) < bases.MIN_JUSTIFICATION:
        reasons.append(f"a written justification of at least {bases.MIN_JUSTIFICATION} characters is needed")
    if basis.court_details:
        missing = [
            label
            for label, value in (
                ("the issuing court", req.court_name.strip()),
                ("the date of the order or subpoena", req.court_date),
                ("its docket or reference number", req.court_reference.strip()),
            )
            if not value
        ]
        if missing:
            reasons.append(f"{basis.label} needs " + ", ".join(missing))
        elif req.court_date > timezone.localdate():
            reasons.append("the date of the order or subpoena is in the future")
    if reasons:
        return Decision(False, None, reasons, basis=basis)
    special = req.psychotherapy_notes or req.part2
    return Decision(True, None, [], basis=basis, needs_approval=special and not basis.immediate)
