"""Roles. One role per account; the role decides navigation and which services a user
may call. It never grants access to a client's record: that comes only from an
object-level assignment (records app, django-guardian)."""

from django.db import models


class Role(models.TextChoices):
    COUNSELOR = "counselor", "Counselor"
    SUPERVISOR = "supervisor", "Clinical supervisor"
    PRACTICE_ADMIN = "practice_admin", "Practice admin"
    CLIENT = "client", "Client"


STAFF_ROLES = frozenset({Role.COUNSELOR, Role.SUPERVISOR, Role.PRACTICE_ADMIN})
CLINICAL_ROLES = frozenset({Role.COUNSELOR, Role.SUPERVISOR})
