"""The ``ward`` pack: six residents of a care ward, their rooms and the day room.

Residents get up at 07:00-08:00 with a carer, spend the late morning and most
afternoons in the day room, and go to bed at 21:00-22:00. Carers do night rounds at
about 02:00 and 05:00; some residents get up in the night; call buttons are pressed
a few times a day and answered within minutes. Each resident's heart rate and SpO2
follow their own baseline, the body clock and whether they are up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.sim._anomaly import AnomalyKind, AnomalySpec
from thingmind.sim._physics import Room, Weather
from thingmind.sim._plan import DayPlan, Routine
from thingmind.sim._vitals import Vitals
from thingmind.sim._wiring import rate_devices, wire_motion, wire_rooms

if TYPE_CHECKING:
    import random

    from thingmind.registry import Home
    from thingmind.sim._world import World

HOME_FILE = "ward.yaml"
DESCRIPTION = "A care ward: six residents' rooms, day room, nurses' station, courtyard."

_ROOMS = tuple(range(1, 7))
_RATINGS_BY_TYPE = {Domain.LIGHT: 12.0, Domain.FAN: 30.0, Domain.MEDIA_PLAYER: 120.0}


def anomalies(home: Home) -> tuple[AnomalySpec, ...]:
    """Return what can go wrong on the ward, and where."""
    del home
    return (
        AnomalySpec(
            kind=AnomalyKind.SPO2_FALLING,
            devices=tuple(f"sensor.room_{n}_spo2" for n in _ROOMS),
            min_duration=3600.0,
            max_duration=4 * 3600.0,
        ),
        AnomalySpec(
            kind=AnomalyKind.TACHYCARDIA,
            devices=tuple(f"sensor.room_{n}_heart_rate" for n in _ROOMS),
            min_duration=1800.0,
            max_duration=2 * 3600.0,
        ),
        AnomalySpec(
            kind=AnomalyKind.NIGHT_WANDERING,
            devices=tuple(f"binary_sensor.room_{n}_bed" for n in _ROOMS),
            min_duration=1800.0,
            max_duration=2 * 3600.0,
            hours=(23.0, 4.0),
        ),
        AnomalySpec(
            kind=AnomalyKind.DOOR_LEFT_OPEN,
            devices=(
                "binary_sensor.courtyard_door",
                "binary_sensor.ward_entrance_contact",
            ),
            min_duration=1800.0,
            max_duration=3 * 3600.0,
            hours=(23.0, 4.0),
        ),
    )


def build(world: World) -> None:
    """Attach the ward's models and day plan to ``world``."""
    weather = Weather(world, mean=6.5, amplitude=3.5, humidity=80.0)
    rate_devices(world, _RATINGS_BY_TYPE, {})
    zones = {f"room_{n}": f"climate.room_{n}" for n in _ROOMS}
    zones["day_room"] = "climate.day_room"
    rooms = wire_rooms(
        world,
        weather,
        zones=zones,
        offsets={"corridor": -0.5, "assisted_bathroom": 1.0},
        humidity={"assisted_bathroom": 55.0},
        balance=19.0,
    )
    for n in _ROOMS:
        rng = world.rng("resident", n)
        Vitals(
            world,
            heart_rate=f"sensor.room_{n}_heart_rate",
            spo2=f"sensor.room_{n}_spo2",
            bed=f"binary_sensor.room_{n}_bed",
            motion=f"binary_sensor.room_{n}_motion",
            resting_hr=rng.uniform(62.0, 82.0),
            baseline_spo2=rng.uniform(94.5, 97.5),
        )

    def planner(world: World, day: int, t0: float, rng: random.Random) -> DayPlan:
        del world, day
        return _plan_day(t0, rng, rooms)

    routine = Routine(world, planner, name="ward")
    routine.settle()
    world.spawn(routine.process())
    wire_motion(world, routine)


