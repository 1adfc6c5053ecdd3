"""Day plans: who is where, and what people do with the devices, day by day.

A scenario pack writes a *planner*: given a day, it returns that day's presence
intervals (an area is occupied, with a rate of motion) and timed actions (turn the
kettle on, open the front door). Plans are drawn from a generator seeded with the day
number, so any day of a run is the same whatever was simulated before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import random
from typing import TYPE_CHECKING

from thingmind.sim._world import Process, World

if TYPE_CHECKING:
    from thingmind.core import StateValue

Action = Callable[[World], None]
"""Something done at the site at a planned time."""

_PLAN_CACHE = 4  # days of plans kept


@dataclass(frozen=True, slots=True)
class Presence:
    """People in an area for a while, setting off its motion sensors."""

    area: str
    """The area id."""
    start: float
    """From, Unix seconds."""
    end: float
    """Until, Unix seconds."""
    rate: float
    """Motion detections per hour while there (0.5 asleep, 10 present, 30 busy)."""


@dataclass(slots=True)
class DayPlan:
    """One day's presence and actions, as a planner builds it."""

    presence: list[Presence] = field(default_factory=list)
    """Who is where."""
    actions: list[tuple[float, int, Action]] = field(default_factory=list)
    """``(time, order, action)``; ``order`` keeps same-time actions in writing order."""

    def at(self, t: float, action: Action) -> None:
        """Plan an action at ``t`` (Unix seconds)."""
        self.actions.append((t, len(self.actions), action))

    def command(
        self,
        t: float,
        device_id: str,
        service: str,
        params: dict[str, StateValue] | None = None,
    ) -> None:
        """Plan a service call, made the way a person would, at ``t``."""

        def act(world: World) -> None:
            world.command(device_id, service, params)

        self.at(t, act)

    def report(self, t: float, device_id: str, changes: dict[str, StateValue]) -> None:
        """Plan a state the device itself reports (a door contact opening) at ``t``."""

        def act(world: World) -> None:
            world.report(device_id, changes)

        self.at(t, act)

    def pulse(self, t: float, device_id: str, seconds: float) -> None:
        """Plan a binary sensor on at ``t`` and off ``seconds`` later (a door opened)."""
        self.report(t, device_id, {"on": True})
        self.report(t + seconds, device_id, {"on": False})

    def be(self, area: str, start: float, end: float, rate: float) -> None:
        """Plan presence in ``area`` from ``start`` to ``end`` with a motion ``rate``/h."""
        if end > start:
            self.presence.append(Presence(area, start, end, rate))


Planner = Callable[[World, int, float, random.Random], DayPlan]
"""Builds the plan of one day: ``(world, day number, site midnight, day rng)``."""


class Routine:
    """Runs a planner day after day: its actions, and presence for motion sensors."""

    def __init__(self, world: World, planner: Planner, *, name: str) -> None:
        """Follow ``planner`` in ``world``.

        Args:
            world: The world to act on.
            planner: Builds each day's plan.
            name: Names the plan's random stream.
        """
        self._world = world
        self._planner = planner
        self._name = name
        self._plans: dict[int, DayPlan] = {}
        self._by_area: dict[int, dict[str, list[Presence]]] = {}

    def plan(self, day: int) -> DayPlan:
        """Return (and cache) the plan of a site day."""
        plan = self._plans.get(day)
        if plan is None:
            world = self._world
            rng = world.rng(self._name, "day", day)
            plan = self._planner(world, day, world.day_start(day), rng)
            plan.actions.sort(key=lambda item: (item[0], item[1]))
            by_area: dict[str, list[Presence]] = {}
            for presence in plan.presence:
                by_area.setdefault(presence.area, []).append(presence)
            self._plans[day] = plan
            self._by_area[day] = by_area
            for old in [d for d in self._plans if d < day - _PLAN_CACHE]:
                del self._plans[old]
                del self._by_area[old]
        return plan

    def motion_rate(self, area: str, t: float) -> tuple[float, float]:
        """Return the motion rate (per hour) in ``area`` at ``t``, and until when it holds.

        Returns:
            ``(rate, until)``: the summed rate of the presences covering ``t``, and the
            next time (> ``t``) a presence of that area starts or ends.
        """
        day = self._world.day_index(t)
        rate = 0.0
        until = self._world.day_start(day + 1)
        for d in (day - 1, day):
            self.plan(d)
            for presence in self._by_area[d].get(area, ()):
                if presence.start <= t < presence.end:
                    rate += presence.rate
                    until = min(until, presence.end)
                elif t < presence.start:
                    until = min(until, presence.start)
        return rate, until

    def settle(self) -> None:
        """Replay, muted, the actions of today and yesterday that fall before now.

        The site then starts in the state its plan implies (lines running at 10:00).
        """
        world = self._world
        day = world.day_index()
        world.muted = True
        try:
            for d in (day - 1, day):
                for t, _, action in self.plan(d).actions:
                    if t < world.now:
                        action(world)
        finally:
            world.muted = False

    def process(self) -> Process:
        """The process that carries out each day's actions at their times."""
        world = self._world
        day = world.day_index()
        while True:
            for t, _, action in self.plan(day).actions:
                if t < world.now:
                    continue
                if t > world.now:
                    yield t - world.now
                action(world)
            day += 1
            next_midnight = world.day_start(day)
            if next_midnight > world.now:
                yield next_midnight - world.now


def motion_process(
    world: World, routine: Routine, sensor: str, area: str, *, hold: tuple[float, float]
) -> Process:
    """Turn a motion sensor on and off as people move about an area.

    Detections arrive as a Poisson process at the presence rate; each holds the
    sensor on for ``hold`` (min, max) seconds, the way PIR sensors latch.
    """
    rng = world.rng(sensor)
    while True:
        rate, until = routine.motion_rate(area, world.now)
        if rate <= 0.0:
            yield max(until - world.now, 1.0)
            continue
        gap = rng.expovariate(rate / 3600.0)
        if world.now + gap >= until:
            # the rate changes first; the exponential is memoryless, so redraw then
            yield max(until - world.now, 1.0)
            continue
        yield gap
        world.report(sensor, {"on": True})
        yield rng.uniform(*hold)
        world.report(sensor, {"on": False})


def site_time(day_start: float, hours: float) -> float:
    """Return the Unix time ``hours`` after site midnight ``day_start``."""
    return day_start + hours * 3600.0
