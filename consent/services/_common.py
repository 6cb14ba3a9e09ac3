"""Shared pieces of the consent services: the refusal type and the access helpers."""

from __future__ import annotations

import hashlib

from audit.services import refuse
from consent import gate
from consent.models import Authorization
from practice.exceptions import PermissionDenied
from practice.models import User
from practice.roles import Role
from records import selectors as records_selectors
from records.models import Client
from records.permissions import VIEW_CHART

ACCOUNTING_YEARS = 6


class ConsentDenied(PermissionDenied):
    """The gate refused a disclosure; `decision.reasons` says what is missing."""

    def __init__(self, decision: gate.Decision, request: gate.DisclosureRequest | None = None):
        super().__init__("; ".join(decision.reasons))
        self.decision = decision
        # What was asked, with the recipient the gate saw (picked or typed): the page
        # offers to send the client an authorization for exactly this.
        self.request = request


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _client_for_staff(actor: User, record_number: str, perm: str, action: str) -> Client:
    client = records_selectors.client_for(actor, record_number, perm)
    if client is None:
        refuse(action, actor, object_type="client", object_id=record_number, reason="no access")
    return client


def _own_client(actor: User) -> Client | None:
    if actor.is_authenticated and actor.role == Role.CLIENT:
        return Client.objects.filter(user=actor).first()
    return None


def _authorization_for(actor: User, auth_id: int, action: str, *, for_client: bool) -> Authorization:
    """The client's own authorization (for_client) or one on a chart the staff member reads."""
    auth = Authorization.objects.select_related("client", "prepared_by").filter(pk=auth_id).first()
    allowed = False
    if auth is not None:
        if for_client:
            allowed = auth.client.user_id == actor.pk and actor.role == Role.CLIENT
        else:
            allowed = records_selectors.client_for(actor, auth.client.record_number, VIEW_CHART) is not None
    if not allowed:
        refuse(action, actor, object_type="authorization", object_id=auth_id, reason="no access")
    return auth
