-- thingmind store on PostgreSQL, schema version 3: the audit trail's personal part,
-- kept apart. The same table as schema/003_personal.sql (SQLite).

CREATE TABLE audit_personal (
    seq BIGINT PRIMARY KEY,
    user_id TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    salt TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX audit_personal_user ON audit_personal (user_id);
CREATE INDEX audit_personal_subject ON audit_personal (subject);

-- Never edited: only inserted, erased on request, or purged with its record.
CREATE FUNCTION audit_personal_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;
CREATE TRIGGER audit_personal_no_update BEFORE UPDATE ON audit_personal
    FOR EACH ROW EXECUTE FUNCTION audit_personal_no_update();

-- Users' own events (source `user:<id>`) are found by source for export and erasure.
CREATE INDEX events_source ON events (source);
