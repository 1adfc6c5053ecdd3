-- thingmind store on PostgreSQL, schema version 4: idempotency keys of the commands
-- carried out. The same table as schema/004_command_keys.sql (SQLite).
-- Several workers share one database: the one whose INSERT ... ON CONFLICT adds the
-- row carries the command out; the unique key makes the race safe. A pending key
-- may be taken back only by its owner (a worker restarted after a crash).
CREATE TABLE command_keys (
    key TEXT PRIMARY KEY,
    ts DOUBLE PRECISION NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    done BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX command_keys_ts ON command_keys (ts);
