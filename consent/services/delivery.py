"""Delivery: a recipient downloads a package with its link and one-time code."""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.utils import timezone

import audit
from audit.models import Outcome
from consent.models import DeliveryLink, Disclosure
from consent.services._common import _sha
from practice.exceptions import PermissionDenied


def delivery_download(*, token: str, code: str) -> tuple[Disclosure, bytes]:
    """The recipient's download: right code, link not expired, voided or used up, and
    the authorization still in force at this moment. Every attempt is audited."""
    with audit.writing():
        link = (
            DeliveryLink.objects.select_for_update(of=("self",), no_key=True)
            .select_related("disclosure__client", "disclosure__authorization")
            .filter(token_sha256=_sha(token))
            .first()
        )
        if link is None:
            problem, client, object_id = "unknown link", None, ""
        else:
            disclosure = link.disclosure
            client, object_id = disclosure.client, disclosure.pk
            auth = disclosure.authorization
            problem = None
            if link.voided_at:
                problem = f"link voided ({link.void_reason})"
            elif link.expires_at < timezone.now():
                problem = "link expired"
            elif link.downloads >= link.max_downloads:
                problem = "download limit reached"
            elif auth is not None and not auth.is_active:
                problem = f"authorization no longer in force ({auth.state_label.lower()})"
                link.voided_at, link.void_reason = timezone.now(), "authorization not in force"
                link.save(update_fields=["voided_at", "void_reason"])
            elif not secrets.compare_digest(link.code_sha256, _sha(code.strip())):
                problem = "wrong access code"
                link.failed_codes += 1
                if link.failed_codes >= settings.DISCLOSURE_MAX_CODE_ATTEMPTS:
                    link.voided_at, link.void_reason = timezone.now(), "too many wrong codes"
                link.save(update_fields=["failed_codes", "voided_at", "void_reason"])
            if problem is None:
                link.downloads += 1
                link.save(update_fields=["downloads"])
                audit.record(
                    action="disclosure.download",
                    client=client,
                    object_type="disclosure",
                    object_id=object_id,
                    actor_username="recipient",
                )
                return disclosure, base64.b64decode(disclosure.package)
    audit.record(
        action="disclosure.download",
        outcome=Outcome.DENIED,
        client=client,
        object_type="disclosure",
        object_id=object_id,
        reason=problem,
        actor_username="recipient",
    )
    raise PermissionDenied(problem)
