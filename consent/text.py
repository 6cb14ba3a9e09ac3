"""The exact text of an authorization, as the client reads and signs it. Deterministic:
the same authorization always renders the same text, and its SHA-256 is what the
signature covers."""

from __future__ import annotations

import hashlib

from django.conf import settings

from consent.models import Authorization, Purpose

REVOCATION_STATEMENT = (
    "You may revoke this authorization at any time, in writing: sign in to the client portal and choose "
    "'Revoke', or write to the practice. Revocation takes effect at once for anything not yet disclosed; "
    "it does not undo disclosures already made in reliance on this authorization."
)
CONDITIONING_STATEMENT = (
    "Your treatment, payment, enrollment or eligibility for benefits does not depend on whether you sign "
    "this authorization."
)
REDISCLOSURE_STATEMENT = (
    "Information disclosed under this authorization may be redisclosed by the recipient and may then no "
    "longer be protected by federal privacy law (HIPAA)."
)
PART2_STATEMENT = (
    "This authorization includes substance-use disorder information protected by 42 CFR Part 2. Records "
    "disclosed under it carry the notice required by 42 CFR 2.32 prohibiting further disclosure unless "
    "permitted by that regulation."
)
PART2_CLIENT_STATEMENT = (
    "CONSENT UNDER 42 CFR PART 2: You receive substance use disorder treatment covered by the federal "
    "confidentiality rules of 42 CFR Part 2, so every record released under this form is protected by them. "
    "This is a written consent under 42 CFR 2.31 for the disclosure described above, to the recipient named "
    "above, for the purpose stated. Records disclosed under it carry the notice required by 42 CFR 2.32 "
    "prohibiting further disclosure unless permitted by that regulation."
)
PSYCHOTHERAPY_STATEMENT = (
    "This is an authorization for psychotherapy notes only. It cannot be combined with any other authorization."
)


def render_text(auth: Authorization) -> str:
    client = auth.client
    what = "RELEASE OF PSYCHOTHERAPY NOTES" if auth.kind == auth.Kind.PSYCHOTHERAPY_NOTES else "RELEASE OF INFORMATION"
    lines = [
        f"AUTHORIZATION FOR {what}",
        "",
        f"Client: {client.first_name} {client.last_name} (record {client.record_number}), "
        f"date of birth {client.date_of_birth:%B %d, %Y}",
        f"Who discloses: {settings.PRACTICE_NAME}, through {auth.prepared_by.get_full_name() or auth.prepared_by}",
        "",
        "Who receives the information:",
        f"  {auth.recipient_name}" + (f", {auth.recipient_organization}" if auth.recipient_organization else ""),
        f"  Email: {auth.recipient_email}",
    ]
    if auth.recipient_address:
        lines.append("  Address: " + " ".join(auth.recipient_address.split()))
    lines += ["", "What information:"]
    if auth.kind == auth.Kind.PSYCHOTHERAPY_NOTES:
        lines.append("  Psychotherapy notes")
    else:
        lines += [f"  - {label}" for label in auth.category_labels()]
    lines += [
        f"  Covering services from {auth.information_from:%B %d, %Y} to {auth.information_to:%B %d, %Y}",
        "",
        "Purpose: " + (Purpose(auth.purpose).label + (f" — {auth.purpose_detail}" if auth.purpose_detail else "")),
        "",
        f"This authorization expires on {auth.expires_on:%B %d, %Y}"
        + (f", or earlier upon: {auth.expiration_event}" if auth.expiration_event else "")
        + ".",
        "",
        REVOCATION_STATEMENT,
        "",
        CONDITIONING_STATEMENT,
        "",
        REDISCLOSURE_STATEMENT,
    ]
    if auth.part2_consent and auth.client.part2_since is not None:
        lines += ["", PART2_CLIENT_STATEMENT]
    elif auth.is_part2_consent:
        lines += ["", PART2_STATEMENT]
    if auth.kind == auth.Kind.PSYCHOTHERAPY_NOTES:
        lines += ["", PSYCHOTHERAPY_STATEMENT]
    if auth.representative_name:
        lines += [
            "",
            f"Signed by a personal representative: {auth.representative_name}, "
            f"authority: {auth.representative_authority}.",
        ]
    lines += [
        "",
        "By typing my full name and choosing 'Sign', I agree to sign this authorization electronically, "
        "and I understand that my electronic signature has the same effect as a handwritten one.",
    ]
    return "\n".join(lines)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
