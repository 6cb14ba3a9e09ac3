"""Reads that answer "which clients and notes may this user see". Every query here folds
the object-permission check into the query itself: one round trip, and no superuser or
model-wide permission ever widens it (guardian's direct table only, never has_perm).

Security note: the permission row alone is not enough. The query also requires that the
account holding it is active and has a clinical role (counselor or supervisor), so a row
left behind by a change of role or a deactivation opens nothing, even before
records.permissions.sync_person has removed it."""

from __future__ import annotations

from datetime import date
from functools import cache

from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from practice.models import User
from practice.roles import CLINICAL_ROLES
from practice.sql import Columns, build_all, fetch
from records.models import (
    Addendum,
    Client,
    ClientSearchToken,
    ClientUserObjectPermission,
    NoteReturn,
    PsychotherapyNote,
    SessionNote,
)
from records.permissions import VIEW_CHART, WRITE_NOTES

_CLINICAL_ROLES = tuple(sorted(CLINICAL_ROLES))


def _grants(user: User, perm: str) -> QuerySet[ClientUserObjectPermission]:
    """The user's rows for `perm` that count: the account active, its role clinical."""
    return ClientUserObjectPermission.objects.filter(
        user=user, permission__codename=perm, user__is_active=True, user__role__in=_CLINICAL_ROLES
    )


def clients_for(user: User, perm: str = VIEW_CHART) -> QuerySet[Client]:
    """The clients on which the user holds `perm` (a subquery, so callers may annotate
    and aggregate without the permission join multiplying rows)."""
    return Client.objects.filter(pk__in=_grants(user, perm).values("content_object_id"))


def _granted(user: User, perm: str, prefix: str = "") -> Q:
    # One Q, so the four conditions apply to the same permission row.
    return Q(
        **{
            f"{prefix}clientuserobjectpermission__user": user,
            f"{prefix}clientuserobjectpermission__permission__codename": perm,
            f"{prefix}clientuserobjectpermission__user__is_active": True,
            f"{prefix}clientuserobjectpermission__user__role__in": _CLINICAL_ROLES,
        }
    )


def _emergency(user: User, prefix: str = "") -> Q:
    """An active emergency grant (emergency.models.EmergencyAccess) of the user on the
    client: explicit, audited, and over at `expires_at`. Like a permission row, it
    counts only while the account is active with a clinical role."""
    from emergency.models import EmergencyAccess

    return Q(
        Exists(
            EmergencyAccess.objects.filter(
                client=OuterRef(f"{prefix}pk"),
                user=user,
                ended_at__isnull=True,
                expires_at__gt=timezone.now(),
                user__is_active=True,
                user__role__in=_CLINICAL_ROLES,
            )
        )
    )


# The largest id a bigint column holds. A URL's <int:...> accepts any number of digits.
MAX_ID = 2**63 - 1


def possible_id(value) -> bool:
    """Whether an id from a URL could name a row: a larger number finds nothing (and
    would overflow a fixed statement's parameter)."""
    return isinstance(value, int) and 0 < value <= MAX_ID


def possible_record_number(value) -> bool:
    """Whether a record number from a URL could name a client: no NUL (PostgreSQL text
    cannot hold one) and no longer than the column."""
    return (
        isinstance(value, str)
        and "\x00" not in value
        and len(value) <= Client._meta.get_field("record_number").max_length
    )


def client_for(user: User, record_number: str, perm: str = VIEW_CHART, *, emergency: bool = False) -> Client | None:
    """The client, if the user holds `perm` on it. With emergency=True (the chart read
    only), an active emergency grant also opens it, for VIEW_CHART and nothing else; the
    client then says so in `via_emergency`, so that its events are marked."""
    if not possible_record_number(record_number):
        return None
    if not (emergency and perm == VIEW_CHART):
        return Client.objects.filter(_granted(user, perm), record_number=record_number).order_by().first()
    regular = Exists(_grants(user, VIEW_CHART).filter(content_object=OuterRef("pk")))
    client = (
        Client.objects.annotate(regular=regular)
        .filter(Q(regular=True) | _emergency(user), record_number=record_number)
        .order_by()
        .first()
    )
    if client is not None:
        client.via_emergency = not client.regular
    return client


