"""The orchestrator: owns the site's live state and wires the two flows.

* event flow: device events arrive on the bus -> the registry's state -> the store;
* text flow: a sentence -> understanding -> resolver -> the device layer -> state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from thingmind.brain._conversation import Conversation, Parser, TurnResult
from thingmind.core import Clock, Event, EventKind, StateValue, SystemClock
from thingmind.registry import DeviceDriver, Home, Registry

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.brain._security import Security
    from thingmind.bus import EventBus
    from thingmind.resolve import Context
    from thingmind.store import Store

_LOGGER = logging.getLogger(__name__)


def _write(store: Store, batch: list[Event]) -> None:
    store.append(batch)
    store.flush()


class _MirroringDriver:
    """Carries an action out on the device layer and mirrors what changed at once.

    Real devices report their new state asynchronously; the reply to the person is built
    from what the device layer acknowledged, so the registry takes that immediately and
    the echo that arrives later on the bus changes nothing.
    """

    def __init__(self, driver: DeviceDriver, brain: Brain) -> None:
        self._driver = driver
        self._brain = brain

    def call(
        self, device_id: str, service: str, params: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        changed = self._driver.call(device_id, service, params)
        self._brain.record_action(device_id, service, params)
        if changed:
            self._brain.apply_state(device_id, changed, source="command")
        return changed


class Brain:
    """The site's brain: live state, history, understanding and actions.

    Use as an async context manager and call :meth:`run` in a task to consume events::

        async with Brain(home=home, parser=tagger, driver=sim, bus=bus, store=store) as brain:
            task = asyncio.create_task(brain.run(), name="brain")
            result = brain.handle_text("turn off the kitchen lights")
    """

    def __init__(
        self,
        *,
        home: Home,
        parser: Parser,
        driver: DeviceDriver,
        bus: EventBus,
        store: Store | None = None,
        clock: Clock | None = None,
        security: Security | None = None,
    ) -> None:
        """Wire the parts.

        Args:
            home: The site.
            parser: The language model.
            driver: The device layer (the simulator, or MQTT).
            bus: The in-process event bus.
            store: Where history goes (optional).
            clock: Time source for the events it writes (default: wall clock).
            security: The gate, confirmations and audit trail every sentence passes
                (None: everything is allowed, as in ``predict``).
        """
        self.registry = Registry(home)
        self._bus = bus
        self._store = store
        self._clock = clock or SystemClock()
        self._pending: list[Event] = []
        self.security = security
        self.conversation = Conversation(
            parser=parser,
            registry=self.registry,
            driver=_MirroringDriver(driver, self),
            security=security,
        )
        self.events_seen = 0

    async def __aenter__(self) -> Brain:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.flush()

    def apply_state(
        self, device_id: str, changes: Mapping[str, StateValue], *, source: str
    ) -> dict[str, StateValue]:
        """Apply reported state to the registry; keep the real changes in history."""
        try:
            changed = self.registry.set_state(device_id, changes)
        except (KeyError, ValueError) as err:
            _LOGGER.warning("ignored state for %s from %s: %s", device_id, source, err)
            return {}
        if changed:
            event = Event(
                kind=EventKind.STATE_CHANGED,
                time=self._clock.now(),
                device_id=device_id,
                data=dict(changed),
                source=source,
            )
            self._pending.append(event)
            if source == "command":
                self._bus.publish_nowait(event)  # dashboards and rules see it at once
        return changed

    def record_action(
        self, device_id: str, service: str, params: Mapping[str, StateValue]
    ) -> None:
        """Keep a service call in the event log."""
        data: dict[str, StateValue] = {"service": service, **params}
        self._pending.append(
            Event(
                kind=EventKind.ACTION,
                time=self._clock.now(),
                device_id=device_id,
                data=data,
            )
        )

    def flush(self) -> None:
        """Write pending events to the store."""
        if self._store is not None and self._pending:
            self._store.append(self._pending)
            self._store.flush()
        self._pending = []

    def handle_text(self, text: str, *, context: Context | None = None) -> TurnResult:
        """Understand and carry out a sentence (synchronous; microseconds to milliseconds)."""
        return self.conversation.handle(text, context=context)

    async def run(self, *, flush_every: float = 0.5) -> None:
        """Consume device events from the bus until cancelled or the bus closes."""
        async with self._bus.subscribe(
            kinds={EventKind.STATE_CHANGED, EventKind.ANOMALY_LABEL}
        ) as sub:
            flusher = asyncio.create_task(
                self._flush_loop(flush_every), name="brain-flush"
            )
            try:
                async for event in sub:
                    self.events_seen += 1
                    if event.source == "command":
                        continue  # our own mirror, already applied
                    if event.kind is EventKind.STATE_CHANGED and event.device_id:
                        try:
                            changed = self.registry.set_state(
                                event.device_id, event.data
                            )
                        except (KeyError, ValueError) as err:
                            _LOGGER.warning(
                                "ignored event for %s: %s", event.device_id, err
                            )
                            continue
                        if not changed:
                            continue  # an echo of what a command already applied
                    self._pending.append(event)
            finally:
                flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flusher
                self.flush()

    async def _flush_loop(self, every: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            if self._store is not None and self._pending:
                batch, self._pending = self._pending, []
                await loop.run_in_executor(None, _write, self._store, batch)
