-- thingmind store, schema version 4: idempotency keys of the commands carried out.
-- A worker claims a command's key before it acts (INSERT ... ON CONFLICT), and marks
-- it done once the device has been told. Whoever inserts the row carries the command
-- out; a later delivery of a done key is a duplicate. A key still pending may be taken
-- back only by the same worker (`owner`, its MQTT client id): a worker that restarts
-- after a crash finishes what it held. Keys are forgotten with the history, by the
-- retention purge (`ts`).
CREATE TABLE command_keys (
    key TEXT PRIMARY KEY,
    ts REAL NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX command_keys_ts ON command_keys (ts);
