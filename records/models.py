from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import UserObjectPermissionBase

from records.fields import EncryptedCharField, EncryptedDateField, EncryptedEmailField, EncryptedTextField


class Client(models.Model):
    """A person in care. Identifying data is encrypted field by field; the record
    number is not identifying and is what URLs, audit events and exports carry."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISCHARGED = "discharged", "Discharged"

    record_number = models.CharField(max_length=12, unique=True)
    # null: only a disposal (retention.services) empties them; forms still require them.
    first_name = EncryptedCharField(max_length=150, null=True)
    last_name = EncryptedCharField(max_length=150, null=True)
    preferred_name = EncryptedCharField(max_length=150, blank=True, null=True)
    date_of_birth = EncryptedDateField(null=True)
    email = EncryptedEmailField(blank=True, null=True)
    phone = EncryptedCharField(max_length=40, blank=True, null=True)
    address = EncryptedTextField(blank=True, null=True)
    emergency_contact = EncryptedTextField(blank=True, null=True)
    is_minor = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    # Plain dates: the retention period counts from the last date of service.
    last_service_date = models.DateField(null=True, blank=True)
    discharged_on = models.DateField(null=True, blank=True)
    # The client's portal account, once invited (the consent issue).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="client_record"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by a completed disposal: the row is then the tombstone (record number, dates).
    disposed_at = models.DateTimeField(null=True, blank=True)
    # Receives substance-use-disorder treatment covered by 42 CFR Part 2 (since when):
    # set by a practice admin (consent.services.part2), never cleared in the product.
    part2_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("view_chart", "Read the client's chart and session notes"),
            ("write_notes", "Write session notes for the client"),
        ]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", discharged_on__isnull=True) | Q(status="discharged"),
                name="client_discharge_date_only_when_discharged",
            ),
        ]

    def __str__(self) -> str:
        return self.record_number

    @property
    def legal_name(self) -> str:
        if self.disposed_at is not None:
            return "Disposed record"
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        """The legal name, with the preferred name beside it, never instead of it: a
        heading must identify the record unambiguously."""
        if self.preferred_name and self.preferred_name != self.first_name:
            return f"{self.legal_name} ({self.preferred_name})"
        return self.legal_name


class ClientUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key permission table for clients (no generic FK)."""

    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)


