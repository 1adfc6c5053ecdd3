"""The orchestrator: owns the site's live state and wires the two flows.

* event flow: device events arrive on the bus -> the registry's state -> the store;
* text flow: a sentence -> understanding -> resolver -> the device layer -> state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import logging
from pathlib import Path
import threading
from typing import TYPE_CHECKING

from thingmind.brain._automation_turn import AutomationDesk
from thingmind.brain._conversation import Conversation, Parser, TurnResult
from thingmind.brain._gated import RULE_USER, GatedExecutor
from thingmind.brain._history import HistoryDesk
from thingmind.brain._learning import LearningConversation, ModelSlot
from thingmind.brain._learning_log import CorrectionLog, Redactor
from thingmind.brain._security import Executed
from thingmind.core import (
    Clock,
    Event,
    EventKind,
    ServiceError,
    StateValue,
    SystemClock,
)
from thingmind.registry import DeviceDriver, Home, Registry
from thingmind.resolve import GateDecision, ResolvedAction, Verdict
from thingmind.rules import DriverExecutor
from thingmind.store import StoreError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import tzinfo

    from thingmind.brain._automation_turn import AutomationSink
    from thingmind.brain._fallback import GenerativeFallback
    from thingmind.brain._learning_log import MeantCommand
    from thingmind.brain._security import Security
    from thingmind.bus import EventBus
    from thingmind.resolve import Context
    from thingmind.rules import ActionExecutor, AutomationDraft
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Learning:
    """How the brain learns from use: corrections, and models swapped in service."""

    site: str
    """The site's name, kept with each correction."""
    log: CorrectionLog | None = None
    """Where corrections go (None: they are applied, not kept)."""
    current: Callable[[], Path | None] | None = None
    """Returns the model folder that should be in service (the registry's
    ``current_path(site)``); polled so a deploy or rollback takes effect."""
    poll_s: float = 2.0
    """Seconds between polls of ``current``."""
    window_s: float = 120.0
    """How long after a turn a correction still applies to it."""

    def __post_init__(self) -> None:
        if not self.poll_s > 0:
            msg = f"poll_s must be > 0 seconds, got {self.poll_s}"
            raise ValueError(msg)
        if not self.window_s > 0:
            msg = f"window_s must be > 0 seconds, got {self.window_s}"
            raise ValueError(msg)


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
        learning: Learning | None = None,
        fallback: GenerativeFallback | None = None,
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
            learning: Corrections and model swaps (None: the parser is fixed and
                turns cannot be corrected).
            fallback: The generative fallback for sentences the parser is unsure
                of or the resolver cannot settle (None: none). Its readings pass
                the same resolver and gate.
        """
        self.registry = Registry(home)
        self._bus = bus
        self._store = store
        self._clock = clock or SystemClock()
        self._pending: list[Event] = []
        self.security = security
        self.learning = learning
        self.driver: DeviceDriver = _MirroringDriver(driver, self)
        """The device layer as the brain uses it: what it does is mirrored at once."""
        self.model: ModelSlot | None = None
        """The swappable model in service, when learning is on."""
        self.conversation: Conversation | LearningConversation
        if learning is None:
            self.conversation = Conversation(
                parser=parser,
                registry=self.registry,
                driver=self.driver,
                security=security,
                fallback=fallback,
            )
        else:
            self.model = parser if isinstance(parser, ModelSlot) else ModelSlot(parser)
            self.conversation = LearningConversation(
                parser=self.model,
                registry=self.registry,
                driver=self.driver,
                site=learning.site,
                log=learning.log,
                window_s=learning.window_s,
                security=security,
                # the users' names are masked in what is kept for training, too
                redactor=Redactor.for_site(
                    home, names=security.names if security is not None else ()
                ),
            )
            # the corrections wrapper runs its turns through an inner Conversation
            self.conversation.conversation.fallback = fallback
        self._follow_stop: threading.Event | None = None
        self.events_seen = 0
        self._parser: Parser = self.model if self.model is not None else parser
        inner = self._inner()
        self.automations = AutomationDesk(
            inner.resolver, clock=self._clock, parse=self._parser.parse
        )
        """Drafts automations from sentences; :meth:`attach_automations` enables them."""
        inner.desk = self.automations
        self.history: HistoryDesk | None = (
            HistoryDesk(inner.resolver, store, clock=self._clock)
            if store is not None
            else None
        )
        """Answers questions over the stored history (None without a store)."""
        inner.history = self.history

    async def __aenter__(self) -> Brain:
        learning = self.learning
        if learning is not None and learning.current is not None:
            if self.model is None:  # pragma: no cover - set with learning
                msg = "learning without a model slot"
                raise RuntimeError(msg)
            self._follow_stop = threading.Event()
            self.model.follow(
                learning.current, every=learning.poll_s, stop=self._follow_stop
            )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._follow_stop is not None:
            self._follow_stop.set()
            self._follow_stop = None
        self.flush()

    @property
    def clock(self) -> Clock:
        """The site's clock (the simulator's in the demo)."""
        return self._clock

    def _inner(self) -> Conversation:
        conversation = self.conversation
        if isinstance(conversation, LearningConversation):
            return conversation.conversation
        return conversation

    def attach_automations(
        self, sink: AutomationSink, *, zone: tzinfo | None = None
    ) -> None:
        """Let confirmed automation drafts go into service.

        Args:
            sink: Adds and enables a confirmed automation (the engine's manager).
            zone: The site's time zone, for one-off times and "today" in history
                questions (default: UTC).
        """
        self.automations.sink = sink
        if zone is not None:
            self.automations.set_zone(zone)
            if self.history is not None:
                self.history.zone = zone

    def draft_automation(self, text: str, *, context: Context) -> AutomationDraft:
        """Read a sentence as an automation, without holding or enabling it.

        Args:
            text: "When the front door opens after sunset, turn on the hall light".
            context: Who speaks and where: the actions are checked for this user.

        Returns:
            The draft: the automation in plain words and YAML, or why there is none.
        """
        return self.automations.draft(self._parser.parse(text), context=context)

    @property
    def can_learn(self) -> bool:
        """True when turns can be corrected (a model registry is configured)."""
        return isinstance(self.conversation, LearningConversation)

    def correct(
        self, meant: MeantCommand | None = None, *, context: Context | None = None
    ) -> TurnResult | None:
        """Mark the speaker's last turn wrong: undo it and do what was meant.

        Args:
            meant: What was meant (None: only undo it).
            context: Whose last turn.

        Returns:
            The corrective turn, or None when learning is off or the speaker has no
            recent turn.
        """
        conversation = self.conversation
        if not isinstance(conversation, LearningConversation):
            return None
        return conversation.correct(meant, context=context)

    def execute(
        self, user: str, action: ResolvedAction, *, source: str, text: str = ""
    ) -> Executed:
        """Carry out one service call that does not come from a sentence.

        With security it passes :meth:`Security.execute` (the gate, a held
        confirmation, the audit trail); without it (``predict``, tests) it is done.

        Args:
            user: Who asks.
            action: The service call.
            source: Where from ("api", "mqtt", "rule:<id>").
            text: A description for the audit trail.

        Returns:
            The decision and what changed.

            The device's refusal, if any, is in ``Executed.error``.
        """
        if self.security is not None:
            return self.security.execute(
                user, action, source=source, driver=self.driver, text=text
            )
        allow = GateDecision(verdict=Verdict.ALLOW)
        try:
            changed = self.driver.call(action.device_id, action.service, action.params)
        except ServiceError as err:
            return Executed(decision=allow, changed={}, error=str(err))
        return Executed(decision=allow, changed=changed)

    def rule_executor(self, *, user: str = RULE_USER) -> ActionExecutor:
        """Return the executor automations act through (the gate, when secured).

        Args:
            user: Who automations act as (their role bounds what rules may do).

        Returns:
            A :class:`GatedExecutor`, or a plain executor without security.
        """
        if self.security is None:
            return DriverExecutor(self.registry, self.driver)
        return GatedExecutor(
            self.security, registry=self.registry, driver=self.driver, user=user
        )

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
        failing = False
        while True:
            await asyncio.sleep(every)
            if self._store is not None and self._pending:
                batch, self._pending = self._pending, []
                try:
                    await loop.run_in_executor(None, _write, self._store, batch)
                except StoreError as err:
                    # the database is away (a restart): keep the batch, try again
                    # next tick, and say so once rather than on every tick
                    self._pending = batch + self._pending
                    if not failing:
                        _LOGGER.warning("history not written, retrying: %s", err)
                    failing = True
                    continue
                if failing:
                    _LOGGER.warning("history written again after a store outage")
                    failing = False
