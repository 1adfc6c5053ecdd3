"""Factory physics: pump vibration, line pressure, machine temperature, compressed air."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from thingmind.sim._anomaly import AnomalyKind

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from thingmind.sim._physics import Weather
    from thingmind.sim._world import World

_TAU = 2.0 * math.pi


def _progress(world: World, device_id: str, kind: AnomalyKind) -> float:
    """Return how far an anomaly of ``kind`` on the device has gone (0 when none)."""
    found = world.anomaly(device_id)
    return found[1] if found is not None and found[0] is kind else 0.0


def _position(world: World, valve: str | None) -> float:
    """Return a valve's opening, 0-1 (fully open when there is no valve)."""
    if valve is None:
        return 1.0
    return world.number(valve, "position", 0.0) / 100.0


class Vibration:
    """A rotating machine's vibration velocity (mm/s RMS, as ISO 10816 measures it).

    Running, it sits near ``running`` with a slow wander and noise; stopped, it reads
    the floor's background. ``PUMP_VIBRATION`` multiplies it up to five-fold (a worn
    bearing), well into ISO zone D.
    """

    def __init__(
        self,
        world: World,
        *,
        sensor: str,
        running: Callable[[], bool],
        level: float,
        period: float = 30.0,
    ) -> None:
        """Model one vibration sensor.

        Args:
            world: The world.
            sensor: The sensor id.
            running: Whether the machine turns now.
            level: Typical running level, mm/s.
            period: Seconds between readings.
        """
        self._world = world
        self._sensor = sensor
        self._running = running
        self._level = level
        self._rng = world.rng(sensor)
        self._wander = 0.0
        world.every(period, self.step, phase=self._rng.uniform(0.0, period))

    def step(self) -> None:
        """Take one reading."""
        world, rng = self._world, self._rng
        if self._running():
            self._wander = 0.95 * self._wander + rng.gauss(0.0, 0.02)
            worn = 1.0 + 4.0 * _progress(
                world, self._sensor, AnomalyKind.PUMP_VIBRATION
            )
            value = self._level * (1.0 + self._wander) * worn + rng.gauss(
                0.0, 0.06 * self._level
            )
        else:
            value = abs(rng.gauss(0.15, 0.05))
        world.report(self._sensor, {"value": round(max(0.0, value), 2)})


class Pressure:
    """Pressure behind a pump (bar): a valve throttling it raises it; a leak lowers it."""

    def __init__(
        self,
        world: World,
        *,
        sensor: str,
        pump: Callable[[], bool],
        nominal: float,
        valve: str | None = None,
        demand: Sequence[str] = (),
        idle: float = 0.4,
        period: float = 30.0,
    ) -> None:
        """Model one pressure sensor.

        Args:
            world: The world.
            sensor: The sensor id.
            pump: Whether the pump runs now.
            nominal: Running pressure with the valve fully open, bar.
            valve: The valve downstream, if any.
            demand: Switches whose running draws the pressure down 0.2 bar each.
            idle: Static head with the pump stopped, bar.
            period: Seconds between readings.
        """
        self._world = world
        self._sensor = sensor
        self._pump = pump
        self._nominal = nominal
        self._valve = valve
        self._demand = tuple(demand)
        self._idle = idle
        self._period = period
        self._rng = world.rng(sensor)
        self._p = world.number(sensor, "value", idle)
        world.every(period, self.step, phase=self._rng.uniform(0.0, period))

    def step(self) -> None:
        """Advance one period and take a reading."""
        world, rng = self._world, self._rng
        if self._pump():
            target = self._nominal * (1.25 - 0.25 * _position(world, self._valve))
            target -= 0.2 * sum(1 for d in self._demand if world.is_on(d))
            target *= 1.0 - 0.6 * _progress(
                world, self._sensor, AnomalyKind.PRESSURE_DROP
            )
        else:
            target = self._idle
        self._p += (target - self._p) * (1.0 - math.exp(-self._period / 60.0))
        value = self._p + rng.gauss(0.0, 0.03)
        world.report(self._sensor, {"value": round(max(0.0, value), 2)})


