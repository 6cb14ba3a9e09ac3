from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# LegalBasis: the codes live with their facts in consent.bases; imported from here too.
from consent.bases import BASES, LegalBasis
from records.fields import EncryptedCharField, EncryptedDateField, EncryptedEmailField, EncryptedTextField
from records.models import Client


class Category(models.TextChoices):
    """What an authorization may release. Psychotherapy notes are not a category: they
    need an authorization of their own kind."""

    ATTENDANCE = "attendance", "Attendance and dates of service"
    DIAGNOSIS = "diagnosis", "Diagnosis"
    TREATMENT_PLAN = "treatment_plan", "Treatment plan"
    PROGRESS_NOTES = "progress_notes", "Progress notes"
    ASSESSMENTS = "assessments", "Assessments"
    DISCHARGE_SUMMARY = "discharge_summary", "Discharge summary"
    SUBSTANCE_USE = "substance_use", "Substance-use information (42 CFR Part 2)"


class Purpose(models.TextChoices):
    CLIENT_REQUEST = "client_request", "At the request of the client"
    CONTINUITY = "continuity", "Continuity of care / coordination of treatment"
    LEGAL = "legal", "Legal proceedings"
    INSURANCE = "insurance", "Insurance or payment"
    SCHOOL = "school", "School or educational services"
    OTHER = "other", "Other (described)"


class Authorization(models.Model):
    """A release of information (45 CFR 164.508(c)). Prepared by a counselor, signed by
    the client (or their personal representative) online. Once signed, the text shown is
    frozen with its SHA-256 and nothing about it changes; revocation only adds a date."""

    class Kind(models.TextChoices):
        GENERAL = "general", "Release of information"
        PSYCHOTHERAPY_NOTES = "psychotherapy_notes", "Release of psychotherapy notes"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Waiting for signature"
        SIGNED = "signed", "Signed"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="authorizations")
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # A consent under 42 CFR Part 2 (its text says so): prepared for a client covered by
    # Part 2, or releasing substance-use information.
    part2_consent = models.BooleanField(default=False)
    # Who receives (identifying a third party and the client's relation to them: encrypted).
    recipient_name = EncryptedCharField(max_length=200)
    recipient_organization = EncryptedCharField(max_length=200, blank=True)
    recipient_email = EncryptedEmailField()
    recipient_address = EncryptedTextField(blank=True)
    # What, why, until when.
    categories = models.JSONField(default=list, blank=True)
    information_from = models.DateField()
    information_to = models.DateField()
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    purpose_detail = EncryptedTextField(blank=True)
    expires_on = models.DateField()
    expiration_event = EncryptedCharField(max_length=200, blank=True)
    # A personal representative signs for a minor or a person under guardianship.
    representative_name = EncryptedCharField(max_length=200, blank=True)
    representative_authority = EncryptedCharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Signature: the exact text shown, frozen, and the evidence of signing.
    signed_text = EncryptedTextField(blank=True)
    text_sha256 = models.CharField(max_length=64, blank=True)
    signed_name = EncryptedCharField(max_length=200, blank=True)
    signature_image = EncryptedTextField(blank=True)  # data:image/png;base64,... (optional)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_user_agent = models.CharField(max_length=300, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(information_from__lte=models.F("information_to")), name="authorization_date_range_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["signed", "revoked"])
                | Q(signed_at__isnull=False, text_sha256__regex=r"^[0-9a-f]{64}$"),
                name="authorization_signature_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_at__isnull=False), name="authorization_revocation_dated"
            ),
        ]

    def __str__(self) -> str:
        return f"Authorization {self.pk} ({self.get_status_display()})"

    @property
    def is_expired(self) -> bool:
        return self.expires_on < timezone.localdate()

    @property
    def is_active(self) -> bool:
        """Signed, not revoked, not expired: checked at the moment of every disclosure."""
        return self.status == self.Status.SIGNED and self.revoked_at is None and not self.is_expired

    @property
    def state_label(self) -> str:
        if self.status == self.Status.SIGNED and self.is_expired:
            return "Expired"
        return self.get_status_display()

    @property
    def has_substance_use(self) -> bool:
        return Category.SUBSTANCE_USE in self.categories

    @property
    def is_part2_consent(self) -> bool:
        return self.part2_consent or self.has_substance_use

    def category_labels(self) -> list[str]:
        return [Category(c).label for c in self.categories if c in Category.values]

    def verify_text(self) -> bool:
        return (
            bool(self.signed_text) and hashlib.sha256(self.signed_text.encode("utf-8")).hexdigest() == self.text_sha256
        )


