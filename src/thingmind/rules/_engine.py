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

The engine wires its parts together: trigger matching (``_matching``), runs and
their traces (``_runs``), ``for`` timers and the agenda of what comes due
(``_timers``), and condition checks (``_conditions``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import TYPE_CHECKING, Any

from thingmind.core import EventKind, InvalidInputError, Problem
from thingmind.rules._check import check_automations
from thingmind.rules._conditions import ConditionChecker, duration_text
from thingmind.rules._matching import TriggerIndex, Watch, matches_event
from thingmind.rules._model import (
    EventTrigger,
    NumericStateTrigger,
    StateTrigger,
    TimeTrigger,
    TriggerKind,
)
from thingmind.rules._ports import LogNotifier
from thingmind.rules._runs import Auto, Fire, Runner
from thingmind.rules._timers import CLOCK, DELAY, TIMER, Agenda, ForTimers
from thingmind.rules._trace import RunOutcome

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable

    from thingmind.core import Clock, Event, StateValue
    from thingmind.registry import Registry
    from thingmind.rules._matching import TimerKey
    from thingmind.rules._model import Automation, SunTrigger, Trigger
    from thingmind.rules._ports import ActionExecutor, KeyValueStore, Notifier
    from thingmind.rules._runs import Run
    from thingmind.rules._sun import SiteLocation
    from thingmind.rules._timers import Timer
    from thingmind.rules._trace import Trace

_LOGGER = logging.getLogger(__name__)
_MISSING: Any = object()


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
        self._clock = clock
        self._site = site
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

        self._agenda = Agenda(clock.now())
        self._start = self._agenda.now
        self._states: dict[str, dict[str, StateValue]] = registry.snapshot()
        self._since: dict[tuple[str, str], float] = {}
        self._autos: dict[str, Auto] = {}
        self._index = TriggerIndex()
        self._timers = ForTimers(persistence)
        self._runner = Runner(
            autos=self._autos,
            agenda=self._agenda,
            conditions=ConditionChecker(
                states=self._states, since=self._since, start=self._start, site=site
            ),
            executor=executor,
            notifier=notifier if notifier is not None else LogNotifier(),
        )
        self._order = itertools.count()

        for automation in initial:
            self._install(Auto(automation, next(self._order), trace_limit), self._start)
        for timer in self._timers.restore(self._index.by_trigger, self._states):
            self._agenda.push(timer.deadline, TIMER, timer)

    # ------------------------------------------------------------ indexing

    def _install(self, auto: Auto, after: float) -> None:
        self._autos[auto.automation.id] = auto
        for t_index, trigger in enumerate(auto.automation.triggers):
            self._index_trigger(auto, t_index, trigger, after)

    def _uninstall(self, auto: Auto) -> dict[TimerKey, Timer]:
        """Stop an automation's runs and unhook its triggers; return its timers.

        Clock entries of its time and sun triggers stay in the agenda and are skipped
        when they come due (``_advance`` checks the automation is still installed).
        """
        auto.enabled = False
        for run in list(auto.active):
            self._runner.end(run, RunOutcome.CANCELLED)
        auto.queue.clear()
        timers = self._timers.take(auto.automation.id)
        self._index.drop(auto)
        return timers

    def _index_trigger(
        self, auto: Auto, t_index: int, trigger: Trigger, after: float
    ) -> None:
        if isinstance(trigger, StateTrigger | NumericStateTrigger):
            for entity_id in trigger.entity_ids:
                domain = self._registry.home.device(entity_id).type
                self._index.add_watch(Watch(auto, t_index, trigger, entity_id, domain))
        elif isinstance(trigger, EventTrigger):
            self._index.add_event(auto, t_index, trigger)
        else:
            self._schedule_clock(auto, t_index, trigger, after)

    def _schedule_clock(
        self, auto: Auto, t_index: int, trigger: TimeTrigger | SunTrigger, after: float
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
        self._agenda.push(when, CLOCK, (auto, t_index, trigger))

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
        auto = Auto(automation, next(self._order), self._trace_limit)
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
        auto = Auto(automation, old.index, self._trace_limit)
        auto.traces.extend(old.traces)
        auto.runs, auto.limited = old.runs, old.limited
        self._install(auto, self._catch_up())
        kept = 0
        for key, timer in timers.items():
            watch = self._index.by_trigger.get(key)
            if (
                watch is not None
                and repr(watch.trigger) == repr(timer.watch.trigger)
                and watch.holds(self._states.get(watch.entity_id, {}).get(watch.key))
            ):
                self._arm_timer(watch, timer.since, timer.deadline, timer.description)
                kept += key in self._timers.pending
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
        return self._agenda.catch_up(self._clock.now())

    @property
    def now(self) -> float:
        """The engine's time: the latest event or tick seen, Unix seconds."""
        return self._agenda.now

    @property
    def suppressed(self) -> int:
        """Triggers the loop guard refused since start."""
        return self._runner.suppressed

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
            self._runner.end(run, RunOutcome.CANCELLED)
        auto.queue.clear()
        self._timers.take(automation_id)
        _LOGGER.info("automation %s disabled", automation_id)

    def traces(self, automation_id: str) -> tuple[Trace, ...]:
        """Return the recent runs of an automation, oldest first.

        Raises:
            KeyError: When there is no such automation.
        """
        return tuple(run.trace() for run in self._autos[automation_id].traces)

    def pending_timers(self) -> dict[TimerKey, float]:
        """Return pending ``for`` timers: (automation, trigger, device) to deadline."""
        return {key: timer.deadline for key, timer in self._timers.pending.items()}

    def process(self, event: Event) -> list[Trace]:
        """Evaluate every automation that the event concerns.

        What is due by ``event.time`` (timers, delays, time triggers) fires first.

        Args:
            event: A device state change, alert, action or label.

        Returns:
            Traces of the runs started or moved on (usually none).
        """
        touched = self._runner.touched
        if self._agenda.is_due(event.time):
            self._advance(event.time)
        self._agenda.catch_up(event.time)
        if event.kind is EventKind.STATE_CHANGED and event.device_id is not None:
            self._on_state(event)
        watchers = self._index.for_event(event.kind)
        if watchers:
            self._on_event(event, watchers)
        if not touched:
            return []
        traces = [run.trace() for run in touched]
        touched.clear()
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
        self._agenda.catch_up(when)
        touched = self._runner.touched
        traces = [run.trace() for run in touched]
        touched.clear()
        self._retire()
        if self._timers.dirty:
            self.save_timers()
        return traces

    def save_timers(self) -> None:
        """Write pending ``for`` timers to the persistence store now."""
        self._timers.save()

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
        watches = self._index.for_device(device_id)
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
        self, watch: Watch, old: StateValue, new: StateValue, t: float
    ) -> None:
        ends, text = watch.change(old, new)
        if ends and watch.for_seconds:
            self._timers.cancel(watch)
        if text is None:
            return
        if watch.for_seconds:
            self._arm_timer(watch, t, t + watch.for_seconds, text)
            return
        self._runner.fire(watch.auto, Fire(watch.index, watch.trigger.kind, text, t))

    def _on_event(
        self, event: Event, watchers: list[tuple[Auto, int, EventTrigger]]
    ) -> None:
        for auto, t_index, trigger in watchers:
            if matches_event(trigger, event):
                where = f" on {event.device_id}" if event.device_id else ""
                text = f"event {event.kind}{where}"
                self._runner.fire(
                    auto, Fire(t_index, TriggerKind.EVENT, text, event.time)
                )

    def _arm_timer(
        self, watch: Watch, since: float, deadline: float, text: str
    ) -> None:
        timer = self._timers.arm(watch, since, deadline, text)
        if timer is not None:
            self._agenda.push(deadline, TIMER, timer)

    # ------------------------------------------------------------ clock

    def _advance(self, until: float) -> None:
        agenda = self._agenda
        while agenda.is_due(until):
            due, kind, payload = agenda.pop()
            if kind == TIMER:
                timer: Timer = payload
                if not self._timers.expire(timer):
                    continue  # cancelled
                watch = timer.watch
                text = (
                    f"{timer.description} for {duration_text(watch.for_seconds or 0.0)}"
                )
                self._runner.fire(
                    watch.auto, Fire(watch.index, watch.trigger.kind, text, due)
                )
            elif kind == DELAY:
                run: Run
                run, next_action = payload
                if not run.cancelled:
                    self._runner.resume(run, next_action)
            else:
                entry: tuple[Auto, int, TimeTrigger | SunTrigger] = payload
                auto, t_index, trigger = entry
                if self._autos.get(auto.automation.id) is not auto:
                    continue  # removed or replaced
                self._schedule_clock(auto, t_index, trigger, due)
                if isinstance(trigger, TimeTrigger):
                    text = f"time {self._site.local(due).strftime('%H:%M:%S')}"
                else:
                    offset = (
                        f" {'+' if trigger.offset_seconds > 0 else '-'}"
                        f"{duration_text(abs(trigger.offset_seconds))}"
                        if trigger.offset_seconds
                        else ""
                    )
                    text = f"{trigger.event}{offset}"
                self._runner.fire(auto, Fire(t_index, trigger.kind, text, due))

    def _retire(self) -> None:
        """Remove the one-offs that have run (outside event dispatch)."""
        for auto in self._runner.take_retiring():
            if self._autos.get(auto.automation.id) is not auto:
                continue
            self._uninstall(auto)
            del self._autos[auto.automation.id]
            _LOGGER.info(
                "one-off automation %s ran and was removed", auto.automation.id
            )
            if self._on_removed is not None:
                self._on_removed(auto.automation)
