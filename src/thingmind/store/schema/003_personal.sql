-- thingmind store, schema version 3: the audit trail's personal part, kept apart.
--
-- A record's personal fields (who, the sentence, the answer) are stored here, not in
-- the chained `audit.record`; the chained record holds only their salted digest,
-- sha256(salt || "\n" || canonical JSON of the fields). Erasing a user's data on
-- request deletes their rows here and appends a chained record that lists the erased
-- sequence numbers, so the chain still verifies and a row deleted by hand does not.
-- Records written before this version keep everything in `audit.record`.
CREATE TABLE audit_personal (
    seq INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    salt TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX audit_personal_user ON audit_personal (user_id);
CREATE INDEX audit_personal_subject ON audit_personal (subject);

-- Never edited: only inserted, erased on request, or purged with its record.
CREATE TRIGGER audit_personal_no_update BEFORE UPDATE ON audit_personal
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- Users' own events (source `user:<id>`) are found by source for export and erasure.
CREATE INDEX events_source ON events (source);
