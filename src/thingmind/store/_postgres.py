"""The PostgreSQL store backend: COPY and array upserts, commits on flush.

psycopg (the ``[postgres]`` extra) is imported when a store opens, so that
``thingmind.store`` imports, and the backend registers, without it.
"""

from __future__ import annotations

from contextlib import contextmanager
import json
import logging
import math
import threading
import time
from typing import TYPE_CHECKING, Final, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

from thingmind.core import Event, EventKind, StateValue
from thingmind.store._errors import (
    StoreClosedError,
    StoreError,
)
from thingmind.store._migrate import load_migrations
from thingmind.store._postgres_sql import (
    STATE_ROW,
    Connection,
    decode_columns,
    driver,
    match_condition,
    migrate_postgres,
    redact,
    state_columns,
)
from thingmind.store._values import (
    INT_MAX,
    INT_MIN,
    TYPE_CODES,
    VT_INT,
    VT_STR,
    encode_slow,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from types import TracebackType

    from thingmind.store._protocol import JsonValue

_LOGGER = logging.getLogger(__name__)

_STATE_CHANGED: Final = EventKind.STATE_CHANGED
_EVENT_ROW = tuple[float, str, str | None, str, str]
_NUL: Final = "\x00"

SCHEMA_FOLDER: Final = "schema_pg"
"""The folder of ``thingmind.store`` that holds the PostgreSQL migrations."""

_COPY_EVENTS: Final = (
    "COPY events (ts, kind, device_id, source, data) FROM STDIN (FORMAT BINARY)"
)
_EVENT_TYPES: Final = ["float8", "text", "text", "text", "text"]
# One statement for a whole batch: column arrays, unnested into rows. COPY cannot
# replace a row that is already there; a batch holds each (device, key, ts) once.
_UPSERT_STATES: Final = (
    "INSERT INTO state_history "
    "(device_id, key, ts, value_type, value_int, value_float, value_text) "
    "SELECT * FROM unnest("
    "%b::text[], %b::text[], %b::float8[], %b::int2[], %b::int8[], %b::float8[], "
    "%b::text[]) "
    "ON CONFLICT (device_id, key, ts) DO UPDATE SET "
    "value_type = excluded.value_type, value_int = excluded.value_int, "
    "value_float = excluded.value_float, value_text = excluded.value_text"
)
_HISTORY_COLUMNS: Final = "ts, value_type, value_int, value_float, value_text"
_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode


class PostgresStore:
    """The event log, state history and metadata in a PostgreSQL database.

    Same contract as :class:`~thingmind.store.SqliteStore`: a synchronous,
    thread-safe API over one connection guarded by a lock (wrap it in
    :class:`~thingmind.store.AsyncStore` from async code).

    **Acknowledged** means: ``flush()`` returned after the ``append``. ``flush``
    commits with ``synchronous_commit = on`` (set for the session), so the server
    has made the WAL durable before it returns. ``append`` only converts and buffers;
    over ``batch_size`` rows the buffer is written (events by binary ``COPY``, state
    rows by one array upsert) into the open transaction, not committed; a background
    thread commits every ``flush_interval`` seconds.

    Tables live in the first schema of the connection's ``search_path``; pick one
    with the libpq option ``options=-csearch_path=NAME``. Several processes may open
    the same database at once: migrations take an advisory lock.

    A lost connection is re-opened on the next call; what was appended but not
    flushed before the loss is gone (it was never acknowledged).

    Args:
        dsn: A libpq connection string: ``postgresql://user@host:port/db`` or
            ``host=... dbname=...``.
        batch_size: Buffered rows that trigger a write into the open transaction;
            bounds the buffer's memory.
        flush_interval: Seconds between background commits; ``None`` for none
            (then only ``flush()``, ``put_meta``, ``purge`` and ``close`` commit).

    Raises:
        ValueError: When ``batch_size`` or ``flush_interval`` is not positive.
    """

    def __init__(
        self,
        dsn: str,
        *,
        batch_size: int = 5000,
        flush_interval: float | None = 0.2,
    ) -> None:
        if batch_size < 1:
            msg = f"batch_size must be >= 1, got {batch_size}"
            raise ValueError(msg)
        if flush_interval is not None and flush_interval <= 0:
            msg = f"flush_interval must be > 0 seconds or None, got {flush_interval}"
            raise ValueError(msg)
        self.dsn = dsn
        """The libpq connection string (it may hold a password: do not log it)."""
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.name = redact(dsn)
        """The connection string without its password, for messages."""
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        # Whether we sent BEGIN and not yet COMMIT/ROLLBACK: rows may be written
        # there, so a connection lost meanwhile must fail the flush, not reconnect.
        self._in_transaction = False
        self._lost_at: float | None = None  # monotonic time the connection was lost
        self._events: list[_EVENT_ROW] = []
        self._states: list[STATE_ROW] = []
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        self.schema_version = 0
        """The database's schema version once open."""

    # -- lifecycle ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Whether the store is open (its connection may be re-made on next use)."""
        return self._conn is not None

    def open(self) -> None:
        """Connect and apply pending schema migrations.

        Raises:
            StoreError: When the database cannot be reached or migrated
                (:class:`~thingmind.store.IncompatibleSchemaError` when it is newer).
        """
        with self._lock:
            if self._conn is not None:
                return
            conn = self._connect()
            try:
                self.schema_version = migrate_postgres(
                    conn, load_migrations(folder=SCHEMA_FOLDER)
                )
            except StoreError:
                conn.close()
                raise
            self._conn = conn
        if self.flush_interval is not None:
            self._stop.clear()
            self._flusher = threading.Thread(
                target=self._flush_periodically,
                args=(self.flush_interval,),
                name="thingmind-store-flush",
                daemon=True,
            )
            self._flusher.start()
        _LOGGER.debug("store %s open at schema %s", self.name, self.schema_version)

    def _connect(self) -> Connection:
        pg = driver()
        try:
            conn: Connection = pg.connect(self.dsn, autocommit=True)
        except pg.Error as err:
            msg = f"cannot connect to the store {self.name}: {err}"
            raise StoreError(msg) from err
        try:
            # flush() promises durability whatever the server or role default is.
            conn.execute("SET synchronous_commit = on")
        except pg.Error as err:
            conn.close()
            msg = f"cannot set up the connection to {self.name}: {err}"
            raise StoreError(msg) from err
        return conn

    def close(self) -> None:
        """Flush, then disconnect. Closing twice does nothing.

        Raises:
            StoreError: When the final flush fails (the connection is closed anyway).
        """
        if self._flusher is not None:
            self._stop.set()
            self._flusher.join()
            self._flusher = None
        with self._lock:
            if self._conn is None:
                return
            try:
                self._commit()
            finally:
                conn, self._conn = self._conn, None
                self._in_transaction = False
                if conn is not None:
                    conn.close()

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _flush_periodically(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.flush()
            except StoreClosedError:
                return
            except StoreError:
                # The boundary of this thread: log once; the caller's next flush
                # or query reports its own failures.
                _LOGGER.exception("background flush of %s failed", self.name)

    def _require_open(self) -> Connection:
        """Return the connection as it is (lock held), even if it was lost."""
        if self._conn is None:
            msg = f"the store {self.name} is not open"
            raise StoreClosedError(msg)
        return self._conn

    def _connection(self) -> Connection:
        """Return the connection (lock held), re-made if it was lost.

        Only between transactions: a connection lost inside one is returned as
        it is, so that the next statement fails and the flush reports the loss.
        """
        conn = self._require_open()
        if conn.closed and not self._in_transaction:
            if self._lost_at is None:  # once per outage, not at every retry
                self._lost_at = time.monotonic()
                _LOGGER.warning("connection to %s lost; reconnecting", self.name)
            conn = self._conn = self._connect()
            _LOGGER.warning(
                "reconnected to %s after %.1f s",
                self.name,
                time.monotonic() - self._lost_at,
            )
            self._lost_at = None
        return conn

    # -- writing -----------------------------------------------------------------

    def append(self, events: Iterable[Event]) -> None:
        """Buffer events; they are durable only once ``flush()`` returns.

        ``STATE_CHANGED`` events with a ``device_id`` also add one state-history row
        per key of ``data``. The call is all or nothing: a bad value rejects every
        event of the call.

        Args:
            events: The events, in any order.

        Raises:
            TypeError: When a state value is not bool, int, float, str or None.
            ValueError: When an int state value does not fit in 64 bits, or a
                string holds a NUL character (PostgreSQL text cannot).
            StoreClosedError: When the store is not open.
            StoreError: When writing a full buffer fails.
        """
        event_rows: list[_EVENT_ROW] = []
        state_rows: list[STATE_ROW] = []
        add_event = event_rows.append
        add_state = state_rows.append
        codes = TYPE_CODES
        nul = _NUL
        # The hot loop: one tuple per event and per state key, no other calls.
        for event in events:
            data = event.data
            ts = event.time
            device_id = event.device_id
            source = event.source
            if nul in source or (device_id is not None and nul in device_id):
                _refuse_nul(event)
            add_event((ts, event.kind.value, device_id, source, _dumps(data)))
            if event.kind is _STATE_CHANGED and device_id is not None:
                for key, value in data.items():
                    code = codes.get(type(value))
                    if code is None or (
                        code == VT_INT and not INT_MIN <= value <= INT_MAX  # type: ignore[operator]
                    ):
                        code, value = encode_slow(key, value)  # noqa: PLW2901
                    if nul in key or (code == VT_STR and nul in value):  # type: ignore[operator]
                        _refuse_nul(event)
                    add_state((device_id, key, ts, code, value))
        with self._lock:
            self._require_open()
            self._events += event_rows
            self._states += state_rows
            if len(self._states) + len(self._events) >= self.batch_size:
                with self._writing():
                    self._write_pending()

    def flush(self) -> None:
        """Commit everything appended so far; on return it is durable.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the commit fails; the unflushed events are then lost
                (they were never acknowledged).
        """
        with self._lock:
            self._require_open()
            self._commit()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Wrap a write: on error roll back, drop the buffers, raise StoreError."""
        pg = driver()
        self._require_open()
        try:
            yield
        except pg.Error as err:
            self._events.clear()
            self._states.clear()
            self._roll_back()
            msg = f"writing to the store {self.name} failed: {err}"
            raise StoreError(msg) from err

    def _transaction(self) -> Connection:
        """Return the connection in a transaction, beginning one if none is open.

        A connection lost since its last use (a server restart, an idle timeout)
        is only noticed here, when BEGIN fails; nothing of the new transaction has
        been sent then, so it is safe to reconnect and begin again, once.
        """
        pg = driver()
        conn = self._connection()
        if self._in_transaction:
            return conn
        try:
            conn.execute("BEGIN")
        except pg.OperationalError:
            if not conn.closed:
                raise
            conn = self._connection()  # reconnects
            conn.execute("BEGIN")
        self._in_transaction = True
        return conn

    def _write_pending(self) -> None:
        """Write the buffered rows into the open transaction (lock held)."""
        if not (self._events or self._states):
            return
        conn = self._transaction()
        if self._events:
            with conn.cursor() as cur, cur.copy(_COPY_EVENTS) as copy:
                copy.set_types(_EVENT_TYPES)
                for row in self._events:
                    copy.write_row(row)
            self._events = []
        if self._states:
            conn.execute(_UPSERT_STATES, state_columns(self._states))
            self._states = []

    def _commit(self) -> None:
        with self._writing():
            self._write_pending()
            if self._in_transaction:
                self._connection().execute("COMMIT")
                self._in_transaction = False

    # -- reading -----------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """Lock, write the buffer (read your writes), and wrap psycopg errors."""
        pg = driver()
        with self._lock:
            with self._writing():
                self._write_pending()
            conn = self._connection()
            try:
                yield conn
            except pg.Error as err:
                # A failed statement aborts the transaction, and with it whatever
                # was written but not committed: never acknowledged, so allowed.
                self._roll_back()
                msg = f"reading the store {self.name} failed: {err}"
                raise StoreError(msg) from err

    def history(
        self,
        device_id: str,
        key: str,
        *,
        start: float,
        end: float,
        limit: int | None = None,
    ) -> list[tuple[float, StateValue]]:
        """Return the reported values of one state key in ``[start, end)``.

        Args:
            device_id: The device.
            key: The state key, e.g. ``temperature``.
            start: Earliest time, included (Unix seconds).
            end: Latest time, excluded.
            limit: At most this many rows (the oldest); ``None`` for all.

        Returns:
            ``(time, value)`` pairs, oldest first, values with their original type.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the query fails.
        """
        sql = (
            f"SELECT {_HISTORY_COLUMNS} FROM state_history "  # noqa: S608
            "WHERE device_id = %s AND key = %s AND ts >= %s AND ts < %s "
            "ORDER BY ts LIMIT %s"
        )
        params = (device_id, key, float(start), float(end), limit)
        with self._reading() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [(ts, decode_columns(vt, vi, vf, vs)) for ts, vt, vi, vf, vs in rows]

    def last_change(
        self,
        device_id: str,
        key: str,
        *,
        value: StateValue | None = None,
        before: float | None = None,
    ) -> tuple[float, StateValue] | None:
        """Return when a state key last changed, and to what.

        A change is a report whose value differs from the report before it, so
        repeated reports of the same value do not move the time. Numbers compare
        by value (``1 == 1.0``); booleans only equal booleans; NaN equals NaN.

        Args:
            device_id: The device.
            key: The state key.
            value: Only changes *to* this value; ``None`` for any value.
            before: Only changes strictly before this time; ``None`` for no bound.

        Returns:
            ``(time, value)`` of the change, or ``None`` when there is none.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the query fails.
        """
        where = "device_id = %s AND key = %s"
        base: tuple[object, ...] = (device_id, key)
        if before is not None:
            where += " AND ts < %s"
            base += (float(before),)
        with self._reading() as conn:
            # 1. The latest report (of `value`, if given).
            sql = f"SELECT {_HISTORY_COLUMNS} FROM state_history WHERE {where}"  # noqa: S608
            params = base
            if value is not None:
                cond, cond_params = match_condition(value)
                sql += f" AND ({cond})"
                params += cond_params
            row = conn.execute(sql + " ORDER BY ts DESC LIMIT 1", params).fetchone()
            if row is None:
                return None
            ts, vt, vi, vf, vs = row
            found = decode_columns(vt, vi, vf, vs)
            # 2. The latest report before it with another value ...
            cond, cond_params = match_condition(found)
            other = conn.execute(
                "SELECT ts FROM state_history "  # noqa: S608
                "WHERE device_id = %s AND key = %s AND ts < %s "
                f"AND ({cond}) IS NOT TRUE ORDER BY ts DESC LIMIT 1",
                (device_id, key, ts, *cond_params),
            ).fetchone()
            # 3. ... and the first report after that one is the change.
            first = conn.execute(
                "SELECT ts FROM state_history WHERE device_id = %s AND key = %s "
                "AND ts > %s ORDER BY ts LIMIT 1",
                (device_id, key, -math.inf if other is None else other[0]),
            ).fetchone()
        # `first` is at worst the report found in step 1.
        return float(ts if first is None else first[0]), found

    def events(
        self,
        *,
        start: float,
        end: float,
        kinds: Iterable[EventKind] | None = None,
        device_id: str | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Return the events in ``[start, end)``, oldest first.

        Args:
            start: Earliest time, included (Unix seconds).
            end: Latest time, excluded.
            kinds: Only these kinds; ``None`` for all.
            device_id: Only this device's events; ``None`` for all.
            limit: At most this many (the oldest); ``None`` for all.

        Returns:
            The events, equal to those appended.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the query fails.
        """
        sql = (
            "SELECT ts, kind, device_id, source, data FROM events "
            "WHERE ts >= %s AND ts < %s"
        )
        params: list[object] = [float(start), float(end)]
        if kinds is not None:
            wanted = sorted(EventKind(k).value for k in kinds)
            if not wanted:
                return []
            sql += " AND kind = ANY(%s::text[])"
            params.append(wanted)
        if device_id is not None:
            sql += " AND device_id = %s"
            params.append(device_id)
        sql += " ORDER BY ts, id LIMIT %s"
        params.append(limit)
        with self._reading() as conn:
            rows = conn.execute(sql, params).fetchall()
        loads = json.loads
        return [
            Event(
                kind=EventKind(kind),
                time=ts,
                device_id=dev,
                source=source,
                data=loads(data),
            )
            for ts, kind, dev, source, data in rows
        ]

    def count_events(self) -> int:
        """Return how many events the store holds, flushed or not.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the query fails.
        """
        with self._reading() as conn:
            row = conn.execute("SELECT count(*) FROM events").fetchone()
        return int(row[0]) if row is not None else 0

    def purge(self, before: float) -> int:
        """Delete events, state history and command keys older than ``before``, durably.

        Args:
            before: Keep what happened at or after this time (Unix seconds).

        Returns:
            The number of events deleted.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the delete fails (nothing is deleted).
        """
        with self._lock, self._writing():
            self._write_pending()
            conn = self._transaction()
            deleted = conn.execute(
                "DELETE FROM events WHERE ts < %s", (float(before),)
            ).rowcount
            conn.execute("DELETE FROM state_history WHERE ts < %s", (float(before),))
            conn.execute("DELETE FROM command_keys WHERE ts < %s", (float(before),))
            conn.execute("COMMIT")
            self._in_transaction = False
        _LOGGER.debug("purged %s events before %s from %s", deleted, before, self.name)
        return int(deleted)

    def claim_key(self, key: str, *, at: float, owner: str = "") -> bool:
        """Claim a command's idempotency key, durably (this commits).

        The first claim inserts the key, pending. A later claim fails, unless the
        key is still pending and ``owner`` (non-empty) is the one that claimed it:
        a worker restarted after a crash takes back what it had not finished.

        Workers sharing the database race on the key's unique index: exactly one
        ``INSERT ... ON CONFLICT DO NOTHING`` adds the row.

        Args:
            key: The key (``mqtt:<site>:say:<id>``).
            at: When the command arrived (Unix seconds); the retention purge
                forgets keys older than its cut-off.
            owner: Who claims (a worker's MQTT client id); "" for nobody in
                particular, which never takes a key back.

        Returns:
            True when the caller is to carry the command out; False for a
            duplicate.

        Raises:
            ValueError: When ``key`` holds a NUL character.
            StoreClosedError: When the store is not open.
            StoreError: When the write fails (nothing is claimed).
        """
        if _NUL in key:
            msg = f"command key {key!r} holds a NUL character"
            raise ValueError(msg)
        with self._lock, self._writing():
            self._write_pending()
            conn = self._transaction()
            inserted = conn.execute(
                "INSERT INTO command_keys (key, ts, owner) VALUES (%s, %s, %s) "
                "ON CONFLICT (key) DO UPDATE SET ts = excluded.ts "
                "WHERE command_keys.owner = excluded.owner "
                "AND command_keys.owner <> '' AND NOT command_keys.done",
                (key, float(at), owner),
            ).rowcount
            conn.execute("COMMIT")
            self._in_transaction = False
        return inserted == 1

    def finish_key(self, key: str) -> None:
        """Mark a claimed key done, durably: from now on it is only a duplicate.

        Args:
            key: A key :meth:`claim_key` granted.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the write fails.
        """
        with self._lock, self._writing():
            self._write_pending()
            conn = self._transaction()
            conn.execute("UPDATE command_keys SET done = true WHERE key = %s", (key,))
            conn.execute("COMMIT")
            self._in_transaction = False

    # -- metadata ----------------------------------------------------------------

    def put_meta(self, key: str, value: JsonValue) -> None:
        """Store a JSON-able value under ``key``, durably (this commits).

        Args:
            key: The name, e.g. ``nlu.model_version``.
            value: Anything ``json.dumps`` writes without NaN or infinity.

        Raises:
            TypeError: When ``value`` is not JSON-able.
            ValueError: When it holds NaN or infinity, or ``key`` a NUL.
            StoreClosedError: When the store is not open.
            StoreError: When the write fails.
        """
        text = json.dumps(value, allow_nan=False, ensure_ascii=False, sort_keys=True)
        if _NUL in key:
            msg = f"meta key {key!r} holds a NUL character"
            raise ValueError(msg)
        with self._lock, self._writing():
            self._write_pending()
            conn = self._transaction()
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, text),
            )
            conn.execute("COMMIT")
            self._in_transaction = False

    def get_meta(self, key: str, default: JsonValue = None) -> JsonValue:
        """Return the value stored under ``key``, or ``default`` when there is none.

        Args:
            key: The name.
            default: What to return for a missing key.

        Returns:
            The stored value.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the query fails.
        """
        with self._reading() as conn:
            row = conn.execute(
                "SELECT value FROM meta WHERE key = %s", (key,)
            ).fetchone()
        if row is None:
            return default
        result: JsonValue = json.loads(row[0])
        return result

    def _roll_back(self) -> None:
        """End a failed transaction (lock held), if the connection still works."""
        conn, was_open = self._conn, self._in_transaction
        self._in_transaction = False
        if conn is None or conn.closed or not was_open:
            return
        try:
            conn.execute("ROLLBACK")
        except driver().Error:
            _LOGGER.debug("rollback failed; the connection is re-made on next use")

    def __repr__(self) -> str:
        state = "open" if self._conn is not None else "closed"
        return f"PostgresStore({self.name!r}, {state})"


