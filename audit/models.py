from django.conf import settings
from django.db import models


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