# The note page is the most-read page there is, so a note is read with a fixed statement
# (practice.sql) rather than a queryset compiled on every request: one statement for the
# page (note, client, author, addenda), a shorter one for the services that change a
# note. The permission is the same EXISTS on guardian's direct table that _granted()
# folds into querysets. Of the client, a note page needs only the name and record
# number: the other identifying fields stay encrypted and unread.
_NOTE = Columns(SessionNote, "n")
_NOTE_CLIENT = Columns(
    Client, "c", ("id", "record_number", "first_name", "last_name", "preferred_name", "status", "disposed_at")
)
_PERSON = ("id", "username", "first_name", "last_name", "role", "supervisor", "is_pre_licensed", "is_active")
_NOTE_AUTHOR = Columns(User, "u", _PERSON)
_ADDENDUM = Columns(Addendum, "a")
_ADDENDUM_AUTHOR = Columns(User, "au", _PERSON)


def _granted_sql(client_id_column: str) -> str:
    """EXISTS: the user (first parameter) holds the permission (second) on the client,
    and the account is active with a clinical role (as _granted)."""
    roles = ", ".join(f"'{role}'" for role in _CLINICAL_ROLES)  # fixed values, no input
    return (
        f"EXISTS (SELECT 1 FROM {ClientUserObjectPermission._meta.db_table} p "  # noqa: S608 (names, no input)
        f"JOIN {Permission._meta.db_table} ap ON ap.id = p.permission_id "
        f"JOIN {User._meta.db_table} pu ON pu.id = p.user_id "
        f"WHERE p.content_object_id = {client_id_column} AND p.user_id = %s AND ap.codename = %s "
        f"AND pu.is_active AND pu.role IN ({roles}))"
    )


def _emergency_sql(client_id_column: str) -> str:
    """EXISTS: the user (first parameter) holds an emergency grant on the client that
    has not ended and expires after the second parameter (now). The SQL form of
    _emergency()."""
    from emergency.models import EmergencyAccess

    roles = ", ".join(f"'{role}'" for role in _CLINICAL_ROLES)  # fixed values, no input
    return (
        f"EXISTS (SELECT 1 FROM {EmergencyAccess._meta.db_table} e "  # noqa: S608 (names, no input)
        f"JOIN {User._meta.db_table} eu ON eu.id = e.user_id "
        f"WHERE e.client_id = {client_id_column} AND e.user_id = %s AND e.ended_at IS NULL AND e.expires_at > %s "
        f"AND eu.is_active AND eu.role IN ({roles}))"
    )


_NOTE_FROM = (
    "FROM {note} JOIN {client} ON c.id = n.client_id JOIN {author} ON u.id = n.author_id "
    "{addenda}WHERE n.id = %s AND {granted}"
)


@cache
def _note_sql(vendor: str, with_addenda: bool, emergency: bool = False) -> str:
    select = [_NOTE.select(), _NOTE_CLIENT.select(), _NOTE_AUTHOR.select()]
    addenda = ""
    if with_addenda:
        select += [_ADDENDUM.select(), _ADDENDUM_AUTHOR.select()]
        addenda = (
            f"LEFT JOIN {_ADDENDUM.table} ON a.note_id = n.id "
            f"LEFT JOIN {_ADDENDUM_AUTHOR.table} ON au.id = a.author_id "
        )
    granted = _granted_sql("c.id")
    if emergency:
        # The last column says whether the regular grant holds (else the read is an
        # emergency read, and its event is marked).
        select.append(f"CASE WHEN {_granted_sql('c.id')} THEN 1 ELSE 0 END")
        granted = f"({granted} OR {_emergency_sql('c.id')})"
    sql = f"SELECT {', '.join(select)} " + _NOTE_FROM.format(
        note=_NOTE.table,
        client=_NOTE_CLIENT.table,
        author=_NOTE_AUTHOR.table,
        addenda=addenda,
        granted=granted,
    )
    return sql + (" ORDER BY a.signed_at, a.id" if with_addenda else "")


def _build_note(row) -> SessionNote:
    note, client, author = build_all(row, _NOTE, _NOTE_CLIENT, _NOTE_AUTHOR)
    SessionNote.client.field.set_cached_value(note, client)
    SessionNote.author.field.set_cached_value(note, author)
    return note


