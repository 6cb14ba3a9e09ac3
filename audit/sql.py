"""PostgreSQL functions of the audit chain (installed by migrations):

- audit_body(...): an event's canonical body, the same text as audit.chain.body_text;
- audit_append(...): takes the chain lock, reads the head (audit_chainhead) with a fresh
  snapshot, hashes, inserts and advances the head, in one statement.
"""

BODY_ARGS = (
    "p_occurred_at timestamptz, p_actor_id bigint, p_actor_username text, p_actor_role text, p_action text, "
    "p_client_id bigint, p_outcome text, p_object_type text, p_object_id text, p_reason text, p_ip inet, "
    "p_user_agent text, p_request_id text"
)
BODY_TYPES = "timestamptz, bigint, text, text, text, bigint, text, text, text, text, inet, text, text"
BODY_COLUMNS = (
    "occurred_at, actor_id, actor_username, actor_role, action, client_id, outcome, object_type, object_id, "
    "reason, ip, user_agent, request_id"
)

CREATE_AUDIT_BODY = f"""
CREATE OR REPLACE FUNCTION audit_body({BODY_ARGS}) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT json_build_array(
        to_char(p_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        p_actor_id, p_actor_username, p_actor_role, p_action, p_client_id, p_outcome, p_object_type,
        p_object_id, p_reason, host(p_ip), p_user_agent, p_request_id
    )::text
$$;
"""

EXPECTED_HASH_SQL = (
    f"encode(sha256(convert_to(seq::text || '|' || prev_hash || '|' || audit_body({BODY_COLUMNS}), 'UTF8')), 'hex')"
)

CREATE_AUDIT_APPEND = f"""
CREATE OR REPLACE FUNCTION audit_append({BODY_ARGS})
RETURNS TABLE (out_seq bigint, out_prev_hash text, out_hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_seq bigint;
    v_prev text;
    v_hash text;
    v_has_head boolean;
    v_last_seq bigint;
    v_last_hash text;
BEGIN
    -- Held until the calling transaction ends; each statement below takes a new
    -- snapshot, so the head read after the lock is the latest committed one.
    PERFORM pg_advisory_xact_lock(%(lock_id)s);
    -- The head (audit_chainhead), not only the last event: a deleted tail's numbers
    -- are never handed out again. Events written around this function (beyond the
    -- head) are never collided with either; verification names them.
    SELECT h.seq, h.hash INTO v_seq, v_prev FROM audit_chainhead h WHERE h.id = 1;
    v_has_head := FOUND;
    SELECT e.seq, e.hash INTO v_last_seq, v_last_hash FROM audit_auditevent e ORDER BY e.seq DESC LIMIT 1;
    IF NOT v_has_head OR v_last_seq > v_seq THEN
        v_seq := coalesce(v_last_seq, 0);
        v_prev := coalesce(v_last_hash, repeat('0', 64));
    END IF;
    IF NOT v_has_head THEN
        INSERT INTO audit_chainhead (id, seq, hash) VALUES (1, v_seq, v_prev);
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
    UPDATE audit_chainhead SET seq = v_seq, hash = v_hash WHERE id = 1;
    RETURN QUERY SELECT v_seq, v_prev, v_hash;
END;
$$;
"""  # noqa: S608 - constants only

# The first version (migration 0004) took the body from the application.
DROP_AUDIT_APPEND_V1 = """
DROP FUNCTION IF EXISTS audit_append(text, timestamptz, bigint, text, text, text, bigint, text, text, text,
    text, inet, text, text);
"""
DROP_AUDIT_APPEND = f"DROP FUNCTION IF EXISTS audit_append({BODY_TYPES});"
DROP_AUDIT_BODY = f"DROP FUNCTION IF EXISTS audit_body({BODY_TYPES});"
