"""The simulated world: live state, a process scheduler, seeded randomness, anomalies.

Everything that moves in a simulation is a *process*: a generator that does some work
at the current virtual time and yields the number of seconds until it wants to run
again (SimPy's idea, without the library). The world runs processes in time order
from a heap; ties run in the order they were scheduled, so a seed fixes the run.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
import heapq
import logging
import random

from thingmind.core import Event, EventKind, ServiceError, StateValue
from thingmind.registry import Device, LocalDriver, Registry
from thingmind.sim._anomaly import AnomalyKind, AnomalyLabel, AnomalyPhase

_LOGGER = logging.getLogger(__name__)

SOURCE = "sim"
"""The ``source`` of every event the simulator emits."""

DAY = 86_400.0
"""Seconds in a day."""

Process = Generator[float, None, None]
"""A simulated process: each ``next()`` acts at the world's time and yields a delay (s)."""

LoadFn = Callable[[], float]
"""Returns a device's electrical load now, in watts."""

_MIN_DELAY = 1e-3  # seconds; a process never reschedules itself at the same instant


class World:
    """Live state plus a discrete-event scheduler; what scenario packs build on."""

    def __init__(
        self, registry: Registry, *, seed: int, start: float, utc_offset: float = 0.0
    ) -> None:
        """Start a world at ``start`` (Unix seconds) from the registry's current state.

        Args:
            registry: The site and its live state; the world changes it.
            seed: Fixes every random draw of the run.
            start: Virtual start time, Unix seconds.
            utc_offset: Site time minus UTC, seconds (day plans run on site time).
        """
        self.registry = registry
        self.seed = seed
        self.now = start
        self.utc_offset = utc_offset
        self.driver = LocalDriver(registry, on_change=self._on_change)
        self.ratings: dict[str, float] = {}
        """Rated electrical load of devices, watts, by device id."""
        self.load_hooks: dict[str, LoadFn] = {}
        """Devices whose load a model computes (a fridge's compressor), by id."""
        self.hvac_calls: dict[str, int] = {}
        """What each climate device is doing: +1 heating, -1 cooling, 0 idle."""
        self.muted = False
        """While True, state still changes but no events are emitted (settling)."""
        self._views = {d.id: registry.state(d.id) for d in registry.devices()}
        self._heap: list[tuple[float, int, Process]] = []
        self._seq = 0
        self._out: list[Event] = []
        self._anomalies: dict[str, list[AnomalyLabel]] = {}
        self._held: dict[str, dict[str, StateValue]] = {}
        self.labels: list[AnomalyLabel] = []

    # ---------------------------------------------------------------- randomness

    def rng(self, *names: str | int) -> random.Random:
        """Return a random generator of its own for one sensor or purpose.

        Args:
            names: What it is for ("sensor.kitchen_temperature"); with the seed, this
                fixes its sequence, whatever else the run draws.

        Returns:
            A fresh ``random.Random`` (string seeds are hashed with SHA-512, so
            stable across processes).
        """
        key = ":".join(str(n) for n in (self.seed, *names))
        return random.Random(key)

    # ---------------------------------------------------------------- time

    def site_hour(self, t: float | None = None) -> float:
        """Return the site's time of day in hours (0-24) at ``t`` (default: now)."""
        when = self.now if t is None else t
        return ((when + self.utc_offset) % DAY) / 3600.0

    def day_index(self, t: float | None = None) -> int:
        """Return the number of the site day holding ``t`` (days since 1970)."""
        when = self.now if t is None else t
        return int((when + self.utc_offset) // DAY)

    def day_start(self, day: int) -> float:
        """Return the Unix time of site midnight starting day ``day``."""
        return day * DAY - self.utc_offset

    # ---------------------------------------------------------------- state

    def device(self, device_id: str) -> Device:
        """Return a device of the site.

        Raises:
            KeyError: When there is none.
        """
        return self.registry.home.device(device_id)

    def state(self, device_id: str) -> Mapping[str, StateValue]:
        """Return the live (read-only) state of a device."""
        return self._views[device_id]

    def report(self, device_id: str, changes: Mapping[str, StateValue]) -> None:
        """Set state the way the device itself reports it, emitting what changed.

        Keys an anomaly holds (a door kept open) are left alone.

        Args:
            device_id: The device.
            changes: New values of some of its keys; read-only keys allowed.
        """
        live = self._views[device_id]
        held = self._held.get(device_id)
        todo = {
            k: v
            for k, v in changes.items()
            if live.get(k) != v and (held is None or k not in held)
        }
        if not todo:
            return
        changed = self.registry.set_state(device_id, todo)
        if changed:
            self._on_change(device_id, changed)

    def command(
        self,
        device_id: str,
        service: str,
        params: Mapping[str, StateValue] | None = None,
    ) -> None:
        """Call a service the way a person at the site would (through the driver).

        A call the device refuses (a feature it lacks) is logged and skipped.

        Args:
            device_id: The device.
            service: The service ("turn_on").
            params: Its parameters.
        """
        try:
            self.driver.call(device_id, service, params or {})
        except ServiceError as err:
            _LOGGER.debug("sim: %s.%s refused: %s", device_id, service, err)

    def is_on(self, device_id: str) -> bool:
        """Return True when a device's ``on`` key is true."""
        return self._views[device_id].get("on") is True

    def number(self, device_id: str, key: str, default: float = 0.0) -> float:
        """Return a numeric state value, or ``default`` when it is missing or not a number."""
        value = self._views[device_id].get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return default
        return float(value)

    def emit(self, event: Event) -> None:
        """Queue an event for the running step (dropped while muted)."""
        if not self.muted:
            self._out.append(event)

    def _on_change(self, device_id: str, changed: dict[str, StateValue]) -> None:
        if not self.muted:
            self._out.append(
                Event(
                    kind=EventKind.STATE_CHANGED,
                    time=self.now,
                    device_id=device_id,
                    data=dict(changed),  # the driver's caller gets the original
                    source=SOURCE,
                )
            )

    # ---------------------------------------------------------------- anomalies

    def anomaly(self, device_id: str) -> tuple[AnomalyKind, float] | None:
        """Return the anomaly acting on a device now, with its progress (0-1).

        Args:
            device_id: The device.

        Returns:
            ``(kind, fraction of its duration elapsed)``, or None when none is active.
        """
        labels = self._anomalies.get(device_id)
        if labels is None:
            return None
        now = self.now
        for label in labels:
            if label.start <= now < label.end:
                return label.kind, (now - label.start) / (label.end - label.start)
        return None

    def add_anomaly(
        self,
        label: AnomalyLabel,
        *,
        hold: Mapping[str, StateValue] | None = None,
        release: Mapping[str, StateValue] | None = None,
    ) -> None:
        """Register an anomaly and schedule its label events.

        Args:
            label: The anomaly.
            hold: State forced on the device for the anomaly's duration.
            release: State reported when it ends (the device back to normal).
        """
        self._anomalies.setdefault(label.device_id, []).append(label)
        self.labels.append(label)
        self.spawn(self._anomaly_process(label, hold, release), at=label.start)

    def _anomaly_process(
        self,
        label: AnomalyLabel,
        hold: Mapping[str, StateValue] | None,
        release: Mapping[str, StateValue] | None,
    ) -> Process:
        if hold:
            self.report(label.device_id, hold)
            self._held[label.device_id] = dict(hold)
        self.emit(self._label_event(label, AnomalyPhase.START))
        yield label.end - self.now
        if hold:
            self._held.pop(label.device_id, None)
        if release:
            self.report(label.device_id, release)
        self.emit(self._label_event(label, AnomalyPhase.END))

    def _label_event(self, label: AnomalyLabel, phase: AnomalyPhase) -> Event:
        return Event(
            kind=EventKind.ANOMALY_LABEL,
            time=self.now,
            device_id=label.device_id,
            data={
                "kind": str(label.kind),
                "phase": str(phase),
                "start": label.start,
                "end": label.end,
            },
            source=SOURCE,
        )

    # ---------------------------------------------------------------- scheduling

    def spawn(self, process: Process, *, at: float | None = None) -> None:
        """Schedule a process to run first at ``at`` (default: now).

        Raises:
            ValueError: When ``at`` is in the past.
        """
        when = self.now if at is None else at
        if when < self.now:
            msg = f"cannot schedule a process in the past ({when} < {self.now})"
            raise ValueError(msg)
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, process))

    def every(self, period: float, body: Callable[[], None], *, phase: float) -> None:
        """Run ``body`` every ``period`` seconds, first after ``phase`` seconds."""
        self.spawn(_periodic(period, body), at=self.now + phase)

    def next_time(self) -> float | None:
        """Return when the next process runs, or None when nothing is scheduled."""
        return self._heap[0][0] if self._heap else None

    def take_events(self) -> list[Event]:
        """Return and clear the events queued outside a step (commands from outside)."""
        out, self._out = self._out, []
        return out

    def run_until(self, t: float) -> Iterator[Event]:
        """Run every process due up to ``t`` and yield their events in time order.

        Args:
            t: Virtual time to run to (inclusive), Unix seconds; not in the past.

        Yields:
            Events, time-ordered; the clock ends at ``t`` once exhausted.

        Raises:
            ValueError: When ``t`` is before the current time.
        """
        if t < self.now:
            msg = f"cannot run back in time (to {t}, now {self.now})"
            raise ValueError(msg)
        heap = self._heap
        pop = heapq.heappop
        push = heapq.heappush
        if self._out:
            yield from self.take_events()
        while heap and heap[0][0] <= t:
            when, _, process = pop(heap)
            self.now = when
            try:
                delay = next(process)
            except StopIteration:
                delay = None
            if delay is not None:
                self._seq += 1
                push(heap, (when + max(delay, _MIN_DELAY), self._seq, process))
            if self._out:
                yield from self.take_events()
        self.now = t


def _periodic(period: float, body: Callable[[], None]) -> Process:
    while True:
        body()
        yield period
