"""Helpers for the rules tests: times, event builders and an engine harness."""

from __future__ import annotations

from datetime import UTC, datetime

from thingmind.core import Event, EventKind, ManualClock, StateValue
from thingmind.registry import LocalDriver, Registry
from thingmind.rules import (
    Automation,
    DriverExecutor,
    KeyValueStore,
    LogNotifier,
    MemoryKeyValueStore,
    RuleEngine,
    SiteLocation,
    Trace,
    parse_automations,
)

T0 = datetime(2024, 6, 21, 12, 0, tzinfo=UTC).timestamp()
"""Friday 21 June 2024, 13:00 in London (BST)."""

LONDON = SiteLocation(latitude=51.5074, longitude=-0.1278, timezone="Europe/London")


def state(device_id: str, t: float, **data: StateValue) -> Event:
    """A state-changed event."""
    return Event(kind=EventKind.STATE_CHANGED, time=t, device_id=device_id, data=data)


def on(device_id: str, t: float, value: bool = True) -> Event:
    """An ``on`` change ("on" is a keyword argument Python cannot spell)."""
    return Event(
        kind=EventKind.STATE_CHANGED, time=t, device_id=device_id, data={"on": value}
    )


class Harness:
    """An engine over the fixture home whose device changes come back as events."""

    def __init__(
        self,
        registry: Registry,
        clock: ManualClock,
        persistence: KeyValueStore | None = None,
    ) -> None:
        self.registry = registry
        self.clock = clock
        self.persistence = persistence or MemoryKeyValueStore()
        self.notifier = LogNotifier()
        self.outbox: list[Event] = []
        self.driver = LocalDriver(registry, on_change=self._changed)
        self.executor = DriverExecutor(registry, self.driver)

    def _changed(self, device_id: str, changed: dict[str, StateValue]) -> None:
        self.outbox.append(
            Event(
                kind=EventKind.STATE_CHANGED,
                time=self.clock.now(),
                device_id=device_id,
                data=dict(changed),
                source="driver",
            )
        )

    def feed(self, engine: RuleEngine, event: Event) -> list[Trace]:
        """Apply an event to the registry (as the brain does), then to the engine."""
        if event.device_id is not None and event.kind is EventKind.STATE_CHANGED:
            self.registry.set_state(event.device_id, event.data)
        if event.time > self.clock.now():
            self.clock.set(event.time)
        return engine.process(event)

    def engine(self, automations: list[Automation] | str) -> RuleEngine:
        if isinstance(automations, str):
            automations = parse_automations(automations, source="test")
        return RuleEngine(
            automations,
            registry=self.registry,
            executor=self.executor,
            clock=self.clock,
            site=LONDON,
            persistence=self.persistence,
            notifier=self.notifier,
        )
