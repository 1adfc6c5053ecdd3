-- thingmind store, schema version 2: the audit trail and hashed credentials.

-- The audit trail: every action and refusal, append-only and hash-chained.
-- hash = sha256(prev_hash || "\n" || canonical JSON of {seq, ts, record}); the first
-- record's prev_hash is the last purged record's hash (audit_anchor), or 64 zeros.
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    record TEXT NOT NULL
);

-- Where the retained chain starts after a retention purge: one row per purge.
CREATE TABLE audit_anchor (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    ts REAL NOT NULL
);

-- Append-only: no update ever; a delete only below the latest anchor (a purge).
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN OLD.seq > (SELECT coalesce(max(seq), 0) FROM audit_anchor)
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE ON audit_anchor
BEGIN
    SELECT RAISE(ABORT, 'audit anchors are append-only');
END;
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN
    SELECT RAISE(ABORT, 'audit anchors are append-only');
END;

-- API tokens and PINs, hashed with argon2id; a token is found by its public id.
CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    revoked REAL
);
CREATE INDEX credentials_user ON credentials (user_id, kind);
