r"""The rules engine: evaluates automations on the live event stream.

The core is synchronous and pure apart from the executor it calls:
:meth:`RuleEngine.process` takes one event and returns the traces of the runs it
started or moved on; :meth:`RuleEngine.tick` fires what is due by the clock (time and
sun triggers, ``for`` timers, the end of ``delay``\\ s). :meth:`RuleEngine.run` drives
both from an ``AsyncIterator[Event]``.

Automations can be added, replaced and removed while the engine runs
(:meth:`RuleEngine.add`, :meth:`RuleEngine.replace`, :meth:`RuleEngine.remove`); a
one-off (``once: true``) removes itself after its first run that acts.

Speed comes from indexes: each state key of each device maps to the triggers that
watch it, so an event touches only the automations that mention its device.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
import heapq
import itertools
import logging
from typing import TYPE_CHECKING, Any

from thingmind.core import (
    Domain,
    Event,
    EventKind,
    InvalidInputError,
    Problem,
    StateValue,
)
from thingmind.rules._check import check_automations
from thingmind.rules._model import (
    Action,
    AndCondition,
    Automation,
    Condition,
    DelayAction,
    EventTrigger,
    NotCondition,
    NotifyAction,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    RunMode,
    SceneAction,
    ServiceAction,
    StateCondition,
    StateTrigger,
    SunCondition,
    SunTrigger,
    TimeCondition,
    TimeTrigger,
    Trigger,
    TriggerKind,
    entity_domain,
)
from thingmind.rules._ports import LogNotifier
from thingmind.rules._states import (
    Canon,
    as_number,
    canon,
    expected_value,
    state_key,
    state_text,
)
from thingmind.rules._trace import (
    ActionResult,
    ConditionResult,
    RunOutcome,
    Trace,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable, Mapping

    from thingmind.core import Clock
    from thingmind.registry import Registry
    from thingmind.rules._ports import ActionExecutor, KeyValueStore, Notifier
    from thingmind.rules._sun import SiteLocation

_LOGGER = logging.getLogger(__name__)

TIMERS_KEY = "rules.for_timers"
"""The key under which pending ``for`` timers are persisted."""
RATE_WINDOW = 60.0  # seconds; the loop guard's sliding window
_MISSING: Any = object()


# ---------------------------------------------------------------- internals


class _Auto:
    """One automation's run-time state."""

    __slots__ = (
        "active",
        "automation",
        "enabled",
        "index",
        "limited",
        "queue",
        "runs",
        "traces",
    )

    def __init__(self, automation: Automation, index: int, trace_limit: int) -> None:
        self.automation = automation
        self.index = index
        self.enabled = automation.enabled
        self.runs: deque[float] = deque()
        self.limited = False
        self.active: list[_Run] = []
        self.queue: deque[_Fire] = deque()
        self.traces: deque[_Run] = deque(maxlen=trace_limit)


@dataclass(slots=True)
class _Fire:
    """A trigger that fired, waiting to become a run."""

    trigger_index: int | None
    trigger_kind: TriggerKind | None
    description: str
    time: float


class _Run:
    r"""A run in progress; snapshots of it are :class:`Trace`\\ s."""

    __slots__ = (
        "actions",
        "auto",
        "cancelled",
        "conditions",
        "finished",
        "fire",
        "number",
        "outcome",
    )

    def __init__(self, auto: _Auto, fire: _Fire, number: int) -> None:
        self.auto = auto
        self.fire = fire
        self.number = number
        self.conditions: list[ConditionResult] = []
        self.actions: list[ActionResult] = []
        self.outcome = RunOutcome.RUNNING
        self.finished: float | None = None
        self.cancelled = False

    def trace(self) -> Trace:
        return Trace(
            automation_id=self.auto.automation.id,
            run=self.number,
            time=self.fire.time,
            trigger_index=self.fire.trigger_index,
            trigger_kind=self.fire.trigger_kind,
            trigger=self.fire.description,
            conditions=tuple(self.conditions),
            actions=tuple(self.actions),
            outcome=self.outcome,
            finished=self.finished,
        )


class _Watch:
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
        auto: _Auto,
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
    def timer_key(self) -> tuple[str, int, str]:
        return (self.auto.automation.id, self.index, self.entity_id)

    def in_range(self, value: StateValue) -> bool:
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


