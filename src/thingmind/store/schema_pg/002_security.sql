-- thingmind store on PostgreSQL, schema version 2: the audit trail and hashed
-- credentials. The same tables as schema/002_security.sql (SQLite).

CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    ts DOUBLE PRECISION NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    record TEXT NOT NULL
);

CREATE TABLE audit_anchor (
    seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    ts DOUBLE PRECISION NOT NULL
);

-- Append-only: no update ever; a delete only below the latest anchor (a purge).
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit'
       AND OLD.seq <= (SELECT coalesce(max(seq), 0) FROM audit_anchor) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE ON audit_anchor
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created DOUBLE PRECISION NOT NULL,
    revoked DOUBLE PRECISION
);
CREATE INDEX credentials_user ON credentials (user_id, kind);
