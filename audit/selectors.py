"""Reading the audit log for review: filters, keyset pagination, and flags."""

from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from audit.models import AuditEvent, FlagKind, FlagReview, Outcome

PAGE_SIZE = 50
# An admin assigning clients to an account they created within this many days is flagged.
SELF_PROVISIONING_DAYS = 30
# The new supervisor in a supervision.set event's reason (records.services.set_supervision).
SUPERVISOR_SET = re.compile(r"\bsupervisor=\S*->(\d+)\b")
CLIENT_READ_ACTIONS = ("chart.view", "note.view", "note.print", "pnote.view")


@dataclass(frozen=True)
class EventFilter:
    actor_id: int | None = None
    client_id: int | None = None
    action: str = ""
    outcome: str = ""
    date_from: datetime | None = None  # inclusive, aware
    date_to: datetime | None = None  # exclusive, aware
    seq_from: int | None = None  # inclusive: one event, or a flag's run of events
    seq_to: int | None = None  # inclusive

    def apply(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.actor_id:
            qs = qs.filter(actor_id=self.actor_id)
        if self.client_id:
            qs = qs.filter(client_id=self.client_id)
        if self.action:
            qs = (
                qs.filter(action__startswith=self.action)
                if self.action.endswith(".")
                else qs.filter(action=self.action)
            )
        if self.outcome:
            qs = qs.filter(outcome=self.outcome)
        if self.date_from:
            qs = qs.filter(occurred_at__gte=self.date_from)
        if self.date_to:
            qs = qs.filter(occurred_at__lt=self.date_to)
        if self.seq_from:
            qs = qs.filter(seq__gte=self.seq_from)
        if self.seq_to:
            qs = qs.filter(seq__lte=self.seq_to)
        return qs


def local_day_bounds(day_from, day_to) -> tuple[datetime | None, datetime | None]:
    """Practice-local dates to an aware [from, to) range."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day_from, time.min), tz) if day_from else None
    end = timezone.make_aware(datetime.combine(day_to + timedelta(days=1), time.min), tz) if day_to else None
    return start, end


def event_page(flt: EventFilter, *, before: int | None = None, size: int = PAGE_SIZE):
    """Newest first; `before` is the last seq of the previous page (keyset, no OFFSET).
    Returns (events, next_before or None)."""
    qs = flt.apply(AuditEvent.objects.all())
    if before:
        qs = qs.filter(seq__lt=before)
    rows = list(qs.annotate(client_record=F("client__record_number")).order_by("-seq")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].seq if more and rows else None)


def events_for_export(flt: EventFilter):
    return (
        flt.apply(AuditEvent.objects.all())
        .annotate(client_record=F("client__record_number"))
        .order_by("-seq")
        .iterator(chunk_size=2000)
    )


# --- Flags -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Flag:
    kind: str
    event: AuditEvent
    note: str
    # A flag about a run of events (many charts in a short time): the first of them.
    first_seq: int | None = None
    # An earlier event the flag is also about (the account's creation, for self-provisioning).
    also_seq: int | None = None

    @property
    def label(self) -> str:
        return FlagKind(self.kind).label

    @property
    def log_query(self) -> str:
        """The audit log's query string showing this flag's events: the one event, or
        the run of chart openings by the same person. Never an empty filter (the whole
        log), whoever the actor was (a disclosure recipient has no account)."""
        return event_query(self.event, first_seq=self.first_seq)


def event_query(event: AuditEvent, *, first_seq: int | None = None) -> str:
    if first_seq is not None and first_seq != event.seq and event.actor_id:
        return urlencode(
            {"actor": event.actor_id, "action": event.action, "from_event": first_seq, "to_event": event.seq}
        )
    return urlencode({"event": event.seq})


def _outside_office_hours(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    start, end = settings.AUDIT_OFFICE_HOURS
    return local.weekday() not in settings.AUDIT_OFFICE_WEEKDAYS or not (start <= local.hour < end)


def flags(*, days: int | None = None, limit: int = 200) -> list[Flag]:
    """Unreviewed flags of the last `days` days, newest first."""
    since = timezone.now() - timedelta(days=days or settings.AUDIT_FLAG_WINDOW_DAYS)
    reviewed = set(FlagReview.objects.filter(event__occurred_at__gte=since).values_list("event_id", "kind"))
    found: list[Flag] = []

    def add(kind: str, event: AuditEvent, note: str, first_seq: int | None = None, also_seq: int | None = None):
        if (event.seq, kind) not in reviewed:
            found.append(Flag(kind, event, note, first_seq, also_seq))

    # The record number only: review pages never decrypt a client's identifying data.
    recent = AuditEvent.objects.filter(occurred_at__gte=since).annotate(client_record=F("client__record_number"))
    for event in recent.filter(action__startswith="emergency."):
        add(FlagKind.EMERGENCY, event, event.reason)
    for event in recent.filter(outcome=Outcome.DENIED).exclude(action__startswith="auth."):
        add(FlagKind.DENIED, event, event.reason)
    for event in recent.filter(outcome=Outcome.DENIED, action="auth.lockout"):
        add(FlagKind.DENIED, event, "sign-in locked out")

    _self_provisioning(recent, since, add)
    for event in recent.filter(action="staff.role_change", outcome=Outcome.ALLOWED):
        add(FlagKind.ROLE_CHANGE, event, event.reason)
    # Psychotherapy notes released at once under a serious and imminent threat: nobody
    # approved them first, so somebody reviews them after (consent.bases).
    for event in recent.filter(
        action="disclosure.legal", outcome=Outcome.ALLOWED, reason__contains="released at once without approval"
    ):
        add(FlagKind.LEGAL_AT_ONCE, event, event.reason)

    reads = recent.filter(action__in=CLIENT_READ_ACTIONS, outcome=Outcome.ALLOWED).order_by("actor_id", "seq")
    window = timedelta(minutes=settings.AUDIT_BURST_MINUTES)
    recent_by_actor: dict[int | None, deque] = defaultdict(deque)
    for event in reads:
        if _outside_office_hours(event.occurred_at):
            add(FlagKind.AFTER_HOURS, event, timezone.localtime(event.occurred_at).strftime("%a %H:%M"))
        if event.action != "chart.view":
            continue
        seen = recent_by_actor[event.actor_id]
        seen.append(event)
        while seen and event.occurred_at - seen[0].occurred_at > window:
            seen.popleft()
        clients = {e.client_id for e in seen}
        if len(clients) >= settings.AUDIT_BURST_CHARTS:
            add(
                FlagKind.MANY_CHARTS,
                event,
                f"{len(clients)} charts in {settings.AUDIT_BURST_MINUTES} minutes",
                first_seq=seen[0].seq,
            )
            seen.clear()  # one flag per burst
    found.sort(key=lambda f: f.event.seq, reverse=True)
    return found[:limit]


def _self_provisioning(recent: QuerySet[AuditEvent], since: datetime, add) -> None:
    """A practice admin assigning clients to themselves, or to a staff account they
    created in the SELF_PROVISIONING_DAYS before: the way one person could give
    themselves a chart to read with every step audited and nothing standing out."""
    window = timedelta(days=SELF_PROVISIONING_DAYS)
    created = {
        (event.actor_id, event.object_id): (event.occurred_at, event.seq)
        for event in AuditEvent.objects.filter(
            action="staff.create", outcome=Outcome.ALLOWED, actor_id__isnull=False, occurred_at__gte=since - window
        ).only("seq", "actor_id", "object_id", "occurred_at")
    }
    assignments = recent.filter(action="assignment.assign", outcome=Outcome.ALLOWED, actor_id__isnull=False)
    for event in assignments:
        if event.object_id == str(event.actor_id):
            add(FlagKind.SELF_PROVISIONING, event, "assigned to themselves")
            continue
        created_at, created_seq = created.get((event.actor_id, event.object_id), (None, None))
        if created_at is not None and timedelta(0) <= event.occurred_at - created_at <= window:
            local = timezone.localtime(created_at)
            made = f"{local:%b} {local.day}"
            add(FlagKind.SELF_PROVISIONING, event, f"to an account they created on {made}", also_seq=created_seq)
    # Setting a supervisor gives that account every chart of the supervised counselor:
    # the same self-provisioning when the admin created the supervisor's account.
    supervisions = recent.filter(action="supervision.set", outcome=Outcome.ALLOWED, actor_id__isnull=False)
    for event in supervisions:
        named = SUPERVISOR_SET.search(event.reason)
        if named is None:
            continue
        created_at, created_seq = created.get((event.actor_id, named.group(1)), (None, None))
        if created_at is not None and timedelta(0) <= event.occurred_at - created_at <= window:
            local = timezone.localtime(created_at)
            made = f"{local:%b} {local.day}"
            note = f"supervisor user #{named.group(1)}, an account they created on {made}"
            add(FlagKind.SELF_PROVISIONING, event, note, also_seq=created_seq)


REVIEWED_PAGE_SIZE = 50


def reviewed_flags_page(*, before: int | None = None, size: int = REVIEWED_PAGE_SIZE):
    """Reviewed flags, newest review first, with their events and reviewers in the same
    query; keyset on the review's id. Returns (reviews, next_before or None)."""
    qs = FlagReview.objects.select_related("event", "reviewer", "comment_text").annotate(
        client_record=F("event__client__record_number")
    )
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    for review in rows:
        review.event.client_record = review.client_record
    return rows, (rows[-1].pk if more and rows else None)


def latest_verification():
    from audit.models import ChainVerification

    return ChainVerification.objects.select_related("run_by").first()


def actor_choices():
    from practice.models import User

    return User.objects.filter(role__in=["counselor", "supervisor", "practice_admin"]).order_by(
        "last_name", "first_name"
    )


# --- A client's own access history (the client portal) -------------------------------------
# Psychotherapy notes are not part of the record a client may see (45 CFR 164.524(a)(1)(i));
# their events would show that they exist, so the client's history leaves them out.
HIDDEN_FROM_CLIENT_PREFIXES = ("pnote.",)
HISTORY_PAGE_SIZE = 25


def client_history_queryset(client_id: int, *, start: datetime | None = None, end: datetime | None = None):
    """Only this client's events (the client_id index), newest first, with the acting
    account joined in the same query. No other client's event can match."""
    qs = AuditEvent.objects.filter(client_id=client_id)
    for prefix in HIDDEN_FROM_CLIENT_PREFIXES:
        qs = qs.exclude(action__startswith=prefix)
    if start is not None:
        qs = qs.filter(occurred_at__gte=start)
    if end is not None:
        qs = qs.filter(occurred_at__lt=end)
    return qs.select_related("actor").order_by("-seq")


def client_history_page(
    client_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    before: int | None = None,
    size: int = HISTORY_PAGE_SIZE,
) -> tuple[list[AuditEvent], int | None]:
    """One page (keyset on seq, no OFFSET) in one query: (events, next_before or None)."""
    qs = client_history_queryset(client_id, start=start, end=end)
    if before:
        qs = qs.filter(seq__lt=before)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].seq if more and rows else None)
