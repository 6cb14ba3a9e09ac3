"""Object-level permissions on clients (django-guardian, direct foreign-key table).

The rows in ClientUserObjectPermission always equal what the active assignments and
supervision relations imply; sync_client recomputes them after every change, inside the
same transaction. Nothing else grants them.

Security note: never answer "may this user read this client?" with user.has_perm(): Django's
ModelBackend and guardian's ObjectPermissionChecker both say yes to any active superuser.
Use records.selectors, which query the permission table directly.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from records.models import Assignment, Client, ClientUserObjectPermission

VIEW_CHART = "view_chart"
WRITE_NOTES = "write_notes"


def _permissions() -> dict[str, Permission]:
    ct = ContentType.objects.get_for_model(Client)
    return {p.codename: p for p in Permission.objects.filter(content_type=ct, codename__in=[VIEW_CHART, WRITE_NOTES])}


def expected_grants(client: Client) -> set[tuple[int, str]]:
    grants: set[tuple[int, str]] = set()
    active = Assignment.objects.filter(client=client, ended_at__isnull=True).select_related("counselor")
    for assignment in active:
        counselor = assignment.counselor
        grants.add((counselor.pk, VIEW_CHART))
        grants.add((counselor.pk, WRITE_NOTES))
        if counselor.supervisor_id:
            grants.add((counselor.supervisor_id, VIEW_CHART))
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
