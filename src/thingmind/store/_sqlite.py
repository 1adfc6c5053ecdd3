"""The SQLite store backend: WAL, batched ``executemany`` writes, fsync'd commits."""

from __future__ import annotations

from contextlib import contextmanager
import json
import logging
import math
from pathlib import Path
import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Final, Self
from urllib.parse import parse_qsl

from thingmind.core import Event, EventKind, StateValue
from thingmind.store._errors import StoreClosedError, StoreError
from thingmind.store._migrate import load_migrations, migrate
from thingmind.store._values import (
    INT_MAX,
    INT_MIN,
    TYPE_CODES,
    VT_BOOL,
    VT_INT,
    decode,
    encode_slow,
    match_sql,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    import os
    from types import TracebackType

    from thingmind.store._protocol import JsonValue

_LOGGER = logging.getLogger(__name__)

MEMORY: Final = ":memory:"
"""The path of a private in-memory database."""

_STATE_CHANGED: Final = EventKind.STATE_CHANGED
_EVENT_ROW = tuple[float, str, str | None, str, str]
_STATE_ROW = tuple[str, str, float, int, StateValue]

_INSERT_EVENT: Final = (
    "INSERT INTO events (ts, kind, device_id, source, data) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_STATE: Final = (
    "INSERT OR REPLACE INTO state_history (device_id, key, ts, value_type, value) "
    "VALUES (?, ?, ?, ?, ?)"
)
_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode


class SqliteStore:
    """The event log, state history and metadata in one SQLite file.

    The API is synchronous (``sqlite3`` is) and thread-safe: one connection, guarded
    by a lock. From async code use :class:`~thingmind.store.AsyncStore`, which runs
    the calls in a worker thread.

    **Acknowledged** means: ``flush()`` returned after the ``append``. ``flush``
    commits in WAL mode with ``synchronous=FULL``, so the WAL is fsync'd before it
    returns and the events survive a process crash or a power cut. ``append`` only
    converts and buffers (appends over ``batch_size`` rows are written into the open
    transaction, not committed); a background thread commits every
    ``flush_interval`` seconds so unflushed events do not wait long.

    The store expects to be the database's only writer; readers in other processes
    are fine (WAL).

    Args:
        path: The database file (created with its folder if missing), or
            ``":memory:"``.
        batch_size: Buffered state rows that trigger a write into the open
            transaction; bounds the buffer's memory.
        flush_interval: Seconds between background commits; ``None`` for none
            (then only ``flush()``, ``put_meta``, ``purge`` and ``close`` commit).
        timeout: Seconds to wait for a lock held by another connection.

    Raises:
        ValueError: When ``batch_size`` or ``flush_interval`` is not positive.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        batch_size: int = 5000,
        flush_interval: float | None = 0.2,
        timeout: float = 5.0,
    ) -> None:
        if batch_size < 1:
            msg = f"batch_size must be >= 1, got {batch_size}"
            raise ValueError(msg)
        if flush_interval is not None and flush_interval <= 0:
            msg = f"flush_interval must be > 0 seconds or None, got {flush_interval}"
            raise ValueError(msg)
        self.path = str(path)
        """The database file, or ``":memory:"``."""
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._timeout = timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._events: list[_EVENT_ROW] = []
        self._states: list[_STATE_ROW] = []
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        self.schema_version = 0
        """The database's schema version once open."""

    # -- lifecycle ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Whether the store is connected."""
        return self._conn is not None

    def open(self) -> None:
        """Connect, set WAL mode, and apply pending schema migrations.

        Raises:
            StoreError: When the database cannot be opened or migrated
                (:class:`~thingmind.store.IncompatibleSchemaError` when it is newer).
        """
        with self._lock:
            if self._conn is not None:
                return
            if self.path != MEMORY:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(
                    self.path,
                    timeout=self._timeout,
                    isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                    check_same_thread=False,  # guarded by self._lock
                )
            except sqlite3.Error as err:
                msg = f"cannot open the store {self.path}: {err}"
                raise StoreError(msg) from err
            try:
                _use_wal(conn, within=self._timeout)
                # FULL: each commit fsyncs the WAL, which is what flush() promises.
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA temp_store = MEMORY")
                conn.execute("PRAGMA cache_size = -32000")  # 32 MB
                self.schema_version = migrate(conn, load_migrations())
            except sqlite3.Error as err:
                conn.close()
                msg = f"cannot open the store {self.path}: {err}"
                raise StoreError(msg) from err
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
        _LOGGER.debug("store %s open at schema %s", self.path, self.schema_version)

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
            conn = self._conn
            if conn is None:
                return
            try:
                self._commit()
            finally:
                self._conn = None
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
                _LOGGER.exception("background flush of %s failed", self.path)

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
            ValueError: When an int state value does not fit in 64 bits.
            StoreClosedError: When the store is not open.
            StoreError: When writing a full buffer fails.
        """
        event_rows: list[_EVENT_ROW] = []
        state_rows: list[_STATE_ROW] = []
        add_event = event_rows.append
        add_state = state_rows.append
        codes = TYPE_CODES
        # The hot loop: one tuple per event and per state key, no other calls.
        for event in events:
            data = event.data
            ts = event.time
            device_id = event.device_id
            add_event((ts, event.kind.value, device_id, event.source, _dumps(data)))
            if event.kind is _STATE_CHANGED and device_id is not None:
                for key, value in data.items():
                    code = codes.get(type(value))
                    if code is None or (
                        code == VT_INT and not INT_MIN <= value <= INT_MAX  # type: ignore[operator]
                    ):
                        code, value = encode_slow(key, value)  # noqa: PLW2901
                    add_state((device_id, key, ts, code, value))
        with self._lock:
            self._connection()
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
            self._connection()
            self._commit()

    def _connection(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None:
            msg = f"the store {self.path} is not open"
            raise StoreClosedError(msg)
        return conn

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """Wrap a write: on error roll back, drop the buffers, raise StoreError."""
        conn = self._connection()
        try:
            yield conn
        except sqlite3.Error as err:
            self._events.clear()
            self._states.clear()
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            msg = f"writing to the store {self.path} failed: {err}"
            raise StoreError(msg) from err

    def _write_pending(self) -> None:
        """Insert the buffered rows into the open transaction (lock held)."""
        conn = self._connection()
        if not (self._events or self._states):
            return
        if not conn.in_transaction:
            conn.execute("BEGIN")
        if self._events:
            conn.executemany(_INSERT_EVENT, self._events)
            self._events = []
        if self._states:
            conn.executemany(_INSERT_STATE, self._states)
            self._states = []

    def _commit(self) -> None:
        with self._writing() as conn:
            self._write_pending()
            if conn.in_transaction:
                conn.execute("COMMIT")

    # -- reading -----------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """Lock, write the buffer (read your writes), and wrap sqlite errors."""
        with self._lock:
            with self._writing():
                self._write_pending()
            conn = self._connection()
            try:
                yield conn
            except sqlite3.Error as err:
                msg = f"reading the store {self.path} failed: {err}"
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
            "SELECT ts, value_type, value FROM state_history "
            "WHERE device_id = ? AND key = ? AND ts >= ? AND ts < ? "
            "ORDER BY ts LIMIT ?"
        )
        params = (device_id, key, start, end, -1 if limit is None else limit)
        with self._reading() as conn:
            rows = conn.execute(sql, params).fetchall()
        # Most rows are plain numbers or text: decode only bools, nulls and NaNs.
        return [
            (ts, value if vt > VT_BOOL and value is not None else decode(vt, value))
            for ts, vt, value in rows
        ]

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
        repeated reports of the same value do not move the time: for a door that
        reported ``on`` at 10:00 and again at 10:05, the change is at 10:00. Numbers
        compare by value (``1 == 1.0``); booleans only equal booleans.

        Args:
            device_id: The device.
            key: The state key.
            value: Only changes *to* this value; ``None`` for any value (so a change
                to ``None`` cannot be asked for; use ``history``).
            before: Only changes strictly before this time; ``None`` for no bound.

        Returns:
            ``(time, value)`` of the change, or ``None`` when there is none.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the query fails.
        """
        where = "device_id = ? AND key = ?"
        base: tuple[object, ...] = (device_id, key)
        if before is not None:
            where += " AND ts < ?"
            base += (before,)
        with self._reading() as conn:
            # 1. The latest report (of `value`, if given).
            sql = f"SELECT ts, value_type, value FROM state_history WHERE {where}"  # noqa: S608
            params = base
            if value is not None:
                cond, cond_params = match_sql(value)
                sql += f" AND {cond}"
                params += cond_params
            row = conn.execute(sql + " ORDER BY ts DESC LIMIT 1", params).fetchone()
            if row is None:
                return None
            ts, vt, stored = row
            found = decode(vt, stored)
            # 2. The latest report before it with another value (NaN = NULL counts
            # as another value, hence coalesce) ...
            cond, cond_params = match_sql(found)
            other = conn.execute(
                "SELECT ts FROM state_history "  # noqa: S608
                "WHERE device_id = ? AND key = ? AND ts < ? "
                f"AND NOT coalesce(({cond}), 0) ORDER BY ts DESC LIMIT 1",
                (device_id, key, ts, *cond_params),
            ).fetchone()
            # 3. ... and the first report after that one is the change.
            first = conn.execute(
                "SELECT ts FROM state_history WHERE device_id = ? AND key = ? "
                "AND ts > ? ORDER BY ts LIMIT 1",
                (device_id, key, -math.inf if other is None else other[0]),
            ).fetchone()
        return float(first[0]), found

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
        sql = "SELECT ts, kind, device_id, source, data FROM events WHERE ts >= ? AND ts < ?"
        params: list[object] = [start, end]
        if kinds is not None:
            wanted = sorted(EventKind(k).value for k in kinds)
            if not wanted:
                return []
            sql += f" AND kind IN ({', '.join('?' * len(wanted))})"
            params += wanted
        if device_id is not None:
            sql += " AND device_id = ?"
            params.append(device_id)
        sql += " ORDER BY ts, id LIMIT ?"
        params.append(-1 if limit is None else limit)
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
            (count,) = conn.execute("SELECT count(*) FROM events").fetchone()
        return int(count)

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
        with self._lock, self._writing() as conn:
            self._write_pending()
            if not conn.in_transaction:
                conn.execute("BEGIN")
            deleted = conn.execute(
                "DELETE FROM events WHERE ts < ?", (before,)
            ).rowcount
            conn.execute("DELETE FROM state_history WHERE ts < ?", (before,))
            conn.execute("DELETE FROM command_keys WHERE ts < ?", (before,))
            conn.execute("COMMIT")
        _LOGGER.debug("purged %s events before %s from %s", deleted, before, self.path)
        return int(deleted)

    def claim_key(self, key: str, *, at: float, owner: str = "") -> bool:
        """Claim a command's idempotency key, durably (this commits).

        The first claim inserts the key, pending. A later claim fails, unless the
        key is still pending and ``owner`` (non-empty) is the one that claimed it:
        a worker restarted after a crash takes back what it had not finished.

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
            StoreClosedError: When the store is not open.
            StoreError: When the write fails (nothing is claimed).
        """
        with self._lock, self._writing() as conn:
            self._write_pending()
            if not conn.in_transaction:
                conn.execute("BEGIN")
            inserted = conn.execute(
                "INSERT INTO command_keys (key, ts, owner) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET ts = excluded.ts "
                "WHERE command_keys.owner = excluded.owner "
                "AND command_keys.owner <> '' AND NOT command_keys.done",
                (key, float(at), owner),
            ).rowcount
            conn.execute("COMMIT")
        return inserted == 1

    def finish_key(self, key: str) -> None:
        """Mark a claimed key done, durably: from now on it is only a duplicate.

        Args:
            key: A key :meth:`claim_key` granted.

        Raises:
            StoreClosedError: When the store is not open.
            StoreError: When the write fails.
        """
        with self._lock, self._writing() as conn:
            self._write_pending()
            if not conn.in_transaction:
                conn.execute("BEGIN")
            conn.execute("UPDATE command_keys SET done = 1 WHERE key = ?", (key,))
            conn.execute("COMMIT")

    # -- metadata ----------------------------------------------------------------

    def put_meta(self, key: str, value: JsonValue) -> None:
        """Store a JSON-able value under ``key``, durably (this commits).

        Args:
            key: The name, e.g. ``nlu.model_version``.
            value: Anything ``json.dumps`` writes without NaN or infinity.

        Raises:
            TypeError: When ``value`` is not JSON-able.
            ValueError: When it holds NaN or infinity.
            StoreClosedError: When the store is not open.
            StoreError: When the write fails.
        """
        text = json.dumps(value, allow_nan=False, ensure_ascii=False, sort_keys=True)
        with self._lock, self._writing() as conn:
            self._write_pending()
            if not conn.in_transaction:
                conn.execute("BEGIN")
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, text),
            )
            conn.execute("COMMIT")

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
                "SELECT value FROM meta WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return default
        result: JsonValue = json.loads(row[0])
        return result

    def __repr__(self) -> str:
        state = "open" if self._conn is not None else "closed"
        return f"SqliteStore({self.path!r}, {state})"


