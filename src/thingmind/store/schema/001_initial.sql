-- thingmind store, schema version 1: the event log, state history and metadata.
-- Applied by thingmind.store._migrate in one transaction; it sets PRAGMA user_version.
-- Times are Unix seconds (UTC) as REAL.

-- Every event, as published on the bus. `data` is the JSON object Event.data.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    device_id TEXT,
    source TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_ts ON events (ts);

-- One row per (device, key, time) reported by a state_changed event; a second report
-- at the very same time replaces the first (the event log keeps both).
-- Clustered on its key (WITHOUT ROWID), so one key's history is one contiguous range.
-- `value` has no declared type (no affinity), so SQLite keeps what it is given:
-- INTEGER, REAL, TEXT or NULL. `value_type` restores the Python type exactly:
-- 0 null, 1 bool (stored 0/1), 2 int, 3 float (NULL means NaN), 4 str.
CREATE TABLE state_history (
    device_id TEXT NOT NULL,
    key TEXT NOT NULL,
    ts REAL NOT NULL,
    value_type INTEGER NOT NULL,
    value,
    PRIMARY KEY (device_id, key, ts)
) WITHOUT ROWID;

-- Small key-value table for configuration and metadata; values are JSON text.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
