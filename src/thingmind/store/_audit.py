"""The audit trail: append-only, hash-chained records of every action and refusal.

Each record's ``hash`` is ``sha256(prev_hash + newline + canonical JSON of {seq, ts,
record})``, and its ``prev_hash`` is the hash of the record before it (64 zeros for
the first, or the last purged record's hash kept in ``audit_anchor``). Database
triggers refuse updates and deletes; :meth:`AuditLog.verify` walks the chain and
finds any record edited, inserted or deleted by hand, even with the triggers dropped.

A record's personal fields (:data:`PERSONAL_FIELDS`: who, the sentence, the answer)
are kept apart, in ``audit_personal``, and the chained record holds only their
salted digest. :meth:`AuditLog.erase` deletes one user's personal parts on request
and appends a chained record listing what it erased: the chain still verifies, each
erased record reads "erased on request", and a personal part deleted by hand is
still found (docs/security.md).

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
import secrets
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


PERSONAL_FIELDS = frozenset({"user", "subject", "text", "answer", "refused"})
"""Fields kept apart from the chain, so that they can be erased on request: who
asked, whom it was about, the sentence, the answer and the refusals' details (which
can quote the sentence). The rest (source, intents, actions, decision, reason) stays
in the chained record."""
PERSONAL_KEY = "personal"
"""The chained record's field holding the digest of its personal part."""
ERASES_KEY = "erases"
"""The chained field of an erasure record: the sequence numbers it erased."""
ERASED = "erased on request"
"""What an erased record shows in place of its personal fields."""
_RESERVED = frozenset({PERSONAL_KEY, ERASES_KEY, "erased"})


def personal_digest(salt: str, personal_json: str) -> str:
    """Return the digest the chain keeps of a record's personal part.

    The random salt, stored beside the personal part and erased with it, keeps the
    digest from being matched against guesses ("was it anna who unlocked?").
    """
    return hashlib.sha256(f"{salt}\n{personal_json}".encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """One record of the trail."""

    seq: int
    """Its position, from 1, without gaps."""
    ts: float
    """When (Unix seconds)."""
    record: Mapping[str, Any]
    """What happened: who, from where, the sentence, what was understood and done.
    An erased record has ``erased`` ("erased on request") in place of its personal
    fields."""
    prev_hash: str
    """The previous record's hash."""
    hash: str
    """This record's hash."""
    erased: bool = False
    """True when its personal part was erased on request."""


class Problem(StrEnum):
    """What :meth:`AuditLog.verify` found wrong."""

    EDITED = "edited"
    """The record's content (or its personal part) does not match its hash."""
    BROKEN_LINK = "broken_link"
    """Its prev_hash is not the previous record's hash (a record removed or forged)."""
    GAP = "gap"
    """A sequence number is missing (a record deleted)."""
    UNREADABLE = "unreadable"
    """Its stored JSON cannot be read."""
    PERSONAL_MISSING = "personal_missing"
    """Its personal part is gone and no erasure record says it was erased."""


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
    erased: int = 0
    """Records whose personal part was erased on request (intact, not a problem)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditErasure:
    """What :meth:`AuditLog.erase` did."""

    erased: tuple[int, ...]
    """The records whose personal part was erased."""
    kept: int
    """The user's records written before personal parts were kept apart (schema
    version 3): whole in the chain, so they go only when retention purges them."""
    record: AuditRecord
    """The chained record of the erasure."""


def _split(record: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a record into its chained and its personal fields (JSON-normalized)."""
    data: dict[str, Any] = json.loads(canonical_json(dict(record)))
    personal = {k: data.pop(k) for k in sorted(PERSONAL_FIELDS) if k in data}
    return data, personal


def _text_or_empty(value: object) -> str:
    return value if isinstance(value, str) else ""


