"""The audit log in plain words, for the practice admin's review pages.

Every action code the code base writes has a phrase here, in the base form of the verb
("open a client's chart"); `describe` makes the past tense for what happened ("Opened a
client's chart") and "Tried to ..." for a refusal. tests/audit/test_words.py scans the
source for action codes and fails on one without a phrase, so a new event cannot reach
the review pages as a bare code.

Codes built at run time are families: `note.<purpose>`, `accounting.<purpose>`,
`copy.<format>`, `maintenance.<mode>` and `emergency.<read>` (a read through an emergency
grant, `emergency.chart_view`). Their members are listed in ACTION_WORDS like any other
code, and emergency reads are worded from the read they mark.
"""

from __future__ import annotations

import re

ACTION_WORDS: dict[str, str] = {
    # Signing in and accounts
    "auth.login": "sign in",
    "auth.login_failed": "sign in",
    "auth.logout": "sign out",
    "auth.2fa_enroll": "set up two-factor sign-in",
    "auth.2fa_verify": "enter a two-factor code",
    "auth.password_change": "change their password",
    "auth.password_reset": "set a new password from a reset link",
    "auth.password_reset_request": "ask for a password reset link",
    "auth.recovery_codes_regenerated": "make new recovery codes",
    "staff.list": "open the staff list",
    "staff.create": "create a staff account",
    "staff.set_active": "change whether a staff account is active",
    "staff.deactivate": "deactivate a staff account",
    "staff.reactivate": "reactivate a staff account",
    "staff.role_change": "change a staff member's role",
    "staff.reset_2fa": "reset a staff member's two-factor sign-in",
    "staff.password_link": "send a staff member a link to set a password",
    "supervision.set": "set a counselor's clinical supervisor",
    "auth.2fa_key_shown": "see their two-factor setup key",
    # Clients, charts and notes
    "caseload.view": "open their caseload",
    "client.list": "open the client list",
    "client.search": "search the clients",
    "client.create": "register a new client",
    "client.discharge": "discharge a client",
    "client.readmit": "readmit a client",
    "client.status_confirm": "open the discharge or readmission form",
    "assignment.view": "look at a client's assigned counselors",
    "assignment.assign": "assign a counselor to a client",
    "assignment.unassign": "end a counselor's assignment to a client",
    "chart.view": "open a client's chart",
    "home.view": "open their home page",
    "home.reminders": "see the reminders on their home page",
    "note.compose": "open the form for a new session note",
    "note.create": "start a session note",
    "note.update": "edit a draft session note",
    "note.sign": "sign a session note",
    "note.cosign": "co-sign a session note",
    "note.view": "read a session note",
    "note.print": "print a session note",
    "addendum.create": "add an addendum to a session note",
    "note.return": "return a session note to its author for revision",
    "pnote.compose": "open the form for a psychotherapy note",
    "pnote.create": "write a psychotherapy note",
    "pnote.view": "read a psychotherapy note",
    "diagnosis.compose": "open the form for a diagnosis",
    "diagnosis.create": "record a diagnosis",
    "diagnosis.revise": "revise a diagnosis",
    "diagnosis.list": "look at a client's diagnoses",
    "diagnosis.view": "read a diagnosis",
    "record.decrypt_failed": "read a client's record, which could not be decrypted",
    "client.part2_mark": "change whether a client's records fall under 42 CFR Part 2",
    "client.part2_view": "look at whether a client's records fall under 42 CFR Part 2",
    "plan.list": "look at a client's treatment plans",
    "plan.view": "read a treatment plan",
    "plan.compose": "open the form for a treatment plan",
    "plan.create": "write a treatment plan",
    "plan.update": "edit a draft treatment plan",
    "plan.sign": "sign a treatment plan",
    "plan.acknowledge": "acknowledge their treatment plan",
    "measure.list": "look at a client's questionnaires",
    "measure.view": "read a questionnaire's answers",
    "measure.compose": "open the form for a questionnaire",
    "measure.assign": "send a client a questionnaire to fill in",
    "measure.complete": "complete a questionnaire",
    "measure.alert_review": "review a questionnaire alert",
    # Authorizations and disclosures
    "authorization.compose": "open the form for a release authorization",
    "authorization.create": "prepare a release authorization",
    "authorization.send": "send a release authorization to the client to sign",
    "authorization.send_preview": "preview what the client receives with a release authorization",
    "authorization.view": "read a release authorization",
    "authorization.download": "download a release authorization (PDF)",
    "authorization.sign": "sign a release authorization",
    "authorization.decline": "decline a release authorization",
    "authorization.revoke": "revoke a release authorization",
    "disclosure.compose": "open the form to share records",
    "disclosure.share": "release records under the client's authorization",
    "disclosure.legal": "release records without an authorization, under a legal basis",
    "disclosure.cancel": "cancel the download link of a disclosure",
    "disclosure.download": "download shared records",
    "disclosure.preview": "preview the package of a release",
    "disclosure.legal_preview": "preview the package of a release without an authorization",
    "disclosure.legal_request": "ask for a release without an authorization, for a second admin to approve",
    "disclosure.legal_queue": "open the releases waiting for approval",
    "disclosure.legal_approve": "approve a release without an authorization",
    "disclosure.legal_reject": "reject a release without an authorization",
    "disclosure.link_open": "open a download link for shared records",
    "disclosure.unlock": "enter the access code of a download link",
    "accounting.view": "view the accounting of disclosures",
    "accounting.print": "print the accounting of disclosures",
    "invitation.view": "open a portal invitation",
    "invitation.accept": "accept a portal invitation",
    # The client portal
    "portal.view": "open their portal page",
    "portal.record": "read their record in the portal",
    "portal.note": "read a session note in the portal",
    "portal.history": "look at who accessed their record",
    "portal.plan": "read their treatment plan in the portal",
    "portal.measure": "open a questionnaire in the portal",
    "copy.prepare": "open the page for a copy of a record",
    "copy.pdf": "download a copy of a record (PDF)",
    "copy.fhir": "download a copy of a record (FHIR file)",
    # Emergency access
    "emergency.open": "open emergency access to a client's chart",
    "emergency.notify": "notify the practice admins of an emergency access",
    "emergency.end": "end an emergency access",
    # Retention and disposal
    "retention.view": "open the retention and disposal page",
    "retention.policy_set": "change the retention policy",
    "retention.hold_place": "place a legal hold on a client's record",
    "retention.hold_release": "release a legal hold",
    "retention.dispose_propose": "propose disposing of a client's record",
    "retention.dispose_withdraw": "withdraw a proposed disposal",
    "retention.dispose": "approve and carry out a disposal",
    "retention.certificate": "download a disposal certificate",
    # The audit log itself
    "audit.view": "search the audit log",
    "audit.export": "export the audit log (CSV)",
    "audit.flags_view": "open the flags to review",
    "audit.flags_reviewed_view": "open the reviewed flags",
    "audit.flag_review": "mark a flag reviewed",
    "audit.verify": "verify the audit log's chain",
    "audit.anchor": "anchor the audit log outside the database",
    "audit.emergency_queue": "open the emergency access review queue",
    "audit.emergency_review": "review an emergency access",
    "request.refused": "open a page",
    # Operators' maintenance (management commands)
    "maintenance.rotation": "re-encrypt stored data under a new key",
    "key_rotation.check": "check the encryption keys",
    "key_rotation.prepare": "prepare an encryption key rotation",
    "key_rotation.start": "start an encryption key rotation",
    "key_rotation.finish": "finish an encryption key rotation",
    "key_rotation.error": "rotate the encryption key",
}

