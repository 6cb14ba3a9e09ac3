"""The disposal certificate (fpdf2): what was disposed of, when, by whom, under which
policy. It names the record number and dates only: nothing identifying is left to name."""

from __future__ import annotations

from django.utils import timezone

from consent.pdf import _Doc

KINDS = {
    "session_notes": "Session notes",
    "addenda": "Addenda",
    "note_returns": "Supervisors' returns of notes for revision (and their comments)",
    "psychotherapy_notes": "Psychotherapy notes",
    "authorizations": "Authorizations",
    "disclosures": "Disclosure records (and their packages)",
    "emergency_accesses": "Emergency access records",
    "identifying_fields": "Identifying fields of the client (names, date of birth, contact details)",
    "portal_account": "Client portal account (emptied and closed)",
}


def _person(user) -> str:
    return f"{user.get_full_name() or user.username} (user #{user.pk})"


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def certificate(disposal) -> bytes:
    doc = _Doc("Certificate of disposal")
    doc.set_creation_date(disposal.approved_at)
    doc.heading(f"Certificate of disposal #{disposal.pk}")
    doc.para(f"Client record number: {disposal.record_number}", bold=True)
    rows = [
        ("Registered on", f"{disposal.registered_on:%Y-%m-%d}"),
        ("Last date of service", f"{disposal.last_service_date:%Y-%m-%d}" if disposal.last_service_date else "none"),
        ("Discharged on", f"{disposal.discharged_on:%Y-%m-%d}" if disposal.discharged_on else "not recorded"),
        ("Client was a minor", "yes" if disposal.was_minor else "no"),
        ("Retention policy applied", f"#{disposal.policy_id}: {disposal.policy_text()}"),
        ("Retained until", f"{disposal.retain_until:%Y-%m-%d}"),
        ("Proposed by", f"{_person(disposal.proposed_by)} on {_when(disposal.proposed_at)}"),
        ("Approved and carried out by", f"{_person(disposal.approved_by)} on {_when(disposal.approved_at)}"),
        ("Audit event", f"#{disposal.audit_seq} (retention.dispose)"),
    ]
    for label, value in rows:
        doc.para(f"{label}: {value}")
    doc.heading("Removed", 12)
    for kind, count in sorted(disposal.removed.items()):
        doc.para(f"{KINDS.get(kind, kind)}: {count}")
    doc.heading("Kept", 12)
    doc.para(
        "The record number and the dates above (the tombstone), this certificate, and the audit log, which is "
        "never disposed of and still records who accessed the record and when."
    )
    doc.heading("Not reached by this disposal", 12)
    doc.para(
        "Database backups made before this date still hold the record until they expire under the practice's "
        "backup retention schedule. They must not be restored into service without repeating this disposal."
    )
    return doc.output_bytes()
