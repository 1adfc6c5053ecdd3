"""The interface every store backend implements (SQLite now, PostgreSQL later)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Self, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from thingmind.core import Event, EventKind, StateValue

JsonValue: TypeAlias = (
    "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
)
"""A value that ``json.dumps`` writes and ``json.loads`` reads back unchanged."""


class Store(Protocol):
    """The event log, state history and metadata of one site.

    The contract every backend keeps (tests/store runs one suite over each):

    - **Durability.** ``append`` only buffers. An event is *acknowledged* once a
      ``flush()`` that started after its ``append`` returned has returned: it is then
      committed and survives a crash of the process or of the machine. A backend may
      also flush on its own (when its buffer fills, or on a timer); that commits
      sooner but acknowledges nothing.
    - **Read your writes.** Queries see every appended event, flushed or not.
    - **Times** are Unix seconds (UTC). Ranges are half-open: ``start <= t < end``.
    - **Values** round-trip exactly: ``True`` stays ``bool``, ``1`` stays ``int``,
      ``1.0`` stays ``float`` (NaN too), ``None`` stays ``None``.
    - **Errors** are :class:`~thingmind.store.StoreError`; bad arguments raise
      ``ValueError``/``TypeError`` before anything is buffered.

    New tables (automations, state snapshots, audit) arrive as numbered migrations;
    ``put_meta``/``get_meta`` hold small settings until they deserve a table.
    """

    def open(self) -> None:
        """Connect and bring the schema up to date; opening twice does nothing."""
        ...

    def close(self) -> None:
        """Flush, then disconnect; closing twice does nothing."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def append(self, events: Iterable[Event]) -> None:
        """Buffer events for writing; durable only once ``flush()`` returns."""
        ...

    def flush(self) -> None:
        """Commit everything appended so far, durably."""
        ...

    def history(
        self,
        device_id: str,
        key: str,
        *,
        start: float,
        end: float,
        limit: int | None = None,
    ) -> list[tuple[float, StateValue]]:
        """Return the reported values of one state key in ``[start, end)``, oldest first."""
        ...

    def last_change(
        self,
        device_id: str,
        key: str,
        *,
        value: StateValue | None = None,
        before: float | None = None,
    ) -> tuple[float, StateValue] | None:
        """Return when a state key last changed (to ``value``, if given), and to what."""
        ...

    def events(
        self,
        *,
        start: float,
        end: float,
        kinds: Iterable[EventKind] | None = None,
        device_id: str | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Return the events in ``[start, end)``, oldest first."""
        ...

    def count_events(self) -> int:
        """Return how many events the store holds."""
        ...

    def purge(self, before: float) -> int:
        """Delete events, state history and command keys older than ``before``.

        Returns the number of events deleted.
        """
        ...

    def claim_key(self, key: str, *, at: float, owner: str = "") -> bool:
        """Claim a command's idempotency key, durably (this commits).

        True for the first claim of ``key`` in the database, by any process sharing
        it, and for a claim by the same non-empty ``owner`` while the key is not
        done (a restarted worker takes back what it held); False otherwise, until a
        purge with ``before > at`` forgets the key.
        """
        ...

    def finish_key(self, key: str) -> None:
        """Mark a claimed key done, durably: later claims of it are duplicates."""
        ...

    def put_meta(self, key: str, value: JsonValue) -> None:
        """Store a JSON-able value under ``key``, durably, replacing any old one."""
        ...

    def get_meta(self, key: str, default: JsonValue = None) -> JsonValue:
        """Return the value stored under ``key``, or ``default``."""
        ...