# Events whose words do not follow "did" / "tried to": said as they are.
FIXED_WORDS: dict[str, str] = {
    "auth.lockout": "Sign-in locked after too many failures",
    "auth.session_expired": "Signed out after a time without activity",
}

# Codes made at run time, as f"{prefix}{member}": each family's prefix and members.
# (tests/audit/test_words.py fails on a built code whose prefix is not listed here.)
FAMILIES: dict[str, tuple[str, ...]] = {
    "note.": ("view", "print"),
    "accounting.": ("view", "print"),
    "copy.": ("pdf", "fhir"),
    "maintenance.": ("rotation",),
    # records.services._read_event: a read through an emergency grant.
    "emergency.": ("chart_view", "note_view", "note_print"),
}

# Past tense of the first word of a phrase.
_PAST = {
    "accept": "accepted",
    "acknowledge": "acknowledged",
    "add": "added",
    "anchor": "anchored",
    "approve": "approved",
    "ask": "asked",
    "assign": "assigned",
    "cancel": "cancelled",
    "change": "changed",
    "check": "checked",
    "co-sign": "co-signed",
    "complete": "completed",
    "create": "created",
    "deactivate": "deactivated",
    "decline": "declined",
    "discharge": "discharged",
    "download": "downloaded",
    "edit": "edited",
    "end": "ended",
    "enter": "entered",
    "export": "exported",
    "finish": "finished",
    "look": "looked",
    "make": "made",
    "mark": "marked",
    "notify": "notified",
    "open": "opened",
    "place": "placed",
    "prepare": "prepared",
    "preview": "previewed",
    "print": "printed",
    "propose": "proposed",
    "re-encrypt": "re-encrypted",
    "read": "read",
    "reactivate": "reactivated",
    "readmit": "readmitted",
    "record": "recorded",
    "register": "registered",
    "reject": "rejected",
    "release": "released",
    "request": "requested",
    "return": "returned",
    "reset": "reset",
    "review": "reviewed",
    "revise": "revised",
    "revoke": "revoked",
    "rotate": "rotated",
    "search": "searched",
    "see": "saw",
    "send": "sent",
    "set": "set",
    "sign": "signed",
    "start": "started",
    "verify": "verified",
    "view": "viewed",
    "withdraw": "withdrew",
    "write": "wrote",
}


