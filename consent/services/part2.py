"""42 CFR Part 2 as a property of the client: a practice admin marks a client as
receiving substance-use-disorder treatment covered by Part 2. From then on every
disclosure of any of the client's records needs Part 2 consent, or one of the two
legal bases Part 2 allows (consent.bases), and carries the 2.32 notice (consent.gate,
consent.pdf)."""

from __future__ import annotations

from django.utils import timezone

import audit
from audit.services import refuse
from practice.models import User
from records import selectors as records_selectors
from records.models import Client


def _admin_client(actor: User, record_number: str, action: str) -> Client:
    """Rule: active practice admins only; the same recorded 404 for a missing client."""
    if not (actor.is_authenticated and actor.is_practice_admin and actor.is_active):
        refuse(
            action, actor, object_type="client", object_id=record_number, reason="not a practice admin", not_found=False
        )
    client = records_selectors.client_by_record_number(record_number)
    if client is None or client.disposed_at is not None:
        refuse(action, actor, object_type="client", object_id=record_number, reason="no such client")
    return client


def client_part2_view(*, actor: User, record_number: str) -> Client:
    """The confirmation page: the client's name, record number and Part 2 state."""
    client = _admin_client(actor, record_number, "client.part2_view")
    audit.record(action="client.part2_view", actor=actor, client=client, object_type="client", object_id=client.pk)
    return client


def client_mark_part2(*, actor: User, record_number: str) -> Client:
    """Mark the client as covered by 42 CFR Part 2, after the admin confirmed. One way
    only: the protections stay with records made while the client was in covered
    treatment, so nothing in the product takes the mark away."""
    action = "client.part2_mark"
    found = _admin_client(actor, record_number, action)
    if found.part2_since is not None:
        refuse(
            action,
            actor,
            client=found,
            object_type="client",
            object_id=found.pk,
            reason="already marked as covered by 42 CFR Part 2",
            not_found=False,
        )
    with audit.writing():
        client = Client.objects.select_for_update(of=("self",), no_key=True).get(pk=found.pk)
        if client.part2_since is None:
            client.part2_since = timezone.now()
            client.save(update_fields=["part2_since"])
        audit.record(
            action=action,
            actor=actor,
            client=client,
            object_type="client",
            object_id=client.pk,
            reason="covered by 42 CFR Part 2: every disclosure needs Part 2 consent and carries the 2.32 notice",
        )
    return client
