from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from records.fields import EncryptedCharField, EncryptedTextField
from records.models import Client


class Diagnosis(models.Model):
    """One diagnosis of a client, as it stood from `added_at`. History is kept: a change
    (a resolved date, another type, entered in error) is a new row whose `previous` is
    the row it replaces; no row is ever updated after it is written. The current
    diagnoses are the rows nothing replaces that were not entered in error.

    Code and description are encrypted like the rest of the clinical record (bound to
    their table, column and row: records.fields)."""

    class Kind(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        PROVISIONAL = "provisional", "Provisional"
        RULE_OUT = "rule_out", "Rule-out"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    code = EncryptedCharField(max_length=10)
    description = EncryptedTextField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    onset_date = models.DateField(null=True, blank=True)
    resolved_date = models.DateField(null=True, blank=True)
    entered_in_error = models.BooleanField(default=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    # The row this one replaces. One-to-one: a row is replaced at most once, so the
    # history of a diagnosis is a single line (two concurrent revisions cannot fork it).
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")

    class Meta:
        ordering = ["added_at", "id"]
        indexes = [models.Index(fields=["client", "added_at"], name="diagnosis_client_added")]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_date__isnull=True)
                | Q(onset_date__isnull=True)
                | Q(resolved_date__gte=F("onset_date")),
                name="diagnosis_resolved_after_onset",
            ),
        ]

    def __str__(self) -> str:
        return f"Diagnosis {self.pk}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_date is not None
