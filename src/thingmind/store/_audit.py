"""The audit trail: append-only, hash-chained records of every action and refusal.

Each record's ``hash`` is ``sha256(prev_hash + newline + canonical JSON of {seq, ts,
record})``, and its ``prev_hash`` is the hash of the record before it (64 zeros for
the first, or the last purged record's hash kept in ``audit_anchor``). Database
triggers refuse updates and deletes; :meth:`AuditLog.verify` walks the chain and
finds any record edited, inserted or deleted by hand, even with the triggers dropped.

The log keeps a connection of its own to the store's database (SQLite file or
PostgreSQL), so it works beside either backend::

    with open_store(url) as store, AuditLog.for_store(store) as audit:
        audit.append({"user": "anna", "text": "unlock the door", ...})
        assert audit.verify().ok
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from enum import StrEnum
import hashlib
import hmac
import json
import logging
import sqlite3
import threading
from typing import TYPE_CHECKING, Any, Protocol, Self

from thingmind.core import Clock, SystemClock
from thingmind.store._errors import StoreError
from thingmind.store._postgres import PostgresStore
from thingmind.store._sqlite import MEMORY, SqliteStore

if TYPE_CHECKING:
    from types import TracebackType

    from thingmind.store._protocol import Store

_LOGGER = logging.getLogger(__name__)

GENESIS = "0" * 64
"""The ``prev_hash`` of the very first record."""

Run = Callable[[str, Sequence[object]], list[tuple[Any, ...]]]
"""Runs one statement (``?`` placeholders) and returns its rows."""


class Database(Protocol):
    """A connection the audit log and the credentials use (SQLite or PostgreSQL)."""

    def transaction(self, *, lock: str | None = None) -> AbstractContextManager[Run]:
        """Run statements in one transaction, optionally locking a table first."""
        ...

    def close(self) -> None:
        """Disconnect."""
        ...


class SqliteDatabase:
    """A connection of its own to a store's SQLite file."""

    def __init__(self, path: str, *, timeout: float = 5.0) -> None:
        """Connect (the store has created the schema).

        Raises:
            StoreError: When it cannot connect.
        """
        if path == MEMORY:
            msg = "the audit trail needs a database file, not an in-memory store"
            raise StoreError(msg)
        try:
            self._conn = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as err:
            msg = f"cannot open {path}: {err}"
            raise StoreError(msg) from err
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self, *, lock: str | None = None) -> Iterator[Run]:
        """Run statements in one IMMEDIATE transaction (the write lock first)."""
        del lock  # IMMEDIATE already serializes writers
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")

                def run(
                    sql: str, params: Sequence[object] = ()
                ) -> list[tuple[Any, ...]]:
                    return conn.execute(sql, tuple(params)).fetchall()

                yield run
                conn.execute("COMMIT")
            except sqlite3.Error as err:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                msg = f"the audit database failed: {err}"
                raise StoreError(msg) from err
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Disconnect."""
        self._conn.close()


class PostgresDatabase:
    """A connection of its own to a store's PostgreSQL database."""

    def __init__(self, dsn: str) -> None:
        """Connect (needs the ``[postgres]`` extra).

        Raises:
            StoreError: When it cannot connect.
        """
        import psycopg  # noqa: PLC0415  (optional extra)

        self._pg = psycopg
        try:
            self._conn = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as err:
            msg = f"cannot connect to the audit database: {err}"
            raise StoreError(msg) from err
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self, *, lock: str | None = None) -> Iterator[Run]:
        """Run statements in one transaction, locking ``lock`` exclusively first."""
        with self._lock:
            try:
                with self._conn.transaction():
                    if lock is not None:
                        self._conn.execute(f"LOCK TABLE {lock} IN EXCLUSIVE MODE")

                    def run(
                        sql: str, params: Sequence[object] = ()
                    ) -> list[tuple[Any, ...]]:
                        cur = self._conn.execute(sql.replace("?", "%s"), tuple(params))
                        return list(cur.fetchall()) if cur.description else []

                    yield run
            except self._pg.Error as err:
                msg = f"the audit database failed: {err}"
                raise StoreError(msg) from err

    def close(self) -> None:
        """Disconnect."""
        self._conn.close()


def database_for(store: Store) -> Database:
    """Open a connection of its own to the database behind a store.

    Raises:
        StoreError: For an in-memory store or an unknown backend.
    """
    if isinstance(store, SqliteStore):
        return SqliteDatabase(store.path)
    if isinstance(store, PostgresStore):
        return PostgresDatabase(store.dsn)
    msg = f"no audit support for {type(store).__name__}"
    raise StoreError(msg)


def canonical_json(value: object) -> str:
    """Serialize with sorted keys, no spaces, no NaN: the same text every time.

    Values JSON cannot hold (tuples excepted) are written as their ``str``.
    """
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=str,
    )


def chain_hash(prev_hash: str, seq: int, ts: float, record_json: str) -> str:
    """Return a record's hash from the previous hash and the record's content."""
    body = f'{{"record":{record_json},"seq":{seq:d},"ts":{ts!r}}}'
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """One record of the trail."""

    seq: int
    """Its position, from 1, without gaps."""
    ts: float
    """When (Unix seconds)."""
    record: Mapping[str, Any]
    """What happened: who, from where, the sentence, what was understood and done."""
    prev_hash: str
    """The previous record's hash."""
    hash: str
    """This record's hash."""


