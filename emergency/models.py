"""Emergency (break-glass) access: HIPAA 164.312(a)(2)(ii).

An EmergencyAccess row is an explicit, time-limited grant: a clinician who is not on a
client's care team reads that client's chart, read-only, until `expires_at`. Nothing
else grants it, and nothing but records.selectors honors it (for reading the chart and
its session notes only: never writing, never psychotherapy notes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from records.fields import EncryptedTextField
from records.models import Client


class Reason(models.TextChoices):
    RISK_TO_CLIENT = "risk_to_client", "Risk to the client (harm to self)"
    RISK_TO_OTHERS = "risk_to_others", "Risk to others"
    COVERING = "covering", "Covering for an absent colleague in a crisis"


class EmergencyAccess(models.Model):
    class Review(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ESCALATED = "escalated", "Escalated"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="emergency_accesses")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # Free text may name clinical facts: encrypted, never in the audit log or emails.
    justification = EncryptedTextField()
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Set when the clinician ends the access before it expires.
    ended_at = models.DateTimeField(null=True, blank=True)
    review = models.CharField(max_length=12, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # The reviewer's remark: typed by staff, it may name people, so it is encrypted and
    # never written to the audit log (which keeps the decision only).
    review_comment = EncryptedTextField(blank=True, null=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["user", "client", "expires_at"], name="emergency_grant_lookup")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("opened_at")), name="emergency_expires_after_open"),
            models.CheckConstraint(
                condition=Q(review="pending", reviewed_at__isnull=True)
                | Q(~Q(review="pending"), reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="emergency_review_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Emergency access {self.pk} ({self.client_id})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None and self.expires_at > timezone.now()

    @property
    def seconds_left(self) -> int:
        if self.ended_at is not None:
            return 0
        return max(0, int((self.expires_at - timezone.now()).total_seconds()))

    @property
    def time_left_display(self) -> str:
        """m:ss, as the banner's script counts it down."""
        minutes, seconds = divmod(self.seconds_left, 60)
        return f"{minutes}:{seconds:02d}"
