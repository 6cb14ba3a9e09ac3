"""The legal bases under which information may leave the practice without the client's
authorization: a fixed list, each with its citation and what it allows. The consent
gate (consent.gate.check) reads this list; nothing else decides.

- Psychotherapy notes leave without an authorization only under the bases 45 CFR
  164.508(a)(2) lists: defense of the practice in a legal action the client brings, the
  Secretary's compliance review, required by law (164.512(a); a court order is one),
  health oversight of the note's author (164.512(d)), coroners and medical examiners
  (164.512(g)(1)), a serious and imminent threat (164.512(j)(1)(i)).
- Records covered by 42 CFR Part 2 leave without consent only under a court order that
  meets 42 CFR 2.64, or to medical personnel in a medical emergency (42 CFR 2.51); the
  package then carries the 2.32 notice.
- A court order or subpoena records the issuing court, the date and the docket or
  reference number.
- Psychotherapy notes or Part 2 records released without consent wait for a practice
  admin's approval (someone other than the requester), except under a serious and
  imminent threat, which goes at once and is flagged for review.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class LegalBasis(models.TextChoices):
    """The stored codes (Disclosure.legal_basis). The facts about each are in BASES."""

    DEFENSE = "defense", "Defense of the practice in a legal action brought by the client"
    COMPLIANCE_REVIEW = "compliance_review", "Compliance review by the Secretary of HHS"
    REQUIRED_BY_LAW = "required_by_law", "Required by law"
    HEALTH_OVERSIGHT = "health_oversight", "Health oversight of the note's author"
    CORONER = "coroner", "Coroner or medical examiner"
    # The code predates this list; the basis is the same.
    DUTY_TO_WARN = "duty_to_warn", "Serious and imminent threat (duty to warn or protect)"
    COURT_ORDER = "court_order", "Court order"
    PART2_COURT_ORDER = "part2_court_order", "Court order meeting 42 CFR 2.64"
    SUBPOENA = "subpoena", "Subpoena or other lawful process without a court order"
    ABUSE_REPORT = "abuse_report", "Mandated abuse or neglect report"
    MEDICAL_EMERGENCY = "medical_emergency", "Medical emergency: to medical personnel"


@dataclass(frozen=True)
class Basis:
    code: str
    citation: str
    # What it allows, beyond the ordinary record (every basis allows that).
    psychotherapy_notes: bool = False
    part2: bool = False
    # A court order or subpoena: the court, the date and the docket or reference number.
    court_details: bool = False
    # Goes at once, without a second person's approval (flagged for review instead).
    immediate: bool = False

    @property
    def label(self) -> str:
        return LegalBasis(self.code).label

    def allows(self) -> str:
        """What the basis allows, in words (the form's help and the refusal)."""
        parts = ["the record"]
        if self.psychotherapy_notes:
            parts.append("psychotherapy notes")
        if self.part2:
            parts.append("42 CFR Part 2 records")
        return ", ".join(parts)


BASES: dict[str, Basis] = {
    b.code: b
    for b in (
        Basis(LegalBasis.DEFENSE, "45 CFR 164.508(a)(2)(i)(C)", psychotherapy_notes=True),
        Basis(LegalBasis.COMPLIANCE_REVIEW, "45 CFR 164.508(a)(2)(ii), 164.502(a)(2)(ii)", psychotherapy_notes=True),
        Basis(LegalBasis.REQUIRED_BY_LAW, "45 CFR 164.512(a)", psychotherapy_notes=True),
        Basis(LegalBasis.HEALTH_OVERSIGHT, "45 CFR 164.512(d)", psychotherapy_notes=True),
        Basis(LegalBasis.CORONER, "45 CFR 164.512(g)(1)", psychotherapy_notes=True),
        Basis(LegalBasis.DUTY_TO_WARN, "45 CFR 164.512(j)(1)(i)", psychotherapy_notes=True, immediate=True),
        # A court order is a disclosure required by law (45 CFR 164.103, 164.512(a)).
        Basis(
            LegalBasis.COURT_ORDER, "45 CFR 164.512(a), 164.512(e)(1)(i)", psychotherapy_notes=True, court_details=True
        ),
        Basis(
            LegalBasis.PART2_COURT_ORDER,
            "42 CFR 2.64; 45 CFR 164.512(e)(1)(i)",
            psychotherapy_notes=True,
            part2=True,
            court_details=True,
        ),
        Basis(LegalBasis.SUBPOENA, "45 CFR 164.512(e)(1)(ii)", court_details=True),
        Basis(LegalBasis.ABUSE_REPORT, "45 CFR 164.512(b)(1)(ii), 164.512(c)"),
        Basis(LegalBasis.MEDICAL_EMERGENCY, "42 CFR 2.51; 45 CFR 164.506(c)(2)", part2=True),
    )
}
PSYCHOTHERAPY_NOTE_BASES = tuple(b for b in BASES.values() if b.psychotherapy_notes)
PART2_BASES = tuple(b for b in BASES.values() if b.part2)
MIN_JUSTIFICATION = 20


def get(code: str) -> Basis | None:
    return BASES.get(code)


def choices() -> list[tuple[str, str]]:
    """For the form: each basis with its citation."""
    return [(b.code, f"{b.label} ({b.citation})") for b in BASES.values()]
