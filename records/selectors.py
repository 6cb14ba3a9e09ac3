"""Reads that answer "which clients and notes may this user see". Every query here folds
the object-permission check into the query itself: one round trip, and no superuser or
model-wide permission ever widens it (with_superuser=False, accept_global_perms=False)."""

from __future__ import annotations

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from practice.models import User
from records.models import Addendum, Client, PsychotherapyNote, SessionNote
from records.permissions import VIEW_CHART, WRITE_NOTES


def clients_for(user: User, perm: str = VIEW_CHART) -> QuerySet[Client]:
    return get_objects_for_user(user, f"records.{perm}", klass=Client, accept_global_perms=False, with_superuser=False)


def _granted(user: User, perm: str, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}clientuserobjectpermission__user": user,
            f"{prefix}clientuserobjectpermission__permission__codename": perm,
        }
    )


def client_for(user: User, record_number: str, perm: str = VIEW_CHART) -> Client | None:
    return Client.objects.filter(_granted(user, perm), record_number=record_number).order_by().first()


# What a note page shows of its client: the name and record number. The other identifying
# fields stay encrypted and unread (fewer decryptions, less data in memory).
_CLIENT_FIELDS_NOT_ON_NOTE_PAGES = tuple(
    f"client__{name}" for name in ("date_of_birth", "email", "phone", "address", "emergency_contact")
)


def note_for(user: User, note_id: int, perm: str = VIEW_CHART) -> SessionNote | None:
    return (
        SessionNote.objects.select_related("client", "author")
        .defer(*_CLIENT_FIELDS_NOT_ON_NOTE_PAGES)
        .filter(_granted(user, perm, "client__"), pk=note_id)
        .order_by()
        .first()
    )


def psychotherapy_note_for(user: User, note_id: int) -> PsychotherapyNote | None:
    """Only the author, and only while they still care for the client."""
    return (
        PsychotherapyNote.objects.select_related("client")
        .filter(_granted(user, WRITE_NOTES, "client__"), pk=note_id, author=user)
        .order_by()
        .first()
    )


def caseload(user: User) -> QuerySet[Client]:
    """The user's own clients (assigned, not supervised), with what the caseload page
    shows, in one query."""
    return (
        clients_for(user, WRITE_NOTES)
        .annotate(
            last_session=Max("notes__date_of_service"),
            drafts=Count("notes", filter=Q(notes__status="draft", notes__author=user), distinct=True),
        )
        .order_by("record_number")
    )


def supervised_clients(user: User) -> QuerySet[Client]:
    """Clients of the user's supervisees: readable, not writable."""
    return (
        clients_for(user, VIEW_CHART)
        .filter(assignments__ended_at__isnull=True, assignments__counselor__supervisor=user)
        .annotate(last_session=Max("notes__date_of_service"))
        .distinct()
        .order_by("record_number")
    )


def awaiting_cosign_for(user: User) -> QuerySet[SessionNote]:
    """Notes waiting for a co-signature that this user gives (supervisor) or needs
    (author)."""
    return (
        SessionNote.objects.filter(status="signed", needs_cosign=True, cosigned_at__isnull=True)
        .filter(Q(author=user) | Q(author__supervisor=user))
        .filter(_granted(user, VIEW_CHART, "client__"))
        .select_related("client", "author")
        .order_by("date_of_service")
    )


def chart_notes(client: Client) -> QuerySet[SessionNote]:
    return (
        SessionNote.objects.filter(client=client)
        .select_related("author")
        .prefetch_related(Prefetch("addenda", queryset=Addendum.objects.select_related("author")))
    )


def own_psychotherapy_notes(user: User, client: Client) -> QuerySet[PsychotherapyNote]:
    return PsychotherapyNote.objects.filter(client=client, author=user).only(
        "id", "date_of_service", "client_id", "author_id", "created_at", "updated_at"
    )


def clients_for_admin() -> QuerySet[Client]:
    """The practice admin's list: names and assignments, no clinical content."""
    return Client.objects.prefetch_related(
        Prefetch("assignments", queryset=_active_assignments(), to_attr="active_assignments")
    ).order_by("record_number")


def _active_assignments():
    from records.models import Assignment

    return Assignment.objects.filter(ended_at__isnull=True).select_related("counselor")