def _note_rows(user: User, note_id: int, perm: str, with_addenda: bool, emergency: bool):
    if not possible_id(note_id):
        return [], False
    emergency = emergency and perm == VIEW_CHART
    sql = _note_sql(connection.vendor, with_addenda, emergency)
    if emergency:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = [user.pk, VIEW_CHART, note_id, user.pk, perm, user.pk, now]
    else:
        params = [note_id, user.pk, perm]
    rows = fetch(sql, params)
    if emergency:
        return [row[:-1] for row in rows], bool(rows) and not rows[0][-1]
    return rows, False


def note_for(user: User, note_id: int, perm: str = VIEW_CHART) -> SessionNote | None:
    """The note with its client and author, if the user holds `perm` on its client."""
    rows, _ = _note_rows(user, note_id, perm, False, False)
    return _build_note(rows[0]) if rows else None


def note_with_addenda_for(
    user: User, note_id: int, perm: str = VIEW_CHART, *, emergency: bool = False
) -> SessionNote | None:
    """note_for, with the note's addenda (oldest first, with their authors) as
    `addenda_list`, read in the same statement. With emergency=True an active emergency
    grant opens VIEW_CHART too; `note.via_emergency` says whether it did."""
    rows, via_emergency = _note_rows(user, note_id, perm, True, emergency)
    if not rows:
        return None
    note = _build_note(rows[0])
    note.via_emergency = via_emergency
    start = len(_NOTE) + len(_NOTE_CLIENT) + len(_NOTE_AUTHOR)
    note.addenda_list = []
    for row in rows:
        if row[start] is None:  # the LEFT JOIN's row for a note without addenda
            continue
        addendum, author = build_all(row[start:], _ADDENDUM, _ADDENDUM_AUTHOR)
        Addendum.author.field.set_cached_value(addendum, author)
        Addendum.note.field.set_cached_value(addendum, note)
        note.addenda_list.append(addendum)
    return note


def psychotherapy_note_for(user: User, note_id: int) -> PsychotherapyNote | None:
    """Only the author, and only while they still care for the client."""
    return (
        PsychotherapyNote.objects.select_related("client")
        .filter(_granted(user, WRITE_NOTES, "client__"), pk=note_id, author=user)
        .order_by()
        .first()
    )


# What a caseload row shows: the names and plain columns. The other identifying fields
# (date of birth, contact details) stay encrypted and undecrypted.
_CASELOAD_FIELDS = (
    "id",
    "record_number",
    "first_name",
    "last_name",
    "preferred_name",
    "is_minor",
    "status",
    "last_service_date",
    "disposed_at",
)


def caseload(user: User) -> QuerySet[Client]:
    """The user's own clients (assigned, not supervised), with what the caseload page
    shows, in one query."""
    return (
        clients_for(user, WRITE_NOTES)
        .only(*_CASELOAD_FIELDS)
        .annotate(drafts=Count("notes", filter=Q(notes__status="draft", notes__author=user), distinct=True))
        .order_by("record_number")
    )


LIST_PAGE_SIZE = 50


def page_by_record_number(
    qs: QuerySet[Client], *, after: str | None = None, size: int = LIST_PAGE_SIZE
) -> tuple[list[Client], str | None]:
    """One page of a client list ordered by record number (keyset on the unique,
    indexed, plaintext record number: no OFFSET, no decryption to sort). `after` is the
    last record number of the previous page. Returns (clients, cursor or None)."""
    if after is not None and possible_record_number(after) and after.isascii():
        qs = qs.filter(record_number__gt=after)
    rows = list(qs.order_by("record_number")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].record_number if more else None)


def supervised_clients(user: User) -> QuerySet[Client]:
    """Clients of the user's supervisees: readable, not writable."""
    return (
        clients_for(user, VIEW_CHART)
        .only(*_CASELOAD_FIELDS)
        .filter(assignments__ended_at__isnull=True, assignments__counselor__supervisor=user)
        .distinct()
        .order_by("record_number")
    )


def _open_return():
    return Exists(NoteReturn.objects.filter(note=OuterRef("pk"), answered_at__isnull=True))


def _awaiting_cosign() -> QuerySet[SessionNote]:
    return SessionNote.objects.filter(status="signed", needs_cosign=True, cosigned_at__isnull=True)


