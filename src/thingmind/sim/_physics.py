"""Building physics: weather, room temperature and humidity, electrical load, cold stores.

Models are deliberately simple first-order systems with Gaussian noise: plausible
shapes (daily cycles, lags toward a thermostat's target, power that follows what is
switched on) at a few microseconds per sample.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.sim._anomaly import AnomalyKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from thingmind.sim._world import World

_TAU = 2.0 * math.pi
_HEATING_MODES = frozenset({"heat", "heat_cool", "auto"})
_COOLING_MODES = frozenset({"cool", "heat_cool", "auto"})


def _to_celsius(value: float, unit: object) -> float:
    return (value - 32.0) * 5.0 / 9.0 if unit == "F" else value


def _from_celsius(value: float, unit: object) -> float:
    return value * 9.0 / 5.0 + 32.0 if unit == "F" else value


class Weather:
    """Outdoor temperature and humidity: a daily cycle plus a random level per day."""

    def __init__(
        self,
        world: World,
        *,
        mean: float,
        amplitude: float,
        humidity: float,
        day_spread: float = 2.0,
    ) -> None:
        """Describe the site's climate.

        Args:
            world: The world (for its time and seed).
            mean: Mean outdoor temperature, °C.
            amplitude: Half the day-night swing, °C (warmest at 15:00).
            humidity: Mean relative humidity, %.
            day_spread: Standard deviation of each day's level, °C.
        """
        self._world = world
        self._mean = mean
        self._amplitude = amplitude
        self._humidity = humidity
        self._spread = day_spread
        self._levels: dict[int, float] = {}

    def _level(self, day: int) -> float:
        level = self._levels.get(day)
        if level is None:
            level = self._world.rng("weather", day).gauss(0.0, self._spread)
            self._levels[day] = level
        return level

    def temperature(self, t: float) -> float:
        """Return the outdoor temperature (°C) at ``t``."""
        world = self._world
        hour = world.site_hour(t)
        day = world.day_index(t)
        frac = hour / 24.0  # blend today's level into tomorrow's: no jump at midnight
        level = (1.0 - frac) * self._level(day) + frac * self._level(day + 1)
        return (
            self._mean + level + self._amplitude * math.cos(_TAU * (hour - 15.0) / 24.0)
        )

    def humidity(self, t: float) -> float:
        """Return the outdoor relative humidity (%) at ``t``: high when it is cool."""
        hour = self._world.site_hour(t)
        swing = math.cos(_TAU * (hour - 15.0) / 24.0)
        return min(100.0, max(30.0, self._humidity - 12.0 * swing))


class Outdoor:
    """Outdoor temperature and humidity sensors reading the weather."""

    def __init__(
        self,
        world: World,
        weather: Weather,
        *,
        temperature: str | None,
        humidity: str | None,
        period: float = 60.0,
    ) -> None:
        """Attach sensors to the weather.

        Args:
            world: The world.
            weather: What they read.
            temperature: The temperature sensor id, if any.
            humidity: The humidity sensor id, if any.
            period: Seconds between readings.
        """
        self._world = world
        self._weather = weather
        self._temperature = temperature
        self._humidity = humidity
        self._rng = world.rng(temperature or humidity or "outdoor", "outdoor")
        world.every(period, self.step, phase=self._rng.uniform(0.0, period))

    def step(self) -> None:
        """Take one reading of each sensor."""
        world, rng = self._world, self._rng
        if self._temperature is not None:
            value = self._weather.temperature(world.now) + rng.gauss(0.0, 0.1)
            world.report(self._temperature, {"value": round(value, 1)})
        if self._humidity is not None:
            value = self._weather.humidity(world.now) + rng.gauss(0.0, 0.8)
            world.report(self._humidity, {"value": round(min(100.0, value), 1)})


class Room:
    """One area's air: temperature that answers a thermostat, and humidity.

    Without heating the room relaxes toward a free-running level between the outdoor
    temperature and the building's balance point (time constant ``tau_loss``); while
    its thermostat calls for heat (or cooling) it also moves toward just past the
    target with the faster ``tau_hvac``, so heating is a first-order lag toward the
    target. An open window couples it strongly to the outdoors.
    """

    def __init__(
        self,
        world: World,
        weather: Weather,
        *,
        area: str,
        temperature: str | None = None,
        humidity: str | None = None,
        climate: str | None = None,
        owns_climate: bool = False,
        offset: float = 0.0,
        balance: float = 15.0,
        tau_loss: float = 5 * 3600.0,
        tau_hvac: float = 1500.0,
        humidity_base: float = 48.0,
        windows: Sequence[str] = (),
        fans: Sequence[str] = (),
        period: float = 60.0,
    ) -> None:
        """Model one area.

        Args:
            world: The world.
            weather: The outdoor conditions.
            area: The area id.
            temperature: Its temperature sensor id, if any.
            humidity: Its humidity sensor id, if any.
            climate: The climate device that heats or cools it (may be in another area
                of the same zone), if any.
            owns_climate: True when this room's temperature is the one that climate
                device measures and switches on (its ``current_temperature``).
            offset: How much warmer than the zone's target this room settles, °C.
            balance: The building's free-running indoor level, °C.
            tau_loss: Time constant of heat loss, seconds.
            tau_hvac: Time constant of heating or cooling, seconds.
            humidity_base: Typical relative humidity, %.
            windows: Window or door contact ids whose opening airs the room.
            fans: Extractor fan ids that clear moisture faster.
            period: Seconds between readings.
        """
        self._world = world
        self._weather = weather
        self.area = area
        self._temperature = temperature
        self._humidity = humidity
        self._climate = climate
        self._owns = owns_climate
        self._offset = offset
        self._balance = balance
        self._tau_loss = tau_loss
        self._tau_hvac = tau_hvac
        self._rh_base = humidity_base
        self._windows = tuple(windows)
        self._fans = tuple(fans)
        self._period = period
        self._rng = world.rng(area, "room")
        start = None
        if temperature is not None:
            start = world.number(temperature, "value", math.nan)
        if (
            (start is None or math.isnan(start))
            and climate is not None
            and owns_climate
        ):
            state = world.state(climate)
            start = _to_celsius(
                world.number(climate, "current_temperature", balance), state.get("unit")
            )
        self.temp = balance if start is None or math.isnan(start) else start
        """Air temperature now, °C."""
        self.rh = (
            world.number(humidity, "value", humidity_base)
            if humidity is not None
            else humidity_base
        )
        """Relative humidity now, % (without transient moisture)."""
        self._moisture = 0.0  # % points from showers and cooking, decaying
        world.every(period, self.step, phase=self._rng.uniform(0.0, period))

    def add_moisture(self, points: float) -> None:
        """Add a burst of moisture (a shower: 30 points), which then decays."""
        self._moisture += points

    def _hvac(self, target_c: float, mode: object) -> int:
        """Decide (owner) or read (zone member) the climate's call: +1, -1 or 0."""
        world = self._world
        climate = self._climate
        if climate is None:
            return 0
        if not self._owns:
            return world.hvac_calls.get(climate, 0)
        call = world.hvac_calls.get(climate, 0)
        temp = self.temp
        heats = mode in _HEATING_MODES
        cools = mode in _COOLING_MODES
        both = heats and cools
        if heats and temp < target_c - (0.5 if both else 0.3):
            call = 1
        elif cools and temp > target_c + (1.0 if both else 0.5):
            call = -1
        elif (call > 0 and (not heats or temp > target_c + 0.3)) or (
            call < 0 and (not cools or temp < target_c - 0.3)
        ):
            call = 0
        world.hvac_calls[climate] = call
        return call

    def step(self) -> None:
        """Advance the room by one period and report its sensors."""
        world, rng, dt = self._world, self._rng, self._period
        now = world.now
        t_out = self._weather.temperature(now)
        free = 0.3 * t_out + 0.7 * self._balance + self._offset
        k_loss = 1.0 / self._tau_loss
        aired = any(world.is_on(w) for w in self._windows)
        if aired:
            free = t_out
            k_loss *= 6.0
        rate = (free - self.temp) * k_loss  # °C/s
        unit: object = None
        call = 0
        if self._climate is not None:
            state = world.state(self._climate)
            unit = state.get("unit")
            target_c = _to_celsius(
                world.number(self._climate, "target_temperature", 20.0), unit
            )
            call = self._hvac(target_c, state.get("hvac_mode"))
            if call and self._temperature is not None:
                failure = world.anomaly(self._temperature)
                if failure is not None and failure[0] is AnomalyKind.HEATING_FAILURE:
                    call = 0
            if call > 0:
                rate += (target_c + 1.0 + self._offset - self.temp) / self._tau_hvac
            elif call < 0:
                rate += (target_c - 1.0 + self._offset - self.temp) / self._tau_hvac
        self.temp += rate * dt + rng.gauss(0.0, 0.005)
        if self._temperature is not None:
            value = round(self.temp + rng.gauss(0.0, 0.05), 1)
            world.report(self._temperature, {"value": value})
        if self._owns and self._climate is not None:
            current = round(_from_celsius(self.temp, unit), 1)
            world.report(self._climate, {"current_temperature": current})
        if self._humidity is not None:
            hour = world.site_hour(now)
            target = self._rh_base + 4.0 * math.cos(_TAU * (hour - 5.0) / 24.0)
            target -= 1.5 * (self.temp - 19.0)  # warm air holds more: lower RH
            if aired:
                target = 0.5 * target + 0.5 * self._weather.humidity(now)
            self.rh += (target - self.rh) * (1.0 - math.exp(-dt / 2400.0))
            tau_m = 500.0 if any(world.is_on(f) for f in self._fans) else 1500.0
            self._moisture *= math.exp(-dt / tau_m)
            value = self.rh + self._moisture + rng.gauss(0.0, 0.3)
            world.report(
                self._humidity, {"value": round(min(100.0, max(5.0, value)), 1)}
            )


