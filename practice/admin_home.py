"""The practice admin's part of the home page: what waits for review, each item with its
count and a link to the page where the work is done.

Rule: nothing here reads a client's record. The items are counts, and names of staff
(staff without two-factor); flags and emergency accesses are counted, not shown, so the
home page writes no audit event (the pages the items link to are audited reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from practice.models import User

# How many staff names the two-factor item lists before "and N more".
NAMES_SHOWN = 5


@dataclass(frozen=True)
class WorkItem:
    key: str
    title: str
    count: int
    url: str
    link_text: str
    done_text: str  # said when the count is 0
    detail: str = ""
    names: list[str] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.names), 0) if self.names else 0


def worklist(user: User) -> list[WorkItem]:
    """The admin's items, in the order they show. Only for practice admins."""
    if not user.is_practice_admin:
        return []
    return [_flags(), _emergency(), _disposals(user), _two_factor()]


def _flags() -> WorkItem:
    from django.conf import settings

    from audit.selectors import flags

    count = len(flags(limit=10**6))
    return WorkItem(
        "flags",
        "Flags to review",
        count,
        reverse("audit_flags"),
        "Review flags",
        "No flags wait for review.",
        detail=f"From the last {settings.AUDIT_FLAG_WINDOW_DAYS} days of the audit log.",
    )


def _emergency() -> WorkItem:
    from emergency.selectors import pending_count

    return WorkItem(
        "emergency",
        "Emergency accesses to review",
        pending_count(),
        reverse("emergency_queue"),
        "Review emergency accesses",
        "No emergency access waits for review.",
        detail="Waiting for an admin to acknowledge or escalate, with a comment.",
    )


def _disposals(user: User) -> WorkItem:
    from retention import selectors

    due = len(selectors.due_for_disposal(selectors.current_policy()))
    to_approve = selectors.proposals_awaiting(user).count()
    parts = []
    if due:
        parts.append(f"{due} past retention, not yet proposed")
    if to_approve:
        parts.append(f"{to_approve} proposed by another admin, waiting for your approval")
    return WorkItem(
        "disposals",
        "Disposal queue",
        due + to_approve,
        reverse("retention_overview"),
        "Open the disposal queue",
        "No record waits for disposal.",
        detail="; ".join(parts),
    )


def _two_factor() -> WorkItem:
    from audit.people import staff_person
    from practice.selectors import staff_without_two_factor

    staff = staff_without_two_factor()
    shown = list(staff[:NAMES_SHOWN])
    count = len(shown) if len(shown) < NAMES_SHOWN else staff.count()
    return WorkItem(
        "two_factor",
        "Staff without two-factor",
        count,
        reverse("staff_list"),
        "Manage staff",
        "Every active staff member has two-factor sign-in.",
        names=[staff_person(user).label for user in shown],
    )