# -- helpers -------------------------------------------------------------------


def _refuse_nul(event: Event) -> None:
    msg = (
        f"event at {event.time} of {event.device_id!r}: PostgreSQL text cannot "
        "hold NUL characters"
    )
    raise ValueError(msg)


def postgres_from_url(url: str) -> PostgresStore:
    """Make an (unopened) :class:`PostgresStore` from a URL.

    The URL is a libpq connection URI, ``postgresql://user:password@host:port/db``,
    with any libpq parameters (``?sslmode=require``,
    ``?options=-csearch_path%3Dsite1``) plus the store's own
    ``batch_size=5000`` and ``flush_interval=0.2`` (``none`` for no background
    commits), which are taken out before connecting.

    Args:
        url: The URL.

    Returns:
        The store, not yet open.

    Raises:
        ValueError: When the URL or an option is malformed.
    """
    parts = urlsplit(url)
    if parts.scheme != "postgresql":
        msg = f"not a postgresql URL: {redact(url)!r} (expected postgresql://host/db)"
        raise ValueError(msg)
    batch_size = 5000
    flush_interval: float | None = 0.2
    kept: list[tuple[str, str]] = []
    for name, text in parse_qsl(
        parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)
    ):
        if name == "batch_size":
            batch_size = int(text)
        elif name == "flush_interval":
            flush_interval = (
                None if text.lower() in {"", "none", "off"} else float(text)
            )
        else:
            kept.append((name, text))
    # Not urlunsplit: it turns postgresql:///db (local socket) into postgresql:/db.
    base = url.partition("?")[0]
    dsn = f"{base}?{urlencode(kept)}" if kept else base
    return PostgresStore(dsn, batch_size=batch_size, flush_interval=flush_interval)