class Problem(StrEnum):
    """What :meth:`AuditLog.verify` found wrong."""

    EDITED = "edited"
    """The record's content does not match its hash."""
    BROKEN_LINK = "broken_link"
    """Its prev_hash is not the previous record's hash (a record removed or forged)."""
    GAP = "gap"
    """A sequence number is missing (a record deleted)."""
    UNREADABLE = "unreadable"
    """Its stored JSON cannot be read."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    """The result of walking the chain."""

    ok: bool
    """True when every record is intact and linked."""
    checked: int
    """How many records were checked."""
    head: str
    """The last record's hash (keep it elsewhere to detect a truncated tail)."""
    problems: tuple[tuple[int, Problem], ...] = ()
    """(seq, problem) for each bad record, in order."""


class AuditLog:
    """The append-only, hash-chained audit trail in the store's database."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        """Use a connection (see :func:`database_for`)."""
        self._db = db
        self._clock = clock or SystemClock()

    @classmethod
    def for_store(cls, store: Store, *, clock: Clock | None = None) -> AuditLog:
        """Open the audit trail beside an open store."""
        return cls(database_for(store), clock=clock)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect."""
        self._db.close()

    def append(self, record: Mapping[str, object]) -> AuditRecord:
        """Append one record, durably, linked to the last one.

        Args:
            record: JSON-able facts (non-JSON values are stored as text).

        Returns:
            The stored record with its hash.

        Raises:
            StoreError: When the write fails.
        """
        record_json = canonical_json(dict(record))
        ts = float(self._clock.now())
        with self._db.transaction(lock="audit") as run:
            last = run("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", ())
            if last:
                seq, prev = int(last[0][0]) + 1, str(last[0][1])
            else:
                anchor = _anchor(run)
                seq, prev = anchor[0] + 1, anchor[1]
            digest = chain_hash(prev, seq, ts, record_json)
            run(
                "INSERT INTO audit (seq, ts, prev_hash, hash, record) "
                "VALUES (?, ?, ?, ?, ?)",
                (seq, ts, prev, digest, record_json),
            )
        return AuditRecord(
            seq=seq, ts=ts, record=json.loads(record_json), prev_hash=prev, hash=digest
        )

    def records(
        self,
        *,
        after: int = 0,
        limit: int | None = None,
        user: str | None = None,
    ) -> list[AuditRecord]:
        """Return records after a sequence number, oldest first.

        Args:
            after: Only records with a higher ``seq``.
            limit: At most this many.
            user: Only this user's records.

        Returns:
            The records (unreadable ones are skipped; :meth:`verify` reports them).
        """
        sql = "SELECT seq, ts, prev_hash, hash, record FROM audit WHERE seq > ?"
        sql += " ORDER BY seq"
        with self._db.transaction() as run:
            rows = run(sql, (after,))
        found: list[AuditRecord] = []
        for seq, ts, prev, digest, text in rows:
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if user is not None and (
                not isinstance(data, dict) or data.get("user") != user
            ):
                continue
            found.append(
                AuditRecord(
                    seq=int(seq),
                    ts=float(ts),
                    record=data,
                    prev_hash=str(prev),
                    hash=str(digest),
                )
            )
            if limit is not None and len(found) >= limit:
                break
        return found

    def verify(self) -> Verification:
        """Walk the chain and report every record that was edited, removed or forged.

        Returns:
            The verification: ``ok`` only when every record matches its hash, links
            to the one before, and no sequence number is missing.
        """
        with self._db.transaction() as run:
            start_seq, expected_prev = _anchor(run)
            rows = run(
                "SELECT seq, ts, prev_hash, hash, record FROM audit ORDER BY seq", ()
            )
        problems: list[tuple[int, Problem]] = []
        expected_seq = start_seq + 1
        head = expected_prev
        for raw_seq, ts, prev, digest, text in rows:
            seq = int(raw_seq)
            if seq != expected_seq:
                problems.append((seq, Problem.GAP))
            if not hmac.compare_digest(str(prev), expected_prev):
                problems.append((seq, Problem.BROKEN_LINK))
            try:
                record_json = canonical_json(json.loads(text))
            except ValueError:
                problems.append((seq, Problem.UNREADABLE))
                record_json = ""
            if record_json and not hmac.compare_digest(
                chain_hash(str(prev), seq, float(ts), record_json), str(digest)
            ):
                problems.append((seq, Problem.EDITED))
            expected_prev = str(digest)
            expected_seq = seq + 1
            head = str(digest)
        return Verification(
            ok=not problems, checked=len(rows), head=head, problems=tuple(problems)
        )

    def purge(self, before: float) -> int:
        """Delete records older than ``before`` (retention), keeping the chain verifiable.

        The last deleted record's seq and hash become an anchor the remaining chain
        starts from.

        Returns:
            The number of records deleted.
        """
        with self._db.transaction(lock="audit") as run:
            last = run(
                "SELECT seq, hash FROM audit WHERE ts < ? ORDER BY seq DESC LIMIT 1",
                (before,),
            )
            if not last:
                return 0
            seq, digest = int(last[0][0]), str(last[0][1])
            run(
                "INSERT INTO audit_anchor (seq, hash, ts) VALUES (?, ?, ?)",
                (seq, digest, float(self._clock.now())),
            )
            count = run("SELECT count(*) FROM audit WHERE seq <= ?", (seq,))
            run("DELETE FROM audit WHERE seq <= ?", (seq,))
        deleted = int(count[0][0])
        _LOGGER.info("purged %s audit records before %s", deleted, before)
        return deleted


def _anchor(run: Run) -> tuple[int, str]:
    rows = run("SELECT seq, hash FROM audit_anchor ORDER BY seq DESC LIMIT 1", ())
    if not rows:
        return 0, GENESIS
    return int(rows[0][0]), str(rows[0][1])