class MachineTemperature:
    """A line's process temperature (°C): heat while it runs, taken away by coolant."""

    def __init__(
        self,
        world: World,
        weather: Weather,
        *,
        sensor: str,
        running: Callable[[], bool],
        coolant: Callable[[], float],
        heat: float = 42.0,
        indoor: float = 17.0,
        tau: float = 900.0,
        period: float = 60.0,
    ) -> None:
        """Model one temperature sensor on a machine.

        Args:
            world: The world.
            weather: Outdoor conditions (the hall follows them a little).
            sensor: The sensor id.
            running: Whether the machine works now.
            coolant: Coolant flow, 0-1.
            heat: Rise above the hall with no cooling, °C.
            indoor: The hall's mean temperature, °C.
            tau: Thermal time constant, seconds.
            period: Seconds between readings.
        """
        self._world = world
        self._weather = weather
        self._sensor = sensor
        self._running = running
        self._coolant = coolant
        self._heat = heat
        self._indoor = indoor
        self._tau = tau
        self._period = period
        self._rng = world.rng(sensor)
        self._t = world.number(sensor, "value", indoor)
        world.every(period, self.step, phase=self._rng.uniform(0.0, period))

    def step(self) -> None:
        """Advance one period and take a reading."""
        world, rng = self._world, self._rng
        hall = self._indoor + 0.25 * (self._weather.temperature(world.now) - 8.0)
        target = hall
        if self._running():
            target += self._heat * (1.0 - 0.55 * self._coolant())
        target += 40.0 * _progress(world, self._sensor, AnomalyKind.OVERHEATING)
        self._t += (target - self._t) * (1.0 - math.exp(-self._period / self._tau))
        world.report(self._sensor, {"value": round(self._t + rng.gauss(0.0, 0.1), 1)})


class Compressor:
    """An air compressor: loads to 7.5 bar, unloads to 6.5 bar, as demand draws air."""

    def __init__(
        self,
        world: World,
        *,
        switch: str,
        pressure: str,
        loaded_watts: float,
        unloaded_watts: float,
        period: float = 30.0,
    ) -> None:
        """Model the compressor and its receiver.

        Args:
            world: The world.
            switch: The compressor's switch.
            pressure: The receiver pressure sensor.
            loaded_watts: Load while compressing, watts.
            unloaded_watts: Load while idling unloaded, watts.
            period: Seconds between readings.
        """
        self._world = world
        self._switch = switch
        self._sensor = pressure
        self._loaded_w = loaded_watts
        self._unloaded_w = unloaded_watts
        self._period = period
        self._rng = world.rng(pressure)
        self._p = world.number(pressure, "value", 1.0)
        self.loaded = False
        """True while it compresses."""
        world.every(period, self.step, phase=self._rng.uniform(0.0, period))

    def load(self) -> float:
        """Return its electrical load now, watts."""
        if not self._world.is_on(self._switch):
            return 0.0
        return self._loaded_w if self.loaded else self._unloaded_w

    def step(self) -> None:
        """Advance one period and take a reading."""
        world, rng, dt = self._world, self._rng, self._period
        if not world.is_on(self._switch):
            self.loaded = False
            self._p += (1.0 - self._p) * (1.0 - math.exp(-dt / 3600.0))
        else:
            if self._p < 6.5:
                self.loaded = True
            elif self._p > 7.5:
                self.loaded = False
            if self.loaded:
                self._p += 0.15 * dt / 30.0
            else:
                self._p -= (0.06 + rng.uniform(0.0, 0.04)) * dt / 30.0
        world.report(self._sensor, {"value": round(self._p + rng.gauss(0.0, 0.02), 2)})