def base_words(action: str) -> str | None:
    """The phrase in the base form, or None for a code nobody gave words."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    if action.startswith("emergency."):
        read = ACTION_WORDS.get(action.removeprefix("emergency.").replace("_", ".", 1))
        return f"{read} with emergency access" if read else None
    return None


def past(phrase: str) -> str:
    verb, _, rest = phrase.partition(" ")
    return f"{_PAST.get(verb, verb)} {rest}".strip()


def describe(action: str, outcome: str) -> str:
    """One event's action in words, capitalised: "Opened a client's chart", "Tried to
    open a client's chart (refused)", "Tried to ... (it failed)". An unknown code reads
    as such, with the code, rather than vanish."""
    if action in FIXED_WORDS:
        return FIXED_WORDS[action]
    phrase = base_words(action)
    if phrase is None:
        return f"Did something the review pages have no words for ({action})"
    if outcome == "denied":
        text = f"tried to {phrase} (refused)"
    elif outcome == "error":
        text = f"tried to {phrase} (it failed)"
    else:
        text = past(phrase)
    return text[:1].upper() + text[1:]


def action_choices() -> list[tuple[str, str]]:
    """The action filter's choices: every code with its words, by words."""
    codes = set(ACTION_WORDS) | set(FIXED_WORDS)
    codes |= {f"emergency.{member}" for member in FAMILIES["emergency."]}
    labelled = [(code, (FIXED_WORDS.get(code) or base_words(code) or code)) for code in codes]
    return sorted(((code, text[:1].upper() + text[1:]) for code, text in labelled), key=lambda c: c[1])


def zone_words() -> str:
    """The practice's time zone as the review pages name it: "New York time"."""
    from django.utils import timezone

    name = timezone.get_current_timezone_name()
    return name.rsplit("/", 1)[-1].replace("_", " ") + " time"


# Codes that services write into an event's free-text reason, in words for the pages.
_REASON_CODES = {"practice_admin": "practice admin", "co_therapist": "co-therapist"}
_REASON_PATTERN = re.compile(r"\b(" + "|".join(_REASON_CODES) + r")\b")


def reason_words(reason: str) -> str:
    """An event's reason as the pages show it: role codes in words ("role counselor ->
    practice admin"). The stored reason is unchanged (the export keeps it)."""
    return _REASON_PATTERN.sub(lambda m: _REASON_CODES[m.group(1)], reason or "")