def device_load(world: World, device_id: str, domain: Domain, rating: float) -> float:
    """Return a device's electrical load now, watts, from its type and state.

    Args:
        world: The world.
        device_id: The device.
        domain: Its type.
        rating: Its full load, watts.

    Returns:
        The load: full when on (lights scaled by brightness, fans by speed), a trickle
        on standby, zero when off.
    """
    hook = world.load_hooks.get(device_id)
    if hook is not None:
        return hook()
    state = world.state(device_id)
    if domain is Domain.LIGHT:
        if state.get("on") is not True:
            return 0.0
        brightness = state.get("brightness")
        if isinstance(brightness, int | float) and not isinstance(brightness, bool):
            return rating * max(float(brightness), 1.0) / 100.0
        return rating
    if domain in (Domain.SWITCH, Domain.HUMIDIFIER, Domain.WATER_HEATER):
        return rating if state.get("on") is True else 0.0
    if domain is Domain.FAN:
        if state.get("on") is not True:
            return 0.0
        speed = state.get("percentage")
        if isinstance(speed, int | float) and not isinstance(speed, bool):
            return rating * max(float(speed), 20.0) / 100.0
        return rating
    if domain is Domain.MEDIA_PLAYER:
        return rating if state.get("playing") is True else 0.04 * rating
    if domain is Domain.VACUUM:
        status = state.get("status")
        if status in ("cleaning", "returning"):
            return rating
        return 0.15 * rating if status == "docked" else 0.03 * rating
    if domain is Domain.CLIMATE:
        return rating if world.hvac_calls.get(device_id, 0) else 0.0
    return 0.0


