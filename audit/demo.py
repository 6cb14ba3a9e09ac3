"""A demo access history (development only, via seed_demo): several weeks of ordinary
work with a few events that raise review flags. Fictional, and marked by its user agent.

Backdated events are appended through the same chain writer as every other event; only
their occurred_at is chosen. Nothing outside seed_demo (which refuses to run with
DJANGO_DEBUG=0) does that.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from audit.context import RequestContext, new_request_id, reset, set_current
from audit.models import AuditEvent, FlagKind, Outcome
from audit.services import _append, _event_values, review_flag

DEMO_AGENT = "Mozilla/5.0 (demo history)"


def seed(*, weeks: int = 6) -> int:
    """Append the history once; returns how many events were written now."""
    from practice.models import User
    from records.models import Assignment, SessionNote

    if AuditEvent.objects.filter(user_agent=DEMO_AGENT).exists():
        return 0
    rng = random.Random(2026)  # the same history every time
    staff = {u.username: u for u in User.objects.filter(username__contains=".")}
    caseloads: dict[int, list] = {}
    for a in Assignment.objects.filter(ended_at__isnull=True).select_related("client", "counselor"):
        caseloads.setdefault(a.counselor_id, []).append(a.client)
    notes_by_client: dict[int, list[int]] = {}
    for note_id, client_id in SessionNote.objects.values_list("id", "client_id"):
        notes_by_client.setdefault(client_id, []).append(note_id)

    now = timezone.localtime()
    start = (now - timedelta(weeks=weeks)).replace(hour=0, minute=0, second=0, microsecond=0)
    written = 0

    def emit(moment, user, action, *, client=None, object_type="", object_id="", outcome=Outcome.ALLOWED, reason=""):
        nonlocal written
        token = set_current(
            RequestContext(request_id=new_request_id(), ip=f"10.0.0.{10 + user.pk % 200}", user_agent=DEMO_AGENT)
        )
        try:
            values = _event_values(
                action=action,
                actor=user,
                outcome=outcome,
                client=client,
                object_type=object_type,
                object_id=object_id,
                reason=reason,
                actor_username=None,
                occurred_at=moment,
            )
            seq = _append(values)[0]
        finally:
            reset(token)
        written += 1
        return seq

    day = start
    while day.date() < now.date():
        if day.weekday() < 5:
            for username in ("casey.counselor", "jordan.counselor", "riley.counselor", "sam.supervisor"):
                user = staff[username]
                for session_start in (8, 13):
                    _workday_session(
                        emit,
                        rng,
                        day.replace(hour=session_start, minute=rng.randint(0, 30)),
                        user,
                        caseloads.get(user.pk, []),
                        notes_by_client,
                    )
            admin = staff["avery.admin"]
            emit(day.replace(hour=9, minute=5), admin, "client.list", object_type="client")
        day += timedelta(days=1)

    # Things a reviewer should see.
    casey, riley, sam = staff["casey.counselor"], staff["riley.counselor"], staff["sam.supervisor"]
    late = (now - timedelta(days=3)).replace(hour=23, minute=40)
    late_views = []
    for client in caseloads.get(casey.pk, [])[:2]:
        late_views.append(emit(late, casey, "chart.view", client=client, object_type="client", object_id=client.pk))
        late += timedelta(minutes=4)
    other = caseloads.get(casey.pk, [])[0]
    denied_at = (now - timedelta(days=2)).replace(hour=14, minute=12)
    emit(
        denied_at,
        riley,
        "chart.view",
        client=None,
        object_type="client",
        object_id=other.record_number,
        outcome=Outcome.DENIED,
        reason="no access",
    )
    # A practice admin assigns a client to an account they created three weeks before,
    # and changes a counselor's role there and back.
    admin, jordan = staff["avery.admin"], staff["jordan.counselor"]
    created_at = (now - timedelta(days=21)).replace(hour=9, minute=30)
    emit(created_at, admin, "staff.create", object_type="user", object_id=riley.pk, reason="role=counselor")
    assigned = caseloads.get(riley.pk, [])[:1]
    for client in assigned:
        emit(
            (now - timedelta(days=4)).replace(hour=11, minute=15),
            admin,
            "assignment.assign",
            client=client,
            object_type="user",
            object_id=riley.pk,
            reason="kind=co_therapist granted=2 revoked=0",
        )
    for days, old, new in ((10, "counselor", "practice_admin"), (9, "practice_admin", "counselor")):
        emit(
            (now - timedelta(days=days)).replace(hour=16, minute=5),
            admin,
            "staff.role_change",
            object_type="user",
            object_id=jordan.pk,
            reason=f"role {old} -> {new} granted=0 revoked=0 sessions ended=1",
        )
    burst = (now - timedelta(days=1)).replace(hour=10, minute=0)
    supervised = [c for clients in caseloads.values() for c in clients][:11]
    for client in supervised:
        emit(burst, sam, "chart.view", client=client, object_type="client", object_id=client.pk)
        burst += timedelta(seconds=40)
    # One flag already reviewed, so the list of reviewed flags has an entry.
    if late_views:
        review_flag(
            actor=staff["avery.admin"],
            seq=late_views[0],
            kind=FlagKind.AFTER_HOURS,
            comment="Casey was on call that night; she confirmed the crisis call.",
        )
        written += 1
    return written


def _workday_session(emit, rng, moment, user, clients, notes_by_client) -> None:
    """Sign in, open some charts and notes of one's own clients, sign out."""
    emit(moment, user, "auth.login", object_type="user", object_id=user.pk)
    for client in clients:
        if rng.random() < 0.7:
            moment += timedelta(minutes=rng.randint(10, 40))
            emit(moment, user, "chart.view", client=client, object_type="client", object_id=client.pk)
            notes = notes_by_client.get(client.pk, [])
            for note_id in rng.sample(notes, k=min(2, len(notes))):
                moment += timedelta(minutes=rng.randint(1, 5))
                emit(moment, user, "note.view", client=client, object_type="session_note", object_id=note_id)
    emit(moment + timedelta(minutes=30), user, "auth.logout", object_type="user", object_id=user.pk)
