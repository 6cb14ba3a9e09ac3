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


class TreatmentPlan(models.Model):
    """One version of a client's treatment plan: problems, each with a goal, measurable
    objectives with target dates, and interventions; and a review date. A draft is
    changed by its author until signed; signing locks it (signer, time, SHA-256 of the
    content). A change to a signed plan is a new version (its `previous` is the version
    it replaces), never an edit. The client may acknowledge a signed version in the
    portal. The content is one encrypted JSON value (clinical.plans)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    content = EncryptedTextField()
    review_date = models.DateField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Each saved change of a draft adds one; signing names the content it was shown.
    edits = models.PositiveIntegerField(default=1)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="plan_one_row_per_version"),
            models.UniqueConstraint(fields=["client"], condition=Q(status="draft"), name="plan_one_draft_per_client"),
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True)
                | Q(
                    status="signed",
                    signed_at__isnull=False,
                    signed_by__isnull=False,
                    content_sha256__regex=r"^[0-9a-f]{64}$",
                ),
                name="plan_signed_fields_complete",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(status="signed"),
                name="plan_acknowledged_only_when_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"Treatment plan {self.pk} (version {self.version})"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class Measure(models.Model):
    """A PHQ-9 or GAD-7: assigned by the counselor and completed by the client in the
    portal, or entered by the counselor in session. Answers and score are encrypted;
    the band is derived from the score (clinical.instruments)."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Waiting for the client"
        COMPLETED = "completed", "Completed"

    class Via(models.TextChoices):
        PORTAL = "portal", "by the client in the portal"
        SESSION = "session", "in session"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(max_length=8, choices=[("phq9", "PHQ-9"), ("gad7", "GAD-7")])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    # JSON list of the answers (0-3), encrypted; the total likewise.
    answers = EncryptedTextField(null=True, blank=True)
    score = EncryptedCharField(max_length=4, null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_via = models.CharField(max_length=8, choices=Via.choices, blank=True)

    class Meta:
        ordering = ["-completed_at", "-assigned_at", "-id"]
        indexes = [models.Index(fields=["client", "status"], name="measure_client_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="assigned", completed_at__isnull=True)
                | Q(status="completed", completed_at__isnull=False, completed_by__isnull=False),
                name="measure_completed_fields_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.pk}"

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class MeasureAlert(models.Model):
    """A completed questionnaire that needs a counselor's attention (PHQ-9 item 9 above
    0), one per counselor of the client's care team at the time. The row says only that
    it needs attention; what and why stay in the encrypted answers."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="alerts")
    counselor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["measure", "counselor"], name="measure_alert_once_per_counselor"),
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk}"