class _Timer:
    """A pending ``for`` timer."""

    __slots__ = ("deadline", "description", "since", "watch")

    def __init__(
        self, watch: _Watch, since: float, deadline: float, description: str
    ) -> None:
        self.watch = watch
        self.since = since
        self.deadline = deadline
        self.description = description


_TIMER, _DELAY, _CLOCK = 0, 1, 2
_ACTED = frozenset({RunOutcome.FINISHED, RunOutcome.ACTION_FAILED})
"""Outcomes after which a one-off automation is done."""


# ---------------------------------------------------------------- engine


class RuleEngine:
    """Runs automations on events, in real time or in the simulator's virtual time.

    Example::

        engine = RuleEngine(
            parse_automations(text, source="automations.yaml"),
            registry=registry,
            executor=DriverExecutor(registry, LocalDriver(registry)),
            clock=SystemClock(),
            site=SiteLocation(latitude=51.5, longitude=-0.1, timezone="Europe/London"),
            persistence=store,
        )
        for event in events:
            for trace in engine.process(event):
                print(trace.describe())
    """

    def __init__(
        self,
        automations: Iterable[Automation],
        *,
        registry: Registry,
        executor: ActionExecutor,
        clock: Clock,
        site: SiteLocation,
        persistence: KeyValueStore | None = None,
        notifier: Notifier | None = None,
        trace_limit: int = 20,
        on_removed: Callable[[Automation], None] | None = None,
    ) -> None:
        """Check and index the automations, and restore pending ``for`` timers.

        Args:
            automations: What to run; ids must be unique.
            registry: The site; its current state seeds the engine's view.
            executor: Carries out device services (the same gate as commands).
            clock: Where "now" comes from for :meth:`tick` and the start time.
            site: Location and time zone, for time and sun triggers.
            persistence: Where pending ``for`` timers are saved; None keeps them in
                memory only.
            notifier: Where ``notify`` actions go; None logs them.
            trace_limit: Traces kept per automation.
            on_removed: Called with a one-off automation the engine removed after
                its run (so its owner can forget it too).

        Raises:
            InvalidInputError: When an automation names a device the site lacks, or
                asks one for something it cannot do, or two share an id.
        """
        initial = tuple(automations)
        self._registry = registry
        self._executor = executor
        self._clock = clock
        self._site = site
        self._persistence = persistence
        self._notifier: Notifier = notifier if notifier is not None else LogNotifier()
        self._trace_limit = trace_limit
        self._on_removed = on_removed
        problems = check_automations(initial, registry)
        seen: set[str] = set()
        for index, automation in enumerate(initial):
            if automation.id in seen:
                problems.append(
                    Problem(
                        path=f"automations[{index}].id",
                        message=f"{automation.id!r} is used twice",
                    )
                )
            seen.add(automation.id)
        if problems:
            source = "automations"
            raise InvalidInputError(source, problems)

        self._now = clock.now()
        self._start = self._now
        self._states: dict[str, dict[str, StateValue]] = registry.snapshot()
        self._since: dict[tuple[str, str], float] = {}
        self._autos: dict[str, _Auto] = {}
        self._watch: dict[str, dict[str, list[_Watch]]] = {}
        self._watch_by_trigger: dict[tuple[str, int, str], _Watch] = {}
        self._event_watch: dict[str, list[tuple[_Auto, int, EventTrigger]]] = {}
        self._heap: list[tuple[float, int, int, Any]] = []
        self._seq = itertools.count()
        self._runs = itertools.count(1)
        self._timers: dict[tuple[str, int, str], _Timer] = {}
        self._timers_dirty = False
        self._touched: list[_Run] = []
        self._retiring: list[_Auto] = []
        self._order = itertools.count()
        self.suppressed = 0
        """Triggers the loop guard refused since start."""

        for automation in initial:
            self._install(_Auto(automation, next(self._order), trace_limit), self._now)
        self._restore_timers()

    # ------------------------------------------------------------ indexing

    def _install(self, auto: _Auto, after: float) -> None:
        self._autos[auto.automation.id] = auto
        for t_index, trigger in enumerate(auto.automation.triggers):
            self._index_trigger(auto, t_index, trigger, after)

    def _uninstall(self, auto: _Auto) -> dict[tuple[str, int, str], _Timer]:
        """Stop an automation's runs and unhook its triggers; return its timers.

        Clock entries of its time and sun triggers stay in the heap and are skipped
        when they come due (``_advance`` checks the automation is still installed).
        """
        auto.enabled = False
        for run in list(auto.active):
            self._end(run, RunOutcome.CANCELLED)
        auto.queue.clear()
        automation_id = auto.automation.id
        timers = {k: t for k, t in self._timers.items() if k[0] == automation_id}
        for key in timers:
            del self._timers[key]
        if timers:
            self._timers_dirty = True
        for trigger in auto.automation.triggers:
            if isinstance(trigger, StateTrigger | NumericStateTrigger):
                for entity_id in trigger.entity_ids:
                    by_key = self._watch.get(entity_id, {})
                    for watched_key, watches in list(by_key.items()):
                        kept = [w for w in watches if w.auto is not auto]
                        if kept:
                            by_key[watched_key] = kept
                        else:
                            del by_key[watched_key]
                    if not by_key:
                        self._watch.pop(entity_id, None)
            elif isinstance(trigger, EventTrigger):
                watchers = [
                    w
                    for w in self._event_watch.get(trigger.event_type, [])
                    if w[0] is not auto
                ]
                if watchers:
                    self._event_watch[trigger.event_type] = watchers
                else:
                    self._event_watch.pop(trigger.event_type, None)
        for key in [k for k in self._watch_by_trigger if k[0] == automation_id]:
            del self._watch_by_trigger[key]
        return timers

    def _index_trigger(
        self, auto: _Auto, t_index: int, trigger: Trigger, after: float
    ) -> None:
        if isinstance(trigger, StateTrigger | NumericStateTrigger):
            for entity_id in trigger.entity_ids:
                domain = self._registry.home.device(entity_id).type
                watch = _Watch(auto, t_index, trigger, entity_id, domain)
                by_key = self._watch.setdefault(entity_id, {})
                by_key.setdefault(watch.key, []).append(watch)
                self._watch_by_trigger[watch.timer_key] = watch
        elif isinstance(trigger, EventTrigger):
            self._event_watch.setdefault(trigger.event_type, []).append(
                (auto, t_index, trigger)
            )
        else:
            self._schedule_clock(auto, t_index, trigger, after)

    def _schedule_clock(
        self, auto: _Auto, t_index: int, trigger: TimeTrigger | SunTrigger, after: float
    ) -> None:
        when: float | None
        if isinstance(trigger, TimeTrigger):
            when = min(self._site.next_time_of_day(at, after) for at in trigger.at)
        else:
            when = self._site.next_sun_time(
                trigger.event, after, trigger.offset_seconds
            )
            if when is None:
                _LOGGER.warning(
                    "%s: no %s within a year at this site",
                    auto.automation.id,
                    trigger.event,
                )
                return
        heapq.heappush(
            self._heap, (when, next(self._seq), _CLOCK, (auto, t_index, trigger))
        )

    # ------------------------------------------------------------ public

    @property
    def automations(self) -> tuple[Automation, ...]:
        """The automations, in the order they were added (a replaced one keeps its place)."""
        return tuple(auto.automation for auto in self._autos.values())

    def automation(self, automation_id: str) -> Automation:
        """Return one automation.

        Raises:
            KeyError: When there is no such automation.
        """
        return self._autos[automation_id].automation

    def add(self, automation: Automation) -> None:
        """Start running an automation from now on.

        Its time and sun triggers are scheduled from the clock's present time; a
        ``for`` trigger waits for a change that starts it, as at load.

        Args:
            automation: The automation; its ``enabled`` says whether it runs.

        Raises:
            InvalidInputError: When its id is taken, it names a device the site
                lacks or asks one for something it cannot do.
        """
        if automation.id in self._autos:
            problem = Problem(
                path=f'automation "{automation.name}": id',
                message=f"{automation.id!r} is already used",
            )
            raise InvalidInputError(automation.source, [problem])
        self._check_one(automation)
        auto = _Auto(automation, next(self._order), self._trace_limit)
        self._install(auto, self._catch_up())
        _LOGGER.info("automation %s added", automation.id)

    def replace(self, automation: Automation) -> None:
        """Swap an automation for a new version of it (same id), keeping its place.

        Runs of the old version still waiting on a delay are cancelled. A pending
        ``for`` timer survives when the new version has the same trigger on the same
        device (and is enabled) and the device still holds the state; otherwise it
        is dropped. Recent traces and the loop guard's count carry over.

        Args:
            automation: The new version.

        Raises:
            KeyError: When there is no automation with its id.
            InvalidInputError: When it names a device the site lacks or asks one
                for something it cannot do (the old version keeps running).
        """
        old = self._autos[automation.id]
        self._check_one(automation)
        timers = self._uninstall(old)
        auto = _Auto(automation, old.index, self._trace_limit)
        auto.traces.extend(old.traces)
        auto.runs, auto.limited = old.runs, old.limited
        self._install(auto, self._catch_up())
        kept = 0
        for key, timer in timers.items():
            watch = self._watch_by_trigger.get(key)
            if (
                watch is not None
                and repr(watch.trigger) == repr(timer.watch.trigger)
                and watch.holds(self._states.get(watch.entity_id, {}).get(watch.key))
            ):
                self._arm_timer(watch, timer.since, timer.deadline, timer.description)
                kept += key in self._timers
        _LOGGER.info(
            "automation %s replaced (%d of %d for-timers kept)",
            automation.id,
            kept,
            len(timers),
        )

    def remove(self, automation_id: str) -> Automation:
        """Stop and forget an automation: its waiting runs, timers and traces.

        Args:
            automation_id: The automation.

        Returns:
            The automation removed.

        Raises:
            KeyError: When there is no such automation.
        """
        auto = self._autos[automation_id]
        self._uninstall(auto)
        del self._autos[automation_id]
        _LOGGER.info("automation %s removed", automation_id)
        return auto.automation

    def _check_one(self, automation: Automation) -> None:
        problems = check_automations([automation], self._registry)
        if problems:
            raise InvalidInputError(automation.source, problems)

    def _catch_up(self) -> float:
        """The present for scheduling: the clock's time, or the engine's if later."""
        self._now = max(self._now, self._clock.now())
        return self._now

    @property
    def now(self) -> float:
        """The engine's time: the latest event or tick seen, Unix seconds."""
        return self._now

    def is_enabled(self, automation_id: str) -> bool:
        """Return whether an automation runs.

        Raises:
            KeyError: When there is no such automation.
        """
        return self._autos[automation_id].enabled

    def enable(self, automation_id: str) -> None:
        """Let an automation run again.

        Raises:
            KeyError: When there is no such automation.
        """
        auto = self._autos[automation_id]
        if not auto.enabled:
            auto.enabled = True
            _LOGGER.info("automation %s enabled", automation_id)

    def disable(self, automation_id: str) -> None:
        """Stop an automation: cancels its waiting runs and ``for`` timers.

        Raises:
            KeyError: When there is no such automation.
        """
        auto = self._autos[automation_id]
        if not auto.enabled:
            return
        auto.enabled = False
        for run in list(auto.active):
            self._end(run, RunOutcome.CANCELLED)
        auto.queue.clear()
        for key in [k for k in self._timers if k[0] == automation_id]:
            del self._timers[key]
            self._timers_dirty = True
        _LOGGER.info("automation %s disabled", automation_id)

    def traces(self, automation_id: str) -> tuple[Trace, ...]:
        """Return the recent runs of an automation, oldest first.

        Raises:
            KeyError: When there is no such automation.
        """
        return tuple(run.trace() for run in self._autos[automation_id].traces)

    def pending_timers(self) -> dict[tuple[str, int, str], float]:
        """Return pending ``for`` timers: (automation, trigger, device) to deadline."""
        return {key: timer.deadline for key, timer in self._timers.items()}

    def process(self, event: Event) -> list[Trace]:
        """Evaluate every automation that the event concerns.

        What is due by ``event.time`` (timers, delays, time triggers) fires first.

        Args:
            event: A device state change, alert, action or label.

        Returns:
            Traces of the runs started or moved on (usually none).
        """
        touched = self._touched
        if self._heap and self._heap[0][0] <= event.time:
            self._advance(event.time)
        self._now = max(self._now, event.time)
        if event.kind is EventKind.STATE_CHANGED and event.device_id is not None:
            self._on_state(event)
        watchers = self._event_watch.get(event.kind)
        if watchers:
            self._on_event(event, watchers)
        if not touched:
            return []
        traces = [run.trace() for run in touched]
        touched.clear()
        if self._retiring:
            self._retire()
        return traces

    def tick(self, now: float | None = None) -> list[Trace]:
        """Fire what is due by ``now``: time and sun triggers, ``for`` timers, delays.

        Also saves pending ``for`` timers when they changed.

        Args:
            now: Unix seconds; the clock's time when None.

        Returns:
            Traces of the runs started or moved on.
        """
        when = self._clock.now() if now is None else now
        self._advance(when)
        self._now = max(self._now, when)
        traces = [run.trace() for run in self._touched]
        self._touched.clear()
        if self._retiring:
            self._retire()
        if self._timers_dirty:
            self.save_timers()
        return traces

    def save_timers(self) -> None:
        """Write pending ``for`` timers to the persistence store now."""
        self._timers_dirty = False
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
                    for key, timer in self._timers.items()
                ],
            },
        )

    async def run(
        self, events: AsyncIterator[Event], *, tick_interval: float = 1.0
    ) -> None:
        """Process events as they come, ticking the clock in between.

        Returns when ``events`` ends; pending timers are saved on the way out.

        Args:
            events: The live event stream (a bus subscription).
            tick_interval: Seconds between clock ticks.
        """
        try:
            async with asyncio.TaskGroup() as group:
                ticker = group.create_task(
                    self._ticker(tick_interval), name="rules-ticker"
                )
                try:
                    async for event in events:
                        self.process(event)
                finally:
                    ticker.cancel()
        finally:
            self.save_timers()

    async def _ticker(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.tick()

    # ------------------------------------------------------------ events

    def _on_state(self, event: Event) -> None:
        device_id = event.device_id
        if device_id is None:  # pragma: no cover - checked by the caller
            return
        states = self._states.get(device_id)
        if states is None:
            states = self._states[device_id] = {}
        watches = self._watch.get(device_id)
        since = self._since
        t = event.time
        for key, value in event.data.items():
            old = states.get(key, _MISSING)
            if old == value and type(old) is type(value):
                continue
            states[key] = value
            since[(device_id, key)] = t
            if watches is None:
                continue
            for watch in watches.get(key, ()):
                self._check_watch(watch, None if old is _MISSING else old, value, t)

    def _check_watch(
        self, watch: _Watch, old: StateValue, new: StateValue, t: float
    ) -> None:
        if watch.numeric:
            now_in = watch.in_range(new)
            timer = self._timers.get(watch.timer_key) if watch.for_seconds else None
            if timer is not None and not now_in:
                self._cancel_timer(watch)
                return
            if not now_in or watch.in_range(old):
                return
            text = (
                f"{watch.entity_id} {state_text(watch.key, new)} {_range_text(watch)}"
            )
        else:
            old_c, new_c = canon(old), canon(new)
            if old_c == new_c and type(old_c) is type(new_c):
                return
            if watch.for_seconds and watch.timer_key in self._timers:
                self._cancel_timer(watch)
            if watch.to_set is not None and new_c not in watch.to_set:
                return
            if watch.from_set is not None and old_c not in watch.from_set:
                return
            text = (
                f"{watch.entity_id} changed from {state_text(watch.key, old)}"
                f" to {state_text(watch.key, new)}"
            )
        if watch.for_seconds:
            self._arm_timer(watch, t, t + watch.for_seconds, text)
            return
        self._fire(watch.auto, _Fire(watch.index, watch.trigger.kind, text, t))

    def _on_event(
        self, event: Event, watchers: list[tuple[_Auto, int, EventTrigger]]
    ) -> None:
        for auto, t_index, trigger in watchers:
            if all(
                (event.device_id == value)
                if key == "device_id"
                else (canon(event.data.get(key)) == canon(value))
                for key, value in trigger.event_data.items()
            ):
                where = f" on {event.device_id}" if event.device_id else ""
                text = f"event {event.kind}{where}"
                self._fire(auto, _Fire(t_index, TriggerKind.EVENT, text, event.time))

    # ------------------------------------------------------------ timers

    def _arm_timer(
        self, watch: _Watch, since: float, deadline: float, text: str
    ) -> None:
        if watch.timer_key in self._timers or not watch.auto.enabled:
            return
        timer = _Timer(watch, since, deadline, text)
        self._timers[watch.timer_key] = timer
        self._timers_dirty = True
        heapq.heappush(self._heap, (deadline, next(self._seq), _TIMER, timer))

    def _cancel_timer(self, watch: _Watch) -> None:
        if self._timers.pop(watch.timer_key, None) is not None:
            self._timers_dirty = True

    def _restore_timers(self) -> None:
        if self._persistence is None:
            return
        saved = self._persistence.get_meta(TIMERS_KEY)
        items = saved.get("timers") if isinstance(saved, dict) else None
        if not isinstance(items, list):
            return
        restored = dropped = 0
        for item in items:
            if not isinstance(item, dict):
                dropped += 1
                continue
            key = (item.get("automation"), item.get("trigger"), item.get("entity"))
            watch = self._watch_by_trigger.get(key)  # type: ignore[arg-type]
            since, deadline = item.get("since"), item.get("deadline")
            if (
                watch is None
                or repr(watch.trigger) != item.get("fingerprint")
                or not isinstance(since, float | int)
                or not isinstance(deadline, float | int)
                or not watch.auto.enabled
                or not watch.holds(self._states.get(watch.entity_id, {}).get(watch.key))
            ):
                dropped += 1
                continue
            description = str(item.get("description", watch.entity_id))
            self._arm_timer(
                watch, float(since), float(deadline), f"{description} (restored)"
            )
            restored += 1
        if restored or dropped:
            _LOGGER.info(
                "restored %d for-timers, dropped %d no longer valid", restored, dropped
            )
        self._timers_dirty = dropped > 0

    # ------------------------------------------------------------ clock

    def _advance(self, until: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= until:
            due, _, kind, payload = heapq.heappop(heap)
            self._now = max(self._now, due)
            if kind == _TIMER:
                timer: _Timer = payload
                key = timer.watch.timer_key
                if self._timers.get(key) is not timer:
                    continue  # cancelled
                del self._timers[key]
                self._timers_dirty = True
                watch = timer.watch
                text = f"{timer.description} for {_duration_text(watch.for_seconds or 0.0)}"
                self._fire(
                    watch.auto, _Fire(watch.index, watch.trigger.kind, text, due)
                )
            elif kind == _DELAY:
                run, next_action = payload
                if not run.cancelled:
                    self._continue(run, next_action)
            else:
                entry: tuple[_Auto, int, TimeTrigger | SunTrigger] = payload
                auto, t_index, trigger = entry
                if self._autos.get(auto.automation.id) is not auto:
                    continue  # removed or replaced
                self._schedule_clock(auto, t_index, trigger, due)
                if isinstance(trigger, TimeTrigger):
                    text = f"time {self._site.local(due).strftime('%H:%M:%S')}"
                else:
                    offset = (
                        f" {'+' if trigger.offset_seconds > 0 else '-'}"
                        f"{_duration_text(abs(trigger.offset_seconds))}"
                        if trigger.offset_seconds
                        else ""
                    )
                    text = f"{trigger.event}{offset}"
                self._fire(auto, _Fire(t_index, trigger.kind, text, due))

    # ------------------------------------------------------------ runs

    def _fire(self, auto: _Auto, fire: _Fire) -> None:
        if not auto.enabled:
            return
        if auto.active:
            mode = auto.automation.mode
            if mode is RunMode.SINGLE:
                run = self._new_run(auto, fire)
                self._end(run, RunOutcome.ALREADY_RUNNING)
                return
            if mode is RunMode.QUEUED:
                auto.queue.append(fire)
                return
            if mode is RunMode.RESTART:
                for active in list(auto.active):
                    self._end(active, RunOutcome.CANCELLED)
        self._start_run(auto, fire)

    def _new_run(self, auto: _Auto, fire: _Fire) -> _Run:
        run = _Run(auto, fire, next(self._runs))
        auto.traces.append(run)
        self._touched.append(run)
        return run

    def _start_run(self, auto: _Auto, fire: _Fire) -> None:
        run = _Run(auto, fire, 0)
        ok = True
        for c_index, condition in enumerate(auto.automation.conditions):
            if not self._check(condition, f"conditions[{c_index}]", run.conditions):
                ok = False
                break
        run.number = next(self._runs)
        auto.traces.append(run)
        self._touched.append(run)
        if not ok:
            self._end(run, RunOutcome.CONDITIONS_FAILED)
            return
        # The loop guard: count runs that act, in a sliding window.
        runs, now = auto.runs, fire.time
        while runs and runs[0] <= now - RATE_WINDOW:
            runs.popleft()
        limit = auto.automation.max_runs_per_minute
        if len(runs) >= limit:
            self.suppressed += 1
            if not auto.limited:
                auto.limited = True
                _LOGGER.warning(
                    "automation %s (%s) ran %d times in %d s: refusing further runs "
                    "until the rate drops (is it triggering itself?)",
                    auto.automation.id,
                    auto.automation.name,
                    limit,
                    int(RATE_WINDOW),
                )
                self._end(run, RunOutcome.RATE_LIMITED)
            else:
                auto.traces.pop()
                self._touched.pop()
            return
        if auto.limited:
            auto.limited = False
            _LOGGER.info("automation %s runs again", auto.automation.id)
        runs.append(now)
        auto.active.append(run)
        self._continue(run, 0)

    def _continue(self, run: _Run, start: int) -> None:
        auto = run.auto
        actions = auto.automation.actions
        if run not in self._touched:
            self._touched.append(run)
        for index in range(start, len(actions)):
            action = actions[index]
            if isinstance(action, DelayAction):
                due = self._now + action.seconds
                run.actions.append(
                    ActionResult(
                        path=f"actions[{index}]",
                        kind=action.kind,
                        time=self._now,
                        ok=True,
                        detail=f"wait {_duration_text(action.seconds)}",
                    )
                )
                heapq.heappush(
                    self._heap, (due, next(self._seq), _DELAY, (run, index + 1))
                )
                return
            if not self._act(run, index, action):
                self._end(run, RunOutcome.ACTION_FAILED)
                return
        self._end(run, RunOutcome.FINISHED)

    def _act(self, run: _Run, index: int, action: Action) -> bool:
        source = f"rule:{run.auto.automation.id}"
        path = f"actions[{index}]"
        now = self._now
        if isinstance(action, NotifyAction):
            self._notifier.notify(
                action.message,
                title=action.title,
                channel=action.channel,
                source=source,
            )
            run.actions.append(
                ActionResult(
                    path=path,
                    kind=action.kind,
                    time=now,
                    ok=True,
                    detail=action.message,
                )
            )
            return True
        if isinstance(action, SceneAction):
            calls: tuple[tuple[str, str, Mapping[str, StateValue]], ...] = (
                (action.scene_id, "turn_on", {}),
            )
        elif isinstance(action, ServiceAction):
            service = action.service_name
            calls = tuple(
                (entity_id, service, action.data) for entity_id in action.entity_ids
            )
        else:  # pragma: no cover - delays are handled by the caller
            return True
        ok = True
        for device_id, service, params in calls:
            result = self._executor.execute(device_id, service, params, source=source)
            detail = (
                ", ".join(f"{k} {state_text(k, v)}" for k, v in result.changed.items())
                if result.ok
                else result.message
            )
            run.actions.append(
                ActionResult(
                    path=path,
                    kind=action.kind,
                    time=now,
                    ok=result.ok,
                    target=device_id,
                    detail=detail or f"{service}: no change",
                    reason=result.reason,
                )
            )
            ok = ok and result.ok
        return ok

    def _end(self, run: _Run, outcome: RunOutcome) -> None:
        run.outcome = outcome
        run.finished = self._now
        if outcome is RunOutcome.CANCELLED:
            run.cancelled = True
        if run not in self._touched:
            self._touched.append(run)
        auto = run.auto
        if (
            auto.automation.once
            and outcome in _ACTED
            and self._autos.get(auto.automation.id) is auto
            and auto not in self._retiring
        ):
            auto.enabled = False  # no second run before it is removed
            self._retiring.append(auto)
        if run in auto.active:
            auto.active.remove(run)
            if not auto.active and auto.queue and auto.enabled:
                self._start_run(auto, auto.queue.popleft())

    def _retire(self) -> None:
        """Remove the one-offs that have run (outside event dispatch)."""
        retiring, self._retiring = self._retiring, []
        for auto in retiring:
            if self._autos.get(auto.automation.id) is not auto:
                continue
            self._uninstall(auto)
            del self._autos[auto.automation.id]
            _LOGGER.info(
                "one-off automation %s ran and was removed", auto.automation.id
            )
            if self._on_removed is not None:
                self._on_removed(auto.automation)

    # ------------------------------------------------------------ conditions

    def _check(
        self, condition: Condition, path: str, out: list[ConditionResult]
    ) -> bool:
        if isinstance(condition, AndCondition | OrCondition | NotCondition):
            parts = [
                self._check(part, f"{path}.conditions[{i}]", out)
                for i, part in enumerate(condition.conditions)
            ]
            if isinstance(condition, AndCondition):
                held = all(parts)
            elif isinstance(condition, OrCondition):
                held = any(parts)
            else:
                held = not any(parts)
            detail = f"{sum(parts)} of {len(parts)} parts held"
        elif isinstance(condition, StateCondition | NumericStateCondition):
            held, detail = self._check_state(condition)
        elif isinstance(condition, TimeCondition):
            held, detail = self._check_time(condition)
        else:
            held, detail = self._check_sun(condition)
        out.append(
            ConditionResult(path=path, kind=condition.kind, held=held, detail=detail)
        )
        return held

    def _check_state(
        self, condition: StateCondition | NumericStateCondition
    ) -> tuple[bool, str]:
        seen: list[str] = []
        held = True
        for entity_id in condition.entity_ids:
            domain = entity_domain(entity_id)
            if domain is None:  # pragma: no cover - checked at load
                return False, f"{entity_id} is not a device"
            key = state_key(domain, condition.attribute)
            value = self._states.get(entity_id, {}).get(key)
            seen.append(f"{entity_id} is {state_text(key, value)}")
            if isinstance(condition, NumericStateCondition):
                number = as_number(value)
                ok = number is not None and (
                    (condition.above is None or number > condition.above)
                    and (condition.below is None or number < condition.below)
                )
            else:
                accepted = {expected_value(domain, key, v) for v in condition.states}
                ok = canon(value) in accepted
                if ok and condition.for_seconds:
                    since = self._since.get((entity_id, key), self._start)
                    lasted = self._now - since
                    seen[-1] += f" for {_duration_text(lasted)}"
                    ok = lasted >= condition.for_seconds
            held = held and ok
        return held, "; ".join(seen)

    def _check_time(self, condition: TimeCondition) -> tuple[bool, str]:
        secs, weekday, _ = self._site.seconds_of_day(self._now)
        detail = f"local time {_clock_text(secs)} {(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])[weekday]}"
        if condition.weekdays and weekday not in {d.number for d in condition.weekdays}:
            return False, detail
        after, before = condition.after, condition.before
        if after is not None and before is not None and after > before:
            return secs >= after or secs < before, detail
        held = (after is None or secs >= after) and (before is None or secs < before)
        return held, detail

    def _check_sun(self, condition: SunCondition) -> tuple[bool, str]:
        _, _, day = self._site.seconds_of_day(self._now)
        held = True
        parts: list[str] = []
        for event, offset, is_after in (
            (condition.after, condition.after_offset_seconds, True),
            (condition.before, condition.before_offset_seconds, False),
        ):
            if event is None:
                continue
            when = self._site.sun_time(day, event)
            if when is None:
                parts.append(f"no {event} today")
                held = False
                continue
            edge = when + offset
            parts.append(f"{event} {_clock_text(self._site.seconds_of_day(when)[0])}")
            held = held and (self._now >= edge if is_after else self._now < edge)
        now_text = _clock_text(self._site.seconds_of_day(self._now)[0])
        return held, f"now {now_text}; " + ", ".join(parts)


def _range_text(watch: _Watch) -> str:
    parts = []
    if watch.above is not None:
        parts.append(f"above {watch.above:g}")
    if watch.below is not None:
        parts.append(f"below {watch.below:g}")
    return "is " + " and ".join(parts)


def _duration_text(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{(whole // 60) % 60:02d}:{whole % 60:02d}"
