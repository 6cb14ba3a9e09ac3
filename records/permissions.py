"""Object-level permissions on clients (django-guardian, direct foreign-key table).

The rows in ClientUserObjectPermission always equal what the active assignments and
supervision relations imply, for active accounts with a clinical role; sync_client
recomputes them after every change to a client's care team, and sync_person after every
change to a person's account (role, deactivation), inside the same transaction. Nothing
else grants them. The permission queries (records.selectors) check the account's
status and role again, so a row left behind opens nothing.

Security note: never answer "may this user read this client?" with user.has_perm(): Django's
ModelBackend and guardian's ObjectPermissionChecker both say yes to any active superuser.
Use records.selectors, which query the permission table directly.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from practice.roles import Role
from records.models import Assignment, Client, ClientUserObjectPermission

VIEW_CHART = "view_chart"
WRITE_NOTES = "write_notes"


def _permissions() -> dict[str, Permission]:
    ct = ContentType.objects.get_for_model(Client)
    return {p.codename: p for p in Permission.objects.filter(content_type=ct, codename__in=[VIEW_CHART, WRITE_NOTES])}


def expected_grants(client: Client) -> set[tuple[int, str]]:
    """Rule: the care team (active counselors and supervisors assigned to the client)
    read and write; the active supervisor of each member reads. A deactivated account,
    or one whose role is no longer clinical, holds nothing, whatever its assignments say."""
    grants: set[tuple[int, str]] = set()
    active = Assignment.objects.filter(client=client, ended_at__isnull=True).select_related(
        "counselor", "counselor__supervisor"
    )
    for assignment in active:
        counselor = assignment.counselor
        if counselor.is_active and counselor.role in (Role.COUNSELOR, Role.SUPERVISOR):
            grants.add((counselor.pk, VIEW_CHART))
            grants.add((counselor.pk, WRITE_NOTES))
        supervisor = counselor.supervisor
        if supervisor is not None and supervisor.is_active and supervisor.role == Role.SUPERVISOR:
            grants.add((supervisor.pk, VIEW_CHART))
    return grants


def sync_client(client: Client) -> tuple[int, int]:
    """Make the permission rows of one client match its assignments. Returns
    (granted, revoked)."""
    perms = _permissions()
    by_id = {p.pk: code for code, p in perms.items()}
    current = {
        (row.user_id, by_id[row.permission_id]): row.pk
        for row in ClientUserObjectPermission.objects.filter(content_object=client)
    }
    expected = expected_grants(client)
    revoke = [pk for key, pk in current.items() if key not in expected]
    grant = [key for key in expected if key not in current]
    if revoke:
        ClientUserObjectPermission.objects.filter(pk__in=revoke).delete()
    if grant:
        ClientUserObjectPermission.objects.bulk_create(
            [
                ClientUserObjectPermission(content_object=client, user_id=user_id, permission=perms[code])
                for user_id, code in grant
            ]
        )
    return len(grant), len(revoke)


def clients_touching(user) -> list[Client]:
    """Every client whose permissions depend on this person: those assigned to them,
    those of the counselors they supervise, and any they hold a permission row on."""
    active = Assignment.objects.filter(ended_at__isnull=True)
    ids = set(
        active.filter(Q(counselor=user) | Q(counselor__supervisor=user)).values_list("client_id", flat=True)
    ) | set(ClientUserObjectPermission.objects.filter(user=user).values_list("content_object_id", flat=True))
    return list(Client.objects.filter(pk__in=ids).order_by("pk"))


def sync_person(user) -> tuple[int, int]:
    """Re-sync every client this person's permissions touch (after a change of role,
    a deactivation or a reactivation). Returns (granted, revoked) over all of them."""
    granted = revoked = 0
    for client in clients_touching(user):
        g, r = sync_client(client)
        granted += g
        revoked += r
    return granted, revoked
