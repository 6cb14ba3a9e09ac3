"""A past emergency access for the demo practice (development only, via seed_demo):
riley.counselor read one of casey.counselor's charts two days ago, during a crisis
call; it waits in the review queue. Fictional; its events carry the demo user agent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from audit.context import RequestContext, new_request_id, reset, set_current
from audit.demo import DEMO_AGENT
from audit.services import _append, _event_values


def seed() -> int:
    """Create the access once; returns how many accesses were created now."""
    from emergency.models import EmergencyAccess, Reason
    from practice.models import User
    from records.models import Assignment

    if EmergencyAccess.objects.exists():
        return 0
    riley = User.objects.filter(username="riley.counselor").first()
    casey = User.objects.filter(username="casey.counselor").first()
    assignment = (
        Assignment.objects.filter(counselor=casey, ended_at__isnull=True)
        .exclude(client__clientuserobjectpermission__user=riley)
        .select_related("client")
        .first()
        if casey
        else None
    )
    if riley is None or assignment is None:
        return 0
    client = assignment.client
    opened = (timezone.localtime() - timedelta(days=2)).replace(hour=21, minute=15, second=0, microsecond=0)
    access = EmergencyAccess.objects.create(
        user=riley,
        client=client,
        reason=Reason.RISK_TO_CLIENT,
        justification="On-call: the client phoned in crisis after hours; casey.counselor was unreachable.",
        opened_at=opened,
        expires_at=opened + timedelta(minutes=60),
        ended_at=opened + timedelta(minutes=25),
    )
    events = [
        (0, "emergency.open", "emergency_access", access.pk, "risk_to_client; 60 minutes; read-only"),
        (0, "emergency.notify", "emergency_access", access.pk, "emailed 1 practice admin(s)"),
        (1, "emergency.chart_view", "client", client.pk, f"emergency access #{access.pk}"),
        (25, "emergency.end", "emergency_access", access.pk, "ended by the clinician"),
    ]
    for minutes, action, object_type, object_id, reason in events:
        token = set_current(RequestContext(request_id=new_request_id(), ip="10.0.0.77", user_agent=DEMO_AGENT))
        try:
            _append(
                _event_values(
                    action=action,
                    actor=riley,
                    outcome="allowed",
                    client=client,
                    object_type=object_type,
                    object_id=object_id,
                    reason=reason,
                    actor_username=None,
                    occurred_at=opened + timedelta(minutes=minutes),
                )
            )
        finally:
            reset(token)
    return 1
