r"""Runs of automations, and the traces they leave.

A trigger that fires becomes a :class:`Fire`. The :class:`Runner` turns it into a
:class:`Run` by the automation's mode, checks its conditions, applies the loop guard
and carries out its actions, waiting on the agenda at each ``delay``. The last runs
of each automation are kept and read out as :class:`Trace`\\ s.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
import itertools
import logging
from typing import TYPE_CHECKING

from thingmind.rules._conditions import duration_text
from thingmind.rules._model import (
    Action,
    DelayAction,
    NotifyAction,
    RunMode,
    SceneAction,
    ServiceAction,
    TriggerKind,
)
from thingmind.rules._states import state_text
from thingmind.rules._timers import DELAY
from thingmind.rules._trace import (
    ActionResult,
    ConditionResult,
    RunOutcome,
    Trace,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.core import StateValue
    from thingmind.rules._conditions import ConditionChecker
    from thingmind.rules._model import Automation
    from thingmind.rules._ports import ActionExecutor, Notifier
    from thingmind.rules._timers import Agenda

_LOGGER = logging.getLogger(__name__)

RATE_WINDOW = 60.0  # seconds; the loop guard's sliding window
_ACTED = frozenset({RunOutcome.FINISHED, RunOutcome.ACTION_FAILED})
"""Outcomes after which a one-off automation is done."""


class Auto:
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
        self.active: list[Run] = []
        self.queue: deque[Fire] = deque()
        self.traces: deque[Run] = deque(maxlen=trace_limit)


@dataclass(slots=True)
class Fire:
    """A trigger that fired, waiting to become a run."""

    trigger_index: int | None
    trigger_kind: TriggerKind | None
    description: str
    time: float


class Run:
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

    def __init__(self, auto: Auto, fire: Fire, number: int) -> None:
        self.auto = auto
        self.fire = fire
        self.number = number
        self.conditions: list[ConditionResult] = []
        self.actions: list[ActionResult] = []
        self.outcome = RunOutcome.RUNNING
        self.finished: float | None = None
        self.cancelled = False

    def trace(self) -> Trace:
        """Return what the run has done so far."""
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


class Runner:
    """Starts, continues and ends the runs of the engine's automations."""

    def __init__(
        self,
        *,
        autos: Mapping[str, Auto],
        agenda: Agenda,
        conditions: ConditionChecker,
        executor: ActionExecutor,
        notifier: Notifier,
    ) -> None:
        """Share the engine's parts.

        Args:
            autos: The installed automations by id; the engine updates it.
            agenda: The engine's time, and where delays wait.
            conditions: Checks each run's conditions.
            executor: Carries out device services (the same gate as commands).
            notifier: Where ``notify`` actions go.
        """
        self._autos = autos
        self._agenda = agenda
        self._conditions = conditions
        self._executor = executor
        self._notifier = notifier
        self._numbers = itertools.count(1)
        self.touched: list[Run] = []
        """Runs started or moved on since the engine last read them out."""
        self._retiring: list[Auto] = []
        self.suppressed = 0
        """Triggers the loop guard refused since start."""

    def fire(self, auto: Auto, fire: Fire) -> None:
        """Start a run for a trigger that fired, as the automation's mode says."""
        if not auto.enabled:
            return
        if auto.active:
            mode = auto.automation.mode
            if mode is RunMode.SINGLE:
                run = self._new_run(auto, fire)
                self.end(run, RunOutcome.ALREADY_RUNNING)
                return
            if mode is RunMode.QUEUED:
                auto.queue.append(fire)
                return
            if mode is RunMode.RESTART:
                for active in list(auto.active):
                    self.end(active, RunOutcome.CANCELLED)
        self._start_run(auto, fire)

    def take_retiring(self) -> list[Auto]:
        """Return the one-offs that have acted since last asked, to be removed."""
        retiring, self._retiring = self._retiring, []
        return retiring

    def _new_run(self, auto: Auto, fire: Fire) -> Run:
        run = Run(auto, fire, next(self._numbers))
        auto.traces.append(run)
        self.touched.append(run)
        return run

    def _start_run(self, auto: Auto, fire: Fire) -> None:
        run = Run(auto, fire, 0)
        ok = True
        now = self._agenda.now
        for c_index, condition in enumerate(auto.automation.conditions):
            if not self._conditions.check(
                condition, f"conditions[{c_index}]", now, run.conditions
            ):
                ok = False
                break
        run.number = next(self._numbers)
        auto.traces.append(run)
        self.touched.append(run)
        if not ok:
            self.end(run, RunOutcome.CONDITIONS_FAILED)
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
                self.end(run, RunOutcome.RATE_LIMITED)
            else:
                auto.traces.pop()
                self.touched.pop()
            return
        if auto.limited:
            auto.limited = False
            _LOGGER.info("automation %s runs again", auto.automation.id)
        runs.append(now)
        auto.active.append(run)
        self.resume(run, 0)

    def resume(self, run: Run, start: int) -> None:
        """Carry out a run's actions from ``start`` until a delay or the end."""
        auto = run.auto
        actions = auto.automation.actions
        if run not in self.touched:
            self.touched.append(run)
        for index in range(start, len(actions)):
            action = actions[index]
            if isinstance(action, DelayAction):
                now = self._agenda.now
                run.actions.append(
                    ActionResult(
                        path=f"actions[{index}]",
                        kind=action.kind,
                        time=now,
                        ok=True,
                        detail=f"wait {duration_text(action.seconds)}",
                    )
                )
                self._agenda.push(now + action.seconds, DELAY, (run, index + 1))
                return
            if not self._act(run, index, action):
                self.end(run, RunOutcome.ACTION_FAILED)
                return
        self.end(run, RunOutcome.FINISHED)

    def _act(self, run: Run, index: int, action: Action) -> bool:
        source = f"rule:{run.auto.automation.id}"
        path = f"actions[{index}]"
        now = self._agenda.now
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

    def end(self, run: Run, outcome: RunOutcome) -> None:
        """End a run; start the next queued one; mark a one-off that acted."""
        run.outcome = outcome
        run.finished = self._agenda.now
        if outcome is RunOutcome.CANCELLED:
            run.cancelled = True
        if run not in self.touched:
            self.touched.append(run)
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
