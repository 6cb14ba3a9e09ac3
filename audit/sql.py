"""The PostgreSQL function that appends one audit event in one statement: it takes the
chain lock, reads the head with a fresh snapshot, computes the hash exactly as
audit.chain.chain_hash does, and inserts. Installed by migration 0004."""

CREATE_AUDIT_APPEND = """
CREATE OR REPLACE FUNCTION audit_append(
    p_body text, p_occurred_at timestamptz, p_actor_id bigint, p_actor_username text,
    p_actor_role text, p_action text, p_client_id bigint, p_outcome text, p_object_type text,
    p_object_id text, p_reason text, p_ip inet, p_user_agent text, p_request_id text
) RETURNS TABLE (out_seq bigint, out_prev_hash text, out_hash text)
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
    v_hash := encode(sha256(convert_to(v_seq::text || '|' || v_prev || '|' || p_body, 'UTF8')), 'hex');
    INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_username, actor_role, action,
        client_id, outcome, object_type, object_id, reason, ip, user_agent, request_id, prev_hash, hash)
    VALUES (v_seq, p_occurred_at, p_actor_id, p_actor_username, p_actor_role, p_action,
        p_client_id, p_outcome, p_object_type, p_object_id, p_reason, p_ip, p_user_agent, p_request_id,
        v_prev, v_hash);
    RETURN QUERY SELECT v_seq, v_prev, v_hash;
END;
$$;
"""

DROP_AUDIT_APPEND = """
DROP FUNCTION IF EXISTS audit_append(text, timestamptz, bigint, text, text, text, bigint, text, text, text,
    text, inet, text, text);
"""