def awaiting_cosign_for(user: User) -> QuerySet[SessionNote]:
    """Notes waiting for a co-signature that this user gives (supervisor) or needs
    (author); `returned` says whether one is back with its author for revision."""
    return (
        _awaiting_cosign()
        .filter(Q(author=user) | Q(author__supervisor=user))
        .filter(_granted(user, VIEW_CHART, "client__"))
        .annotate(returned=_open_return())
        .select_related("client", "author")
        .order_by("date_of_service")
    )


def awaiting_my_cosignature(user: User) -> QuerySet[SessionNote]:
    """Supervisor's work list: the signed notes of the user's supervisees that wait for
    the user's co-signature now (not those returned and not yet answered), on clients
    the user may read, oldest first."""
    return (
        _awaiting_cosign()
        .filter(author__supervisor=user)
        .exclude(_open_return())
        .filter(_granted(user, VIEW_CHART, "client__"))
        .select_related("client", "author")
        .order_by("signed_at", "id")
    )


def returned_to_me(user: User) -> QuerySet[SessionNote]:
    """Author's work list: the user's own signed notes that their supervisor returned
    for revision and the user has not answered yet, with the newest return's time and
    supervisor (`returned_at`, `returned_by_id`); the comment is on the note page."""
    newest = NoteReturn.objects.filter(note=OuterRef("pk"), answered_at__isnull=True).order_by("-returned_at")
    return (
        _awaiting_cosign()
        .filter(_open_return(), author=user)
        .filter(_granted(user, WRITE_NOTES, "client__"))
        .annotate(returned_at=Subquery(newest.values("returned_at")[:1]))
        .select_related("client", "author__supervisor")
        .order_by("returned_at", "id")
    )


def awaiting_cosign_count(author: User) -> int:
    """How many of the author's signed notes wait for a co-signature (a number only:
    the staff page shows it to a practice admin, who reads no clinical content)."""
    return _awaiting_cosign().filter(author=author).count()


def note_returns(note: SessionNote) -> list[NoteReturn]:
    """A note's returns for revision, oldest first, with who returned each and the
    addendum that answered it. Only a note that needs a co-signature has any, so the
    other notes (most) are spared the query."""
    if not note.needs_cosign:
        return []
    return list(NoteReturn.objects.filter(note=note).select_related("returned_by", "answer"))


def disclosable_notes(client: Client, start, end) -> QuerySet[SessionNote]:
    """The notes a disclosure package may hold: signed, in the period, and, when the
    author was pre-licensed, co-signed by their supervisor (issue: no uncosigned note
    of a pre-licensed counselor leaves the practice)."""
    return SessionNote.objects.filter(client=client, status="signed", date_of_service__range=(start, end)).exclude(
        needs_cosign=True, cosigned_at__isnull=True
    )


def withheld_for_cosign(client: Client, start, end) -> int:
    """How many signed notes of the period disclosable_notes leaves out because they
    wait for a co-signature (the share preview and the package say so)."""
    return _awaiting_cosign().filter(client=client, date_of_service__range=(start, end)).count()


def discharge_summary_due(client: Client) -> bool:
    """A discharged client with no discharge summary (draft or signed) dated on or
    after the discharge: the chart offers to write one."""
    if client.status != Client.Status.DISCHARGED or client.discharged_on is None:
        return False
    return not SessionNote.objects.filter(
        client=client, template="disc", date_of_service__gte=client.discharged_on
    ).exists()


def drafts_for(user: User) -> QuerySet[SessionNote]:
    """The user's own unsigned drafts, on clients they still write notes for (the home
    page's "drafts to finish"), oldest date of service first."""
    return (
        SessionNote.objects.filter(status=SessionNote.Status.DRAFT, author=user)
        .filter(_granted(user, WRITE_NOTES, "client__"))
        .select_related("client")
        .order_by("date_of_service", "id")
    )


CHART_PAGE_SIZE = 20


