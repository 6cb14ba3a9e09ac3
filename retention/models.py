"""Retention of client records, legal holds, and audited two-admin disposal.

The law, not a button, ends a record's life: a record is kept until its retention date
(retention.policy.retain_until) and as long as a legal hold stands. A disposal is
proposed by one practice admin and approved by another; approval removes the clinical
content and identifying data of the client and leaves a tombstone (the client row with
its record number and dates, every encrypted value emptied, plus the Disposal row with
the policy applied), from which the disposal certificate is printed. Audit events are
never disposed of.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from records.fields import EncryptedTextField
from records.models import Client

DEFAULT_YEARS_AFTER_SERVICE = 7
DEFAULT_AGE_OF_MAJORITY = 18
DEFAULT_YEARS_AFTER_MAJORITY = 7


class RetentionPolicy(models.Model):
    """The practice's retention policy. Changes add a row (the newest applies), so the
    policy under which a record was disposed of stays on file."""

    years_after_service = models.PositiveSmallIntegerField(default=DEFAULT_YEARS_AFTER_SERVICE)
    age_of_majority = models.PositiveSmallIntegerField(default=DEFAULT_AGE_OF_MAJORITY)
    years_after_majority = models.PositiveSmallIntegerField(default=DEFAULT_YEARS_AFTER_MAJORITY)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name_plural = "retention policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(years_after_service__gte=1, years_after_service__lte=100), name="retention_years_sane"
            ),
            models.CheckConstraint(
                condition=Q(age_of_majority__gte=14, age_of_majority__lte=25), name="retention_majority_sane"
            ),
            models.CheckConstraint(
                condition=Q(years_after_majority__lte=100), name="retention_years_after_majority_sane"
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        return (
            f"{self.years_after_service} years after the last date of service; for clients who were minors, "
            f"{self.years_after_majority} years after age {self.age_of_majority} if that is later"
        )


class LegalHold(models.Model):
    """A hold blocks disposal whatever the date, until it is released."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="legal_holds")
    # May name a case or a court: encrypted.
    reason = EncryptedTextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(released_by__isnull=False), name="hold_release_by"
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.pk} on {self.client_id}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class Disposal(models.Model):
    """One disposal: proposed by one practice admin, approved (and carried out) by
    another. Once completed, this row and the emptied client row are the tombstone."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="disposals")
    record_number = models.CharField(max_length=12)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The policy applied, as it was.
    policy = models.ForeignKey(RetentionPolicy, on_delete=models.PROTECT, related_name="+")
    years_after_service = models.PositiveSmallIntegerField()
    age_of_majority = models.PositiveSmallIntegerField()
    years_after_majority = models.PositiveSmallIntegerField()
    was_minor = models.BooleanField()
    retain_until = models.DateField()
    # The record's dates (not identifying).
    registered_on = models.DateField()
    last_service_date = models.DateField(null=True, blank=True)
    discharged_on = models.DateField(null=True, blank=True)
    # What was removed: {kind: count}; and the audit event that recorded it.
    removed = models.JSONField(default=dict, blank=True)
    audit_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(status__in=["proposed", "completed"]), name="one_open_disposal"
            ),
            # Two different admins: the database says so too.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("proposed_by")),
                name="disposal_two_admins",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="disposal_completed_is_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"Disposal {self.pk} of {self.record_number} ({self.status})"

    def policy_text(self) -> str:
        return RetentionPolicy(
            years_after_service=self.years_after_service,
            age_of_majority=self.age_of_majority,
            years_after_majority=self.years_after_majority,
        ).describe()
