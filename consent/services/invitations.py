"""Invitations: a client without an account accepts a one-time link and chooses a password."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

import audit
from audit.models import Outcome
from audit.services import refuse
from consent.models import Invitation
from consent.services._common import _sha
from practice.exceptions import NotFound
from practice.models import User


def invitation_accept(*, token: str, password: str) -> User:
    """A client sets a password from their one-time link; the link is then used up.
    Refusals are recorded before anything is locked, so they are kept."""
    invitation = Invitation.objects.select_related("client").filter(token_sha256=_sha(token)).first()
    if invitation is None or invitation.used_at or invitation.expires_at < timezone.now() or invitation.client.user_id:
        refuse(
            "invitation.accept",
            None,
            object_type="invitation",
            object_id=invitation.pk if invitation else "",
            reason="unknown, used or expired link",
        )
    client = invitation.client
    # Looked up by the keyed index, never by the address itself (practice.identity).
    if User.objects.find_by_sign_in_name(client.email) is not None:
        refuse(
            "invitation.accept",
            None,
            client=client,
            object_type="invitation",
            object_id=invitation.pk,
            reason="email already has an account",
            not_found=False,
        )
    with audit.writing():
        invitation = Invitation.objects.select_for_update(of=("self",), no_key=True).get(pk=invitation.pk)
        if invitation.used_at:  # used by a concurrent request meanwhile
            raise NotFound("This link has already been used.")
        # The password is checked against the client's email and names (a probe that is
        # never saved); the account itself keeps neither in plaintext: the username is
        # the blind index of the email, the email is encrypted, the names stay on the
        # encrypted Client record.
        probe = User(
            username=client.email, email=client.email, first_name=client.first_name, last_name=client.last_name
        )
        validate_password(password, probe)
        user = User.objects.create_client_user(client.email, email=client.email, password=password)
        client.user = user
        client.save(update_fields=["user"])
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        audit.record(
            action="invitation.accept", actor=user, client=client, object_type="invitation", object_id=invitation.pk
        )
    return user


def invitation_is_valid(token: str) -> bool:
    """Whether the link can still be used. A link that cannot is a refused attempt, and
    recorded as one (without the token: it is a secret)."""
    invitation = Invitation.objects.filter(token_sha256=_sha(token)).first()
    valid = bool(invitation and not invitation.used_at and invitation.expires_at >= timezone.now())
    if not valid:
        audit.record(
            action="invitation.view",
            outcome=Outcome.DENIED,
            object_type="invitation",
            object_id=invitation.pk if invitation else "",
            reason="unknown, used or expired link",
        )
    return valid
