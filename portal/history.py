"""A client's access history in plain words.

The audit log speaks in action codes, account ids, IP addresses and request ids; the
client reads "Alice Park, counselor, read a session note". This module turns one page of
the client's own events into such entries, and is the single description used by the
history page, the PDF copy and the FHIR AuditEvents (so the three always agree).

Security note: recipient names are identifying, so they are never written into the audit
log; they come from the encrypted authorization and disclosure records, read in one
query each per page. IP addresses, user agents, request ids and reasons are not copied
into an entry at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from audit.models import AuditEvent, Outcome
from consent import selectors as consent_selectors
from consent.models import LegalBasis
from practice.roles import Role
from records.models import Client

# What was done, in plain words, in the base form of the verb ("read a session note"):
# the past tense is made from it for what happened, "tried to ..." for a refusal. An
# action not listed reads "access your record" rather than show a code.
_WORDS = {
    "chart.view": "open your chart",
    "note.view": "read a session note",
    "note.print": "print a session note",
    "note.compose": "open a new session note",
    "authorization.compose": "open the form to prepare a release form",
    "disclosure.compose": "open the form to share your information",
    "note.create": "start a session note",
    "note.update": "edit a draft session note",
    "note.sign": "sign a session note",
    "note.cosign": "co-sign a session note",
    "note.return": "return a session note to its author for revision",
    "addendum.create": "add an addendum to a session note",
    "client.create": "register you as a client",
    "client.discharge": "record your discharge",
    "client.readmit": "readmit you",
    "client.status_confirm": "open the page to discharge or readmit you",
    "assignment.view": "look at who is assigned to you",
    "assignment.assign": "assign a counselor to you",
    "assignment.unassign": "end a counselor's assignment to you",
    "accounting.view": "view the accounting of disclosures",
    "accounting.print": "print the accounting of disclosures",
    "invitation.accept": "set up your portal account",
    "record.decrypt_failed": "open your record, which could not be read",
    "portal.view": "open your portal page",
    "portal.record": "read your record",
    "portal.note": "read a session note",
    "portal.history": "look at who accessed your record",
    "audit.emergency_review": "review an emergency access to your record",
    "client.part2_view": "open the 42 CFR Part 2 page of your record",
    "client.part2_mark": "mark your record as covered by 42 CFR Part 2 (substance-use treatment)",
    "copy.prepare": "open the page for producing a copy of your record",
    "copy.pdf": "download a copy of your record (PDF)",
    "copy.fhir": "download a copy of your record (FHIR file)",
    "diagnosis.list": "read your diagnoses",
    "diagnosis.compose": "open the form for adding a diagnosis",
    "diagnosis.create": "record a diagnosis",
    "diagnosis.view": "open a diagnosis to change it",
    "diagnosis.revise": "change a diagnosis",
    "plan.list": "read your treatment plan",
    "plan.view": "read your treatment plan",
    "plan.compose": "open your treatment plan for writing",
    "plan.create": "start a new version of your treatment plan",
    "plan.update": "edit a draft of your treatment plan",
    "plan.sign": "sign your treatment plan",
    "plan.acknowledge": "acknowledge your treatment plan",
    "portal.plan": "read your treatment plan",
    "measure.list": "look at your questionnaires",
    "measure.assign": "ask you to fill in a questionnaire",
    "measure.compose": "open a questionnaire form",
    "measure.complete": "fill in a questionnaire",
    "measure.view": "read a questionnaire",
    "measure.alert_review": "review a questionnaire",
    "portal.measure": "open a questionnaire",
}
# A practice admin produces the copy for a client who asked on paper.
_COPY_FOR_CLIENT = {
    "copy.pdf": "produce a copy of your record (PDF) to hand to you, at your written request",
    "copy.fhir": "produce a copy of your record (FHIR file) to hand to you, at your written request",
}
_AUTHORIZATION_WORDS = {
    "authorization.create": "prepare release form #{n}",
    "authorization.send": "send you release form #{n} to sign",
    "authorization.view": "read release form #{n}",
    "authorization.download": "download release form #{n} (PDF)",
    "authorization.sign": "sign release form #{n}",
    "authorization.decline": "decline release form #{n}",
    "authorization.revoke": "revoke release form #{n}",
}
_PAST = {
    "access": "accessed",
    "add": "added",
    "ask": "asked",
    "assign": "assigned",
    "acknowledge": "acknowledged",
    "cancel": "cancelled",
    "change": "changed",
    "co-sign": "co-signed",
    "decline": "declined",
    "download": "downloaded",
    "edit": "edited",
    "end": "ended",
    "fill": "filled",
    "look": "looked",
    "mark": "marked",
    "notify": "notified",
    "open": "opened",
    "prepare": "prepared",
    "print": "printed",
    "produce": "produced",
    "read": "read",
    "readmit": "readmitted",
    "record": "recorded",
    "register": "registered",
    "reject": "rejected",
    "return": "returned",
    "review": "reviewed",
    "revoke": "revoked",
    "send": "sent",
    "set": "set",
    "share": "shared",
    "sign": "signed",
    "start": "started",
    "view": "viewed",
}


def _past(base: str) -> str:
    verb, _, rest = base.partition(" ")
    return f"{_PAST.get(verb, verb)} {rest}".strip()


@dataclass(frozen=True)
class Access:
    """One line of the history. `seq` is the audit event's number, kept so the FHIR
    copy and the page can be compared; nothing else from the raw event is carried."""

    seq: int
    action: str  # the audit code, for machine-readable copies; pages show `what`
    at: datetime  # aware, in the practice's time zone
    who: str
    role: str  # in words; empty for "you"
    is_you: bool
    what: str
    outcome: str  # allowed / denied / error
    emergency: bool

    @property
    def sentence(self) -> str:
        subject = "You" if self.is_you else self.who
        return f"{subject} {self.what}"


def _recipient(record, *, joined: bool = False) -> str:
    """The recipient as the encrypted record names them: "Dr. X (Clinic)", or inside
    parentheses already, "Dr. X, Clinic"."""
    if record is None:
        return "a recipient"
    name, organization = record.recipient_name, record.recipient_organization
    if not organization:
        return name
    return f"{name}, {organization}" if joined else f"{name} ({organization})"


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def describe(client: Client, events: list[AuditEvent]) -> list[Access]:
    """Entries for `events` (all of them this client's). At most two queries, whatever
    the number of events: the authorizations and the disclosures they mention."""
    auth_ids = {_int(e.object_id) for e in events if e.object_type == "authorization"} - {None}
    disclosure_ids = {_int(e.object_id) for e in events if e.object_type == "disclosure"} - {None}
    authorizations = consent_selectors.authorizations_by_id(client, auth_ids)
    disclosures = consent_selectors.disclosures_by_id(client, disclosure_ids)
    return [_entry(client, e, authorizations, disclosures) for e in events]


def _entry(client: Client, event: AuditEvent, authorizations: dict, disclosures: dict) -> Access:
    is_you = client.user_id is not None and event.actor_id == client.user_id
    who, role = _who(event, is_you, disclosures)
    return Access(
        seq=event.seq,
        action=event.action,
        at=timezone.localtime(event.occurred_at),
        who=who,
        role=role,
        is_you=is_you,
        what=_what(event, is_you, authorizations, disclosures),
        outcome=event.outcome,
        emergency=event.action.startswith("emergency."),
    )


def _who(event: AuditEvent, is_you: bool, disclosures: dict) -> tuple[str, str]:
    if is_you:
        return "You", ""
    actor = event.actor
    if actor is None:
        if event.action == "disclosure.download":
            return _recipient(disclosures.get(_int(event.object_id))), "recipient of your information"
        return "The practice's system", ""
    if actor.role == Role.CLIENT:
        # Another portal account (not expected): never show its name or username.
        return "Another portal account", "client"
    # Staff by name (their names are on their accounts); never a username.
    return actor.get_full_name() or "A staff member", Role(actor.role).label.lower() if actor.role else ""


def _what(event: AuditEvent, is_you: bool, authorizations: dict, disclosures: dict) -> str:
    base = _base_words(event, is_you, authorizations, disclosures)
    if event.outcome == Outcome.DENIED:
        return f"tried to {base} (refused)"
    if event.outcome == Outcome.ERROR:
        return f"tried to {base} (it failed)"
    return _past(base)


def _base_words(event: AuditEvent, is_you: bool, authorizations: dict, disclosures: dict) -> str:
    action = event.action
    if action.startswith("emergency."):
        return _emergency_words(action.removeprefix("emergency."))
    if action in _AUTHORIZATION_WORDS:
        n = _int(event.object_id)
        text = _AUTHORIZATION_WORDS[action].format(n=n)
        auth = authorizations.get(n)
        return f"{text} (recipient: {_recipient(auth, joined=True)})" if auth is not None else text
    if action.startswith("disclosure."):
        return _disclosure_words(event, disclosures)
    if action in _COPY_FOR_CLIENT and not is_you:
        return _COPY_FOR_CLIENT[action]
    return _WORDS.get(action, "access your record")


_EMERGENCY_WORDS = {
    "open": "open emergency access to your record",
    "notify": "notify the practice admins of their emergency access",
    "end": "end their emergency access",
}


def _emergency_words(what: str) -> str:
    """emergency.open / .notify / .end, and reads through an emergency grant, which
    records.services marks emergency.<action> (emergency.note_view: a note read)."""
    if what in _EMERGENCY_WORDS:
        return _EMERGENCY_WORDS[what]
    read = _WORDS.get(what.replace("_", ".", 1))
    return f"{read} with emergency access" if read else "access your record with emergency access"


def _disclosure_words(event: AuditEvent, disclosures: dict) -> str:
    if event.action == "disclosure.legal_request":
        return "ask to share your information without an authorization, as the law permits (waiting for approval)"
    if event.action == "disclosure.legal_reject":
        return "reject a request to share your information without an authorization"
    if event.object_type != "disclosure":
        # The consent gate refused before any disclosure existed.
        return "ask to share your information"
    disclosure = disclosures.get(_int(event.object_id))
    to = _recipient(disclosure)
    if event.action == "disclosure.download":
        return "download the information shared with them"
    if event.action == "disclosure.cancel":
        return f"cancel the download link for information shared with {to}"
    if disclosure is not None and disclosure.authorization_id:
        return f"share your information with {to} under authorization #{disclosure.authorization_id}"
    if disclosure is not None and disclosure.legal_basis:
        basis = LegalBasis(disclosure.legal_basis).label.lower()
        return f"share your information with {to} without an authorization, as the law permits ({basis})"
    return f"share your information with {to}"