class PowerMeter:
    """A power sensor reading the summed load of some devices, plus a base and noise."""

    def __init__(
        self,
        world: World,
        *,
        sensor: str,
        devices: Sequence[str],
        base: float,
        noise: float = 0.02,
        scale: float = 1.0,
        digits: int = 0,
        period: float = 30.0,
    ) -> None:
        """Meter a set of devices.

        Args:
            world: The world.
            sensor: The power sensor id.
            devices: The devices on the circuit; their ``world.ratings`` are used.
            base: Always-on load (standby, routers), watts.
            noise: Relative noise (standard deviation).
            scale: Factor from watts to the sensor's unit (0.001 for kW).
            digits: Decimal places reported.
            period: Seconds between readings.
        """
        self._world = world
        self._sensor = sensor
        self._loads = tuple(
            (d, world.device(d).type, world.ratings.get(d, 0.0)) for d in devices
        )
        self._base = base
        self._noise = noise
        self._scale = scale
        self._digits = digits
        self._rng = world.rng(sensor)
        self._surge = 1200.0 + 600.0 * self._rng.random()  # watts, if ever injected
        world.every(period, self.step, phase=self._rng.uniform(0.0, period))

    def watts(self) -> float:
        """Return the true load on the circuit now, watts (no noise)."""
        world = self._world
        total = self._base
        for device_id, domain, rating in self._loads:
            total += device_load(world, device_id, domain, rating)
        surge = world.anomaly(self._sensor)
        if surge is not None and surge[0] is AnomalyKind.POWER_SURGE:
            total += self._surge
        return total

    def step(self) -> None:
        """Take one reading."""
        value = self.watts() * (1.0 + self._rng.gauss(0.0, self._noise))
        reading = round(max(0.0, value) * self._scale, self._digits)
        self._world.report(self._sensor, {"value": reading})


