from django.conf import settings
from django.db import models

from records.fields import EncryptedTextField


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"
    ERROR = "error", "Error"


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained access log.

    `seq` is the primary key and has no gaps: it is assigned under a lock by
    audit.services.record. `hash` is SHA-256 over the event's canonical bytes, which
    include `prev_hash`, so changing, removing, inserting or reordering any event breaks
    the chain from that point (see `manage.py verify_audit_chain`).

    Database triggers (migration 0002) reject UPDATE and DELETE (and TRUNCATE on
    PostgreSQL). Never store clinical text or secrets here.
    """

    seq = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    # PROTECT: deleting a user must never delete or orphan their audit history.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=64)
    client = models.ForeignKey("records.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=32)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["actor", "-seq"], name="audit_actor_seq"),
            models.Index(fields=["action", "-seq"], name="audit_action_seq"),
            models.Index(fields=["client", "-seq"], name="audit_client_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.outcome}"


class ChainHead(models.Model):
    """The chain's high-water mark: the last sequence number handed out and its hash, in
    one row (id 1) that every append advances in the same transaction as its event.

    Sequence numbers are never reused: after a tail of events is deleted (only possible
    for the database owner, with the triggers disabled), the next event still takes the
    next number and links to the last hash recorded here, and verification names the
    deleted events as missing. A rewrite of this row as well is what the anchors outside
    the database catch.
    """

    id = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_chain_head")]

    def __str__(self) -> str:
        return f"head at #{self.seq}"


class ChainVerification(models.Model):
    """The result of one verification of the chain (command or review page), so the
    review pages can show the latest verdict without re-reading a large log."""

    run_at = models.DateTimeField(auto_now_add=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ok = models.BooleanField()
    checked = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    bad_seq = models.BigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=20, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-run_at", "-id"]

    def __str__(self) -> str:
        return "intact" if self.ok else f"failed at {self.bad_seq}: {self.problem}"


class FlagKind(models.TextChoices):
    EMERGENCY = "emergency", "Emergency access"
    DENIED = "denied", "Denied attempt"
    AFTER_HOURS = "after_hours", "Outside office hours"
    MANY_CHARTS = "many_charts", "Many charts in a short time"
    SELF_PROVISIONING = "self_provisioning", "Clients assigned to an account the admin created, or to themselves"
    ROLE_CHANGE = "role_change", "Change of role"
    LEGAL_AT_ONCE = "legal_at_once", "Released without consent and without approval (serious and imminent threat)"


class FlagReview(models.Model):
    """A reviewer's note that a flagged event was looked at. Written once.

    Security note: the reviewer's typed comment may name people, so it is not kept
    here (this table is append-only, and its rows stay readable): it is a ReviewComment,
    encrypted. `comment` is empty for reviews written since; migration audit.0011 moved
    the comments written before."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.CharField(max_length=1000, blank=True)
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "kind"], name="one_review_per_flag")]

    def __str__(self) -> str:
        return f"review of #{self.event_id} ({self.kind})"


class ReviewComment(models.Model):
    """The comment a reviewer typed on a flag review, encrypted (records.fields). Not
    append-only like the review itself, so that key rotation can re-encrypt it."""

    review = models.OneToOneField(FlagReview, on_delete=models.PROTECT, related_name="comment_text")
    text = EncryptedTextField()

    def __str__(self) -> str:
        return f"comment on review {self.review_id}"
