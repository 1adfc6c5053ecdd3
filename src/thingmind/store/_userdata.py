"""One user's data: export it as one JSON document, or erase it on request.

What the store keeps about a user: their API tokens and PIN (metadata only; hashes
never leave the database), their audit records (the personal part of each), and their
own events (source ``user:<id>``: the service calls they made through the API). Other
parts of thingmind that keep data about users (the corrections log) join in as
:class:`UserRecords`::

    with open_store(url) as store, UserData.for_store(store) as data:
        document = data.export("anna")
        erasure = data.erase("anna", by="owner", source="cli")

Erasure keeps the audit trail verifiable: see :meth:`AuditLog.erase`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import json
import logging
import math
from typing import TYPE_CHECKING, Protocol, Self

from thingmind.core import Clock, SystemClock, utc_iso
from thingmind.store._audit import AuditLog, database_for
from thingmind.store._credentials import Credentials, TokenInfo, check_user_id

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

    from thingmind.store._audit import AuditRecord, Database
    from thingmind.store._protocol import JsonValue, Store

_LOGGER = logging.getLogger(__name__)

EXPORT_FORMAT = "thingmind-user-export"
"""The ``format`` of an export document."""
EXPORT_VERSION = 1
"""The ``version`` of an export document (docs/security.md describes it)."""
USER_SOURCE = "user:"
"""The prefix of the source of events a user caused (``user:anna``)."""


class UserRecords(Protocol):
    """Another place that keeps data about users (the corrections log)."""

    @property
    def name(self) -> str:
        """The export document's key for these records ("corrections")."""
        ...

    def users(self) -> set[str]:
        """Return the users it holds records of."""
        ...

    def export(self, user: str) -> list[JsonValue]:
        """Return the user's records."""
        ...

    def erase(self, user: str) -> int:
        """Delete the user's records; return how many."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Erasure:
    """What erasing one user's data did."""

    user: str
    """Whose data."""
    tokens: int
    """API tokens deleted (revoked ones too)."""
    pins: int
    """PINs deleted (0 or 1)."""
    audit_records: int
    """Audit records whose personal part was erased (the records stay, marked)."""
    audit_kept: int
    """Audit records kept whole: written before personal parts were kept apart,
    they go when retention purges them."""
    events: int
    """The user's own events deleted."""
    other: Mapping[str, int] = field(default_factory=dict)
    """Records deleted elsewhere, by :class:`UserRecords` name."""
    audit_seq: int = 0
    """The sequence number of the chained record of this erasure."""

    def as_dict(self) -> dict[str, JsonValue]:
        """Return the JSON-able form (the API's and the CLI's)."""
        return {
            "user": self.user,
            "tokens": self.tokens,
            "pins": self.pins,
            "audit_records": self.audit_records,
            "audit_kept": self.audit_kept,
            "events": self.events,
            "other": dict(self.other),
            "audit_seq": self.audit_seq,
        }


def token_json(info: TokenInfo) -> dict[str, JsonValue]:
    """A token's metadata as JSON (never its secret or hash)."""
    return {
        "id": info.id,
        "user": info.user,
        "label": info.label,
        "created": info.created,
        "revoked": info.revoked,
    }


def audit_json(record: AuditRecord) -> dict[str, JsonValue]:
    """An audit record as JSON: its place in the chain and what it records."""
    return {
        "seq": record.seq,
        "ts": record.ts,
        "hash": record.hash,
        "erased": record.erased,
        "record": _finite(dict(record.record)),
    }


