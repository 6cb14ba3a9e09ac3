"""Authorizations, the client's side: sign, decline, revoke."""

from __future__ import annotations

from django.utils import timezone

import audit
from audit.services import refuse
from consent.models import Authorization, DeliveryLink
from consent.services._common import _authorization_for
from consent.signature import signature_png
from consent.text import render_text, text_sha256
from practice.identity import audit_digest
from practice.models import User


# --- Authorizations: the client's side --------------------------------------------------------
def authorization_sign(
    *,
    actor: User,
    auth_id: int,
    typed_name: str,
    agree: bool,
    shown_sha256: str,
    signature_image: str,
    ip: str | None,
    user_agent: str,
) -> Authorization:
    """Rule: only the client signs their own pending authorization, with their full name,
    an explicit agreement to sign electronically, and the hash of the exact text shown."""
    auth = _authorization_for(actor, auth_id, "authorization.sign", for_client=True)
    with audit.writing():
        auth = (
            Authorization.objects.select_for_update(of=("self",), no_key=True)
            .select_related("client", "prepared_by")
            .get(pk=auth.pk)
        )
        text = render_text(auth)
        problem = sign_problem(
            auth, typed_name=typed_name, agree=agree, shown_sha256=shown_sha256, signature_image=signature_image
        )
        if problem is None:
            auth.status = Authorization.Status.SIGNED
            auth.signed_text = text
            auth.text_sha256 = text_sha256(text)
            auth.signed_name = " ".join(typed_name.split())
            auth.signature_image = signature_image[:400_000]
            auth.signed_at = timezone.now()
            auth.signed_ip = ip
            auth.signed_user_agent = user_agent[:300]
            auth.signed_by = actor
            auth.save()
            audit.record(
                action="authorization.sign",
                actor=actor,
                client=auth.client,
                object_type="authorization",
                object_id=auth.pk,
                # A keyed digest of the text's hash: the plain hash would confirm a
                # guessed text (the recipient's name, the dates).
                reason=f"text hmac={audit_digest('authorization.text', auth.text_sha256)}",
            )
            return auth
    refuse(
        "authorization.sign",
        actor,
        client=auth.client,
        object_type="authorization",
        object_id=auth_id,
        reason=problem,
        not_found=False,
    )


def sign_problem(
    auth: Authorization, *, typed_name: str, agree: bool, shown_sha256: str, signature_image: str
) -> str | None:
    """What stops this signature, in words for the client; None if nothing does. Pure:
    the confirmation page asks it first, and authorization_sign asks it again under
    the row lock."""
    if auth.status != Authorization.Status.PENDING:
        return f"this form is {auth.get_status_display().lower()}"
    if not agree:
        return "you must agree to sign electronically"
    if _norm_name(typed_name) not in _accepted_names(auth):
        return "type your full name exactly as shown on the form"
    if shown_sha256 != text_sha256(render_text(auth)):
        return "the form changed while you were reading it; please read it again"
    if signature_image and signature_png(signature_image) is None:
        return "the drawn signature could not be read"
    return None


def _norm_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _accepted_names(auth: Authorization) -> set[str]:
    names = {_norm_name(f"{auth.client.first_name} {auth.client.last_name}")}
    if auth.representative_name:
        names.add(_norm_name(auth.representative_name))
    return names


def authorization_decline(*, actor: User, auth_id: int) -> Authorization:
    """Rule: the client declines their own pending authorization. The status is checked
    again under the row lock, so a signature in another tab cannot be overwritten."""
    auth = _authorization_for(actor, auth_id, "authorization.decline", for_client=True)
    with audit.writing():
        auth = (
            Authorization.objects.select_for_update(of=("self",), no_key=True).select_related("client").get(pk=auth.pk)
        )
        if auth.status == Authorization.Status.PENDING:
            auth.status = Authorization.Status.DECLINED
            auth.declined_at = timezone.now()
            auth.save(update_fields=["status", "declined_at"])
            audit.record(
                action="authorization.decline",
                actor=actor,
                client=auth.client,
                object_type="authorization",
                object_id=auth.pk,
            )
            return auth
    refuse(
        "authorization.decline",
        actor,
        client=auth.client,
        object_type="authorization",
        object_id=auth_id,
        reason="not waiting for a signature",
        not_found=False,
    )


def authorization_revoke(*, actor: User, auth_id: int) -> Authorization:
    """Revocation takes effect at once: every delivery link issued under the
    authorization that has not been used up is voided in the same transaction."""
    auth = _authorization_for(actor, auth_id, "authorization.revoke", for_client=True)
    with audit.writing():
        auth = (
            Authorization.objects.select_for_update(of=("self",), no_key=True).select_related("client").get(pk=auth.pk)
        )
        if auth.status != Authorization.Status.SIGNED:
            problem = f"this form is {auth.get_status_display().lower()}"
        else:
            problem = None
            now = timezone.now()
            auth.status = Authorization.Status.REVOKED
            auth.revoked_at = now
            auth.revoked_by = actor
            auth.save(update_fields=["status", "revoked_at", "revoked_by"])
            voided = DeliveryLink.objects.filter(disclosure__authorization=auth, voided_at__isnull=True).update(
                voided_at=now, void_reason="authorization revoked"
            )
            audit.record(
                action="authorization.revoke",
                actor=actor,
                client=auth.client,
                object_type="authorization",
                object_id=auth.pk,
                reason=f"links voided={voided}",
            )
            return auth
    refuse(
        "authorization.revoke",
        actor,
        client=auth.client,
        object_type="authorization",
        object_id=auth_id,
        reason=problem,
        not_found=False,
    )
