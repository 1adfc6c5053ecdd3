"""Helpers the scenario packs share to attach models to a site's devices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.sim._physics import Outdoor, PowerMeter, Room, Weather
from thingmind.sim._plan import Routine, motion_process

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.registry import Device
    from thingmind.sim._world import World


def devices_of(
    world: World,
    area: str | None,
    domain: Domain,
    device_class: str | None = None,
) -> list[Device]:
    """Return the devices of a type (and device class) in an area, or anywhere.

    Args:
        world: The world.
        area: The area id, or None for the whole site.
        domain: The device type.
        device_class: Only devices of this class, when given.

    Returns:
        The devices, in file order.
    """
    registry = world.registry
    pool = registry.devices_in_area(area) if area is not None else registry.devices()
    return [
        d
        for d in pool
        if d.type is domain and (device_class is None or d.device_class == device_class)
    ]


def rate_devices(
    world: World,
    defaults: Mapping[Domain, float],
    overrides: Mapping[str, float],
) -> None:
    """Give every device its rated load (watts) in ``world.ratings``.

    Args:
        world: The world.
        defaults: Rating by device type.
        overrides: Rating by device id, where it differs from the type's.
    """
    for device in world.registry.devices():
        rating = overrides.get(device.id, defaults.get(device.type))
        if rating is not None:
            world.ratings[device.id] = rating


def wire_rooms(
    world: World,
    weather: Weather,
    *,
    zones: Mapping[str, str],
    skip_sensors: frozenset[str] = frozenset(),
    offsets: Mapping[str, float] | None = None,
    humidity: Mapping[str, float] | None = None,
    balance: float = 15.0,
) -> dict[str, Room]:
    """Model every area's air: indoor areas get a :class:`Room`, outdoor ones the weather.

    Args:
        world: The world.
        weather: Outdoor conditions.
        zones: The climate device that heats each area, by area id; the climate
            device's own area owns its thermostat.
        skip_sensors: Temperature or humidity sensors a pack models itself (a freezer).
        offsets: How much warmer than the zone target each area settles, °C.
        humidity: Typical relative humidity per area, %.
        balance: The building's free-running indoor level, °C.

    Returns:
        The indoor rooms, by area id.
    """
    rooms: dict[str, Room] = {}
    offsets = offsets or {}
    humidity = humidity or {}
    for area in world.registry.areas():
        temps = [
            d.id
            for d in devices_of(world, area.id, Domain.SENSOR, "temperature")
            if d.id not in skip_sensors
        ]
        hums = [
            d.id
            for d in devices_of(world, area.id, Domain.SENSOR, "humidity")
            if d.id not in skip_sensors
        ]
        if area.outdoor:
            Outdoor(
                world,
                weather,
                temperature=temps[0] if temps else None,
                humidity=hums[0] if hums else None,
            )
            continue
        climate = zones.get(area.id)
        owns = climate is not None and world.device(climate).area == area.id
        windows = [
            d.id
            for d in world.registry.devices_in_area(area.id)
            if d.type is Domain.BINARY_SENSOR and d.device_class == "window"
        ]
        fans = [d.id for d in devices_of(world, area.id, Domain.FAN)]
        rooms[area.id] = Room(
            world,
            weather,
            area=area.id,
            temperature=temps[0] if temps else None,
            humidity=hums[0] if hums else None,
            climate=climate,
            owns_climate=owns,
            offset=offsets.get(area.id, 0.0),
            balance=balance,
            humidity_base=humidity.get(area.id, 48.0),
            windows=windows,
            fans=fans,
        )
    return rooms


def wire_power(
    world: World,
    *,
    circuits: Mapping[str, list[str]] | None = None,
    base: tuple[float, float] = (2.0, 12.0),
) -> dict[str, PowerMeter]:
    """Meter every power sensor: by default all the devices of its area.

    Sensors in ``kW`` report in kilowatts with two decimals, others in whole watts.

    Args:
        world: The world.
        circuits: The devices a meter sums, by sensor id, where not its area's.
        base: Range of each meter's always-on load, watts.

    Returns:
        The meters, by sensor id.
    """
    meters: dict[str, PowerMeter] = {}
    circuits = circuits or {}
    for sensor in devices_of(world, None, Domain.SENSOR, "power"):
        devices = circuits.get(sensor.id)
        if devices is None:
            devices = [
                d.id
                for d in world.registry.devices_in_area(sensor.area or "")
                if d.id in world.ratings
            ]
        kilo = world.state(sensor.id).get("unit") == "kW"
        rng = world.rng(sensor.id, "base")
        meters[sensor.id] = PowerMeter(
            world,
            sensor=sensor.id,
            devices=devices,
            base=rng.uniform(*base),
            scale=0.001 if kilo else 1.0,
            digits=2 if kilo else 0,
        )
    return meters


def wire_motion(
    world: World, routine: Routine, *, hold: tuple[float, float] = (30.0, 90.0)
) -> None:
    """Drive every motion sensor from the routine's presence in its area."""
    for sensor in devices_of(world, None, Domain.BINARY_SENSOR, "motion"):
        if sensor.area is not None:
            world.spawn(
                motion_process(world, routine, sensor.id, sensor.area, hold=hold)
            )
