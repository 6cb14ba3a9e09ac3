"""The client portal's home page."""

from __future__ import annotations

import audit
from audit.services import refuse
from consent.models import Authorization
from consent.services._common import _own_client
from practice.models import User


# --- Portal -----------------------------------------------------------------------------------
def portal_home(*, actor: User) -> dict:
    client = _own_client(actor)
    if client is None:
        refuse("portal.view", actor, object_type="client", object_id="", reason="no client record", not_found=False)
    audit.record(action="portal.view", actor=actor, client=client, object_type="client", object_id=client.pk)
    return {
        "client": client,
        "authorizations": list(
            client.authorizations.exclude(status=Authorization.Status.DRAFT).select_related("prepared_by")
        ),
    }