def _plan_day(t0: float, rng: random.Random, rooms: dict[str, Room]) -> DayPlan:
    """One day on the ward."""
    plan = DayPlan()

    def h(hours: float) -> float:
        return t0 + hours * 3600.0

    # ---- the ward itself
    plan.command(h(7.0), "light.corridor", "turn_on", {"brightness": 100})
    plan.command(h(22.0), "light.corridor", "turn_on", {"brightness": 20})
    plan.be("corridor", h(0.0), h(7.0), 2.0)
    plan.be("corridor", h(7.0), h(22.0), 20.0)
    plan.be("corridor", h(22.0), h(24.0), 3.0)
    plan.be("nurses_station", h(0.0), h(24.0), 4.0)
    plan.command(h(6.5), "climate.day_room", "set_temperature", {"temperature": 21})
    plan.command(h(20.0), "climate.day_room", "set_temperature", {"temperature": 18})
    plan.command(h(8.0), "cover.day_room_blinds", "open_cover")
    plan.command(h(17.0), "cover.day_room_blinds", "close_cover")
    plan.command(h(9.5), "light.day_room", "turn_on", {"brightness": 80})
    plan.command(h(18.0), "light.day_room", "turn_off")
    for a, b in ((10.5, 12.0), (14.5, 16.5)):
        plan.command(h(a), "media_player.day_room_tv", "media_play")
        plan.command(h(b), "media_player.day_room_tv", "media_pause")
    for change in (7.0, 14.5, 21.5):  # staff shift changes
        for k in range(2):
            when = change + rng.uniform(-0.2, 0.2) + 0.05 * k
            plan.command(h(when), "lock.ward_entrance", "unlock")
            plan.pulse(h(when + 0.005), "binary_sensor.ward_entrance_contact", 10.0)
            plan.command(h(when + 0.01), "lock.ward_entrance", "lock")
    for _ in range(rng.randint(2, 5)):  # visitors, in and out
        come = rng.uniform(14.0, 17.5)
        for when in (come, come + rng.uniform(0.5, 1.5)):
            plan.command(h(when), "lock.ward_entrance", "unlock")
            plan.pulse(h(when + 0.005), "binary_sensor.ward_entrance_contact", 8.0)
            plan.command(h(when + 0.01), "lock.ward_entrance", "lock")
    for _ in range(rng.randint(2, 3)):  # assisted baths
        bath = rng.uniform(9.0, 11.5)
        plan.be("assisted_bathroom", h(bath), h(bath + 0.5), 25.0)
        plan.command(h(bath), "light.assisted_bathroom", "turn_on", {"brightness": 100})
        plan.command(
            h(bath), "fan.assisted_bathroom_extractor", "turn_on", {"percentage": 100}
        )
        plan.at(h(bath + 0.1), lambda _w: rooms["assisted_bathroom"].add_moisture(25.0))
        plan.command(h(bath + 0.5), "light.assisted_bathroom", "turn_off")
        plan.command(h(bath + 0.8), "fan.assisted_bathroom_extractor", "turn_off")
    if rng.random() < 0.3:
        pull = rng.uniform(9.0, 11.5)
        plan.pulse(
            h(pull), "binary_sensor.assisted_bathroom_call", rng.uniform(60.0, 240.0)
        )
    if rng.random() < 0.4:  # a turn round the courtyard
        out = rng.uniform(14.5, 15.5)
        plan.pulse(h(out), "binary_sensor.courtyard_door", 30.0)
        plan.be("courtyard", h(out), h(out + 0.5), 15.0)
        plan.pulse(h(out + 0.5), "binary_sensor.courtyard_door", 30.0)
    plan.command(h(17.0), "light.courtyard", "turn_on", {"brightness": 60})
    plan.command(h(22.0), "light.courtyard", "turn_off")

    # ---- each resident
    for n in _ROOMS:
        room, door = f"room_{n}", f"binary_sensor.room_{n}_door"
        bed, light = f"binary_sensor.room_{n}_bed", f"light.room_{n}"
        reading = f"light.room_{n}_reading"
        wake = 7.0 + rng.uniform(0.0, 1.0)
        sleep = 21.0 + rng.uniform(0.0, 1.0)
        plan.be(room, h(0.0), h(wake), 0.5)
        plan.pulse(h(wake), door, rng.uniform(10.0, 30.0))
        plan.command(h(wake + 0.01), light, "turn_on", {"brightness": 80})
        plan.report(h(wake + 0.05), bed, {"on": False})
        plan.be(room, h(wake), h(10.0), 12.0)
        plan.command(h(9.0), light, "turn_off")
        morning = 10.0 + rng.uniform(0.0, 0.25)
        plan.pulse(h(morning), door, 15.0)
        plan.be("day_room", h(morning), h(12.0), 4.0)
        plan.pulse(h(12.0 + rng.uniform(0.0, 0.1)), door, 15.0)
        plan.be(room, h(12.0), h(14.0), 8.0)
        if rng.random() < 0.6:  # an afternoon nap
            plan.report(h(13.2), bed, {"on": True})
            plan.report(h(14.0), bed, {"on": False})
        if rng.random() < 0.7:
            plan.pulse(h(14.1), door, 15.0)
            plan.be("day_room", h(14.1), h(16.5), 4.0)
            plan.pulse(h(16.5 + rng.uniform(0.0, 0.1)), door, 15.0)
            plan.be(room, h(16.5), h(sleep), 8.0)
        else:
            plan.be(room, h(14.0), h(sleep), 8.0)
        plan.command(h(17.0), light, "turn_on", {"brightness": 70})
        plan.command(h(sleep - 0.5), light, "turn_off")
        plan.command(h(sleep - 0.5), reading, "turn_on", {"brightness": 50})
        plan.report(h(sleep), bed, {"on": True})
        plan.command(h(sleep + 0.3), reading, "turn_off")
        plan.be(room, h(sleep), h(24.0), 0.5)
        for rounds in (2.0, 5.0):  # carers' night rounds
            when = rounds + 0.05 * n + rng.uniform(0.0, 0.05)
            plan.pulse(h(when), door, 12.0)
            plan.be(room, h(when), h(when + 0.03), 40.0)
        if rng.random() < 0.25:  # up in the night
            up = rng.uniform(0.5, 4.5)
            plan.report(h(up), bed, {"on": False})
            plan.be(room, h(up), h(up + 0.15), 30.0)
            plan.report(h(up + 0.15), bed, {"on": True})
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):  # call button
            call = rng.uniform(7.5, 21.5)
            wait = rng.uniform(120.0, 480.0)
            plan.report(h(call), f"binary_sensor.room_{n}_call", {"on": True})
            plan.pulse(h(call) + wait - 15.0, door, 10.0)
            plan.report(h(call) + wait, f"binary_sensor.room_{n}_call", {"on": False})
    return plan
