-- thingmind store on PostgreSQL, schema version 1: the event log, state history and
-- metadata. The same tables as schema/001_initial.sql (SQLite), in PostgreSQL types.
-- Applied by thingmind.store._postgres in one transaction, under an advisory lock,
-- which also records the version in the `schema_version` table.
-- Times are Unix seconds (UTC) as DOUBLE PRECISION.

-- Every event, as published on the bus. `data` is Event.data as JSON text: TEXT,
-- not jsonb, because Python's JSON holds NaN and Infinity, which jsonb refuses, and
-- because jsonb would rewrite the text (key order, number spelling).
CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts DOUBLE PRECISION NOT NULL,
    kind TEXT NOT NULL,
    device_id TEXT,
    source TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_ts ON events (ts);

-- One row per (device, key, time) reported by a state_changed event; a second report
-- at the very same time replaces the first (the event log keeps both).
-- `value_type` says which column holds the value and restores the Python type:
-- 0 null (no column), 1 bool (value_int 0/1), 2 int (value_int),
-- 3 float (value_float; NaN and +-Infinity are stored as such), 4 str (value_text).
CREATE TABLE state_history (
    device_id TEXT NOT NULL,
    key TEXT NOT NULL,
    ts DOUBLE PRECISION NOT NULL,
    value_type SMALLINT NOT NULL CHECK (value_type BETWEEN 0 AND 4),
    value_int BIGINT,
    value_float DOUBLE PRECISION,
    value_text TEXT,
    PRIMARY KEY (device_id, key, ts)
);

-- Small key-value table for configuration and metadata; values are JSON text.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
