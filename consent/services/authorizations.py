"""Authorizations, the care team's side: prepare, send to the client, view, print."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

import audit
from audit.models import Outcome
from audit.services import refuse
from consent import pdf
from consent.models import Authorization, Category, Invitation
from consent.services._common import _authorization_for, _client_for_staff, _sha
from consent.text import render_text, text_sha256
from practice.exceptions import NotFound, PermissionDenied
from practice.models import User
from records import selectors as records_selectors
from records.permissions import WRITE_NOTES


# --- Authorizations: the counselor's side ---------------------------------------------------
def authorization_prepare(*, actor: User, record_number: str, **fields) -> Authorization:
    """Rule: the client's assigned counselors prepare authorizations."""
    client = _client_for_staff(actor, record_number, WRITE_NOTES, "authorization.create")
    if fields.get("kind") == Authorization.Kind.PSYCHOTHERAPY_NOTES:
        fields["categories"] = []
    # A client covered by 42 CFR Part 2: every authorization is a Part 2 consent, and says so.
    fields["part2_consent"] = client.part2_since is not None or Category.SUBSTANCE_USE in fields.get("categories", [])
    with audit.writing():
        auth = Authorization(client=client, prepared_by=actor, **fields)
        auth.full_clean()
        auth.save()
        audit.record(
            action="authorization.create", actor=actor, client=client, object_type="authorization", object_id=auth.pk
        )
    return auth


class TextChanged(PermissionDenied):
    """The form's text is no longer the one the preview showed: show it again."""


def invitation_email(link: str) -> tuple[str, str]:
    """The email a client receives when a form is sent to them (subject, body)."""
    return (
        f"{settings.PRACTICE_NAME}: a form is waiting for your signature",
        "A release-of-information form is waiting for you to read and sign.\n\n"
        f"Open it here: {link}\n\nNothing about your care is in this email.",
    )


def _sendable(actor: User, auth_id: int, action: str) -> Authorization:
    """A draft the actor may send: the care team's, to a client who can be reached."""
    auth = _authorization_for(actor, auth_id, action, for_client=False)
    if records_selectors.client_for(actor, auth.client.record_number, WRITE_NOTES) is None:
        refuse(
            action,
            actor,
            client=auth.client,
            object_type="authorization",
            object_id=auth_id,
            reason="not on the care team",
            not_found=False,
        )
    if auth.status != Authorization.Status.DRAFT:
        refuse(
            action,
            actor,
            client=auth.client,
            object_type="authorization",
            object_id=auth_id,
            reason=f"already {auth.get_status_display().lower()}",
            not_found=False,
        )
    if not auth.client.user_id and not auth.client.email:
        raise PermissionDenied("The client has no email address on file; add one before sending.")
    return auth


def authorization_send(
    *, actor: User, auth_id: int, request_base_url: str, shown_sha256: str | None = None
) -> Authorization:
    """Send a draft to the client: by email, with a one-time invitation when the client
    has no portal account yet. With shown_sha256 (the confirmation of a preview): only
    if the form's text is still the one the preview showed, else TextChanged (audited)."""
    auth = _sendable(actor, auth_id, "authorization.send")
    client = auth.client
    if shown_sha256 is not None and shown_sha256 != text_sha256(render_text(auth)):
        audit.record(
            action="authorization.send",
            actor=actor,
            outcome=Outcome.DENIED,
            client=client,
            object_type="authorization",
            object_id=auth.pk,
            reason="the text changed since the preview",
        )
        raise TextChanged("The form's text changed since the preview.")
    with audit.writing():
        auth.status = Authorization.Status.PENDING
        auth.sent_at = timezone.now()
        auth.save(update_fields=["status", "sent_at"])
        link = request_base_url + reverse("portal_authorization", args=[auth.pk])
        if not client.user_id:
            token = secrets.token_urlsafe(32)
            Invitation.objects.create(
                client=client,
                token_sha256=_sha(token),
                created_by=actor,
                expires_at=timezone.now() + timedelta(days=14),
            )
            link = request_base_url + reverse("invitation_accept", args=[token])
        audit.record(
            action="authorization.send",
            actor=actor,
            client=client,
            object_type="authorization",
            object_id=auth.pk,
            reason="with invitation" if not client.user_id else "",
        )
        # Sent after the audit write, inside the transaction: a failed send rolls back.
        subject, body = invitation_email(link)
        send_mail(
            subject,
            body,
            None,
            [client.user.email if client.user_id else client.email],
        )
    return auth


def authorization_view(*, actor: User, auth_id: int, for_client: bool) -> tuple[Authorization, str]:
    """The authorization and the text to show: frozen once signed."""
    auth = _authorization_for(actor, auth_id, "authorization.view", for_client=for_client)
    if for_client and auth.status == Authorization.Status.DRAFT:
        refuse(
            "authorization.view",
            actor,
            client=auth.client,
            object_type="authorization",
            object_id=auth_id,
            reason="not sent yet",
        )
    audit.record(
        action="authorization.view", actor=actor, client=auth.client, object_type="authorization", object_id=auth.pk
    )
    return auth, (auth.signed_text if auth.signed_text else render_text(auth))


def authorization_pdf(*, actor: User, auth_id: int, for_client: bool) -> bytes:
    auth = _authorization_for(actor, auth_id, "authorization.download", for_client=for_client)
    if not auth.signed_text:
        raise NotFound("Only signed authorizations have a PDF.")
    audit.record(
        action="authorization.download", actor=actor, client=auth.client, object_type="authorization", object_id=auth.pk
    )
    return pdf.authorization_pdf(auth)
