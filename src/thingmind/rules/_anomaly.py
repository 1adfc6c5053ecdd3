"""Streaming anomaly detection: one detector per sensor, started automatically.

:class:`AnomalyMonitor` looks at the site's devices and gives each one that can
misbehave a detector:

- numeric sensors: physical limits where the device says what it measures (a freezer
  above -12 °C, SpO2 below 90 %, vibration above the ISO 10816 alarm level), plus two
  learned scores: how rare the value is (a decayed histogram: works for bimodal
  signals such as a pump's pressure) and how far it is from what this hour of the
  day usually has (river ``EWMean``/``EWVar`` per hour). Each must last a while
  before it counts, and nothing is learned from values that look anomalous.
- doors, windows and gates: open too long.
- fault, smoke, moisture and gas sensors: on at all.
- bed (occupancy) sensors: out of bed too long at night.

It emits ``Event(kind=ALERT)`` with ``data = {phase, value, expected, severity,
detector}``: one ``phase: start`` per episode while the condition lasts, and one
``phase: end`` when it is over.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import heapq
import logging
import math
from typing import TYPE_CHECKING

from river import stats, utils

from thingmind.core import Domain, Event, EventKind, StateValue
from thingmind.rules._states import as_number
from thingmind.rules._stats import DecayedHistogram, SeasonalBaseline

if TYPE_CHECKING:
    from thingmind.registry import Device, Registry
    from thingmind.rules._sun import SiteLocation

_LOGGER = logging.getLogger(__name__)

DAY = 86_400.0


class Severity(StrEnum):
    """How urgent an alert is."""

    WARNING = "warning"
    """Unusual for this sensor; worth a look."""
    CRITICAL = "critical"
    """A physical limit is broken, or a fault is on."""


class DetectorKind(StrEnum):
    """Which detector raised an alert."""

    LIMIT = "limit"
    """A physical limit for what the sensor measures."""
    RARE = "rare"
    """A value this sensor rarely or never reports."""
    SEASONAL = "seasonal"
    """Far from what this hour of the day usually has."""
    OPEN_TOO_LONG = "open_too_long"
    """A door, window or gate open too long."""
    FAULT = "fault"
    """A fault, smoke, moisture or gas sensor is on."""
    OUT_OF_BED = "out_of_bed"
    """Out of bed too long at night."""


class AlertPhase(StrEnum):
    """Which edge of an alert episode an event marks."""

    START = "start"
    END = "end"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalyConfig:
    """Tuning of the detectors (seconds unless said otherwise)."""

    warmup: float = 7 * DAY
    """Learning time before learned scores may alert (limits alert at once)."""
    rare_dwell: float = 600.0
    """How long a value must stay rare (and off its hour's baseline)."""
    seasonal_dwell: float = 3600.0
    """How long a value must stay far from its hour's baseline alone."""
    limit_dwell: float = 300.0
    """How long a physical limit must stay broken."""
    clear_after: float = 900.0
    """How long a numeric sensor must look normal to end an episode."""
    rare_density: float = 0.002
    """A value is rare when its bin and neighbours hold less than this share."""
    rare_z: float = 3.0
    """A rare value must also be this many deviations off its hour's mean."""
    seasonal_z: float = 5.0
    """Deviations off the hour's mean that alert without rarity."""
    bins: int = 60
    """Histogram bins over the range seen while warming up (padded)."""
    half_life: float = 14 * DAY
    """Half-life of the histogram's memory."""
    window: int = 500
    """Samples kept per hour of the day for the hourly baselines."""
    peer_window: int = 5000
    """Samples kept of the difference from peers."""
    open_limit: float = 600.0
    """A door or gate open longer than this at night alerts."""
    open_limit_day: float = 7200.0
    """A door or gate open longer than this by day alerts."""
    peer_classes: tuple[str, ...] = ("temperature",)
    """Device classes whose sensors are compared with their peers (heating)."""
    slow_classes: tuple[str, ...] = ("humidity",)
    """Device classes whose rare values must last ``slow_factor`` times longer."""
    slow_factor: float = 6.0
    """How much longer (a shower fogs a bathroom for half an hour)."""
    peer_level_span: float = 8.0
    """Peers must have a typical level within this of the sensor's own."""
    min_peers: int = 4
    """Sensors of one kind needed before the peer (weather-free) score is used."""
    bed_limit: float = 1200.0
    """Out of bed at night longer than this alerts."""
    night: tuple[float, float] = (23.0, 6.0)
    """Local hours that count as night for beds (wrapping midnight)."""

    def __post_init__(self) -> None:
        for name in (
            "warmup",
            "rare_dwell",
            "seasonal_dwell",
            "limit_dwell",
            "clear_after",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                msg = f"{name} must be a finite number of seconds >= 0, got {value!r}"
                raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class PhysicalLimit:
    """A range a quantity must stay in, whatever the sensor has learned."""

    above: float | None = None
    """Alert when the value is above this."""
    below: float | None = None
    """Alert when the value is below this."""
    severity: Severity = Severity.CRITICAL
    """How urgent a breach is."""

    def broken(self, x: float) -> bool:
        """Return True when ``x`` is outside the range."""
        return (self.above is not None and x > self.above) or (
            self.below is not None and x < self.below
        )

    def describe(self) -> str:
        """Return the allowed range in words ("at most -12")."""
        if self.above is not None and self.below is not None:
            return f"{self.below:g} to {self.above:g}"
        if self.above is not None:
            return f"at most {self.above:g}"
        return f"at least {self.below:g}"


def physical_limit(device: Device) -> PhysicalLimit | None:
    """Return the physical limit that applies to a sensor, from what it measures.

    Args:
        device: A sensor.

    Returns:
        The limit, or None when the device says too little to set one.
    """
    text = f"{device.id} {device.name}".casefold()
    unit = str(device.state.get("unit") or "").casefold()
    cls = device.device_class or ""
    if cls == "temperature" or unit in {"°c", "c"}:
        if "freezer" in text:
            return PhysicalLimit(above=-12.0)  # food safety: frozen food stays below
        if "fridge" in text:
            return PhysicalLimit(above=8.0)
    if "spo2" in text or "oxygen" in text:
        return PhysicalLimit(below=90.0)  # clinical hypoxaemia threshold
    if unit == "bpm" or "heart" in text:
        return PhysicalLimit(above=120.0, below=40.0)
    if cls == "vibration" or unit == "mm/s":
        return PhysicalLimit(above=7.1)  # ISO 10816-3 zone C/D boundary, small machines
    return None


_OPENINGS = frozenset({"door", "garage_door", "gate"})
_FAULTS = frozenset({"problem", "smoke", "moisture", "gas", "carbon_monoxide", "heat"})


class _Hours:
    """Local hour of Unix times, cached per hour (time zone lookups are slow)."""

    __slots__ = ("_end", "_hour", "_site", "_start")

    def __init__(self, site: SiteLocation) -> None:
        self._site = site
        self._start = self._end = -1.0
        self._hour = 0

    def hour(self, t: float) -> int:
        if not self._start <= t < self._end:
            local = self._site.local(t)
            self._hour = local.hour
            into = local.minute * 60 + local.second + local.microsecond / 1e6
            self._start = t - into
            self._end = self._start + 3600.0
        return self._hour


@dataclass(slots=True)
class _Verdict:
    detector: DetectorKind
    severity: Severity
    expected: StateValue


class _Numeric:
    """Limits plus learned rarity and hourly baseline, for one numeric sensor."""

    __slots__ = (
        "_cfg",
        "_floor",
        "_hist",
        "_limit",
        "_limit_since",
        "_peer_var",
        "_rare_since",
        "_seasonal",
        "_seasonal_since",
        "_start",
        "_warm_values",
        "deviation",
        "last",
        "learned",
        "level",
        "peers",
        "rare_dwell",
    )

    def __init__(
        self, limit: PhysicalLimit | None, cfg: AnomalyConfig, start: float
    ) -> None:
        self._cfg = cfg
        self._limit = limit
        self._start = start
        self._hist: DecayedHistogram | None = None
        self._seasonal = SeasonalBaseline(window=cfg.window)
        self._warm_values: list[tuple[float, float]] = []
        self._floor = 1e-6
        self._limit_since: float | None = None
        self._rare_since: float | None = None
        self._seasonal_since: float | None = None
        self._peer_var = utils.Rolling(stats.Var, window_size=cfg.peer_window, ddof=0)
        self.last: float | None = None
        self.learned = True
        """False for sensors whose learned scores never alert (outdoor weather)."""
        self.rare_dwell = cfg.rare_dwell
        """How long a rare value must last; longer for humidity (showers, cooking)."""
        self.level: float | None = None
        """The median of the warm-up samples: who counts as a peer."""
        self.deviation: float | None = None
        """The last value minus its hour's mean (shared with peers)."""
        self.peers: list[_Numeric] | None = None
        """Sensors of the same kind at the site; weather moves them together."""

    def observe(
        self, x: float, t: float, hour: int, *, alerting: bool
    ) -> _Verdict | None:
        cfg = self._cfg
        self.last = x
        verdict: _Verdict | None = None
        limit = self._limit
        if limit is not None and limit.broken(x):
            if self._limit_since is None:
                self._limit_since = t
            if t - self._limit_since >= cfg.limit_dwell:
                verdict = _Verdict(DetectorKind.LIMIT, limit.severity, limit.describe())
        else:
            self._limit_since = None
        hist = self._hist
        if hist is None:  # warming up: keep samples to size the histogram
            self._seasonal.update(hour, x)
            self._warm_values.append((x, t))
            if t - self._start >= cfg.warmup:
                self._finish_warmup()
            return verdict
        seasonal = self._seasonal
        mean = seasonal.mean(hour)
        z = abs(x - mean) / max(seasonal.std(hour), self._floor)
        rare = self.learned and hist.density(x) < cfg.rare_density and z > cfg.rare_z
        far = False
        self.deviation = x - mean
        peers = self.peers
        residual = 0.0
        level = self.level
        shared = (
            [
                p.deviation
                for p in peers
                if p.deviation is not None
                and p.level is not None
                and abs(p.level - level) <= cfg.peer_level_span
            ]
            if peers is not None and self.learned and level is not None
            else []
        )
        if len(shared) >= cfg.min_peers:
            # What the weather does to every room is not this room's anomaly; a
            # machine running at 45 degrees is no peer of a living room.
            shared.sort()
            residual = self.deviation - shared[len(shared) // 2]
            spread = math.sqrt(max(float(self._peer_var.obj.get()), 0.0))
            far = abs(residual) / max(spread, self._floor) > cfg.seasonal_z
        if rare:
            if self._rare_since is None:
                self._rare_since = t
            if verdict is None and t - self._rare_since >= self.rare_dwell:
                verdict = _Verdict(DetectorKind.RARE, Severity.WARNING, round(mean, 3))
        else:
            self._rare_since = None
        if far:
            if self._seasonal_since is None:
                self._seasonal_since = t
            if verdict is None and t - self._seasonal_since >= cfg.seasonal_dwell:
                verdict = _Verdict(
                    DetectorKind.SEASONAL, Severity.WARNING, round(mean, 3)
                )
        else:
            self._seasonal_since = None
        if not (alerting or rare or far or self._limit_since is not None):
            hist.update(x, t)
            seasonal.update(hour, x)
            self._peer_var.update(residual)
        return verdict

    def _finish_warmup(self) -> None:
        values = [x for x, _ in self._warm_values]
        low, high = min(values), max(values)
        span = max(high - low, abs(high) * 0.05, 1e-3)
        hist = DecayedHistogram(
            low - 0.25 * span,
            high + 0.25 * span,
            bins=self._cfg.bins,
            half_life=self._cfg.half_life,
        )
        for x, t in self._warm_values:
            hist.update(x, t)
        self._hist = hist
        self._floor = max(0.02 * span, 1e-6)
        self.level = sorted(values)[len(values) // 2]
        self._warm_values = []


class _Binary:
    """Open too long, fault on, or out of bed at night, for one binary sensor."""

    __slots__ = ("detector", "limit", "on", "since", "trigger_on")

    def __init__(
        self, detector: DetectorKind, limit: float, *, on: bool, t: float
    ) -> None:
        self.detector = detector
        self.limit = limit
        self.trigger_on = (
            detector is not DetectorKind.OUT_OF_BED
        )  # a bed alerts when off
        self.on = on
        self.since = t


class _Episode:
    __slots__ = ("detector", "quiet_since", "start")

    def __init__(self, start: float, detector: DetectorKind) -> None:
        self.start = start
        self.detector = detector
        self.quiet_since: float | None = None


class AnomalyMonitor:
    """Detectors for every sensor of a site, fed with its live events.

    Example::

        monitor = AnomalyMonitor(registry, site=site)
        for event in events:
            for alert in monitor.process(event):
                bus.publish(alert)
    """

    def __init__(
        self,
        registry: Registry,
        *,
        site: SiteLocation,
        config: AnomalyConfig | None = None,
        start: float,
    ) -> None:
        """Start a detector for each sensor that can have one.

        Args:
            registry: The site; its devices pick the detectors, its state seeds them.
            site: For local hours (night, hour-of-day baselines).
            config: Tuning; the defaults were tuned on the simulator's packs.
            start: Unix seconds the monitor starts at (warm-up counts from here).
        """
        self._cfg = config if config is not None else AnomalyConfig()
        self._site = site
        self._hours = _Hours(site)
        self._numeric: dict[str, _Numeric] = {}
        self._binary: dict[str, _Binary] = {}
        self._episodes: dict[str, _Episode] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._seq = 0
        self._out: list[Event] = []
        cfg = self._cfg
        for device in registry.devices():
            state = registry.state(device.id)
            if (
                device.type is Domain.SENSOR
                and as_number(state.get("value")) is not None
            ):
                numeric = _Numeric(physical_limit(device), cfg, start)
                # Outdoors, temperature and humidity are weather, not a fault.
                numeric.learned = not (
                    device.device_class in {"temperature", "humidity"}
                    and device.area is not None
                    and registry.home.area(device.area).outdoor
                )
                if device.device_class in cfg.slow_classes:
                    numeric.rare_dwell = cfg.rare_dwell * cfg.slow_factor
                self._numeric[device.id] = numeric
            elif device.type is Domain.BINARY_SENSOR:
                detector = _binary_detector(device)
                if detector is None:
                    continue
                limit = {
                    DetectorKind.OPEN_TOO_LONG: cfg.open_limit,
                    DetectorKind.FAULT: 0.0,
                    DetectorKind.OUT_OF_BED: cfg.bed_limit,
                }[detector]
                binary = _Binary(detector, limit, on=bool(state.get("on")), t=start)
                self._binary[device.id] = binary
                self._arm(device.id, binary)
        groups: dict[tuple[str, str], list[_Numeric]] = {}
        for device_id, numeric in self._numeric.items():
            device = registry.home.device(device_id)
            if device.device_class not in cfg.peer_classes:
                continue
            unit = str(device.state.get("unit") or "")
            groups.setdefault((device.device_class, unit), []).append(numeric)
        for members in groups.values():
            if len(members) >= cfg.min_peers:
                for member in members:
                    member.peers = members
        _LOGGER.info(
            "anomaly monitor: %d numeric and %d binary detectors",
            len(self._numeric),
            len(self._binary),
        )

    @property
    def detectors(self) -> dict[str, str]:
        """Which kind of detector watches each device."""
        out = dict.fromkeys(self._numeric, "numeric")
        out.update({d: str(b.detector) for d, b in self._binary.items()})
        return out

    @property
    def active(self) -> dict[str, float]:
        """Devices with an alert episode in progress, and since when."""
        return {device_id: ep.start for device_id, ep in self._episodes.items()}

    def process(self, event: Event) -> list[Event]:
        """Feed one event; return the alerts (start and end) it causes.

        Args:
            event: Any event; only ``STATE_CHANGED`` of watched devices matter.

        Returns:
            ``ALERT`` events, possibly none.
        """
        if self._heap and self._heap[0][0] <= event.time:
            self._advance(event.time)
        if event.kind is EventKind.STATE_CHANGED and event.device_id is not None:
            device_id = event.device_id
            numeric = self._numeric.get(device_id)
            if numeric is not None:
                value = as_number(event.data.get("value"))
                if value is not None:
                    self._on_numeric(device_id, numeric, value, event.time)
            else:
                binary = self._binary.get(device_id)
                if binary is not None and "on" in event.data:
                    self._on_binary(
                        device_id, binary, bool(event.data["on"]), event.time
                    )
        if not self._out:
            return []
        out, self._out = self._out, []
        return out

    def tick(self, now: float) -> list[Event]:
        """Check the time-based detectors (open too long, out of bed) up to ``now``."""
        self._advance(now)
        out, self._out = self._out, []
        return out

    # ------------------------------------------------------------ numeric

    def _on_numeric(
        self, device_id: str, detector: _Numeric, x: float, t: float
    ) -> None:
        episode = self._episodes.get(device_id)
        verdict = detector.observe(
            x, t, self._hours.hour(t), alerting=episode is not None
        )
        if episode is None:
            if verdict is not None:
                self._start(device_id, t, x, verdict)
            return
        if verdict is not None:
            episode.quiet_since = None
            return
        if episode.quiet_since is None:
            episode.quiet_since = t
        elif t - episode.quiet_since >= self._cfg.clear_after:
            self._end(device_id, t, x)

    # ------------------------------------------------------------ binary

    def _on_binary(self, device_id: str, detector: _Binary, on: bool, t: float) -> None:
        if on == detector.on:
            return
        detector.on = on
        detector.since = t
        if self._episodes.get(device_id) is not None and on != detector.trigger_on:
            self._end(device_id, t, on)
        self._arm(device_id, detector)
        self._check_binary(device_id, detector, t)

    def _arm(self, device_id: str, detector: _Binary) -> None:
        if detector.on == detector.trigger_on:
            self._seq += 1
            heapq.heappush(
                self._heap, (detector.since + detector.limit, self._seq, device_id)
            )

    def _advance(self, until: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= until:
            due, _, device_id = heapq.heappop(heap)
            self._check_binary(device_id, self._binary[device_id], due)

    def _check_binary(self, device_id: str, detector: _Binary, t: float) -> None:
        if detector.on != detector.trigger_on or device_id in self._episodes:
            return
        limit = detector.limit
        kind = detector.detector
        if kind is DetectorKind.OPEN_TOO_LONG and not self._is_night(detector.since):
            limit = max(limit, self._cfg.open_limit_day)
        if t - detector.since < limit:
            if kind is DetectorKind.OPEN_TOO_LONG:
                self._seq += 1
                heapq.heappush(
                    self._heap, (detector.since + limit, self._seq, device_id)
                )
            return
        if kind is DetectorKind.OUT_OF_BED and not self._is_night(detector.since):
            return
        severity = (
            Severity.CRITICAL
            if detector.detector is DetectorKind.FAULT
            else Severity.WARNING
        )
        expected = (
            "closed"
            if detector.detector is DetectorKind.OPEN_TOO_LONG
            else ("off" if detector.detector is DetectorKind.FAULT else "in bed")
        )
        self._start(
            device_id, t, detector.on, _Verdict(detector.detector, severity, expected)
        )

    def _is_night(self, t: float) -> bool:
        first, last = self._cfg.night
        hour = self._site.local(t).hour
        return hour >= first or hour < last if first > last else first <= hour < last

    # ------------------------------------------------------------ episodes

    def _start(
        self, device_id: str, t: float, value: StateValue, verdict: _Verdict
    ) -> None:
        self._episodes[device_id] = _Episode(t, verdict.detector)
        _LOGGER.info(
            "alert %s on %s: %s (expected %s)",
            verdict.detector,
            device_id,
            value,
            verdict.expected,
        )
        self._out.append(
            Event(
                kind=EventKind.ALERT,
                time=t,
                device_id=device_id,
                data={
                    "phase": str(AlertPhase.START),
                    "value": value,
                    "expected": verdict.expected,
                    "severity": str(verdict.severity),
                    "detector": str(verdict.detector),
                },
                source="anomaly",
            )
        )

    def _end(self, device_id: str, t: float, value: StateValue) -> None:
        episode = self._episodes.pop(device_id)
        self._out.append(
            Event(
                kind=EventKind.ALERT,
                time=t,
                device_id=device_id,
                data={
                    "phase": str(AlertPhase.END),
                    "value": value,
                    "detector": str(episode.detector),
                    "started": episode.start,
                },
                source="anomaly",
            )
        )


def _binary_detector(device: Device) -> DetectorKind | None:
    cls = device.device_class or ""
    text = f"{device.id} {device.name}".casefold()
    if cls in _OPENINGS or "gate" in text:
        return DetectorKind.OPEN_TOO_LONG
    if cls in _FAULTS:
        return DetectorKind.FAULT
    if cls == "occupancy" and "bed" in text:
        return DetectorKind.OUT_OF_BED
    return None
