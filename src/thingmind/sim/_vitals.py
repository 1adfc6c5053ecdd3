"""Residents' vital signs: heart rate and SpO2 with a circadian rhythm and activity."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from thingmind.sim._anomaly import AnomalyKind

if TYPE_CHECKING:
    from thingmind.sim._world import World

_TAU = 2.0 * math.pi


class Vitals:
    """One resident's wearable: heart rate (bpm) and oxygen saturation (%).

    Heart rate follows the body clock (lowest around 04:00), rises when the resident
    is up and moving, and wanders slowly (an AR(1) term) with beat-to-beat noise.
    SpO2 sits at the resident's baseline, a little lower asleep. ``TACHYCARDIA`` adds
    up to 55 bpm; ``SPO2_FALLING`` takes up to 11 points off.
    """

    def __init__(
        self,
        world: World,
        *,
        heart_rate: str,
        spo2: str,
        bed: str,
        motion: str,
        resting_hr: float,
        baseline_spo2: float,
        period: float = 60.0,
    ) -> None:
        """Model one resident.

        Args:
            world: The world.
            heart_rate: The heart-rate sensor id.
            spo2: The SpO2 sensor id.
            bed: The bed occupancy sensor id (on: in bed).
            motion: The room's motion sensor id.
            resting_hr: Their daytime resting heart rate, bpm.
            baseline_spo2: Their usual SpO2, %.
            period: Seconds between readings.
        """
        self._world = world
        self._hr_sensor = heart_rate
        self._spo2_sensor = spo2
        self._bed = bed
        self._motion = motion
        self._resting = resting_hr
        self._baseline = baseline_spo2
        self._rng = world.rng(heart_rate)
        self._hr_wander = 0.0
        self._spo2_wander = 0.0
        self._activity = 0.0  # bpm above resting from being up, decaying
        world.every(period, self.step, phase=self._rng.uniform(0.0, period))

    def step(self) -> None:
        """Take one reading of each sensor."""
        world, rng = self._world, self._rng
        hour = world.site_hour()
        body_clock = -math.cos(_TAU * (hour - 4.0) / 24.0)  # -1 at 04:00, +1 at 16:00
        in_bed = world.is_on(self._bed)
        up = 0.0 if in_bed else 8.0
        if world.is_on(self._motion):
            up += 6.0
        self._activity += (up - self._activity) * 0.3
        self._hr_wander = 0.9 * self._hr_wander + rng.gauss(0.0, 1.0)
        hr = self._resting + 5.0 * body_clock + self._activity + self._hr_wander
        found = world.anomaly(self._hr_sensor)
        if found is not None and found[0] is AnomalyKind.TACHYCARDIA:
            hr += 55.0 * found[1]
        hr += rng.gauss(0.0, 1.5)
        world.report(self._hr_sensor, {"value": round(max(30.0, hr))})

        self._spo2_wander = 0.8 * self._spo2_wander + rng.gauss(0.0, 0.25)
        spo2 = (
            self._baseline
            + self._spo2_wander
            - (0.8 if in_bed and body_clock < 0 else 0.0)
        )
        found = world.anomaly(self._spo2_sensor)
        if found is not None and found[0] is AnomalyKind.SPO2_FALLING:
            spo2 -= 11.0 * found[1]
        spo2 += rng.gauss(0.0, 0.4)
        world.report(self._spo2_sensor, {"value": round(min(100.0, max(70.0, spo2)))})