def sqlite_from_url(url: str) -> SqliteStore:
    """Make an (unopened) :class:`SqliteStore` from a URL.

    Accepted forms, after SQLAlchemy: ``sqlite:///relative/file.db``,
    ``sqlite:////absolute/file.db``, ``sqlite://`` or ``sqlite:///:memory:`` or
    ``:memory:`` for memory, with optional ``?batch_size=5000&flush_interval=0.2``
    (``flush_interval=none`` for no background commits).

    Args:
        url: The URL.

    Returns:
        The store, not yet open.

    Raises:
        ValueError: When the URL or an option is malformed.
    """
    if url == MEMORY:
        return SqliteStore(MEMORY)
    prefix = "sqlite://"
    if not url.startswith(prefix):
        msg = f"not an sqlite URL: {url!r} (expected sqlite:///path/to/file.db)"
        raise ValueError(msg)
    rest, _, query = url[len(prefix) :].partition("?")
    if rest and not rest.startswith("/"):
        msg = f"sqlite URL {url!r} needs three slashes: sqlite:///path/to/file.db"
        raise ValueError(msg)
    path = rest[1:] or MEMORY
    batch_size = 5000
    flush_interval: float | None = 0.2
    for name, text in parse_qsl(
        query, keep_blank_values=True, strict_parsing=bool(query)
    ):
        if name == "batch_size":
            batch_size = int(text)
        elif name == "flush_interval":
            flush_interval = (
                None if text.lower() in {"", "none", "off"} else float(text)
            )
        else:
            msg = f"unknown sqlite store option {name!r} in {url!r}"
            raise ValueError(msg)
    return SqliteStore(path, batch_size=batch_size, flush_interval=flush_interval)


def _use_wal(conn: sqlite3.Connection, *, within: float) -> None:
    """Switch a connection's database to WAL, waiting for others doing the same.

    Changing the journal mode takes the database's exclusive lock, and SQLite does
    not wait on it (its busy timeout is not used there): several processes opening
    a new database at once would all but one fail with "database is locked". So
    try again, with growing pauses, for up to ``within`` seconds.
    """
    deadline = time.monotonic() + within
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        else:
            return
