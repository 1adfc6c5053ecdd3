r"""What the rules engine waits for: ``for`` timers, ``delay``\\ s and the clock.

The :class:`Agenda` is the engine's time and one heap of what comes due: a ``for``
timer's deadline, the end of a run's ``delay``, the next time of a time or sun
trigger. :class:`ForTimers` holds the pending ``for`` timers and saves them, so a
restart keeps "the door has been open for 10 minutes" counting.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.core import StateValue
    from thingmind.rules._matching import TimerKey, Watch
    from thingmind.rules._ports import KeyValueStore

_LOGGER = logging.getLogger(__name__)

TIMERS_KEY = "rules.for_timers"
"""The key under which pending ``for`` timers are persisted."""

TIMER, DELAY, CLOCK = 0, 1, 2
"""What an agenda entry is: a ``for`` timer, a run's delay, a time or sun trigger."""


class Agenda:
    """The engine's time, and what comes due when."""

    __slots__ = ("_heap", "_seq", "now")

    def __init__(self, now: float) -> None:
        self.now = now
        """The engine's time: the latest event, tick or entry due seen, Unix seconds."""
        self._heap: list[tuple[float, int, int, Any]] = []
        self._seq = itertools.count()

    def catch_up(self, now: float) -> float:
        """Move the engine's time on to ``now`` (never back); return it."""
        self.now = max(self.now, now)
        return self.now

    def push(self, due: float, kind: int, payload: Any) -> None:
        """Add an entry: ``kind`` is ``TIMER``, ``DELAY`` or ``CLOCK``."""
        heapq.heappush(self._heap, (due, next(self._seq), kind, payload))

    def is_due(self, until: float) -> bool:
        """True when an entry is due by ``until``."""
        return bool(self._heap) and self._heap[0][0] <= until

    def pop(self) -> tuple[float, int, Any]:
        """Take the earliest entry and move the time on to it.

        Returns:
            When it was due, its kind and its payload.
        """
        due, _, kind, payload = heapq.heappop(self._heap)
        self.now = max(self.now, due)
        return due, kind, payload


class Timer:
    """A pending ``for`` timer."""

    __slots__ = ("deadline", "description", "since", "watch")

    def __init__(
        self, watch: Watch, since: float, deadline: float, description: str
    ) -> None:
        self.watch = watch
        self.since = since
        self.deadline = deadline
        self.description = description


class ForTimers:
    """The pending ``for`` timers, and where they are saved."""

    __slots__ = ("_persistence", "dirty", "pending")

    def __init__(self, persistence: KeyValueStore | None) -> None:
        self._persistence = persistence
        self.pending: dict[TimerKey, Timer] = {}
        """Each timer by (automation, trigger, device)."""
        self.dirty = False
        """True when they changed since they were last saved."""

    def arm(
        self, watch: Watch, since: float, deadline: float, description: str
    ) -> Timer | None:
        """Start a watch's timer, unless it is running or its automation is off.

        Returns:
            The new timer (for the agenda), or None when none was started.
        """
        if watch.timer_key in self.pending or not watch.auto.enabled:
            return None
        timer = Timer(watch, since, deadline, description)
        self.pending[watch.timer_key] = timer
        self.dirty = True
        return timer

    def cancel(self, watch: Watch) -> None:
        """Stop a watch's timer, if it runs."""
        if self.pending.pop(watch.timer_key, None) is not None:
            self.dirty = True

    def expire(self, timer: Timer) -> bool:
        """Take a timer that came due; False when it was cancelled since."""
        key = timer.watch.timer_key
        if self.pending.get(key) is not timer:
            return False
        del self.pending[key]
        self.dirty = True
        return True

    def take(self, automation_id: str) -> dict[TimerKey, Timer]:
        """Stop every timer of an automation and return them."""
        timers = {k: t for k, t in self.pending.items() if k[0] == automation_id}
        for key in timers:
            del self.pending[key]
        if timers:
            self.dirty = True
        return timers

    def save(self) -> None:
        """Write the pending timers to the persistence store now."""
        self.dirty = False
        if self._persistence is None:
            return
        self._persistence.put_meta(
            TIMERS_KEY,
            {
                "version": 1,
                "timers": [
                    {
                        "automation": key[0],
                        "trigger": key[1],
                        "entity": key[2],
                        "since": timer.since,
                        "deadline": timer.deadline,
                        "fingerprint": repr(timer.watch.trigger),
                        "description": timer.description,
                    }
                    for key, timer in self.pending.items()
                ],
            },
        )

    def restore(
        self,
        watches: Mapping[TimerKey, Watch],
        states: Mapping[str, Mapping[str, StateValue]],
    ) -> list[Timer]:
        """Re-arm the saved timers that still make sense.

        A saved timer is dropped when its trigger changed or went, its automation
        is off, or its device no longer holds the state.

        Args:
            watches: The installed watches by timer key.
            states: The devices' current state.

        Returns:
            The timers armed (for the agenda).
        """
        if self._persistence is None:
            return []
        saved = self._persistence.get_meta(TIMERS_KEY)
        items = saved.get("timers") if isinstance(saved, dict) else None
        if not isinstance(items, list):
            return []
        armed: list[Timer] = []
        restored = dropped = 0
        for item in items:
            if not isinstance(item, dict):
                dropped += 1
                continue
            key = (item.get("automation"), item.get("trigger"), item.get("entity"))
            watch = watches.get(key)  # type: ignore[arg-type]
            since, deadline = item.get("since"), item.get("deadline")
            if (
                watch is None
                or repr(watch.trigger) != item.get("fingerprint")
                or not isinstance(since, float | int)
                or not isinstance(deadline, float | int)
                or not watch.auto.enabled
                or not watch.holds(states.get(watch.entity_id, {}).get(watch.key))
            ):
                dropped += 1
                continue
            description = str(item.get("description", watch.entity_id))
            timer = self.arm(
                watch, float(since), float(deadline), f"{description} (restored)"
            )
            if timer is not None:
                armed.append(timer)
            restored += 1
        if restored or dropped:
            _LOGGER.info(
                "restored %d for-timers, dropped %d no longer valid", restored, dropped
            )
        self.dirty = dropped > 0
        return armed
