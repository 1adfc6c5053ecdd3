"""Trigger matching: which automations a state change or an event fires.

Each (trigger, device) pair of a ``state`` or ``numeric_state`` trigger becomes a
:class:`Watch` with its matchers compiled for the hot path, and the
:class:`TriggerIndex` maps each state key of each device to the watches on it, so an
event touches only the automations that mention its device.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.rules._model import EventTrigger, NumericStateTrigger, StateTrigger
from thingmind.rules._states import (
    Canon,
    as_number,
    canon,
    expected_value,
    state_key,
    state_text,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.core import Domain, Event, StateValue
    from thingmind.rules._runs import Auto

TimerKey = tuple[str, int, str]
"""A ``for`` timer's key: (automation id, trigger index, device id)."""


class Watch:
    """One (trigger, device) pair: compiled matchers for the hot path."""

    __slots__ = (
        "above",
        "auto",
        "below",
        "entity_id",
        "for_seconds",
        "from_set",
        "index",
        "key",
        "numeric",
        "to_set",
        "trigger",
    )

    def __init__(
        self,
        auto: Auto,
        index: int,
        trigger: StateTrigger | NumericStateTrigger,
        entity_id: str,
        domain: Domain,
    ) -> None:
        self.auto = auto
        self.index = index
        self.trigger = trigger
        self.entity_id = entity_id
        self.key = state_key(domain, trigger.attribute)
        self.for_seconds = trigger.for_seconds
        self.numeric = isinstance(trigger, NumericStateTrigger)
        self.from_set: frozenset[Canon] | None = None
        self.to_set: frozenset[Canon] | None = None
        self.above: float | None = None
        self.below: float | None = None
        if isinstance(trigger, StateTrigger):
            if trigger.from_states is not None:
                self.from_set = frozenset(
                    expected_value(domain, self.key, v) for v in trigger.from_states
                )
            if trigger.to_states is not None:
                self.to_set = frozenset(
                    expected_value(domain, self.key, v) for v in trigger.to_states
                )
        else:
            self.above = trigger.above
            self.below = trigger.below

    @property
    def timer_key(self) -> TimerKey:
        """The key of this watch's ``for`` timer."""
        return (self.auto.automation.id, self.index, self.entity_id)

    def in_range(self, value: StateValue) -> bool:
        """True when ``value`` is a number within the trigger's above / below."""
        number = as_number(value)
        if number is None:
            return False
        above, below = self.above, self.below
        return (above is None or number > above) and (below is None or number < below)

    def holds(self, value: StateValue) -> bool:
        """True when ``value`` satisfies the trigger's target (to / range)."""
        if self.numeric:
            return self.in_range(value)
        return self.to_set is None or canon(value) in self.to_set

    def change(self, old: StateValue, new: StateValue) -> tuple[bool, str | None]:
        """How a change of the watched value bears on the trigger.

        Args:
            old: The value before (None when there was none).
            new: The value now.

        Returns:
            Whether the change ends a pending ``for`` timer, and what fired when
            the change fires the trigger (or starts its ``for`` timer), else None.
        """
        if self.numeric:
            now_in = self.in_range(new)
            if not now_in or self.in_range(old):
                return not now_in, None
            return (
                False,
                f"{self.entity_id} {state_text(self.key, new)} {self._range_text()}",
            )
        old_c, new_c = canon(old), canon(new)
        if old_c == new_c and type(old_c) is type(new_c):
            return False, None
        if self.to_set is not None and new_c not in self.to_set:
            return True, None
        if self.from_set is not None and old_c not in self.from_set:
            return True, None
        return True, (
            f"{self.entity_id} changed from {state_text(self.key, old)}"
            f" to {state_text(self.key, new)}"
        )

    def _range_text(self) -> str:
        parts = []
        if self.above is not None:
            parts.append(f"above {self.above:g}")
        if self.below is not None:
            parts.append(f"below {self.below:g}")
        return "is " + " and ".join(parts)


class TriggerIndex:
    """The state and event triggers of the installed automations, by what they watch."""

    __slots__ = ("_devices", "_events", "by_trigger")

    def __init__(self) -> None:
        self._devices: dict[str, dict[str, list[Watch]]] = {}
        self._events: dict[str, list[tuple[Auto, int, EventTrigger]]] = {}
        self.by_trigger: dict[TimerKey, Watch] = {}
        """Every watch by its timer key."""

    def add_watch(self, watch: Watch) -> None:
        """Watch a device's state key for one trigger."""
        by_key = self._devices.setdefault(watch.entity_id, {})
        by_key.setdefault(watch.key, []).append(watch)
        self.by_trigger[watch.timer_key] = watch

    def add_event(self, auto: Auto, t_index: int, trigger: EventTrigger) -> None:
        """Watch an event type for one trigger."""
        self._events.setdefault(trigger.event_type, []).append((auto, t_index, trigger))

    def for_device(self, device_id: str) -> Mapping[str, list[Watch]] | None:
        """Return the watches on a device by state key; None when nothing watches it."""
        return self._devices.get(device_id)

    def for_event(self, kind: str) -> list[tuple[Auto, int, EventTrigger]] | None:
        """Return (automation, trigger index, trigger) per trigger on an event type."""
        return self._events.get(kind)

    def drop(self, auto: Auto) -> None:
        """Forget every trigger of an automation."""
        for trigger in auto.automation.triggers:
            if isinstance(trigger, StateTrigger | NumericStateTrigger):
                for entity_id in trigger.entity_ids:
                    by_key = self._devices.get(entity_id, {})
                    for watched_key, watches in list(by_key.items()):
                        kept = [w for w in watches if w.auto is not auto]
                        if kept:
                            by_key[watched_key] = kept
                        else:
                            del by_key[watched_key]
                    if not by_key:
                        self._devices.pop(entity_id, None)
            elif isinstance(trigger, EventTrigger):
                watchers = [
                    w
                    for w in self._events.get(trigger.event_type, [])
                    if w[0] is not auto
                ]
                if watchers:
                    self._events[trigger.event_type] = watchers
                else:
                    self._events.pop(trigger.event_type, None)
        automation_id = auto.automation.id
        for key in [k for k in self.by_trigger if k[0] == automation_id]:
            del self.by_trigger[key]


def matches_event(trigger: EventTrigger, event: Event) -> bool:
    """True when an event of the trigger's type carries the data it asks for."""
    return all(
        (event.device_id == value)
        if key == "device_id"
        else (canon(event.data.get(key)) == canon(value))
        for key, value in trigger.event_data.items()
    )
