from django.contrib.auth.models import AbstractUser
from django.db import models

from practice.roles import CLINICAL_ROLES, STAFF_ROLES, Role


class User(AbstractUser):
    """An account for one person. No shared logins: each person has their own.

    Accounts are deactivated, never deleted: audit events and signed documents point at
    them with on_delete=PROTECT.
    """

    role = models.CharField(max_length=20, choices=Role.choices)
    # Set by a deactivation so the admin pages can say when and why access ended.
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Clinical supervision: a counselor's supervisor reads their clients' charts, and
    # co-signs their notes while they are pre-licensed.
    supervisor = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="supervisees")
    is_pre_licensed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_practice_staff(self) -> bool:
        """Counselors, supervisors and practice admins: these must use two-factor."""
        return self.role in STAFF_ROLES

    @property
    def is_clinician(self) -> bool:
        return self.role in CLINICAL_ROLES

    @property
    def is_practice_admin(self) -> bool:
        return self.role == Role.PRACTICE_ADMIN