class Invitation(models.Model):
    """A one-time link for a client without an account: set a password, then sign."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation for {self.client}"


class Disclosure(models.Model):
    """Information that left the practice: the accounting of disclosures is generated
    from these rows, which are append-only (database triggers) and never edited."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="disclosures")
    authorization = models.ForeignKey(
        Authorization, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices, blank=True)
    justification = EncryptedTextField(blank=True)
    # The release's maker: for a legal-basis release, the clinician who asked for it.
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField()
    recipient_name = EncryptedCharField(max_length=200)
    recipient_organization = EncryptedCharField(max_length=200, blank=True)
    recipient_email = EncryptedEmailField()
    categories = models.JSONField(blank=True)
    information_from = models.DateField()
    information_to = models.DateField()
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    purpose_detail = EncryptedTextField(blank=True)
    includes_psychotherapy_notes = models.BooleanField(default=False)
    includes_substance_use = models.BooleanField(default=False)
    # The package as sent (PDF, base64), encrypted, and its SHA-256.
    package = EncryptedTextField()
    package_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-made_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(authorization__isnull=False, legal_basis="")
                | Q(authorization__isnull=True, legal_basis__in=LegalBasis.values),
                name="disclosure_has_authorization_or_legal_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"Disclosure {self.pk}"

    def description(self) -> str:
        labels = [Category(c).label for c in self.categories if c in Category.values]
        if self.includes_psychotherapy_notes:
            labels.append("Psychotherapy notes")
        return f"{', '.join(labels)} ({self.information_from:%b %d, %Y} – {self.information_to:%b %d, %Y})"

    def purpose_text(self) -> str:
        if self.legal_basis:
            return basis_text(self.legal_basis)
        return self.get_purpose_display() + (f": {self.purpose_detail}" if self.purpose_detail else "")


class DeliveryLink(models.Model):
    """How the recipient fetches a package: an expiring link plus a one-time code sent
    separately (only their SHA-256 is stored). Voided by revocation or cancellation."""

    disclosure = models.OneToOneField(Disclosure, on_delete=models.PROTECT, related_name="link")
    token_sha256 = models.CharField(max_length=64, unique=True)
    code_sha256 = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    max_downloads = models.PositiveSmallIntegerField()
    downloads = models.PositiveSmallIntegerField(default=0)
    failed_codes = models.PositiveSmallIntegerField(default=0)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"Link for disclosure {self.disclosure_id}"


def basis_text(code: str) -> str:
    """A legal basis as documents state it: its name and its citation."""
    basis = BASES.get(code)
    return f"{basis.label} ({basis.citation})" if basis else code


class LegalRequest(models.Model):
    """A disclosure without the client's authorization, as a clinician asked for it under
    a legal basis (consent.bases), and what became of it. The gate decided it was
    permitted; psychotherapy notes and 42 CFR Part 2 records then wait for a practice
    admin other than the requester (except under a serious and imminent threat). The
    Disclosure (what left, with its package and link) exists only once it is released."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a practice admin's approval"
        RELEASED = "released", "Released"
        REJECTED = "rejected", "Rejected"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="legal_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    justification = EncryptedTextField()
    # A court order or subpoena: who issued it, when, and its docket or reference number.
    court_name = EncryptedCharField(max_length=200, blank=True)
    court_date = EncryptedDateField(null=True, blank=True)
    court_reference = EncryptedCharField(max_length=100, blank=True)
    recipient_name = EncryptedCharField(max_length=200)
    recipient_organization = EncryptedCharField(max_length=200, blank=True)
    recipient_email = EncryptedEmailField()
    categories = models.JSONField(blank=True)
    information_from = models.DateField()
    information_to = models.DateField()
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    purpose_detail = EncryptedTextField(blank=True)
    includes_psychotherapy_notes = models.BooleanField(default=False)
    includes_part2 = models.BooleanField(default=False)
    needs_approval = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = EncryptedTextField(blank=True)
    disclosure = models.OneToOneField(
        Disclosure, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_request"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Security note: the approver is never the requester, whatever their role became.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="legal_request_decided_by_another",
            ),
            models.CheckConstraint(
                condition=~Q(status="released") | Q(disclosure__isnull=False), name="legal_request_released_has_record"
            ),
        ]

    def __str__(self) -> str:
        return f"Legal request {self.pk} ({self.get_status_display()})"

    @property
    def basis(self):
        return BASES[self.legal_basis]

    def basis_text(self) -> str:
        return basis_text(self.legal_basis)

    def court_text(self) -> str:
        if not self.basis.court_details:
            return ""
        when = f"{self.court_date:%B %d, %Y}" if self.court_date else "undated"
        return f"{self.court_name}, {when}, docket/reference {self.court_reference}"

    def description(self) -> str:
        labels = [Category(c).label for c in self.categories if c in Category.values]
        if self.includes_psychotherapy_notes:
            labels.append("Psychotherapy notes")
        return f"{', '.join(labels)} ({self.information_from:%b %d, %Y} – {self.information_to:%b %d, %Y})"
