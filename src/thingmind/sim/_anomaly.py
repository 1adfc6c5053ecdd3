"""Injected anomalies: their kinds and the ground-truth labels detectors are scored on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AnomalyKind(StrEnum):
    """What goes wrong. Each scenario pack lists the devices each kind applies to."""

    # home
    FREEZER_WARMING = "freezer_warming"
    """A fridge or freezer no longer cools (door ajar, failed seal): its temperature
    drifts up toward the room's while the compressor runs on."""
    DOOR_LEFT_OPEN = "door_left_open"
    """A door (or gate) contact stays open, typically at night."""
    HEATING_FAILURE = "heating_failure"
    """The boiler stops answering a thermostat: the room cools despite heat mode."""
    POWER_SURGE = "power_surge"
    """A faulty appliance draws an extra 1-2 kW on a circuit."""
    # factory
    PUMP_VIBRATION = "pump_vibration"
    """A worn bearing: the pump's vibration velocity rises several-fold."""
    PRESSURE_DROP = "pressure_drop"
    """A leak: the line's pressure sags while the pump runs."""
    OVERHEATING = "overheating"
    """Blocked cooling: a line's temperature climbs far above its running level."""
    MACHINE_FAULT = "machine_fault"
    """A line trips: its fault sensor turns on and the conveyor stops."""
    # ward
    SPO2_FALLING = "spo2_falling"
    """A resident's oxygen saturation falls steadily (toward the mid 80s)."""
    TACHYCARDIA = "tachycardia"
    """A resident's heart rate climbs well above their usual pattern."""
    NIGHT_WANDERING = "night_wandering"
    """A resident gets out of bed at night and does not come back for a long time."""


class AnomalyPhase(StrEnum):
    """Which edge of an anomaly an ``ANOMALY_LABEL`` event marks."""

    START = "start"
    END = "end"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalyLabel:
    """One injected anomaly: the ground truth a detector is scored against."""

    device_id: str
    """The device whose signal shows it (a sensor, or a binary sensor)."""
    kind: AnomalyKind
    """What goes wrong."""
    start: float
    """When it begins, Unix seconds."""
    end: float
    """When it is over, Unix seconds (exclusive)."""

    def __post_init__(self) -> None:
        if not self.end > self.start:
            msg = f"an anomaly must end after it starts ({self.start} .. {self.end})"
            raise ValueError(msg)

    @property
    def duration(self) -> float:
        """How long it lasts, in seconds."""
        return self.end - self.start

    def covers(self, t: float) -> bool:
        """Return True when ``t`` (Unix seconds) falls inside the anomaly."""
        return self.start <= t < self.end


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalySpec:
    """How a scenario injects one kind: which devices, how long, and when."""

    kind: AnomalyKind
    """The kind."""
    devices: tuple[str, ...]
    """The devices it may be injected on."""
    min_duration: float
    """Shortest duration picked by a random schedule, seconds."""
    max_duration: float
    """Longest duration picked by a random schedule, seconds."""
    hours: tuple[float, float] | None = None
    """Site hours a random schedule starts it in, e.g. ``(23, 4)`` for the night
    (wrapping midnight) or ``(7, 17)`` for a working day; None: any time."""

    def __post_init__(self) -> None:
        if not 0 < self.min_duration <= self.max_duration:
            msg = (
                f"{self.kind}: durations must satisfy 0 < min <= max, got "
                f"{self.min_duration} and {self.max_duration}"
            )
            raise ValueError(msg)
        if self.hours is not None and not all(0 <= h <= 24 for h in self.hours):
            msg = f"{self.kind}: hours must be within 0-24, got {self.hours}"
            raise ValueError(msg)
