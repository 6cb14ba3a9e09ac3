"""ICD-10-CM codes from the official code list as shipped by `simple_icd_10_cm`, never
a hand-typed list. Only billable codes (the leaves of the classification) are offered.

The package takes about two seconds to load its data, so it is imported on first use,
and the index of billable codes (code, description, words) is built once per process.
"""

from __future__ import annotations

import re
import warnings
from functools import cache

# A code as typed: a letter, two characters, optionally a dot and up to four more.
_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{0,4})?$")
MAX_QUERY = 100


@cache
def _index() -> tuple[tuple[str, str, str], ...]:
    """(code with dot, official description, description in lower case), by code."""
    with warnings.catch_warnings():
        # The package reads its data with importlib.resources' older API.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as cm

    return tuple(
        (code, cm.get_description(code), cm.get_description(code).lower())
        for code in cm.get_all_codes(with_dots=True)
        if cm.is_leaf(code) and not cm.is_chapter_or_block(code)
    )


@cache
def _by_code() -> dict[str, str]:
    return {code: description for code, description, _ in _index()}


def normalize(code: str) -> str:
    """`f32.1` -> `F32.1`; the dot is where ICD-10-CM puts it (after three characters)."""
    plain = code.strip().upper().replace(".", "")
    return plain if len(plain) <= 3 else f"{plain[:3]}.{plain[3:]}"


def billable(code: str) -> str | None:
    """The official description of a billable code, or None (unknown, or a category
    that needs more characters)."""
    if not isinstance(code, str) or len(code) > 12:
        return None
    return _by_code().get(normalize(code))


def search(query: str, limit: int = 30) -> list[tuple[str, str]]:
    """Billable codes matching a code prefix (`F41`, `f41.1`) or all the words of a
    description (`generalized anxiety`), by code."""
    text = " ".join((query or "").replace("\x00", " ").split())[:MAX_QUERY]
    if not text:
        return []
    results: list[tuple[str, str]] = []
    if _CODE.match(text.upper()):
        prefix = text.upper().replace(".", "")
        for code, description, _ in _index():
            if code.replace(".", "").startswith(prefix):
                results.append((code, description))
                if len(results) >= limit:
                    break
        if results:
            return results
    words = [w for w in re.split(r"[^\w]+", text.lower()) if w]
    if not words:
        return []
    for code, description, lower in _index():
        if all(w in lower for w in words):
            results.append((code, description))
            if len(results) >= limit:
                break
    return results