def chart_timeline(
    client: Client, *, before: tuple[date, int] | None = None, size: int = CHART_PAGE_SIZE
) -> tuple[list[SessionNote], tuple[date, int] | None]:
    """One page of the chart's timeline, newest first: note summaries (date, service,
    length, template, author, status, number of addenda) in one query. The note's
    content is deferred and no addendum is read, so nothing clinical is decrypted; the
    note page shows the text. Keyset on (date of service, id): `before` is the last
    summary of the previous page. Returns (notes, cursor of the next page or None)."""
    qs = (
        SessionNote.objects.filter(client=client)
        .defer("content")
        .select_related("author")
        .annotate(addenda_count=Count("addenda"))
        .order_by("-date_of_service", "-id")
    )
    if before is not None:
        day, last_id = before
        qs = qs.filter(Q(date_of_service__lt=day) | Q(date_of_service=day, id__lt=last_id))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, ((rows[-1].date_of_service, rows[-1].pk) if more else None)


def own_psychotherapy_notes(user: User, client: Client) -> QuerySet[PsychotherapyNote]:
    return PsychotherapyNote.objects.filter(client=client, author=user).only(
        "id", "date_of_service", "client_id", "author_id", "created_at", "updated_at"
    )


def clients_for_admin() -> QuerySet[Client]:
    """The practice admin's list: names, what the retention date needs, and
    assignments; no clinical content, and no contact details decrypted."""
    from retention.selectors import RETENTION_FIELDS

    fields = {*_CASELOAD_FIELDS, *RETENTION_FIELDS}
    return (
        Client.objects.only(*fields)
        .prefetch_related(Prefetch("assignments", queryset=_active_assignments(), to_attr="active_assignments"))
        .order_by("record_number")
    )


def _active_assignments():
    from records.models import Assignment

    return Assignment.objects.filter(ended_at__isnull=True).select_related("counselor")


# --- The client portal: the client's own record ------------------------------------------
def portal_client(user: User) -> Client | None:
    """The client record whose portal account this is; None for staff and strangers."""
    from practice.roles import Role

    if not (user.is_authenticated and user.role == Role.CLIENT):
        return None
    return Client.objects.filter(user=user).order_by().first()


def _released_notes(client: Client) -> QuerySet[SessionNote]:
    """Signed notes only: a draft is not part of the record until its author signs it.
    Psychotherapy notes are another model and never reach this query."""
    return SessionNote.objects.filter(client=client, status=SessionNote.Status.SIGNED)


def signed_notes(client: Client) -> QuerySet[SessionNote]:
    """The client's signed notes, newest first, with authors and addenda (three queries
    whatever their number)."""
    return (
        _released_notes(client)
        .select_related("author", "cosigned_by")
        .prefetch_related(Prefetch("addenda", queryset=Addendum.objects.select_related("author")))
    )


def signed_note(client: Client, note_id: int) -> SessionNote | None:
    return signed_notes(client).filter(pk=note_id).first()


def client_by_record_number(record_number: str) -> Client | None:
    """For practice-admin services that have checked the role (no clinical content)."""
    if not possible_record_number(record_number):
        return None
    return Client.objects.filter(record_number=record_number).order_by().first()


# --- Search (records.search: the blind index) ----------------------------------------------
SEARCH_LIMIT = 25
_SEARCH_FIELDS = (
    "id",
    "record_number",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "is_minor",
    "status",
    "last_service_date",
    "disposed_at",
)


def search_clients(base: QuerySet[Client], text: str, *, dates: bool, limit: int = SEARCH_LIMIT) -> list[Client]:
    """Clients of `base` (a permission-filtered queryset) whose record number is the
    text, or whose names hold every word typed (as prefixes), or (dates=True) whose date
    of birth it is. One query; only the matches (at most limit + 1) are decrypted."""
    from functools import reduce
    from operator import and_, or_

    from records import search

    per_word, dob = search.query_digests(text, dates=dates)
    numbers = search.record_numbers(text)
    found = []
    if numbers:
        found.append(Q(record_number__in=numbers))
    if dob:
        found.append(Q(pk__in=ClientSearchToken.objects.filter(digest__in=dob).values("client_id")))
    if per_word:
        found.append(
            reduce(
                and_,
                (Q(pk__in=ClientSearchToken.objects.filter(digest__in=d).values("client_id")) for d in per_word),
            )
        )
    if not found:
        return []
    return list(base.filter(reduce(or_, found)).order_by("record_number")[: limit + 1])


def searchable_for_clinician(user: User) -> QuerySet[Client]:
    """What a clinician's search may find and show: the clients whose chart they may
    read, with the fields of a result row (no address, phone, email)."""
    return clients_for(user, VIEW_CHART).only(*_SEARCH_FIELDS)
