"""The ``factory`` pack: three moulding lines on two shifts, with their utilities.

Each day at about 06:00 every line's coolant pump starts, its valve opens, its
extractor and conveyor start; at about 22:00 they stop. The air compressor runs the
shifts, the supply pump runs always. Trucks deliver three to six times a day.
Vibration, pressure, temperature and power all follow what runs; a tripped line
(``MACHINE_FAULT``) stops its conveyor until the fault clears.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.sim._anomaly import AnomalyKind, AnomalySpec
from thingmind.sim._machines import Compressor, MachineTemperature, Pressure, Vibration
from thingmind.sim._physics import Weather
from thingmind.sim._plan import DayPlan, Routine
from thingmind.sim._wiring import rate_devices, wire_motion, wire_power, wire_rooms

if TYPE_CHECKING:
    from collections.abc import Callable
    import random

    from thingmind.registry import Home
    from thingmind.sim._world import Process, World

HOME_FILE = "factory.yaml"
DESCRIPTION = (
    "A moulding factory: three lines, pump house, compressor, warehouse, yard."
)

_LINES = (1, 2, 3)
_SHIFT = (6.0, 22.0)  # site hours the lines run
_WORKDAY = (6.5, 21.0)  # site hours running-line anomalies start in

_RATINGS_BY_TYPE = {
    Domain.LIGHT: 400.0,
    Domain.FAN: 3000.0,
    Domain.SWITCH: 5500.0,
    Domain.CLIMATE: 2500.0,
}
_RATINGS = {
    **{f"switch.pump_{n}": 7500.0 for n in _LINES},
    **{f"light.line_{n}": 600.0 for n in _LINES},
    "light.warehouse": 800.0,
    "light.yard_floodlights": 1600.0,
    "fan.compressor_room_extractor": 1100.0,
    "climate.office": 0.0,  # wet radiators: gas
    "switch.air_compressor": 0.0,  # a load hook: loaded or unloaded
}
_TRIPS = {
    **{f"binary_sensor.line_{n}_fault": f"switch.conveyor_{n}" for n in _LINES},
    "binary_sensor.compressor_fault": "switch.air_compressor",
}


def anomalies(home: Home) -> tuple[AnomalySpec, ...]:
    """Return what can go wrong on this site, and where."""
    del home
    return (
        AnomalySpec(
            kind=AnomalyKind.PUMP_VIBRATION,
            devices=(
                *(f"sensor.pump_{n}_vibration" for n in _LINES),
                "sensor.supply_pump_vibration",
                "sensor.compressor_vibration",
            ),
            min_duration=2 * 3600.0,
            max_duration=6 * 3600.0,
            hours=_WORKDAY,
        ),
        AnomalySpec(
            kind=AnomalyKind.PRESSURE_DROP,
            devices=(
                *(f"sensor.line_{n}_pressure" for n in _LINES),
                "sensor.supply_pressure",
            ),
            min_duration=3600.0,
            max_duration=4 * 3600.0,
            hours=_WORKDAY,
        ),
        AnomalySpec(
            kind=AnomalyKind.OVERHEATING,
            devices=tuple(f"sensor.line_{n}_temperature" for n in _LINES),
            min_duration=3600.0,
            max_duration=3 * 3600.0,
            hours=_WORKDAY,
        ),
        AnomalySpec(
            kind=AnomalyKind.MACHINE_FAULT,
            devices=tuple(_TRIPS),
            min_duration=900.0,
            max_duration=2 * 3600.0,
            hours=_WORKDAY,
        ),
        AnomalySpec(
            kind=AnomalyKind.DOOR_LEFT_OPEN,
            devices=("binary_sensor.fire_exit", "binary_sensor.yard_gate_contact"),
            min_duration=1800.0,
            max_duration=4 * 3600.0,
            hours=(23.0, 4.0),
        ),
    )


def build(world: World) -> None:
    """Attach the factory's models and shift plan to ``world``."""
    weather = Weather(world, mean=6.0, amplitude=3.5, humidity=82.0)
    rate_devices(world, _RATINGS_BY_TYPE, _RATINGS)
    line_temps = frozenset(f"sensor.line_{n}_temperature" for n in _LINES)
    wire_rooms(
        world,
        weather,
        zones={"control_room": "climate.control_room", "office": "climate.office"},
        skip_sensors=line_temps,
        offsets={"compressor_room": 9.0, "pump_house": 1.0, "warehouse": -2.0},
        humidity={"warehouse": 60.0},
        balance=14.0,
    )
    in_shift: dict[str, bool] = {}
    for n in _LINES:
        pump, conveyor = f"switch.pump_{n}", f"switch.conveyor_{n}"
        valve = f"valve.line_{n}_coolant"
        Vibration(
            world,
            sensor=f"sensor.pump_{n}_vibration",
            running=_on(world, pump),
            level=world.rng(pump, "level").uniform(1.8, 2.8),
        )
        Pressure(
            world,
            sensor=f"sensor.line_{n}_pressure",
            pump=_on(world, pump),
            nominal=world.rng(pump, "nominal").uniform(3.6, 4.4),
            valve=valve,
        )
        MachineTemperature(
            world,
            weather,
            sensor=f"sensor.line_{n}_temperature",
            running=_on(world, conveyor),
            coolant=_coolant(world, pump, valve),
        )
    Vibration(
        world,
        sensor="sensor.supply_pump_vibration",
        running=_on(world, "switch.supply_pump"),
        level=2.1,
    )
    Pressure(
        world,
        sensor="sensor.supply_pressure",
        pump=_on(world, "switch.supply_pump"),
        nominal=3.4,
        valve="valve.main_supply",
        demand=[f"switch.pump_{n}" for n in _LINES],
        idle=0.8,
    )
    compressor = Compressor(
        world,
        switch="switch.air_compressor",
        pressure="sensor.air_pressure",
        loaded_watts=22_000.0,
        unloaded_watts=7_000.0,
    )
    world.load_hooks["switch.air_compressor"] = compressor.load
    Vibration(
        world,
        sensor="sensor.compressor_vibration",
        running=_on(world, "switch.air_compressor"),
        level=3.2,
    )
    wire_power(world, base=(150.0, 400.0))
    for fault, switch in _TRIPS.items():
        world.spawn(_trip_process(world, fault, switch, in_shift))

    def planner(_world: World, day: int, t0: float, rng: random.Random) -> DayPlan:
        return _plan_day(day, t0, rng, in_shift)

    routine = Routine(world, planner, name="factory")
    routine.settle()
    world.spawn(routine.process())
    wire_motion(world, routine)


