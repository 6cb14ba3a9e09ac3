"""Finding a client by name, preferred name, date of birth or record number, without
decrypting every client: a keyed blind index.

Names and dates of birth are encrypted, so the database cannot compare them. Each
client has rows in `ClientSearchToken`, one per token, holding only

    HMAC-SHA256(key, kind ":" token)          (first 32 hex digits)

with a key of its own derived from IDENTITY_INDEX_KEY (practice.identity, the key of
every keyed HMAC over client identity). Tokens: every prefix of 2 or more letters of each word of the first,
last and preferred names (normalized: NFKD, accents dropped, case folded), and the
date of birth (ISO). A search computes the same digests for the words typed and lets
the database find the clients holding all of them, inside the same permission query as
every other read; only the matches are decrypted, for display.

Security note: what the index gives away to someone who reads the database without the
key is written down in the README ("Client search"): equal digests mean equal tokens,
so clients sharing a name, a name prefix or a birth date can be grouped, and the
frequency of a digest hints at common names. Each client's rows are padded with random
digests to PAD_TO and written in random order, so the number of rows does not give the
length of the name and the order does not say which field a row came from. Rotating
SECRET_KEY: the old key stays readable as long as it is in SECRET_KEY_FALLBACKS (the
search computes digests under each), and `reindex_clients` (manage.py
rebuild_search_index) rewrites every client's rows under the current key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import date, datetime

from practice import identity

SEARCH_PURPOSE = "practice.records.search-index.v1"
MIN_PREFIX = 2
MAX_TOKEN = 24  # longer words are indexed (and searched) by their first 24 letters
PAD_TO = 48  # rows per client, padded with random digests
MAX_QUERY_WORDS = 4
DIGEST_LENGTH = 32


def digest(kind: str, token: str) -> str:
    # Security note: a subkey of IDENTITY_INDEX_KEY used for nothing else.
    key = identity._subkey(SEARCH_PURPOSE)
    return hmac.new(key, f"{kind}:{token}".encode(), hashlib.sha256).hexdigest()[:DIGEST_LENGTH]


def words(text: str | None) -> list[str]:
    """Lower-case words of letters and digits, accents removed: 'José-María' ->
    ['jose', 'maria']."""
    if not text:
        return []
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return [w[:MAX_TOKEN] for w in re.split(r"[^\w]+|_", plain) if w]


def client_tokens(*, first_name, last_name, preferred_name, date_of_birth) -> list[tuple[str, str]]:
    """(kind, token) pairs of one client."""
    tokens: set[tuple[str, str]] = set()
    for name in (first_name, last_name, preferred_name):
        for word in words(name):
            for end in range(MIN_PREFIX, len(word) + 1):
                tokens.add(("name", word[:end]))
            if len(word) < MIN_PREFIX:
                tokens.add(("name", word))
    if isinstance(date_of_birth, date):
        tokens.add(("dob", date_of_birth.isoformat()))
    return sorted(tokens)


def client_digests(**fields) -> list[str]:
    """The digests one client's index rows hold, padded and shuffled."""
    real = {digest(kind, token) for kind, token in client_tokens(**fields)}
    padded = list(real) + [secrets.token_hex(DIGEST_LENGTH // 2) for _ in range(max(0, PAD_TO - len(real)))]
    secrets.SystemRandom().shuffle(padded)
    return padded


def index_client(client) -> None:
    """Replace the client's index rows (in the caller's transaction). Call it wherever
    a client's names or date of birth are written."""
    from records.models import ClientSearchToken

    ClientSearchToken.objects.filter(client=client).delete()
    if client.disposed_at is not None:
        return
    ClientSearchToken.objects.bulk_create(
        [
            ClientSearchToken(client=client, digest=d)
            for d in client_digests(
                first_name=client.first_name,
                last_name=client.last_name,
                preferred_name=client.preferred_name,
                date_of_birth=client.date_of_birth,
            )
        ]
    )


# --- Reading a query ---------------------------------------------------------------------
MAX_QUERY_LENGTH = 100
_RECORD = re.compile(r"^[A-Za-z]-?\d{1,9}$|^\d{1,9}$")
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")


def parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    return None


def record_numbers(text: str) -> list[str]:
    """Record numbers the text could name: 'C-000042', 'c42', '42' -> ['C-000042']."""
    text = text.strip()
    if not _RECORD.match(text):
        return []
    digits = int(re.sub(r"\D", "", text))
    return [text.upper(), f"C-{digits:06d}"]


def query_digests(text: str, *, dates: bool) -> tuple[list[list[str]], list[str]]:
    """(name words' digests, one list per word: each word must match; birth date
    digests)."""
    when = parse_date(text.strip()) if dates else None
    if when is not None:
        return [], [digest("dob", when.isoformat())]
    per_word = [[digest("name", word)] for word in words(text)[:MAX_QUERY_WORDS] if len(word) >= MIN_PREFIX]
    return per_word, []


def audit_digest(text: str) -> str:
    """What a search's audit event keeps of the words typed: a keyed digest (a reviewer
    with the key can check whether a given search was made; nobody reads it)."""
    return identity.audit_digest("client_search", " ".join(words(text)))[:16]
