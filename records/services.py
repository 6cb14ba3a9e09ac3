"""Client-record use cases. Each follows the one access path:

    1. access  (records.selectors: guardian permission folded into the query)
    2. audit   (audit.record: for a change, in the same transaction as the change; for
                a read, written before the data is returned)
    3. work

A refused access is recorded (outcome=denied) outside any transaction that rolls back,
then raised as NotFound: "missing" and "not yours" look the same.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date
from typing import NoReturn

from django.db.models import Q
from django.utils import timezone

import audit
from audit.models import Outcome
from audit.services import refuse
from practice.exceptions import NotFound, PermissionDenied  # noqa: F401 (NotFound: part of the services API)
from practice.identity import audit_digest
from practice.models import User
from practice.roles import CLINICAL_ROLES, Role
from records import search, selectors
from records.models import (
    TEMPLATE_SECTIONS,
    Addendum,
    Assignment,
    Client,
    NoteReturn,
    PsychotherapyNote,
    SessionNote,
)
from records.permissions import VIEW_CHART, WRITE_NOTES, sync_client


class NoteLocked(PermissionDenied):
    """A signed note is never edited; corrections are addenda."""


class StaleDraft(PermissionDenied):
    """The draft was saved elsewhere after this copy of it was opened."""

    def __init__(self, current_version: int):
        super().__init__(
            "This draft was saved in another tab or session after you opened it, so your save was not applied. "
            "Your text is still below: copy what you need, open the latest version, and save again."
        )
        self.current_version = current_version


def require_admin(actor: User, action: str) -> None:
    if not (actor.is_authenticated and actor.is_practice_admin):
        refuse(action, actor, object_type="client", object_id="", reason="not a practice admin", not_found=False)


# --- Practice admin: clients and assignments ---------------------------------------------
def _record_number(pk: int) -> str:
    return f"C-{pk:06d}"


def client_create(*, actor: User, counselor: User | None = None, **fields) -> Client:
    """Register a client. Identifying fields are encrypted by their model fields."""
    require_admin(actor, "client.create")
    with audit.writing():
        # The record number derives from the primary key, which the database hands out:
        # two admins registering at the same moment cannot get the same number.
        client = Client(record_number=f"new-{secrets.token_hex(4)}", **fields)
        client.full_clean()
        client.save()
        client.record_number = _record_number(client.pk)
        client.save(update_fields=["record_number"])
        search.index_client(client)
        audit.record(action="client.create", actor=actor, client=client, object_type="client", object_id=client.pk)
        if counselor is not None:
            _assign(actor=actor, client=client, counselor=counselor, kind=Assignment.Kind.PRIMARY)
    return client


def client_list_for_admin(*, actor: User, after: str | None = None) -> tuple[list[Client], str | None]:
    """A page of 50 clients by record number (`after`: the previous page's last).
    Rule: practice admins only; names and care teams, nothing clinical."""
    require_admin(actor, "client.list")
    audit.record(action="client.list", actor=actor, object_type="client")
    return selectors.page_by_record_number(selectors.clients_for_admin(), after=after)


def client_for_admin(*, actor: User, record_number: str) -> Client:
    """The assignments page's client. Rule: practice admins only."""
    client = _client_or_404(actor, record_number, "assignment.view")
    audit.record(action="assignment.view", actor=actor, client=client, object_type="client", object_id=client.pk)
    return client


def _client_or_404(actor: User, record_number: str, action: str) -> Client:
    """A practice admin's client by record number, unaudited: the caller records the one
    event of its use case. A refusal is recorded here."""
    require_admin(actor, action)
    client = selectors.client_by_record_number(record_number)
    if client is None:
        refuse(action, actor, object_type="client", object_id=record_number, reason="no such client")
    return client


def _assign(*, actor: User, client: Client, counselor: User, kind: str) -> Assignment:
    if counselor.role not in CLINICAL_ROLES or not counselor.is_active:
        raise PermissionDenied("Only active counselors and supervisors can be assigned clients.")
    now = timezone.now()
    if kind == Assignment.Kind.PRIMARY:
        # Reassignment: the old primary counselor's access ends in this transaction.
        Assignment.objects.filter(client=client, kind=kind, ended_at__isnull=True).update(ended_at=now)
    Assignment.objects.filter(client=client, counselor=counselor, ended_at__isnull=True).update(ended_at=now)
    assignment = Assignment.objects.create(client=client, counselor=counselor, kind=kind, assigned_by=actor)
    _sync_and_record("assignment.assign", actor=actor, client=client, counselor=counselor, detail=f"kind={kind} ")
    return assignment


def _sync_and_record(action: str, *, actor: User, client: Client, counselor: User, detail: str = "") -> None:
    """Bring the client's permissions in step with its assignments and audit the change,
    in the caller's transaction."""
    granted, revoked = sync_client(client)
    audit.record(
        action=action,
        actor=actor,
        client=client,
        object_type="user",
        object_id=counselor.pk,
        reason=f"{detail}granted={granted} revoked={revoked}",
    )


def assign(
    *, actor: User, counselor: User, kind: str, client: Client | None = None, record_number: str = ""
) -> Assignment:
    """Assign a counselor (primary: replaces the current one) or add a co-therapist.
    One event: the assignment (no separate one for finding the client)."""
    require_admin(actor, "assignment.assign")
    if client is None:
        client = _client_or_404(actor, record_number, "assignment.assign")
    with audit.writing():
        return _assign(actor=actor, client=client, counselor=counselor, kind=kind)


def unassign(
    *,
    actor: User,
    client: Client | None = None,
    counselor: User | None = None,
    record_number: str = "",
    counselor_id=None,
) -> None:
    """End a counselor's assignment to a client; their access ends in the same
    transaction. One event: the change."""
    require_admin(actor, "assignment.unassign")
    if client is None:
        client = _client_or_404(actor, record_number, "assignment.unassign")
    if counselor is None:
        counselor = User.objects.filter(pk=counselor_id).first()
    with audit.writing():
        ended = 0
        if counselor is not None:
            ended = Assignment.objects.filter(client=client, counselor=counselor, ended_at__isnull=True).update(
                ended_at=timezone.now()
            )
        if ended:
            _sync_and_record("assignment.unassign", actor=actor, client=client, counselor=counselor)
    if not ended:
        # Nothing was changed, so nothing is rolled back by recording the refusal here.
        refuse(
            "assignment.unassign",
            actor,
            client=client,
            object_type="user",
            object_id=counselor.pk if counselor is not None else str(counselor_id or "")[:64],
            reason="no current assignment",
        )


class SupervisionRefused(PermissionDenied):
    """A supervision setting the rules do not allow; the message says which."""


def set_supervision(*, actor: User, counselor: User, supervisor: User | None, pre_licensed: bool) -> User:
    """Set a counselor's supervisor and pre-licensed status. Rule: a practice admin; the
    counselor has the counselor role; the supervisor is another active account with
    the supervisor role, or none; a pre-licensed counselor has a supervisor (someone
    must co-sign their notes). The supervisor's read access to the counselor's clients
    follows at once. A refusal is recorded (supervision.set, denied) and raised."""
    action = "supervision.set"
    require_admin(actor, action)
    problem = ""
    if counselor.role != Role.COUNSELOR:
        problem = "Only counselors have a supervisor and a pre-licensed status."
    elif supervisor is not None and (
        supervisor.role != Role.SUPERVISOR or not supervisor.is_active or supervisor.pk == counselor.pk
    ):
        problem = "The supervisor must be another active staff member with the supervisor role."
    elif pre_licensed and supervisor is None:
        problem = "A pre-licensed counselor needs a supervisor to co-sign their notes."
    if problem:
        audit.record(
            action=action,
            actor=actor,
            outcome=Outcome.DENIED,
            object_type="user",
            object_id=counselor.pk,
            reason=problem,
        )
        raise SupervisionRefused(problem)
    with audit.writing():
        locked = User.objects.select_for_update(of=("self",), no_key=True).get(pk=counselor.pk)
        before = (locked.supervisor_id, locked.is_pre_licensed)
        # The caller's instance is the one changed, so that it says what now holds.
        counselor.supervisor = supervisor
        counselor.is_pre_licensed = pre_licensed
        counselor.save(update_fields=["supervisor", "is_pre_licensed"])
        client_ids = Assignment.objects.filter(counselor=counselor, ended_at__isnull=True).values("client_id")
        for client in Client.objects.filter(pk__in=client_ids):
            sync_client(client)
        audit.record(
            action=action,
            actor=actor,
            object_type="user",
            object_id=counselor.pk,
            reason=(
                f"supervisor={before[0]}->{supervisor.pk if supervisor else None} "
                f"pre_licensed={before[1]}->{pre_licensed}"
            ),
        )
    return counselor


# --- Search -----------------------------------------------------------------------------
def _search(actor: User, base, query: str, *, dates: bool, scope: str) -> dict:
    """Search inside `base`, then record the search: a keyed digest of the words typed
    (records.search.audit_digest), never the words, and how many were found. Written
    before anything is returned."""
    found = selectors.search_clients(base, query, dates=dates)
    more = len(found) > selectors.SEARCH_LIMIT
    found = found[: selectors.SEARCH_LIMIT]
    audit.record(
        action="client.search",
        actor=actor,
        object_type="client",
        reason=f"scope={scope} query_digest={search.audit_digest(query)} results={len(found)}{'+' if more else ''}",
    )
    return {"results": found, "more": more, "query": query}


def caseload_search(*, actor: User, query: str) -> dict:
    """Rule: a counselor or supervisor finds, by name, preferred name, record number or
    date of birth, only the clients whose chart they may read (the same permission
    query as the chart). Anyone else is refused, as the caseload refuses them."""
    if actor.role not in CLINICAL_ROLES:
        refuse("client.search", actor, object_type="client", reason="not a clinician", not_found=False)
    return _search(actor, selectors.searchable_for_clinician(actor), query, dates=True, scope="caseload")


def admin_client_search(*, actor: User, query: str) -> dict:
    """Rule: a practice admin finds any client by name or record number (not by date of
    birth, which their list does not show); nothing clinical is read."""
    require_admin(actor, "client.search")
    return _search(actor, selectors.clients_for_admin(), query, dates=False, scope="admin")


# --- Counselor and supervisor: reading ---------------------------------------------------
def _note_or_404(actor: User, note_id: int, perm: str, action: str, *, with_addenda: bool = False) -> SessionNote:
    """The note if the actor holds perm on its client; otherwise audit and 404."""
    find = selectors.note_with_addenda_for if with_addenda else selectors.note_for
    note = find(actor, note_id, perm)
    if note is None:
        refuse(action, actor, object_type="session_note", object_id=note_id, reason="no access")
    return note


def caseload_view(*, actor: User, after: str | None = None):
    """The user's own clients (a page of 50 by record number, `after` the previous
    page's last) and their notes awaiting co-signature. Rule: counselors and
    supervisors only; anyone else is refused rather than shown an empty list."""
    if actor.role not in CLINICAL_ROLES:
        refuse("caseload.view", actor, object_type="caseload", reason="not a clinician", not_found=False)
    audit.record(action="caseload.view", actor=actor, object_type="caseload")
    clients, next_after = selectors.page_by_record_number(selectors.caseload(actor), after=after)
    return {
        "clients": clients,
        "next_after": next_after,
        "after": after,
        "supervised": list(selectors.supervised_clients(actor)) if actor.role == Role.SUPERVISOR else [],
        # Supervision work lists: notes returned to this author for revision, notes
        # waiting for this supervisor's co-signature, and this author's notes waiting.
        "returned_to_me": list(selectors.returned_to_me(actor)),
        "awaiting_my_cosignature": list(selectors.awaiting_my_cosignature(actor)),
        "my_notes_awaiting": [
            n for n in selectors.awaiting_cosign_for(actor) if n.author_id == actor.pk and not n.returned
        ],
    }


def _read_event(actor: User, client: Client, action: str, via_emergency: bool) -> tuple[str, str]:
    """(action, reason) of a read: a read through an emergency grant is marked
    `emergency.<action>` and names its grant, so the review pages flag it and the
    client's access history shows it for what it was."""
    if not via_emergency:
        return action, ""
    from emergency.selectors import active_grant

    grant = active_grant(actor, client)
    return "emergency." + action.replace(".", "_"), f"emergency access #{grant.pk if grant else '?'}"


def chart_view(*, actor: User, record_number: str, before: tuple[date, int] | None = None) -> dict:
    """Rule: only the client's assigned counselors and their supervisors read the chart,
    and, read-only, a clinician holding an active emergency grant (emergency.services).
    The timeline is one page of note summaries (`before`: the keyset cursor); no note's
    content is decrypted here."""
    client = selectors.client_for(actor, record_number, VIEW_CHART, emergency=True)
    if client is None:
        refuse("chart.view", actor, object_type="client", object_id=record_number, reason="no access")
    action, reason = _read_event(actor, client, "chart.view", client.via_emergency)
    # A read: the event is written (its own atomic statement) before anything is returned.
    audit.record(action=action, actor=actor, client=client, object_type="client", object_id=client.pk, reason=reason)
    notes, next_cursor = selectors.chart_timeline(client, before=before)
    can_write = not client.via_emergency and selectors.client_for(actor, record_number, WRITE_NOTES) is not None
    return {
        "client": client,
        "notes": notes,
        "next_cursor": f"{next_cursor[0].isoformat()}_{next_cursor[1]}" if next_cursor else None,
        "older_page": before is not None,
        "can_write": can_write,
        "emergency": client.via_emergency,
        "psychotherapy_notes": list(selectors.own_psychotherapy_notes(actor, client)) if can_write else [],
        "discharge_summary_due": can_write and selectors.discharge_summary_due(client),
        "assignments": list(client.assignments.filter(ended_at__isnull=True).select_related("counselor")),
    }


def note_view(*, actor: User, note_id: int, purpose: str = "view") -> SessionNote:
    """Rule: a note is read by whoever may read its client's chart (an emergency grant
    included). purpose: view|print."""
    action = f"note.{purpose}"
    note = selectors.note_with_addenda_for(actor, note_id, VIEW_CHART, emergency=True)
    if note is None:
        refuse(action, actor, object_type="session_note", object_id=note_id, reason="no access")
    action, reason = _read_event(actor, note.client, action, note.via_emergency)
    audit.record(
        action=action, actor=actor, client=note.client, object_type="session_note", object_id=note.pk, reason=reason
    )
    return note


# --- Writing notes ----------------------------------------------------------------------
# The forms a counselor opens on a client they write for, each named in the log for what
# it is: opening the share form is not composing a note.
COMPOSE_ACTIONS = frozenset({"note.compose", "pnote.compose", "authorization.compose", "disclosure.compose"})


def client_for_writing(*, actor: User, record_number: str, action: str = "note.compose") -> Client:
    """Rule: only the client's assigned counselors (not supervisors) open a form that
    writes to the record or releases it. `action` names the form (COMPOSE_ACTIONS)."""
    if action not in COMPOSE_ACTIONS:
        raise ValueError(f"unknown form action {action!r}")
    client = selectors.client_for(actor, record_number, WRITE_NOTES)
    if client is None:
        refuse(action, actor, object_type="client", object_id=record_number, reason="no write access")
    audit.record(action=action, actor=actor, client=client, object_type="client", object_id=client.pk)
    return client


def _clean_sections(template: str, sections: dict[str, str]) -> str:
    allowed = [key for key, _ in TEMPLATE_SECTIONS[template]]
    return json.dumps({key: sections.get(key, "") for key in allowed}, ensure_ascii=False)


def note_create(
    *,
    actor: User,
    record_number: str,
    date_of_service: date,
    duration_minutes: int,
    service_type: str,
    template: str,
    sections: dict[str, str],
) -> SessionNote:
    client = selectors.client_for(actor, record_number, WRITE_NOTES)
    if client is None:
        refuse("note.create", actor, object_type="client", object_id=record_number, reason="no access")
    with audit.writing():
        note = SessionNote(
            client=client,
            author=actor,
            date_of_service=date_of_service,
            duration_minutes=duration_minutes,
            service_type=service_type,
            template=template,
            content=_clean_sections(template, sections),
        )
        note.full_clean()
        note.save()
        audit.record(action="note.create", actor=actor, client=client, object_type="session_note", object_id=note.pk)
    return note


def require_editable_draft(*, actor: User, note_id: int) -> SessionNote:
    """Rule: only the author edits, and only a draft. A refused edit is recorded
    (note.update, denied) and raised: NoteLocked for a signed note, 403 otherwise."""
    return _draft_for_author(actor, note_id, "note.update")


def _draft_for_author(actor: User, note_id: int, action: str) -> SessionNote:
    note = _note_or_404(actor, note_id, WRITE_NOTES, action)
    if note.author_id != actor.pk:
        refuse(
            action,
            actor,
            client=note.client,
            object_type="session_note",
            object_id=note_id,
            reason="only the author changes a draft",
            not_found=False,
        )
    if note.is_signed:
        audit.record(
            action=action,
            actor=actor,
            outcome=Outcome.DENIED,
            client=note.client,
            object_type="session_note",
            object_id=note.pk,
            reason="note is signed",
        )
        raise NoteLocked("This note is signed and cannot be changed. Add an addendum instead.")
    return note


def _locked_note(note_id: int) -> SessionNote:
    """The note, locked for the rest of the transaction (after the chain lock: see the
    lock order in audit.services). Only the note's row: its client and author are read
    through the join but not locked."""
    return (
        SessionNote.objects.select_for_update(of=("self",), no_key=True)
        .select_related("client", "author")
        .get(pk=note_id)
    )


def _refuse_change(action: str, actor: User, note: SessionNote, problem: PermissionDenied, reason: str) -> NoReturn:
    """Record the refused change (outside the rolled-back transaction), then raise."""
    audit.record(
        action=action,
        actor=actor,
        outcome=Outcome.DENIED,
        client=note.client,
        object_type="session_note",
        object_id=note.pk,
        reason=reason,
    )
    raise problem


def note_update(
    *,
    actor: User,
    note_id: int,
    version: int,
    date_of_service: date,
    duration_minutes: int,
    service_type: str,
    template: str,
    sections: dict[str, str],
) -> SessionNote:
    """Rule: only the author changes a draft, and only the version they opened. A save
    based on an older version (another tab or session saved meanwhile) is refused, so
    no one's text silently replaces someone else's; a note signed meanwhile is refused."""
    _draft_for_author(actor, note_id, "note.update")
    with audit.writing():
        # Lock the row and re-check: a sign or a save in another tab must win over this save.
        note = _locked_note(note_id)
        if note.is_signed:
            problem = NoteLocked("This note was signed meanwhile and cannot be changed. Add an addendum instead.")
            reason = "note is signed"
        elif note.version != version:
            problem = StaleDraft(note.version)
            reason = f"stale version {version}, current {note.version}"
        else:
            note.date_of_service = date_of_service
            note.duration_minutes = duration_minutes
            note.service_type = service_type
            note.template = template
            note.content = _clean_sections(template, sections)
            note.version = note.version + 1
            note.full_clean()
            note.save()
            audit.record(
                action="note.update",
                actor=actor,
                client=note.client,
                object_type="session_note",
                object_id=note.pk,
                reason=f"version={note.version}",
            )
            return note
    _refuse_change("note.update", actor, note, problem, reason)


def note_sign_review(*, actor: User, note_id: int) -> SessionNote:
    """The confirmation before signing: the draft as saved, which is what a signature
    will lock. Rule: as signing (the author, a draft). A read: one note.view event."""
    note = _draft_for_author(actor, note_id, "note.sign")
    audit.record(
        action="note.view",
        actor=actor,
        client=note.client,
        object_type="session_note",
        object_id=note.pk,
        reason="sign confirmation",
    )
    return note


def require_signable_draft(*, actor: User, note_id: int) -> None:
    """Rule of signing, checked before anything is shown or asked: the author, a draft.
    A refusal is recorded (note.sign, denied) and raised."""
    _draft_for_author(actor, note_id, "note.sign")


def note_sign(*, actor: User, note_id: int, version: int | None = None) -> SessionNote:
    """Signing locks the note: it stores the signer, the time and a SHA-256 of the
    canonical content. Pre-licensed authors' notes then wait for co-signature. With
    `version` (the sign button on the editor sends it), a draft saved elsewhere since
    the signer opened it is not signed unseen."""
    _draft_for_author(actor, note_id, "note.sign")
    with audit.writing():
        note = _locked_note(note_id)
        if note.is_signed:
            problem, reason = NoteLocked("This note is already signed."), "note is signed"
        elif version is not None and note.version != version:
            problem, reason = StaleDraft(note.version), f"stale version {version}, current {note.version}"
        else:
            note.status = SessionNote.Status.SIGNED
            note.signed_by = actor
            note.signed_at = timezone.now()
            note.content_sha256 = note.compute_sha256()
            note.needs_cosign = actor.is_pre_licensed
            note.save(
                update_fields=["status", "signed_by", "signed_at", "content_sha256", "needs_cosign", "updated_at"]
            )
            # The retention period counts from the last date of service. An UPDATE of
            # non-key columns: FOR NO KEY UPDATE on the client row, which reads' audit
            # inserts (FOR KEY SHARE) do not wait for.
            Client.objects.filter(pk=note.client_id).filter(
                Q(last_service_date__isnull=True) | Q(last_service_date__lt=note.date_of_service)
            ).update(last_service_date=note.date_of_service)
            audit.record(
                action="note.sign",
                actor=actor,
                client=note.client,
                object_type="session_note",
                object_id=note.pk,
                # Security note: never the plain content hash, which confirms a guessed
                # text; a keyed digest of it (practice.identity.audit_digest).
                reason=f"content hmac={audit_digest('note.content', note.content_sha256)}",
            )
            return note
    _refuse_change("note.sign", actor, note, problem, reason)


def _open_return(note: SessionNote, *, lock: bool = False) -> NoteReturn | None:
    returns = NoteReturn.objects.filter(note=note, answered_at__isnull=True)
    if lock:
        returns = returns.select_for_update(of=("self",), no_key=True)
    return returns.order_by().first()


def _supervisor_or_refuse(actor: User, note_id: int, action: str) -> SessionNote:
    """The note, if the actor is its author's current supervisor and it waits for a
    co-signature; otherwise recorded and refused (403, or 404 without access)."""
    note = _note_or_404(actor, note_id, VIEW_CHART, action)
    if note.author.supervisor_id != actor.pk or not note.awaiting_cosign:
        refuse(
            action,
            actor,
            client=note.client,
            object_type="session_note",
            object_id=note_id,
            reason="not the author's supervisor, or nothing to co-sign",
            not_found=False,
        )
    return note


def note_cosign(*, actor: User, note_id: int) -> SessionNote:
    """Rule: only the author's current supervisor co-signs, once, after signing, and not
    while the note is returned for revision and the author has not answered."""
    _supervisor_or_refuse(actor, note_id, "note.cosign")
    with audit.writing():
        note = _locked_note(note_id)
        if note.cosigned_at is not None:
            problem, reason = NoteLocked("This note is already co-signed."), "already co-signed"
        elif _open_return(note) is not None:
            problem = NoteLocked("This note is returned for revision: co-sign it once its author has answered.")
            reason = "returned for revision, not answered"
        else:
            note.cosigned_by = actor
            note.cosigned_at = timezone.now()
            note.save(update_fields=["cosigned_by", "cosigned_at", "updated_at"])
            addenda = Addendum.objects.filter(note=note).count()
            audit.record(
                action="note.cosign",
                actor=actor,
                client=note.client,
                object_type="session_note",
                object_id=note.pk,
                reason=f"with addenda={addenda}",
            )
            return note
    _refuse_change("note.cosign", actor, note, problem, reason)


def note_return(*, actor: User, note_id: int, comment: str) -> NoteReturn:
    """Return a signed note to its author for revision, with a comment (encrypted).
    Rule: only the author's current supervisor, only a note waiting for their
    co-signature, one open return at a time. The note is not changed (a signed note
    never is): the author answers with a signed addendum (addendum_create), after which
    the supervisor co-signs or returns it again."""
    _supervisor_or_refuse(actor, note_id, "note.return")
    with audit.writing():
        note = _locked_note(note_id)
        if note.cosigned_at is not None:
            problem, reason = NoteLocked("This note is already co-signed."), "already co-signed"
        elif _open_return(note) is not None:
            problem = NoteLocked("This note is already returned and waits for its author's revision.")
            reason = "already returned"
        else:
            returned = NoteReturn(note=note, returned_by=actor, returned_at=timezone.now(), comment=comment)
            returned.full_clean()
            returned.save()
            audit.record(
                action="note.return",
                actor=actor,
                client=note.client,
                object_type="session_note",
                object_id=note.pk,
                reason=f"return #{returned.pk}",
            )
            return returned
    _refuse_change("note.return", actor, note, problem, reason)


def addendum_create(*, actor: User, note_id: int, text: str) -> Addendum:
    """A signed correction to a signed note; the original stays as it was. The author's
    addendum to a note returned for revision is the revision: it answers the return,
    and the note waits for co-signature again."""
    note = _note_or_404(actor, note_id, WRITE_NOTES, "addendum.create")
    if not note.is_signed:
        refuse(
            "addendum.create",
            actor,
            client=note.client,
            object_type="session_note",
            object_id=note_id,
            reason="drafts are edited, not amended",
            not_found=False,
        )
    with audit.writing():
        answering = None
        if note.author_id == actor.pk and note.awaiting_cosign:
            # The note row first, then its return (the lock order of note_return and
            # note_cosign), so a co-signature or a second return cannot cross the answer.
            note = _locked_note(note_id)
            answering = _open_return(note, lock=True)
        now = timezone.now()
        digest = hashlib.sha256(
            json.dumps([note.pk, note.content_sha256, actor.pk, now.isoformat(), text]).encode("utf-8")
        ).hexdigest()
        addendum = Addendum.objects.create(note=note, author=actor, text=text, signed_at=now, content_sha256=digest)
        if answering is not None:
            answering.answer = addendum
            answering.answered_at = now
            answering.save(update_fields=["answer", "answered_at"])
        audit.record(
            action="addendum.create",
            actor=actor,
            client=note.client,
            object_type="addendum",
            object_id=addendum.pk,
            reason=f"answers return #{answering.pk}" if answering is not None else "",
        )
    return addendum


# --- Psychotherapy notes ---------------------------------------------------------------
def psychotherapy_note_create(*, actor: User, record_number: str, date_of_service: date, text: str):
    client = selectors.client_for(actor, record_number, WRITE_NOTES)
    if client is None:
        refuse("pnote.create", actor, object_type="client", object_id=record_number, reason="no access")
    with audit.writing():
        note = PsychotherapyNote.objects.create(client=client, author=actor, date_of_service=date_of_service, text=text)
        audit.record(
            action="pnote.create", actor=actor, client=client, object_type="psychotherapy_note", object_id=note.pk
        )
    return note


def psychotherapy_note_view(*, actor: User, note_id: int) -> PsychotherapyNote:
    """Rule: readable only by its author (while they care for the client). Not by the
    supervisor, not by an admin, not by a superuser."""
    note = selectors.psychotherapy_note_for(actor, note_id)
    if note is None:
        refuse("pnote.view", actor, object_type="psychotherapy_note", object_id=note_id, reason="not the author")
    audit.record(
        action="pnote.view", actor=actor, client=note.client, object_type="psychotherapy_note", object_id=note.pk
    )
    return note


# --- Discharge ---------------------------------------------------------------------------
class StatusRefused(PermissionDenied):
    """A discharge or readmission that cannot be done as asked (already done, a date
    out of range). Carries the client, so the confirmation page can say why."""

    def __init__(self, message: str, client: Client):
        super().__init__(message)
        self.client = client


def _status_client(actor: User, record_number: str, action: str) -> Client:
    """Rule: the client's assigned counselors (primary or co-therapist) or a practice
    admin; not a supervisor, not an emergency grant. A refusal is recorded and 404s."""
    client = selectors.client_for(actor, record_number, WRITE_NOTES)
    if client is None and actor.is_authenticated and actor.is_practice_admin:
        client = selectors.client_by_record_number(record_number)
    if client is None or client.disposed_at is not None:
        refuse(action, actor, object_type="client", object_id=record_number, reason="no access")
    return client


def client_status_review(*, actor: User, record_number: str) -> Client:
    """The confirmation page before a discharge or readmission: the client's name,
    status and dates (no clinical content). Same rule as the change itself."""
    client = _status_client(actor, record_number, "client.status_confirm")
    audit.record(
        action="client.status_confirm",
        actor=actor,
        client=client,
        object_type="client",
        object_id=client.pk,
        reason="readmit" if client.status == Client.Status.DISCHARGED else "discharge",
    )
    return client


def client_set_status(*, actor: User, record_number: str, discharged: bool, on: date | None = None) -> Client:
    """Discharge a client (or readmit one). Rule: the client's assigned counselors or a
    practice admin. The record is kept; the retention period counts from the last date of
    service. A discharge date is today or earlier, and not before the last date of
    service; discharging a discharged client (or readmitting an active one) is refused,
    so that a second click or a stale page changes nothing."""
    action = "client.discharge" if discharged else "client.readmit"
    client = _status_client(actor, record_number, action)
    with audit.writing():
        client = Client.objects.select_for_update(of=("self",), no_key=True).get(pk=client.pk)
        today = timezone.localdate()
        day = (on or today) if discharged else None
        problem = ""
        if discharged and client.status == Client.Status.DISCHARGED:
            problem = f"This client was already discharged on {client.discharged_on:%b %-d, %Y}."
        elif not discharged and client.status == Client.Status.ACTIVE:
            problem = "This client is already in active care."
        elif day is not None and day > today:
            problem = "The discharge date cannot be in the future."
        elif day is not None and client.last_service_date and day < client.last_service_date:
            problem = (
                f"The discharge date cannot be before the last date of service ({client.last_service_date:%b %-d, %Y})."
            )
        if not problem:
            client.status = Client.Status.DISCHARGED if discharged else Client.Status.ACTIVE
            client.discharged_on = day
            client.save(update_fields=["status", "discharged_on"])
            audit.record(
                action=action,
                actor=actor,
                client=client,
                object_type="client",
                object_id=client.pk,
                reason=f"on={client.discharged_on}" if discharged else "",
            )
            return client
    audit.record(
        action=action,
        actor=actor,
        outcome=Outcome.DENIED,
        client=client,
        object_type="client",
        object_id=client.pk,
        reason=problem,
    )
    raise StatusRefused(problem, client)
