"""Delivery: a recipient opens their link, enters the one-time code, downloads.

Three steps, each audited: opening the link (`disclosure.link_open`), the code
(`disclosure.unlock`, or `disclosure.download` refused: wrong code, voided, expired,
used up), and the download itself (`disclosure.download`). A correct code gives a
short-lived, single-use grant for one download, so the page that follows is a page of
its own (earlier errors gone, with or without JavaScript) and the file is fetched from
it. What a refused link says names nothing of the records: no client, no categories,
no sender.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone

import audit
from audit.models import Outcome
from consent.models import DeliveryLink, Disclosure
from consent.services._common import _sha
from practice.exceptions import PermissionDenied

GRANT_SALT = "consent.delivery.grant"
GRANT_MINUTES = 10


@dataclass(frozen=True)
class LinkState:
    """What the recipient's page may say about a usable link: who sent it, until when it
    works, how many downloads and code tries are left. Nothing about the records."""

    practice: str
    sender: str
    sent_at: datetime
    expires_at: datetime
    max_downloads: int
    downloads_left: int
    tries_left: int

    @property
    def downloads_left_after(self) -> int:
        return max(self.downloads_left - 1, 0)


class LinkRefused(PermissionDenied):
    """The link cannot be used (`kind`: unknown, withdrawn, expired, used_up, locked), or
    a code or grant was wrong (`kind`: wrong_code, grant; `state` then says what is
    left). The audit reason is the message."""

    def __init__(self, reason: str, kind: str, state: LinkState | None = None):
        super().__init__(reason)
        self.kind, self.state = kind, state


def _state(link: DeliveryLink) -> LinkState:
    disclosure = link.disclosure
    return LinkState(
        practice=settings.PRACTICE_NAME,
        sender=disclosure.made_by.get_full_name() or disclosure.made_by.username,
        sent_at=disclosure.made_at,
        expires_at=link.expires_at,
        max_downloads=link.max_downloads,
        downloads_left=max(link.max_downloads - link.downloads, 0),
        tries_left=max(settings.DISCLOSURE_MAX_CODE_ATTEMPTS - link.failed_codes, 0),
    )


def _link(token: str, *, lock: bool) -> DeliveryLink | None:
    qs = DeliveryLink.objects.select_related("disclosure__client", "disclosure__authorization", "disclosure__made_by")
    if lock:
        qs = qs.select_for_update(of=("self",), no_key=True)
    return qs.filter(token_sha256=_sha(token)).first()


def _unusable(link: DeliveryLink | None, *, void: bool) -> tuple[str, str] | None:
    """(audit reason, kind) when the link cannot be used at all, else None. With void
    (inside a writing transaction), a link whose authorization is no longer in force is
    voided for good."""
    if link is None:
        return "unknown link", "unknown"
    if link.voided_at:
        kind = "locked" if link.void_reason == "too many wrong codes" else "withdrawn"
        return f"link voided ({link.void_reason})", kind
    if link.expires_at < timezone.now():
        return "link expired", "expired"
    if link.downloads >= link.max_downloads:
        return "download limit reached", "used_up"
    auth = link.disclosure.authorization
    if auth is not None and not auth.is_active:
        if void:
            link.voided_at, link.void_reason = timezone.now(), "authorization not in force"
            link.save(update_fields=["voided_at", "void_reason"])
        return f"authorization no longer in force ({auth.state_label.lower()})", "withdrawn"
    return None


def _record(action: str, link: DeliveryLink | None, *, outcome=Outcome.ALLOWED, reason: str = "") -> None:
    disclosure = link.disclosure if link is not None else None
    audit.record(
        action=action,
        outcome=outcome,
        client=disclosure.client if disclosure else None,
        object_type="disclosure",
        object_id=disclosure.pk if disclosure else "",
        reason=reason,
        actor_username="recipient",
    )


def delivery_open(*, token: str) -> LinkState:
    """The recipient opens the link: what the page may say, or LinkRefused. Audited
    either way (`disclosure.link_open`)."""
    link = _link(token, lock=False)
    problem = _unusable(link, void=False)
    if problem is not None:
        _record("disclosure.link_open", link, outcome=Outcome.DENIED, reason=problem[0])
        raise LinkRefused(problem[0], problem[1])
    _record("disclosure.link_open", link)
    return _state(link)


def delivery_unlock(*, token: str, code: str) -> tuple[LinkState, str]:
    """The recipient enters the code: right code, link not expired, voided or used up,
    and the authorization still in force at this moment. Returns the page's state and
    a grant for one download within GRANT_MINUTES. Every attempt is audited; too many
    wrong codes void the link."""
    with audit.writing():
        link = _link(token, lock=True)
        problem = _unusable(link, void=True)
        kind = problem[1] if problem else ""
        if problem is None and not secrets.compare_digest(link.code_sha256, _sha(code.strip())):
            link.failed_codes += 1
            kind = "wrong_code"
            if link.failed_codes >= settings.DISCLOSURE_MAX_CODE_ATTEMPTS:
                link.voided_at, link.void_reason = timezone.now(), "too many wrong codes"
                kind = "locked"
            link.save(update_fields=["failed_codes", "voided_at", "void_reason"])
            problem = ("wrong access code", kind)
        if problem is None:
            _record("disclosure.unlock", link)
            grant = signing.dumps({"link": link.pk, "n": link.downloads}, salt=GRANT_SALT)
            return _state(link), grant
    # Recorded after the block: a refusal is kept whatever happens to the transaction.
    _record("disclosure.download", link, outcome=Outcome.DENIED, reason=problem[0])
    raise LinkRefused(problem[0], kind, _state(link) if kind == "wrong_code" else None)


def delivery_download(*, token: str, grant: str) -> tuple[Disclosure, bytes]:
    """The download a correct code unlocked: once, within GRANT_MINUTES, and only while
    the link is still usable (a revocation in between stops it). Counted and audited
    (`disclosure.download`) before the package is returned."""
    with audit.writing():
        link = _link(token, lock=True)
        problem = _unusable(link, void=True)
        if problem is None:
            try:
                granted = signing.loads(grant, salt=GRANT_SALT, max_age=GRANT_MINUTES * 60)
            except signing.BadSignature:
                granted = None
            if granted != {"link": link.pk, "n": link.downloads}:
                problem = ("download grant used, expired or not this link's", "grant")
        if problem is None:
            link.downloads += 1
            link.save(update_fields=["downloads"])
            _record("disclosure.download", link)
            return link.disclosure, base64.b64decode(link.disclosure.package)
    _record("disclosure.download", link, outcome=Outcome.DENIED, reason=problem[0])
    raise LinkRefused(problem[0], problem[1], _state(link) if problem[1] == "grant" else None)