class ColdStore:
    """A fridge or freezer compartment: a thermostat-cycled compressor against leakage.

    With the plug on, the compressor starts above ``setpoint + band`` and stops below
    ``setpoint - band``; while it runs the compartment cools toward ``floor``,
    otherwise it warms toward the room. A ``FREEZER_WARMING`` anomaly keeps the
    compressor running but stops it cooling (a door ajar), so the temperature drifts up.
    """

    def __init__(
        self,
        world: World,
        *,
        sensor: str,
        plug: str,
        room: Room | None,
        setpoint: float,
        floor: float,
        tau_warm: float,
        tau_cool: float,
        compressor_watts: float,
        band: float = 1.0,
        period: float = 60.0,
    ) -> None:
        """Model one compartment.

        Args:
            world: The world.
            sensor: Its temperature sensor id.
            plug: The switch that powers it.
            room: The room it stands in (its warmth leaks in), if modelled.
            setpoint: Thermostat setting, °C.
            floor: Where the compressor would take it if it never stopped, °C.
            tau_warm: Time constant of warming, seconds.
            tau_cool: Time constant of cooling, seconds.
            compressor_watts: Compressor load while running, watts.
            band: Thermostat half-band, °C.
            period: Seconds between readings.
        """
        self._world = world
        self._sensor = sensor
        self._plug = plug
        self._room = room
        self._setpoint = setpoint
        self._floor = floor
        self._tau_warm = tau_warm
        self._tau_cool = tau_cool
        self._watts = compressor_watts
        self._band = band
        self._period = period
        self._rng = world.rng(sensor)
        self.temp = world.number(sensor, "value", setpoint)
        """Compartment temperature now, °C."""
        self.running = False
        """True while the compressor runs."""
        world.every(period, self.step, phase=self._rng.uniform(0.0, period))

    def load(self) -> float:
        """Return the compressor's load now, watts."""
        return self._watts if self.running else 0.0

    def step(self) -> None:
        """Advance one period and report the temperature."""
        world = self._world
        anomaly = world.anomaly(self._sensor)
        failing = anomaly is not None and anomaly[0] is AnomalyKind.FREEZER_WARMING
        if not world.is_on(self._plug):
            self.running = False
        elif failing or self.temp > self._setpoint + self._band:
            self.running = True
        elif self.temp < self._setpoint - self._band:
            self.running = False
        ambient = self._room.temp if self._room is not None else 20.0
        if self.running and not failing:
            rate = (self._floor - self.temp) / self._tau_cool
        else:
            tau = self._tau_warm * (0.6 if failing else 1.0)
            rate = (ambient - self.temp) / tau
        self.temp += rate * self._period
        value = round(self.temp + self._rng.gauss(0.0, 0.05), 1)
        world.report(self._sensor, {"value": value})
