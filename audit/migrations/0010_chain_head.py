from django.db import migrations, models

from audit.sql import BODY_ARGS, CREATE_AUDIT_APPEND

CHAIN_LOCK_ID = 0x5EC0_4D17  # audit.services.CHAIN_LOCK_ID, frozen here

# audit_append as migration 0007 left it (the head read from the last event), for reversing.
_APPEND_FROM_LAST_EVENT = f"""
CREATE OR REPLACE FUNCTION audit_append({BODY_ARGS})
RETURNS TABLE (out_seq bigint, out_prev_hash text, out_hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_seq bigint;
    v_prev text;
    v_hash text;
BEGIN
    -- Held until the calling transaction ends; each statement below takes a new
    -- snapshot, so the head read after the lock is the latest committed one.
    PERFORM pg_advisory_xact_lock(%(lock_id)s);
    SELECT e.seq, e.hash INTO v_seq, v_prev FROM audit_auditevent e ORDER BY e.seq DESC LIMIT 1;
    IF v_seq IS NULL THEN
        v_seq := 0;
        v_prev := repeat('0', 64);
    END IF;
    v_seq := v_seq + 1;
    v_hash := encode(sha256(convert_to(v_seq::text || '|' || v_prev || '|' || audit_body(
        p_occurred_at, p_actor_id, p_actor_username, p_actor_role, p_action, p_client_id, p_outcome,
        p_object_type, p_object_id, p_reason, p_ip, p_user_agent, p_request_id), 'UTF8')), 'hex');
    INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_username, actor_role, action,
        client_id, outcome, object_type, object_id, reason, ip, user_agent, request_id, prev_hash, hash)
    VALUES (v_seq, p_occurred_at, p_actor_id, p_actor_username, p_actor_role, p_action,
        p_client_id, p_outcome, p_object_type, p_object_id, p_reason, p_ip, p_user_agent, p_request_id,
        v_prev, v_hash);
    RETURN QUERY SELECT v_seq, v_prev, v_hash;
END;
$$;
"""  # noqa: S608 - constants only


def start_head(apps, schema_editor):
    """The head starts at the last event written so far."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    if last is not None:
        ChainHead.objects.create(id=1, seq=last[0], hash=last[1])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_AUDIT_APPEND % {"lock_id": CHAIN_LOCK_ID})


def stop_head(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_APPEND_FROM_LAST_EVENT % {"lock_id": CHAIN_LOCK_ID})


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0009_maintenance_modes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField()),
                ("hash", models.CharField(max_length=64)),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="one_chain_head")],
            },
        ),
        migrations.RunPython(start_head, stop_head),
    ]