_ROWS = (
    "SELECT a.seq, a.ts, a.prev_hash, a.hash, a.record, p.salt, p.data "
    "FROM audit a LEFT JOIN audit_personal p ON p.seq = a.seq"
)


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

        Its :data:`PERSONAL_FIELDS` are kept apart and chained by digest.

        Args:
            record: JSON-able facts (non-JSON values are stored as text).

        Returns:
            The stored record with its hash.

        Raises:
            ValueError: When the record uses a field the trail reserves
                (``personal``, ``erases``, ``erased``).
            StoreError: When the write fails.
        """
        reserved = sorted(_RESERVED.intersection(record))
        if reserved:
            msg = f"audit record fields {reserved} are reserved for the trail itself"
            raise ValueError(msg)
        with self._db.transaction(lock="audit") as run:
            return self._insert(run, record)

    def _insert(self, run: Run, record: Mapping[str, object]) -> AuditRecord:
        """Chain one record inside an open, locked transaction."""
        chained, personal = _split(record)
        salt = personal_json = ""
        if personal:
            salt = secrets.token_hex(16)
            personal_json = canonical_json(personal)
            chained[PERSONAL_KEY] = personal_digest(salt, personal_json)
        record_json = canonical_json(chained)
        ts = float(self._clock.now())
        last = run("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", ())
        if last:
            seq, prev = int(last[0][0]) + 1, str(last[0][1])
        else:
            anchor = _anchor(run)
            seq, prev = anchor[0] + 1, anchor[1]
        digest = chain_hash(prev, seq, ts, record_json)
        run(
            "INSERT INTO audit (seq, ts, prev_hash, hash, record) VALUES (?, ?, ?, ?, ?)",
            (seq, ts, prev, digest, record_json),
        )
        if personal:
            run(
                "INSERT INTO audit_personal (seq, user_id, subject, salt, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    seq,
                    _text_or_empty(personal.get("user")),
                    _text_or_empty(personal.get("subject")),
                    salt,
                    personal_json,
                ),
            )
        shown = {k: v for k, v in chained.items() if k != PERSONAL_KEY}
        return AuditRecord(
            seq=seq,
            ts=ts,
            record={**shown, **personal},
            prev_hash=prev,
            hash=digest,
        )

    def records(
        self,
        *,
        after: int = 0,
        limit: int | None = None,
        user: str | None = None,
        about: str | None = None,
    ) -> list[AuditRecord]:
        """Return records after a sequence number, oldest first.

        Args:
            after: Only records with a higher ``seq``.
            limit: At most this many.
            user: Only this user's records (those they asked for).
            about: Only records of this user or about them (their ``subject``).

        Returns:
            The records, personal fields merged back (unreadable ones are skipped;
            :meth:`verify` reports them).
        """
        with self._db.transaction() as run:
            rows = run(f"{_ROWS} WHERE a.seq > ? ORDER BY a.seq", (after,))
        found: list[AuditRecord] = []
        for seq, ts, prev, digest, text, _salt, personal_text in rows:
            try:
                data = json.loads(text)
                personal = json.loads(personal_text) if personal_text else {}
            except ValueError:
                continue
            if not isinstance(data, dict) or not isinstance(personal, dict):
                continue
            erased = PERSONAL_KEY in data and personal_text is None
            view = {k: v for k, v in data.items() if k != PERSONAL_KEY}
            view.update(personal if PERSONAL_KEY in data else {})
            if erased:
                view["erased"] = ERASED
            if user is not None and view.get("user") != user:
                continue
            if about is not None and about not in (
                view.get("user"),
                view.get("subject"),
            ):
                continue
            found.append(
                AuditRecord(
                    seq=int(seq),
                    ts=float(ts),
                    record=view,
                    prev_hash=str(prev),
                    hash=str(digest),
                    erased=erased,
                )
            )
            if limit is not None and len(found) >= limit:
                break
        return found

    def verify(self) -> Verification:
        """Walk the chain and report every record that was edited, removed or forged.

        A record's personal part must match the digest its chained record holds, or
        be missing because a later, intact erasure record lists it.

        Returns:
            The verification: ``ok`` only when every record matches its hash, links
            to the one before, no sequence number is missing, and every personal
            part is intact or erased on request.
        """
        with self._db.transaction() as run:
            start_seq, expected_prev = _anchor(run)
            rows = run(f"{_ROWS} ORDER BY a.seq", ())
        problems: list[tuple[int, Problem]] = []
        erased_by: dict[int, int] = {}  # erased seq -> the erasure record's seq
        personal_checks: list[tuple[int, str, str | None, str | None]] = []
        expected_seq = start_seq + 1
        head = expected_prev
        for raw_seq, ts, prev, digest, text, salt, personal_text in rows:
            seq = int(raw_seq)
            if seq != expected_seq:
                problems.append((seq, Problem.GAP))
            if not hmac.compare_digest(str(prev), expected_prev):
                problems.append((seq, Problem.BROKEN_LINK))
            try:
                data = json.loads(text)
                record_json = canonical_json(data)
            except ValueError:
                problems.append((seq, Problem.UNREADABLE))
                data, record_json = None, ""
            intact = bool(record_json) and hmac.compare_digest(
                chain_hash(str(prev), seq, float(ts), record_json), str(digest)
            )
            if record_json and not intact:
                problems.append((seq, Problem.EDITED))
            chained = data if isinstance(data, dict) else {}
            if intact:
                for target in chained.get(ERASES_KEY) or ():
                    if isinstance(target, int) and target < seq:
                        erased_by.setdefault(target, seq)
            wanted = chained.get(PERSONAL_KEY)
            if isinstance(wanted, str) or personal_text is not None:
                personal_checks.append(
                    (
                        seq,
                        wanted if isinstance(wanted, str) else "",
                        None if salt is None else str(salt),
                        None if personal_text is None else str(personal_text),
                    )
                )
            expected_prev = str(digest)
            expected_seq = seq + 1
            head = str(digest)
        erased = 0
        for seq, wanted, salt, personal_text in personal_checks:
            if personal_text is None or salt is None:
                if seq in erased_by:
                    erased += 1
                else:
                    problems.append((seq, Problem.PERSONAL_MISSING))
            elif not wanted or not hmac.compare_digest(
                personal_digest(salt, _canonical_or_raw(personal_text)), wanted
            ):
                problems.append((seq, Problem.EDITED))
        problems.sort(key=lambda p: p[0])
        return Verification(
            ok=not problems,
            checked=len(rows),
            head=head,
            problems=tuple(problems),
            erased=erased,
        )

    def erase(self, user: str, *, by: str, source: str) -> AuditErasure:
        """Erase the personal part of every record of or about ``user``, on request.

        The chained records stay (what was done, when, from where), so the chain still
        verifies; a new chained record lists the erased sequence numbers, which tells
        an erasure from a personal part deleted by hand.

        Args:
            user: Whose records.
            by: Who asked for the erasure (kept in the erasure record's personal part).
            source: Where from ("cli", "api").

        Returns:
            What was erased, what had to be kept, and the erasure's own record.

        Raises:
            ValueError: When ``user`` is empty.
            StoreError: When the write fails.
        """
        if not user:
            msg = "erasing needs a user id"
            raise ValueError(msg)
        with self._db.transaction(lock="audit") as run:
            rows = run(
                "SELECT seq FROM audit_personal WHERE user_id = ? OR subject = ? "
                "ORDER BY seq",
                (user, user),
            )
            seqs = tuple(int(r[0]) for r in rows)
            if seqs:
                run(
                    "DELETE FROM audit_personal WHERE user_id = ? OR subject = ?",
                    (user, user),
                )
            kept = _legacy_count(run, user)
            chained = {"event": "erasure", ERASES_KEY: list(seqs), "source": source}
            record = self._insert(
                run,
                {
                    **chained,
                    "user": by,
                    "text": f"erased {len(seqs)} records on request",
                },
            )
        _LOGGER.info("erased the personal part of %s audit records", len(seqs))
        return AuditErasure(erased=seqs, kept=kept, record=record)

    def purge(self, before: float) -> int:
        """Delete records older than ``before`` (retention), keeping the chain verifiable.

        The last deleted record's seq and hash become an anchor the remaining chain
        starts from; the records' personal parts go with them.

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
            run("DELETE FROM audit_personal WHERE seq <= ?", (seq,))
            run("DELETE FROM audit WHERE seq <= ?", (seq,))
        deleted = int(count[0][0])
        _LOGGER.info("purged %s audit records before %s", deleted, before)
        return deleted


def _canonical_or_raw(text: str) -> str:
    try:
        return canonical_json(json.loads(text))
    except ValueError:
        return text


def _legacy_count(run: Run, user: str) -> int:
    """Count the user's records kept whole in the chain (written before schema 3)."""
    # A cheap filter first (LIKE may over-match); the JSON decides.
    rows = run("SELECT record FROM audit WHERE record LIKE ?", (f"%{user}%",))
    count = 0
    for (text,) in rows:
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if (
            isinstance(data, dict)
            and PERSONAL_KEY not in data
            and user in (data.get("user"), data.get("subject"))
        ):
            count += 1
    return count


def _anchor(run: Run) -> tuple[int, str]:
    rows = run("SELECT seq, hash FROM audit_anchor ORDER BY seq DESC LIMIT 1", ())
    if not rows:
        return 0, GENESIS
    return int(rows[0][0]), str(rows[0][1])
