"""Events that travel on the bus, and the clock that stamps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
import time
from typing import Protocol, TypeAlias

StateValue: TypeAlias = bool | int | float | str | None
"""A value of one state key: the home file's JSON-like scalar."""


def same_value(old: StateValue, new: StateValue) -> bool:
    """True when ``new`` is ``old``: the same type and value (1.0 is not 1, 1 not True).

    A state key holding ``new`` already needs no new check: it was checked when set.
    """
    return type(old) is type(new) and old == new


class EventKind(StrEnum):
    """What an event reports."""

    STATE_CHANGED = "state_changed"
    """A device's state keys changed (``data`` holds the new values)."""
    ACTION = "action"
    """A service was called on a device."""
    ALERT = "alert"
    """A detector or rule raised an alert."""
    ANOMALY_LABEL = "anomaly_label"
    """The simulator started or ended an injected anomaly (ground truth)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One thing that happened at the site."""

    kind: EventKind
    """What happened."""
    time: float
    """When, as Unix seconds (UTC)."""
    device_id: str | None = None
    """The device concerned, if any."""
    data: dict[str, StateValue] = field(default_factory=dict)
    """The payload: for ``STATE_CHANGED`` the keys that changed and their new values."""
    source: str = ""
    """Who produced it: ``sim``, ``mqtt``, ``user:alice``, ``rule:porch``."""

    def __post_init__(self) -> None:
        kind: object = self.kind  # callers may pass anything at run time
        if not isinstance(kind, EventKind):
            msg = f"kind must be an EventKind, got {kind!r}"
            raise TypeError(msg)
        if self.time < 0:
            msg = f"time must be >= 0 Unix seconds, got {self.time!r}"
            raise ValueError(msg)


class Clock(Protocol):
    """Where time comes from; the simulator runs its own, faster than real time."""

    def now(self) -> float:
        """Return the current time as Unix seconds."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        """Return the current wall time as Unix seconds."""
        return time.time()


class ManualClock:
    """A clock that moves only when told to; for the simulator and tests."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        """Return the clock's current time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        Args:
            seconds: How far, in seconds; must not be negative.

        Raises:
            ValueError: When ``seconds`` is negative.
        """
        if seconds < 0:
            msg = f"a clock cannot go back ({seconds} s)"
            raise ValueError(msg)
        self._now += seconds

    def set(self, when: float) -> None:
        """Jump to ``when`` (Unix seconds), which must not be in the clock's past."""
        if when < self._now:
            msg = f"a clock cannot go back (to {when}, now {self._now})"
            raise ValueError(msg)
        self._now = when


def utc_iso(ts: float) -> str:
    """Return Unix seconds as an ISO-8601 UTC string."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()