def _finite(value: object) -> JsonValue:
    """JSON without NaN or infinity (those become null), for strict readers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


class UserData:
    """Export and erase what the store (and other :class:`UserRecords`) keep of a user.

    It shares the database connection of the audit trail and the credentials.
    """

    def __init__(
        self,
        db: Database,
        *,
        store: Store | None = None,
        audit: AuditLog | None = None,
        credentials: Credentials | None = None,
        others: Sequence[UserRecords] = (),
        clock: Clock | None = None,
        own_db: bool = False,
    ) -> None:
        """Use a connection (see :func:`thingmind.store.database_for`).

        Args:
            db: The database of the audit trail, credentials and events.
            store: The store, flushed before events are read or deleted (its
                buffered events are not in the database yet).
            audit: The audit trail (default: one over ``db``).
            credentials: The tokens and PINs (default: over ``db``).
            others: Other places that keep data about users.
            clock: Time source (the export's time).
            own_db: Close ``db`` on :meth:`close`.

        Raises:
            ValueError: When two ``others`` share a name, or one takes a name the
                export uses itself.
        """
        names = [o.name for o in others]
        taken = {"format", "version", "user", "exported_at", "tokens", "pin"}
        taken |= {"audit", "events"}
        clash = sorted({n for n in names if names.count(n) > 1 or n in taken})
        if clash:
            msg = f"user record names must be unique and not {sorted(taken)}: {clash}"
            raise ValueError(msg)
        self._db = db
        self._store = store
        self._clock = clock or SystemClock()
        self.audit = audit or AuditLog(db, clock=self._clock)
        """The audit trail."""
        self.credentials = credentials or Credentials(db, clock=self._clock)
        """Tokens and PINs."""
        self._others = tuple(others)
        self._own_db = own_db

    @classmethod
    def for_store(
        cls,
        store: Store,
        *,
        others: Sequence[UserRecords] = (),
        clock: Clock | None = None,
    ) -> UserData:
        """Open a user-data view beside an open store (closed with :meth:`close`)."""
        return cls(
            database_for(store), store=store, others=others, clock=clock, own_db=True
        )

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
        """Disconnect, when the connection is this object's own."""
        if self._own_db:
            self._db.close()

    # -- who ---------------------------------------------------------------------

    def users(self) -> list[str]:
        """Return every user the site keeps data about, sorted."""
        found = set(self.credentials.users())
        with self._db.transaction() as run:
            rows = run(
                "SELECT DISTINCT user_id FROM audit_personal WHERE user_id <> '' "
                "UNION SELECT DISTINCT subject FROM audit_personal WHERE subject <> ''",
                (),
            )
        found.update(str(r[0]) for r in rows)
        self._flush()
        with self._db.transaction() as run:
            rows = run(
                "SELECT DISTINCT source FROM events WHERE source LIKE ?",
                (f"{USER_SOURCE}%",),
            )
        found.update(
            str(r[0])[len(USER_SOURCE) :]
            for r in rows
            if str(r[0]).startswith(USER_SOURCE)
        )
        for other in self._others:
            found.update(other.users())
        found.discard("")
        return sorted(found)

    # -- tokens ------------------------------------------------------------------

    def tokens(self) -> list[TokenInfo]:
        """List every token (revoked ones too), oldest first."""
        return self.credentials.tokens()

    def add_token(self, user: str, *, label: str = "") -> tuple[str, TokenInfo]:
        """Make a token for a user.

        Returns:
            The token (shown once) and its metadata.

        Raises:
            ValueError: When the user id or label is not acceptable.
        """
        token = self.credentials.add_token(user, label=label)
        info = self.credentials.token(token.split("_", 2)[1])
        if info is None:  # pragma: no cover - written in the same call
            msg = "the new token was not stored"
            raise LookupError(msg)
        return token, info

    def revoke(self, token_id: str) -> TokenInfo | None:
        """Revoke a live token; return its metadata, or None when none is live."""
        if not self.credentials.revoke(token_id):
            return None
        return self.credentials.token(token_id)

    # -- export and erasure ------------------------------------------------------

    def export(self, user: str) -> dict[str, JsonValue]:
        """Return everything kept about a user, as one JSON document.

        Args:
            user: The user's id.

        Returns:
            ``{"format", "version", "user", "exported_at", "tokens", "pin",
            "audit", "events", <other names>...}`` (docs/security.md); no secret
            or hash of a credential is in it.

        Raises:
            ValueError: When the user id is not valid.
        """
        check_user_id(user)
        created = self.credentials.pin_created(user)
        document: dict[str, JsonValue] = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "user": user,
            "exported_at": utc_iso(self._clock.now()),
            "tokens": [token_json(t) for t in self.credentials.tokens(user=user)],
            "pin": None if created is None else {"created": created},
            "audit": [audit_json(r) for r in self.audit.records(about=user)],
            "events": self._events(user),
        }
        for other in self._others:
            document[other.name] = _finite(other.export(user))
        return document

    def erase(self, user: str, *, by: str, source: str) -> Erasure:
        """Delete everything kept about a user; the audit trail stays verifiable.

        Args:
            user: The user's id.
            by: Who asked (kept in the audit record of the erasure).
            source: Where from ("cli", "api").

        Returns:
            What was deleted.

        Raises:
            ValueError: When the user id is not valid.
            StoreError: When the database fails (what was done before stays done;
                erasing again finishes it).
        """
        check_user_id(user)
        tokens, pins = self.credentials.erase_user(user)
        self._flush()
        with self._db.transaction() as run:
            counted = run(
                "SELECT count(*) FROM events WHERE source = ?", (USER_SOURCE + user,)
            )
            run("DELETE FROM events WHERE source = ?", (USER_SOURCE + user,))
        other = {o.name: o.erase(user) for o in self._others}
        audit = self.audit.erase(user, by=by, source=source)
        erasure = Erasure(
            user=user,
            tokens=tokens,
            pins=pins,
            audit_records=len(audit.erased),
            audit_kept=audit.kept,
            events=int(counted[0][0]),
            other=other,
            audit_seq=audit.record.seq,
        )
        _LOGGER.info(
            "erased a user's data on request: %s tokens, %s audit records, %s events",
            tokens,
            len(audit.erased),
            erasure.events,
        )
        return erasure

    def _events(self, user: str) -> list[JsonValue]:
        self._flush()
        with self._db.transaction() as run:
            rows = run(
                "SELECT ts, kind, device_id, data FROM events WHERE source = ? "
                "ORDER BY ts, id",
                (USER_SOURCE + user,),
            )
        out: list[JsonValue] = []
        for ts, kind, device_id, text in rows:
            try:
                data = json.loads(text)
            except ValueError:
                data = text
            out.append(
                _finite(
                    {
                        "time": float(ts),
                        "kind": str(kind),
                        "device_id": device_id,
                        "data": data,
                    }
                )
            )
        return out

    def _flush(self) -> None:
        if self._store is not None:
            self._store.flush()