def _on(world: World, switch: str) -> Callable[[], bool]:
    return lambda: world.is_on(switch)


def _coolant(world: World, pump: str, valve: str) -> Callable[[], float]:
    def flow() -> float:
        if not world.is_on(pump):
            return 0.0
        return world.number(valve, "position", 0.0) / 100.0

    return flow


def _trip_process(
    world: World, fault: str, switch: str, in_shift: dict[str, bool]
) -> Process:
    """Stop a machine while its fault sensor is on; restart it after, in shift."""
    tripped = False
    while True:
        if world.is_on(fault):
            if world.is_on(switch):
                world.report(switch, {"on": False})
                tripped = True
        elif tripped:
            tripped = False
            if in_shift.get(switch, False):
                world.command(switch, "turn_on")
        yield 15.0


def _plan_day(
    day: int, t0: float, rng: random.Random, in_shift: dict[str, bool]
) -> DayPlan:
    """One day of two shifts."""
    plan = DayPlan()
    del day

    def h(hours: float) -> float:
        return t0 + hours * 3600.0

    def shift(switch: str, *, running: bool) -> Callable[[World], None]:
        def act(_world: World) -> None:
            in_shift[switch] = running

        return act

    start, stop = _SHIFT
    plan.command(h(start - 0.25), "switch.air_compressor", "turn_on")
    plan.at(h(start - 0.25), shift("switch.air_compressor", running=True))
    plan.command(
        h(start - 0.2), "fan.compressor_room_extractor", "turn_on", {"percentage": 70}
    )
    plan.command(h(start - 0.25), "light.control_room", "turn_on", {"brightness": 100})
    plan.command(h(start - 0.2), "light.warehouse", "turn_on", {"brightness": 100})
    plan.be("control_room", h(start - 0.25), h(stop + 0.5), 12.0)
    plan.be("warehouse", h(start), h(stop), 5.0)
    plan.be("control_room", h(14.0), h(14.25), 30.0)  # shift handover
    for n in _LINES:
        late = rng.random() < 0.15  # a morning of maintenance
        go = (10.0 if late else start) + rng.uniform(0.0, 0.25)
        end = stop + rng.uniform(0.0, 0.15)
        conveyor = f"switch.conveyor_{n}"
        plan.command(h(go - 0.1), f"light.line_{n}", "turn_on", {"brightness": 100})
        plan.command(h(go), f"switch.pump_{n}", "turn_on")
        plan.command(
            h(go),
            f"valve.line_{n}_coolant",
            "set_valve_position",
            {"position": rng.choice((55, 60, 65, 70, 75, 80))},
        )
        plan.command(
            h(go + 0.02), f"fan.line_{n}_extractor", "turn_on", {"percentage": 60}
        )
        plan.command(h(go + 0.05), conveyor, "turn_on")
        plan.at(h(go + 0.05), shift(conveyor, running=True))
        if n == 3:  # packing changeover at the shift handover
            plan.command(h(14.0), conveyor, "turn_off")
            plan.at(h(14.0), shift(conveyor, running=False))
            plan.command(h(14.3), conveyor, "turn_on")
            plan.at(h(14.3), shift(conveyor, running=True))
        plan.command(h(end), conveyor, "turn_off")
        plan.at(h(end), shift(conveyor, running=False))
        plan.command(h(end + 0.1), f"switch.pump_{n}", "turn_off")
        plan.command(h(end + 0.15), f"valve.line_{n}_coolant", "close_valve")
        plan.command(h(end + 0.2), f"fan.line_{n}_extractor", "turn_off")
        plan.command(h(end + 0.3), f"light.line_{n}", "turn_off")
    plan.command(h(stop + 0.4), "switch.air_compressor", "turn_off")
    plan.at(h(stop + 0.4), shift("switch.air_compressor", running=False))
    plan.command(h(stop + 0.45), "fan.compressor_room_extractor", "turn_off")
    plan.command(h(stop + 0.5), "light.warehouse", "turn_off")
    plan.command(h(stop + 0.5), "light.control_room", "turn_off")

    # the office: day staff
    plan.command(h(7.5), "climate.office", "set_temperature", {"temperature": 20})
    plan.command(h(8.0), "light.office", "turn_on", {"brightness": 90})
    plan.be("office", h(8.0), h(17.0), 8.0)
    plan.command(h(17.0), "light.office", "turn_off")
    plan.command(h(17.0), "climate.office", "set_temperature", {"temperature": 16})

    # the yard: floodlights after dark, deliveries, a night patrol
    plan.command(h(7.5), "light.yard_floodlights", "turn_off")
    plan.command(h(16.5), "light.yard_floodlights", "turn_on", {"brightness": 100})
    for _ in range(rng.randint(3, 6)):
        when = rng.uniform(7.0, 18.0)
        stay = rng.uniform(0.3, 0.7)
        plan.command(h(when), "lock.yard_gate", "unlock")
        plan.pulse(
            h(when + 0.01), "binary_sensor.yard_gate_contact", rng.uniform(40.0, 120.0)
        )
        plan.command(h(when + 0.05), "lock.yard_gate", "lock")
        plan.be("loading_yard", h(when), h(when + stay), 25.0)
        plan.command(h(when + 0.08), "cover.warehouse_door", "open_cover")
        plan.be("warehouse", h(when + 0.08), h(when + stay), 20.0)
        plan.command(h(when + stay), "cover.warehouse_door", "close_cover")
        plan.command(h(when + stay + 0.01), "lock.yard_gate", "unlock")
        plan.pulse(h(when + stay + 0.02), "binary_sensor.yard_gate_contact", 60.0)
        plan.command(h(when + stay + 0.05), "lock.yard_gate", "lock")
    for _ in range(rng.randint(1, 3)):  # a break outside by the fire exit
        when = rng.uniform(9.0, 20.0)
        plan.pulse(h(when), "binary_sensor.fire_exit", rng.uniform(5.0, 20.0))
    patrol = rng.uniform(1.0, 3.0)
    plan.be("loading_yard", h(patrol), h(patrol + 0.2), 20.0)
    plan.be("warehouse", h(patrol + 0.2), h(patrol + 0.35), 20.0)
    return plan
