"""The authorization's text laid out as a page (headings, lists, notices) for reading on
a phone. The signed text itself stays the plain text whose SHA-256 the signature covers;
this only decides how it is shown, and shows every word of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

from consent import text as consent_text

register = template.Library()

# The statements the law requires: shown as notices, so they stand out before the
# signature fields instead of hiding in a box.
_NOTICES = {
    consent_text.REVOCATION_STATEMENT: "Your right to revoke",
    consent_text.CONDITIONING_STATEMENT: "Your care does not depend on signing",
    consent_text.REDISCLOSURE_STATEMENT: "Redisclosure",
    consent_text.PART2_STATEMENT: "Substance-use records",
    consent_text.PSYCHOTHERAPY_STATEMENT: "Psychotherapy notes",
}


@dataclass
class Block:
    kind: str  # title | section | notice | para
    heading: str = ""
    lines: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


def _block(paragraph: str) -> Block:
    lines = paragraph.split("\n")
    first = lines[0].strip()
    if paragraph.strip() in _NOTICES:
        return Block("notice", heading=_NOTICES[paragraph.strip()], lines=[paragraph.strip()])
    if len(lines) == 1 and first.isupper():
        return Block("title", heading=first)
    if first.endswith(":") and len(lines) > 1 and all(line.startswith(" ") for line in lines[1:]):
        items = [line.strip().removeprefix("- ") for line in lines[1:] if line.strip()]
        return Block("section", heading=first.removesuffix(":"), items=items)
    return Block("para", lines=[line.strip() for line in lines if line.strip()])


@register.filter
def authorization_blocks(text: str) -> list[Block]:
    return [_block(p) for p in text.split("\n\n") if p.strip()]