class Assignment(models.Model):
    """Who cares for a client. History is kept: ending an assignment sets ended_at.
    Permissions (ClientUserObjectPermission) follow the active rows exactly
    (records.permissions.sync_client)."""

    class Kind(models.TextChoices):
        PRIMARY = "primary", "Assigned counselor"
        CO_THERAPIST = "co_therapist", "Co-therapist"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="assignments")
    counselor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(kind="primary", ended_at__isnull=True), name="one_active_primary"
            ),
            models.UniqueConstraint(
                fields=["client", "counselor"], condition=Q(ended_at__isnull=True), name="one_active_per_counselor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counselor} → {self.client} ({self.kind})"


class NoteTemplate(models.TextChoices):
    SOAP = "soap", "SOAP"
    DAP = "dap", "DAP"
    BIRP = "birp", "BIRP"
    FREE = "free", "Free-form"
    # Structured documents with their own sections, signed like any note (and kept
    # under these keys: disclosure packages file them as "assessments" and "discharge
    # summary").
    INTAKE = "intk", "Intake assessment"
    DISCHARGE = "disc", "Discharge summary"


TEMPLATE_SECTIONS: dict[str, list[tuple[str, str]]] = {
    NoteTemplate.SOAP: [
        ("subjective", "Subjective"),
        ("objective", "Objective"),
        ("assessment", "Assessment"),
        ("plan", "Plan"),
    ],
    NoteTemplate.DAP: [("data", "Data"), ("assessment", "Assessment"), ("plan", "Plan")],
    NoteTemplate.BIRP: [
        ("behavior", "Behavior"),
        ("intervention", "Intervention"),
        ("response", "Response"),
        ("plan", "Plan"),
    ],
    NoteTemplate.FREE: [("note", "Note")],
    NoteTemplate.INTAKE: [
        ("presenting_problem", "Presenting problem"),
        ("history", "History"),
        ("mental_status", "Mental status"),
        ("risk_assessment", "Risk assessment"),
        ("diagnostic_impressions", "Diagnostic impressions"),
        ("initial_plan", "Initial plan"),
    ],
    NoteTemplate.DISCHARGE: [
        ("reason", "Reason for discharge"),
        ("progress", "Progress toward goals"),
        ("recommendations", "Recommendations"),
        ("referrals", "Referrals"),
    ],
}

# Prompts under the structured sections, so that nothing expected is forgotten.
SECTION_HELP: dict[str, str] = {
    "presenting_problem": "In the client's words where possible: what brings them now, since when.",
    "history": "Psychiatric, medical, substance use, family, social, education and work, trauma.",
    "mental_status": "Appearance, behavior, speech, mood and affect, thought process and content, "
    "perception, cognition, insight, judgment.",
    "risk_assessment": "Suicidal and homicidal ideation, plan, intent, means, history of attempts, "
    "protective factors; the safety plan if one was made.",
    "diagnostic_impressions": "Working diagnoses or rule-outs and what supports them.",
    "initial_plan": "Frequency and modality of sessions, first goals, referrals, next appointment.",
    "reason": "Goals met, client's choice, referral elsewhere, moved, no contact since a date, or other.",
    "progress": "Each treatment goal and how far it was reached; measures at intake and at the end.",
    "recommendations": "What the client can do next; warning signs and when to return.",
    "referrals": "To whom, for what, and whether the client agreed; crisis contacts given.",
}

# What a new note of each structured template is, unless the counselor says otherwise.
TEMPLATE_SERVICE_TYPE: dict[str, str] = {NoteTemplate.INTAKE: "intake", NoteTemplate.DISCHARGE: "discharge"}


class ServiceType(models.TextChoices):
    INTAKE = "intake", "Intake assessment"
    INDIVIDUAL = "individual", "Individual therapy"
    COUPLES = "couples", "Couples therapy"
    FAMILY = "family", "Family therapy"
    GROUP = "group", "Group therapy"
    CRISIS = "crisis", "Crisis intervention"
    TELEHEALTH = "telehealth", "Telehealth session"
    # Written when care ends; not a session with the client.
    DISCHARGE = "discharge", "Discharge summary"


class SessionNote(models.Model):
    """A progress note. Draft until signed; signing locks it for good (corrections are
    signed addenda). All clinical text is in `content`, encrypted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes")
    date_of_service = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField()
    service_type = models.CharField(max_length=12, choices=ServiceType.choices)
    template = models.CharField(max_length=4, choices=NoteTemplate.choices)
    # JSON object {section key: text}, encrypted as one value.
    content = EncryptedTextField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    # Each saved change of a draft adds one; a save based on an older version is refused
    # (records.services.note_update), so two sessions cannot silently overwrite each other.
    version = models.PositiveIntegerField(default=1)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    # Pre-licensed authors need their supervisor's co-signature.
    needs_cosign = models.BooleanField(default=False)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date_of_service", "-id"]
        indexes = [models.Index(fields=["client", "-date_of_service"], name="note_client_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True)
                | Q(
                    status="signed",
                    signed_at__isnull=False,
                    signed_by__isnull=False,
                    content_sha256__regex=r"^[0-9a-f]{64}$",
                ),
                name="note_signed_fields_complete",
            ),
            models.CheckConstraint(
                condition=Q(cosigned_at__isnull=True) | Q(status="signed", needs_cosign=True),
                name="note_cosign_only_after_signing",
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.pk} ({self.get_status_display()})"

    @property
    def sections(self) -> dict[str, str]:
        return json.loads(self.content) if self.content else {}

    def labelled_sections(self) -> list[tuple[str, str]]:
        values = self.sections
        return [(label, values.get(key, "")) for key, label in TEMPLATE_SECTIONS[self.template]]

    def canonical_bytes(self) -> bytes:
        """What a signature covers: everything clinical about the note."""
        return json.dumps(
            {
                "client": self.client.record_number,
                "author_id": self.author_id,
                "date_of_service": self.date_of_service.isoformat(),
                "duration_minutes": self.duration_minutes,
                "service_type": self.service_type,
                "template": self.template,
                "sections": self.sections,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")

    def compute_sha256(self) -> str:
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def awaiting_cosign(self) -> bool:
        return self.is_signed and self.needs_cosign and self.cosigned_at is None


class Addendum(models.Model):
    """A signed correction or addition to a signed note. Written once, never edited."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    signed_at = models.DateTimeField()
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "id"]

    def __str__(self) -> str:
        return f"Addendum {self.pk} to note {self.note_id}"


class NoteReturn(models.Model):
    """A supervisor's return of a signed note for revision, with a comment (encrypted).

    The note itself never changes: a signed note is a legal record and its hash must
    keep matching what was signed. The author answers with a signed addendum (the
    revision), which closes the return; the note then waits for co-signature again,
    and the supervisor co-signs it with its addenda, or returns it once more. History
    is kept: every return and its answer stay."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="returns")
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField()
    comment = EncryptedTextField()
    answer = models.OneToOneField(
        Addendum, null=True, blank=True, on_delete=models.PROTECT, related_name="answered_return"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["returned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["note"], condition=Q(answered_at__isnull=True), name="one_open_return_per_note"
            ),
            models.CheckConstraint(
                condition=Q(answer__isnull=True, answered_at__isnull=True)
                | Q(answer__isnull=False, answered_at__isnull=False),
                name="return_answered_by_an_addendum",
            ),
        ]

    def __str__(self) -> str:
        return f"Return {self.pk} of note {self.note_id}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class PsychotherapyNote(models.Model):
    """HIPAA's separate category: the counselor's own process notes. Readable only by
    their author; never in the portal, exports or disclosures without a
    psychotherapy-notes authorization."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date_of_service = models.DateField()
    text = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date_of_service", "-id"]

    def __str__(self) -> str:
        return f"Psychotherapy note {self.pk}"


class KeyCheck(models.Model):
    """One known text encrypted under the key this database's data is written with
    (records.keycheck). Checked by every process before its first statement, so a wrong
    FIELD_ENCRYPTION_KEY never writes; re-encrypted by key rotation. Not client data."""

    token = models.TextField()

    def __str__(self) -> str:
        return "Key check"


class ClientSearchToken(models.Model):
    """One row of a client's blind search index (records.search): a keyed digest of a
    name prefix or the date of birth, or a random padding digest. Nothing readable;
    removed with the client's identifying data at disposal."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["digest", "client"], name="search_digest_client")]

    def __str__(self) -> str:
        return f"search token of client {self.client_id}"
