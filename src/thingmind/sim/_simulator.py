"""The simulator: a scenario's devices, run in virtual time, as a device driver."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
import logging
import math
from typing import TYPE_CHECKING

from thingmind.core import Event, StateValue
from thingmind.registry import LocalDriver, Registry
from thingmind.sim._anomaly import AnomalyKind, AnomalyLabel, AnomalySpec
from thingmind.sim._errors import AnomalyError
from thingmind.sim._world import DAY, World

if TYPE_CHECKING:
    import random

    from thingmind.sim._scenario import Scenario

_LOGGER = logging.getLogger(__name__)

Publish = Callable[[Event], Awaitable[None]]
"""Where :meth:`Simulator.run` sends each event (a bus's ``publish``)."""

_CHUNK = 60.0  # virtual seconds per step of the unpaced async runner
_MAX_SLEEP = 0.1  # wall seconds; the paced runner wakes at least this often

# State an anomaly forces on its device while it lasts, then the state it leaves.
_HOLDS: dict[AnomalyKind, tuple[dict[str, StateValue], dict[str, StateValue]]] = {
    AnomalyKind.DOOR_LEFT_OPEN: ({"on": True}, {"on": False}),
    AnomalyKind.MACHINE_FAULT: ({"on": True}, {"on": False}),
    AnomalyKind.NIGHT_WANDERING: ({"on": False}, {"on": True}),
}


class _SimClock:
    """The simulator's virtual clock, as a :class:`~thingmind.core.Clock`."""

    def __init__(self, world: World) -> None:
        self._world = world

    def now(self) -> float:
        """Return the virtual time, Unix seconds."""
        return self._world.now


class Simulator:
    """Simulated devices of a scenario pack, in virtual time.

    The core is synchronous: :meth:`run_until` advances virtual time and yields the
    events the devices emit (``STATE_CHANGED`` with only the changed keys, and
    ``ANOMALY_LABEL`` for injected anomalies). :meth:`run` paces the same thing against
    wall time for a live demo. The simulator is also a
    :class:`~thingmind.registry.DeviceDriver`: :meth:`call` changes simulated state,
    the physics responds, and the change is reported as an event, as a real device
    would report it.

    Example::

        sim = Simulator(load_scenario("home"), seed=1, start=1_705_276_800.0)
        for event in sim.run_until(sim.now + 86_400):
            ...
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int,
        start: float,
        speed: float | None = None,
    ) -> None:
        """Build the scenario's world at ``start``.

        Args:
            scenario: The pack to run (see :func:`load_scenario`).
            seed: Fixes every random draw: the same seed gives the same events.
            start: Virtual start time, Unix seconds.
            speed: Virtual seconds per wall second for :meth:`run` (1000 runs a day in
                under 90 s); None runs as fast as possible.

        Raises:
            ValueError: When ``start`` or ``speed`` is not a positive finite number.
        """
        if not math.isfinite(start) or start < 0:
            msg = f"start must be a finite Unix time >= 0, got {start!r}"
            raise ValueError(msg)
        if speed is not None and (not math.isfinite(speed) or speed <= 0):
            msg = f"speed must be a positive number or None, got {speed!r}"
            raise ValueError(msg)
        self._scenario = scenario
        self._seed = seed
        self._start = start
        self.speed = speed
        """Virtual seconds per wall second for :meth:`run`; None: unpaced."""
        self._registry = Registry(scenario.home)
        self._world = World(
            self._registry, seed=seed, start=start, utc_offset=scenario.utc_offset
        )
        self._clock = _SimClock(self._world)
        self._random_batches = 0
        scenario.setup(self._world)
        self._world.take_events()  # settling is not news

    # ---------------------------------------------------------------- views

    @property
    def scenario(self) -> Scenario:
        """The pack being simulated."""
        return self._scenario

    @property
    def seed(self) -> int:
        """The seed of the run."""
        return self._seed

    @property
    def registry(self) -> Registry:
        """The simulated devices' live state (do not change it directly)."""
        return self._registry

    @property
    def driver(self) -> LocalDriver:
        """The driver the simulator's own people and :meth:`call` go through."""
        return self._world.driver

    @property
    def now(self) -> float:
        """The virtual time, Unix seconds."""
        return self._world.now

    @property
    def clock(self) -> _SimClock:
        """A :class:`~thingmind.core.Clock` reading the virtual time."""
        return self._clock

    @property
    def labels(self) -> tuple[AnomalyLabel, ...]:
        """Ground truth: every anomaly injected so far, in injection order."""
        return tuple(self._world.labels)

    # ---------------------------------------------------------------- driver

    def call(
        self, device_id: str, service: str, params: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        """Carry out a service on a simulated device (the ``DeviceDriver`` protocol).

        The change takes effect at once; its ``STATE_CHANGED`` event, stamped with the
        current virtual time, comes out of the next :meth:`run_until` or :meth:`step`.

        Args:
            device_id: The device.
            service: The service ("turn_on").
            params: Its parameters.

        Returns:
            The keys of the device that changed, with their new values.

        Raises:
            KeyError: When there is no such device.
            ServiceCallError: When the device cannot do it.
        """
        return self._world.driver.call(device_id, service, params)

    # ---------------------------------------------------------------- anomalies

    def inject(
        self, kind: AnomalyKind | str, device_id: str, start: float, duration: float
    ) -> AnomalyLabel:
        """Inject an anomaly, labelled, on one device.

        Args:
            kind: What goes wrong; it must apply to the device in this scenario.
            device_id: The device whose signal shows it.
            start: When it starts, Unix seconds; not before :attr:`now`.
            duration: How long it lasts, seconds.

        Returns:
            Its label (also in :attr:`labels`).

        Raises:
            AnomalyError: When the kind does not apply to the device here, the start is
                in the past, the duration is not positive, or it overlaps another
                anomaly on the same device.
        """
        try:
            kind = AnomalyKind(kind)
        except ValueError as err:
            msg = f"unknown anomaly kind {kind!r}"
            raise AnomalyError(msg) from err
        spec = self._scenario.anomaly_spec(kind)
        if spec is None or device_id not in spec.devices:
            allowed = ", ".join(spec.devices) if spec is not None else "none here"
            msg = f"{kind} does not apply to {device_id} (applies to: {allowed})"
            raise AnomalyError(msg)
        if not (math.isfinite(duration) and duration > 0):
            msg = f"duration must be a positive number of seconds, got {duration!r}"
            raise AnomalyError(msg)
        if not math.isfinite(start) or start < self.now:
            msg = f"an anomaly cannot start in the past ({start} < now {self.now})"
            raise AnomalyError(msg)
        label = AnomalyLabel(
            device_id=device_id, kind=kind, start=start, end=start + duration
        )
        clash = next((old for old in self._world.labels if _overlap(old, label)), None)
        if clash is not None:
            msg = f"{device_id} already has {clash.kind} from {clash.start} to {clash.end}"
            raise AnomalyError(msg)
        hold, release = _HOLDS.get(kind, (None, None))
        self._world.add_anomaly(label, hold=hold, release=release)
        _LOGGER.debug("sim: injected %s on %s at %s", kind, device_id, start)
        return label

    def inject_random(
        self,
        count: int,
        *,
        start: float | None = None,
        end: float | None = None,
        kinds: Iterable[AnomalyKind] | None = None,
    ) -> tuple[AnomalyLabel, ...]:
        """Inject ``count`` anomalies picked at random, deterministically for the seed.

        Kinds are picked evenly, then a device of that kind, a duration in the kind's
        range and a start time (within the kind's site hours, if it has any); picks
        that would overlap an anomaly on the same device are redrawn.

        Args:
            count: How many.
            start: Earliest start, Unix seconds (default: now).
            end: Latest end (default: a day after ``start``).
            kinds: Only these kinds (default: every kind of the scenario).

        Returns:
            The labels injected (fewer than ``count`` when the window is too crowded).

        Raises:
            AnomalyError: When no kind applies, or the window is not in the future.
        """
        lo = self.now if start is None else max(start, self.now)
        hi = lo + DAY if end is None else end
        wanted = set(kinds) if kinds is not None else None
        specs = [
            s
            for s in self._scenario.anomalies
            if s.devices and (wanted is None or s.kind in wanted)
        ]
        if not specs:
            msg = f"no anomaly kind of {self._scenario.name} matches {wanted}"
            raise AnomalyError(msg)
        if hi <= lo:
            msg = f"empty window for anomalies ({lo} .. {hi})"
            raise AnomalyError(msg)
        self._random_batches += 1
        rng = self._world.rng("anomalies", self._random_batches)
        injected: list[AnomalyLabel] = []
        for _ in range(count):
            for _attempt in range(50):
                spec = rng.choice(specs)
                device_id = rng.choice(spec.devices)
                duration = min(
                    rng.uniform(spec.min_duration, spec.max_duration), hi - lo
                )
                begin = self._pick_start(rng, spec, lo, hi - duration)
                if begin is None:
                    continue
                label = AnomalyLabel(
                    device_id=device_id,
                    kind=spec.kind,
                    start=begin,
                    end=begin + duration,
                )
                if any(_overlap(old, label) for old in self._world.labels):
                    continue
                injected.append(self.inject(spec.kind, device_id, begin, duration))
                break
        return tuple(injected)

    def _pick_start(
        self, rng: random.Random, spec: AnomalySpec, lo: float, hi: float
    ) -> float | None:
        if hi < lo:
            return None
        if spec.hours is None:
            return rng.uniform(lo, hi)
        first, last = spec.hours
        span = (last - first) % 24.0 or 24.0  # hours; (23, 4) wraps midnight
        world = self._world
        windows: list[tuple[float, float]] = []
        for day in range(world.day_index(lo) - 1, world.day_index(hi) + 1):
            open_at = world.day_start(day) + first * 3600.0
            a, b = max(open_at, lo), min(open_at + span * 3600.0, hi)
            if b > a:
                windows.append((a, b))
        if not windows:
            return None
        a, b = rng.choice(windows)
        return rng.uniform(a, b)

    # ---------------------------------------------------------------- running

    def run_until(self, t: float) -> Iterator[Event]:
        """Advance virtual time to ``t``, yielding the devices' events in time order.

        Args:
            t: Unix seconds, not before :attr:`now`.

        Yields:
            Events stamped with their virtual time (non-decreasing).

        Raises:
            ValueError: When ``t`` is in the past.
        """
        return self._world.run_until(t)

    def step(self, dt: float) -> list[Event]:
        """Advance virtual time by ``dt`` seconds and return the events.

        Raises:
            ValueError: When ``dt`` is negative.
        """
        if dt < 0:
            msg = f"cannot step back in time ({dt} s)"
            raise ValueError(msg)
        return list(self._world.run_until(self.now + dt))

    async def run(self, publish: Publish, *, until: float | None = None) -> None:
        """Run in virtual time, sending each event to ``publish``.

        With :attr:`speed` set, virtual time advances ``speed`` times faster than
        wall time, sleeping with ``asyncio.sleep`` between events; with
        ``speed=None`` it runs as fast as possible, yielding to the event loop
        between steps. Commands sent through :meth:`call` meanwhile take effect at
        the current virtual time.

        Args:
            publish: Awaited with each event, in order.
            until: Virtual time to stop at, Unix seconds; None runs until cancelled.
        """
        world = self._world
        end = math.inf if until is None else until
        if self.speed is None:
            while world.now < end:
                target = min(end, world.now + _CHUNK)
                for event in list(world.run_until(target)):
                    await publish(event)
                await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        speed = self.speed
        wall0, virtual0 = loop.time(), world.now
        while world.now < end:
            target = min(end, virtual0 + (loop.time() - wall0) * speed)
            if target > world.now:
                for event in list(world.run_until(target)):
                    await publish(event)
            if world.now >= end:
                break
            upcoming = world.next_time()
            horizon = end if upcoming is None else min(upcoming, end)
            wait = (horizon - (virtual0 + (loop.time() - wall0) * speed)) / speed
            await asyncio.sleep(min(max(wait, 0.0), _MAX_SLEEP))


def _overlap(a: AnomalyLabel, b: AnomalyLabel) -> bool:
    return a.device_id == b.device_id and a.start < b.end and b.start < a.end
