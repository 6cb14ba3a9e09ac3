"""Confirmations before anything leaves the practice: what a disclosure's package will
hold, and what a client will receive when an authorization is sent to them.

Nothing is stored or sent here. Each preview is a read of the record (its audit event
is written before it returns), and asks the same rules as the action it precedes: the
disclosure preview asks the consent gate (consent.gate.check) as share() will, without
locking, and share() asks it again, locked, at the moment of release.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass

from django.core import signing

import audit
from audit.models import Outcome
from audit.services import refuse
from consent import gate, pdf
from consent.models import Authorization, Category, basis_text
from consent.services._common import ConsentDenied, _client_for_staff
from consent.services.authorizations import _sendable, invitation_email
from consent.services.disclosures import _disclosure_draft, _package_sections
from consent.text import render_text, text_sha256
from practice.models import User
from records import selectors as records_selectors
from records.models import Client, PsychotherapyNote
from records.permissions import WRITE_NOTES

# A confirmation carries the values it previews, signed with this salt; a changed value
# (or one older than this) is shown again before anything is released.
PREVIEW_SALT = "consent.disclosure.preview"
PREVIEW_MAX_AGE = 30 * 60
# Security note: a confirmation is bound to the person who saw the preview, the client
# and the path (share or legal) it was made for, and is good for one release: its
# nonce waits in the previewer's session and is taken out by the confirmation. A
# confirmation posted again, to another client's page or from another account is
# previewed again instead of released.
PREVIEW_SESSION_KEY = "consent_preview_nonces"
PREVIEW_PENDING_MAX = 5


@dataclass
class PackagePreview:
    """What a disclosure will hold, from the same pieces the package is built from."""

    client: Client
    disclosure: object  # the unsaved consent.models.Disclosure the package would describe
    authorization: Authorization | None
    note_count: int
    addendum_count: int
    withheld: int  # signed notes of the period left out: awaiting co-signature
    sections: list[tuple[str, int]]  # (section title, number of entries)
    notices: list[str]
    recipient: dict[str, str]  # the recipient the package goes to (from the authorization, if picked)
    # The legal-basis path: the basis as decided, the court details, and whether a
    # practice admin must approve before anything is sent.
    basis_text: str = ""
    court_text: str = ""
    needs_approval: bool = False

    @property
    def category_labels(self) -> list[str]:
        labels = [Category(c).label for c in self.disclosure.categories if c in Category.values]
        if self.disclosure.includes_psychotherapy_notes:
            labels.append("Psychotherapy notes")
        return labels


def recipient_from_authorization(*, client: Client, authorization_id: int) -> dict[str, str] | None:
    """The recipient an authorization of this client names (picked, not retyped)."""
    if not records_selectors.possible_id(authorization_id):
        return None
    auth = Authorization.objects.filter(client=client, pk=authorization_id).first()
    if auth is None:
        return None
    return {
        "recipient_name": auth.recipient_name,
        "recipient_organization": auth.recipient_organization,
        "recipient_email": auth.recipient_email,
    }


def disclosure_preview(
    *,
    actor: User,
    record_number: str,
    authorization_id: int | None = None,
    legal_basis: str = "",
    justification: str = "",
    purpose_detail: str = "",
    court_name: str = "",
    court_date=None,
    court_reference: str = "",
    **fields,
) -> PackagePreview:
    """What the package of this disclosure will hold, before it is released. Rule: the
    same as the release (the client's care team; psychotherapy notes by their author);
    the authorized path asks the consent gate, and a refusal is audited and raised as
    ConsentDenied (nothing is previewed that could not be released); so does the
    legal-basis path, the basis being an input to the same decision (asked again at
    release, and at a practice admin's approval)."""
    action = "disclosure.legal_preview" if legal_basis else "disclosure.preview"
    client = _client_for_staff(actor, record_number, WRITE_NOTES, action)
    if authorization_id:
        recipient = recipient_from_authorization(client=client, authorization_id=authorization_id)
        if recipient is None:
            refuse(
                action,
                actor,
                client=client,
                object_type="authorization",
                object_id=authorization_id,
                reason="not this client's",
            )
        fields.update(recipient)
    req = gate.DisclosureRequest(
        client=client,
        legal_basis=legal_basis,
        justification=justification,
        court_name=court_name,
        court_date=court_date,
        court_reference=court_reference,
        **fields,
    )
    if req.psychotherapy_notes and not PsychotherapyNote.objects.filter(client=client, author=actor).exists():
        refuse(
            action,
            actor,
            client=client,
            object_type="client",
            object_id=client.pk,
            reason="only the author of psychotherapy notes may release them",
            not_found=False,
        )
    decision = gate.check(req)
    if not decision.allowed:
        audit.record(
            action=action,
            actor=actor,
            outcome=Outcome.DENIED,
            client=client,
            object_type="client",
            object_id=client.pk,
            reason=(f"{legal_basis}: " if legal_basis else "") + "; ".join(decision.reasons)[:480],
        )
        raise ConsentDenied(decision, request=req)
    authorization = decision.authorization
    reason = legal_basis if legal_basis else f"authorization #{authorization.pk}"
    # A read of the record: the event is written before anything of it is returned.
    audit.record(action=action, actor=actor, client=client, object_type="client", object_id=client.pk, reason=reason)
    disclosure = _disclosure_draft(
        actor=actor, client=client, req=req, authorization=authorization, purpose_detail=purpose_detail
    )
    sections = _package_sections(
        client=client,
        actor=actor,
        categories=set(req.categories),
        start=req.information_from,
        end=req.information_to,
        psychotherapy_notes=req.psychotherapy_notes,
    )
    return PackagePreview(
        client=client,
        disclosure=disclosure,
        authorization=authorization,
        note_count=_note_count(client, actor, req),
        addendum_count=_addendum_count(client, req),
        withheld=0
        if req.psychotherapy_notes
        else records_selectors.withheld_for_cosign(client, req.information_from, req.information_to),
        sections=[(title, len(entries)) for title, entries in sections],
        notices=pdf.package_notices(disclosure),
        recipient={k: fields[k] for k in ("recipient_name", "recipient_organization", "recipient_email")},
        basis_text=basis_text(legal_basis) if legal_basis else "",
        court_text=_court_text(decision.basis, court_name, court_date, court_reference) if legal_basis else "",
        needs_approval=decision.needs_approval,
    )


def _court_text(basis, name: str, when, reference: str) -> str:
    if basis is None or not basis.court_details:
        return ""
    return f"{name.strip()}, {when:%B %d, %Y}, docket/reference {reference.strip()}"


def _note_count(client: Client, actor: User, req: gate.DisclosureRequest) -> int:
    span = (req.information_from, req.information_to)
    if req.psychotherapy_notes:
        return PsychotherapyNote.objects.filter(client=client, author=actor, date_of_service__range=span).count()
    # The notes the package will hold: a pre-licensed author's only once co-signed.
    return records_selectors.disclosable_notes(client, *span).count()


def _addendum_count(client: Client, req: gate.DisclosureRequest) -> int:
    if req.psychotherapy_notes or Category.PROGRESS_NOTES not in req.categories:
        return 0
    from records.models import Addendum

    notes = records_selectors.disclosable_notes(client, req.information_from, req.information_to)
    return Addendum.objects.filter(note__in=notes).count()


def _canonical(values: list[tuple[str, str]]) -> list[list[str]]:
    return sorted([str(k), str(v)] for k, v in values)


def _bound(values: list[tuple[str, str]], *, actor: User, record_number: str, path: str, nonce: str) -> dict:
    return {"values": _canonical(values), "actor": actor.pk, "client": record_number, "path": path, "nonce": nonce}


def sign_preview(
    values: list[tuple[str, str]], *, actor: User, record_number: str, path: str, session: MutableMapping
) -> str:
    """A signed copy of the (name, value) pairs a preview showed, for its confirmation:
    bound to the actor, the client and the path, with a one-time nonce kept in the
    actor's session (the last PREVIEW_PENDING_MAX previews stay confirmable)."""
    nonce = secrets.token_urlsafe(16)
    pending = list(session.get(PREVIEW_SESSION_KEY, []))[-(PREVIEW_PENDING_MAX - 1) :]
    session[PREVIEW_SESSION_KEY] = [*pending, nonce]
    bound = _bound(values, actor=actor, record_number=record_number, path=path, nonce=nonce)
    return signing.dumps(bound, salt=PREVIEW_SALT, compress=True)


def preview_matches(
    token: str, values: list[tuple[str, str]], *, actor: User, record_number: str, path: str, session: MutableMapping
) -> bool:
    """Whether a confirmation carries the very values its preview showed, recently, to
    this actor for this client on this path, and has not been used. A match uses it up."""
    try:
        signed = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return False
    nonce = signed.get("nonce") if isinstance(signed, dict) else None
    pending = list(session.get(PREVIEW_SESSION_KEY, []))
    if not isinstance(nonce, str) or nonce not in pending:
        return False
    if signed != _bound(values, actor=actor, record_number=record_number, path=path, nonce=nonce):
        return False
    pending.remove(nonce)
    session[PREVIEW_SESSION_KEY] = pending
    return True


# --- Sending an authorization to the client -----------------------------------------------
def authorization_send_preview(*, actor: User, auth_id: int) -> dict:
    """What the client will receive if this draft is sent: the email, the form's exact
    text, its expiry, recipient and purpose. Rule: as authorization_send (the care
    team, a draft, a client with an email address or a portal account)."""
    auth = _sendable(actor, auth_id, "authorization.send_preview")
    audit.record(
        action="authorization.send_preview",
        actor=actor,
        client=auth.client,
        object_type="authorization",
        object_id=auth.pk,
    )
    text = render_text(auth)
    subject, body = invitation_email("(a link made when you send)")
    client = auth.client
    return {
        "auth": auth,
        "text": text,
        "text_sha256": text_sha256(text),
        "to": client.user.email if client.user_id else client.email,
        "with_invitation": not client.user_id,
        "subject": subject,
        "body": body,
    }
