"""The ``home`` pack: a family of four in a two-floor house with a garden.

Weekdays the parents wake at 06:30-07:15, leave at 08:00-08:30 (one works from home
about one day in three), come back at 17:15-18:15, cook, eat, watch TV and go to bed at
22:45-23:30; weekends start later and include an afternoon out. Gas central heating has
two zones (downstairs, upstairs) with set-backs at night and while the house is empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.sim._anomaly import AnomalyKind, AnomalySpec
from thingmind.sim._physics import ColdStore, Room, Weather
from thingmind.sim._plan import DayPlan, Routine
from thingmind.sim._wiring import rate_devices, wire_motion, wire_power, wire_rooms

if TYPE_CHECKING:
    import random

    from thingmind.registry import Home
    from thingmind.sim._world import World

HOME_FILE = "home.yaml"
DESCRIPTION = "A family house: 10 rooms on two floors and a garden, 91 devices."

_LIVING = "climate.living_room_thermostat"
_BEDROOM = "climate.bedroom_thermostat"
_FREEZER = "sensor.freezer_temperature"
_FRIDGE = "sensor.fridge_temperature"
_PLUG = "switch.fridge_freezer"

_ZONES = {
    "living_room": _LIVING,
    "kitchen": _LIVING,
    "dining_room": _LIVING,
    "hallway": _LIVING,
    "utility_room": _LIVING,
    "study": _LIVING,
    "main_bedroom": _BEDROOM,
    "kids_bedroom": _BEDROOM,
    "bathroom": _BEDROOM,
    "landing": _BEDROOM,
}
_OFFSETS = {"kitchen": 0.5, "hallway": -1.5, "utility_room": -2.0, "landing": -1.0}
_HUMIDITY = {"bathroom": 58.0, "kitchen": 52.0, "utility_room": 55.0}

_RATINGS_BY_TYPE = {
    Domain.LIGHT: 9.0,
    Domain.SWITCH: 60.0,
    Domain.FAN: 35.0,
    Domain.MEDIA_PLAYER: 25.0,
    Domain.VACUUM: 40.0,
}
_RATINGS = {
    "light.living_room_ceiling": 24.0,
    "light.garden": 60.0,
    "light.night_light": 3.0,
    "media_player.living_room_tv": 110.0,
    "switch.kettle": 2200.0,
    "switch.dishwasher": 1100.0,
    "switch.washing_machine": 600.0,
    "switch.study_computer": 140.0,
    _PLUG: 0.0,  # a load hook: the compressors
}

_DOWNSTAIRS_LIGHTS = (
    "light.living_room_ceiling",
    "light.living_room_lamp",
    "light.kitchen_ceiling",
    "light.kitchen_cabinet",
    "light.dining_room",
    "light.hallway",
    "light.utility_room",
    "light.study_desk_lamp",
    "light.garden",
)
_UPSTAIRS_LIGHTS = (
    "light.main_bedroom_ceiling",
    "light.bedside_lamp",
    "light.kids_bedroom",
    "light.bathroom",
    "light.landing",
)


def anomalies(home: Home) -> tuple[AnomalySpec, ...]:
    """Return what can go wrong in this house, and where."""
    temps = tuple(
        d.id
        for d in home.devices
        if d.device_class == "temperature"
        and d.area is not None
        and not home.area(d.area).outdoor
        and d.id not in (_FREEZER, _FRIDGE)
    )
    powers = tuple(
        d.id
        for d in home.devices
        if d.device_class == "power" and d.id != "sensor.house_power"
    )
    return (
        AnomalySpec(
            kind=AnomalyKind.FREEZER_WARMING,
            devices=(_FREEZER, _FRIDGE),
            min_duration=2 * 3600.0,
            max_duration=6 * 3600.0,
        ),
        AnomalySpec(
            kind=AnomalyKind.DOOR_LEFT_OPEN,
            devices=(
                "binary_sensor.front_door_contact",
                "binary_sensor.back_door_contact",
                "binary_sensor.garden_gate",
            ),
            min_duration=1800.0,
            max_duration=3 * 3600.0,
            hours=(23.0, 4.0),
        ),
        AnomalySpec(
            kind=AnomalyKind.HEATING_FAILURE,
            devices=temps,
            min_duration=3 * 3600.0,
            max_duration=8 * 3600.0,
        ),
        AnomalySpec(
            kind=AnomalyKind.POWER_SURGE,
            devices=powers,
            min_duration=1200.0,
            max_duration=2 * 3600.0,
        ),
    )


def build(world: World) -> None:
    """Attach the house's models and day plan to ``world``."""
    weather = Weather(world, mean=7.0, amplitude=3.5, humidity=80.0)
    rate_devices(world, _RATINGS_BY_TYPE, _RATINGS)
    rooms = wire_rooms(
        world,
        weather,
        zones=_ZONES,
        skip_sensors=frozenset({_FREEZER, _FRIDGE}),
        offsets=_OFFSETS,
        humidity=_HUMIDITY,
    )
    kitchen = rooms["kitchen"]
    freezer = ColdStore(
        world,
        sensor=_FREEZER,
        plug=_PLUG,
        room=kitchen,
        setpoint=-18.0,
        floor=-30.0,
        tau_warm=15 * 3600.0,
        tau_cool=2.2 * 3600.0,
        compressor_watts=90.0,
    )
    fridge = ColdStore(
        world,
        sensor=_FRIDGE,
        plug=_PLUG,
        room=kitchen,
        setpoint=4.0,
        floor=-5.0,
        tau_warm=8 * 3600.0,
        tau_cool=1.6 * 3600.0,
        compressor_watts=70.0,
    )

    def plug_load() -> float:
        if not world.is_on(_PLUG):
            return 0.0
        return 6.0 + freezer.load() + fridge.load()

    world.load_hooks[_PLUG] = plug_load
    every_device = [d.id for d in world.registry.devices() if d.id in world.ratings]
    wire_power(world, circuits={"sensor.house_power": every_device}, base=(1.0, 8.0))

    def planner(_world: World, day: int, t0: float, rng: random.Random) -> DayPlan:
        return _plan_day(day, t0, rng, rooms)

    routine = Routine(world, planner, name="home")
    routine.settle()
    world.spawn(routine.process())
    wire_motion(world, routine)


def _plan_day(
    day: int, t0: float, rng: random.Random, rooms: dict[str, Room]
) -> DayPlan:
    """One day of the family's life."""
    plan = DayPlan()

    def h(hours: float) -> float:
        return t0 + hours * 3600.0

    weekend = (day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
    wake = (8.0 if weekend else 6.5) + rng.uniform(0.0, 0.75)
    sleep = (23.25 if weekend else 22.75) + rng.uniform(0.0, 0.75)
    kids_bed = 19.75 + rng.uniform(0.0, 0.5)
    work_from_home = not weekend and rng.random() < 0.3
    if weekend:
        leave, back = 13.0 + rng.uniform(0.0, 1.0), 16.5 + rng.uniform(0.0, 1.0)
    else:
        leave, back = 8.0 + rng.uniform(0.0, 0.5), 17.25 + rng.uniform(0.0, 1.0)
    empty = not work_from_home  # the house is empty between leave and back

    # ---- night: asleep upstairs, maybe one trip to the bathroom
    plan.be("main_bedroom", h(0.0), h(wake), 0.6)
    plan.be("kids_bedroom", h(0.0), h(wake + 0.3), 0.8)
    plan.be("main_bedroom", h(sleep), h(24.0), 0.6)
    if rng.random() < 0.5:
        trip = rng.uniform(1.5, 4.5)
        plan.be("landing", h(trip), h(trip + 0.05), 40.0)
        plan.be("bathroom", h(trip + 0.02), h(trip + 0.1), 30.0)
        plan.command(h(trip + 0.02), "light.bathroom", "turn_on", {"brightness": 30})
        plan.command(h(trip + 0.1), "light.bathroom", "turn_off")

    # ---- morning
    plan.command(h(wake - 0.5), _LIVING, "set_temperature", {"temperature": 20})
    plan.command(h(wake - 0.5), _BEDROOM, "set_temperature", {"temperature": 19})
    plan.command(h(wake), "light.bedside_lamp", "turn_on", {"brightness": 35})
    plan.be("main_bedroom", h(wake), h(wake + 0.5), 20.0)
    plan.command(h(wake + 0.3), "cover.bedroom_blinds", "open_cover")
    plan.command(h(wake + 0.3), "light.bedside_lamp", "turn_off")
    plan.be("landing", h(wake + 0.05), h(wake + 0.6), 8.0)
    shower = wake + 0.1
    plan.be("bathroom", h(shower), h(shower + 0.35), 25.0)
    plan.command(h(shower), "light.bathroom", "turn_on", {"brightness": 100})
    plan.command(h(shower), "fan.bathroom_extractor", "turn_on", {"percentage": 100})
    plan.at(h(shower + 0.05), lambda _w: rooms["bathroom"].add_moisture(30.0))
    plan.command(h(shower + 0.35), "light.bathroom", "turn_off")
    plan.command(h(shower + 0.7), "fan.bathroom_extractor", "turn_off")
    plan.pulse(
        h(shower + 0.4), "binary_sensor.bathroom_window", rng.uniform(900.0, 2400.0)
    )
    plan.pulse(
        h(wake + 0.4), "binary_sensor.main_bedroom_window", rng.uniform(900.0, 2400.0)
    )
    plan.pulse(
        h(wake + 0.8), "binary_sensor.kids_bedroom_window", rng.uniform(600.0, 1200.0)
    )
    plan.command(h(wake + 0.3), "light.night_light", "turn_off")
    plan.command(h(wake + 0.3), "light.kids_bedroom", "turn_on", {"brightness": 80})
    plan.be("kids_bedroom", h(wake + 0.3), h(wake + 0.8), 15.0)
    plan.command(h(wake + 0.8), "light.kids_bedroom", "turn_off")
    breakfast = wake + 0.45
    plan.be("kitchen", h(breakfast), h(breakfast + 0.6), 25.0)
    plan.be("hallway", h(breakfast - 0.05), h(breakfast + 0.05), 20.0)
    plan.command(h(breakfast), "light.kitchen_ceiling", "turn_on", {"brightness": 90})
    plan.command(h(breakfast + 0.02), "switch.kettle", "turn_on")
    plan.command(h(breakfast + 0.07), "switch.kettle", "turn_off")
    plan.command(h(breakfast + 0.6), "light.kitchen_ceiling", "turn_off")
    plan.command(h(breakfast + 0.3), "cover.living_room_blinds", "open_cover")
    plan.pulse(
        h(breakfast + 0.3),
        "binary_sensor.living_room_window",
        rng.uniform(300.0, 900.0),
    )

    # ---- the post comes through the side gate
    post = rng.uniform(10.0, 13.0)
    plan.pulse(h(post), "binary_sensor.garden_gate", rng.uniform(5.0, 15.0))
    plan.be("garden", h(post - 0.01), h(post + 0.04), 40.0)

    # ---- out (or working from home)
    plan.be("hallway", h(leave - 0.1), h(leave + 0.02), 30.0)
    plan.pulse(h(leave), "binary_sensor.front_door_contact", rng.uniform(12.0, 30.0))
    if empty:
        plan.command(h(leave + 0.01), "lock.front_door", "lock")
        plan.command(
            h(leave + 0.01), "alarm_control_panel.house_alarm", "alarm_arm_away"
        )
        plan.command(h(leave + 0.02), _LIVING, "set_temperature", {"temperature": 16})
        plan.command(h(leave + 0.02), _BEDROOM, "set_temperature", {"temperature": 16})
        for light in (*_DOWNSTAIRS_LIGHTS, *_UPSTAIRS_LIGHTS):
            plan.command(h(leave + 0.01), light, "turn_off")
        if not weekend:
            plan.command(h(10.5), "vacuum.robot_vacuum", "start")
            plan.command(h(11.3), "vacuum.robot_vacuum", "return_to_base")
            plan.report(h(11.4), "vacuum.robot_vacuum", {"status": "docked"})
            plan.be("living_room", h(10.6), h(10.9), 6.0)  # the vacuum sets them off
            plan.be("hallway", h(10.9), h(11.1), 6.0)
    else:
        plan.command(h(leave + 0.01), "lock.front_door", "lock")
        plan.be("study", h(leave + 0.1), h(12.5), 12.0)
        plan.be("study", h(13.1), h(back), 12.0)
        plan.be("kitchen", h(12.5), h(13.1), 20.0)
        plan.command(h(leave + 0.1), "switch.study_computer", "turn_on")
        plan.command(h(12.5), "switch.kettle", "turn_on")
        plan.command(h(12.55), "switch.kettle", "turn_off")
        plan.command(h(back - 0.1), "switch.study_computer", "turn_off")
        plan.command(h(15.0), "fan.study_fan", "turn_on", {"percentage": 40})
        plan.command(h(16.0), "fan.study_fan", "turn_off")

    # ---- back home
    if empty:
        plan.command(h(back), "alarm_control_panel.house_alarm", "alarm_disarm")
        plan.command(h(back), "lock.front_door", "unlock")
    plan.pulse(
        h(back + 0.01), "binary_sensor.front_door_contact", rng.uniform(15.0, 40.0)
    )
    plan.command(h(back + 0.03), "lock.front_door", "lock")
    plan.be("hallway", h(back), h(back + 0.1), 30.0)
    plan.command(h(back), "light.hallway", "turn_on", {"brightness": 70})
    plan.be("utility_room", h(back + 0.04), h(back + 0.1), 30.0)  # coats and shoes
    plan.command(h(back + 0.04), "light.utility_room", "turn_on", {"brightness": 100})
    plan.command(h(back + 0.1), "light.utility_room", "turn_off")
    homework = back + 0.3
    plan.be("study", h(homework), h(homework + 0.7), 12.0)
    plan.command(h(homework), "light.study_desk_lamp", "turn_on", {"brightness": 80})
    plan.command(h(homework + 0.7), "light.study_desk_lamp", "turn_off")
    plan.pulse(
        h(homework + 0.1), "binary_sensor.study_window", rng.uniform(300.0, 900.0)
    )
    plan.command(h(back), _LIVING, "set_temperature", {"temperature": 21})
    plan.command(h(back), _BEDROOM, "set_temperature", {"temperature": 18})
    plan.command(h(max(back, 16.5)), "cover.living_room_blinds", "close_cover")
    plan.command(h(max(back, 16.5)), "cover.bedroom_blinds", "close_cover")
    cook = back + 0.25
    plan.be("kitchen", h(cook), h(cook + 1.2), 25.0)
    plan.command(h(cook), "light.kitchen_ceiling", "turn_on", {"brightness": 100})
    plan.command(h(cook), "light.kitchen_cabinet", "turn_on", {"brightness": 100})
    plan.command(h(cook + 0.05), "switch.kettle", "turn_on")
    plan.command(h(cook + 0.1), "switch.kettle", "turn_off")
    plan.at(h(cook + 0.5), lambda _w: rooms["kitchen"].add_moisture(12.0))
    plan.pulse(
        h(cook + 0.5), "binary_sensor.kitchen_window", rng.uniform(600.0, 1800.0)
    )
    if rng.random() < 0.4:
        plan.be("utility_room", h(cook + 0.1), h(cook + 0.15), 30.0)
        plan.command(h(cook + 0.12), "light.utility_room", "turn_on")
        plan.command(h(cook + 0.12), "switch.washing_machine", "turn_on")
        plan.command(h(cook + 0.15), "light.utility_room", "turn_off")
        plan.command(h(cook + 1.6), "switch.washing_machine", "turn_off")
    if rng.random() < 0.3:
        out = cook + rng.uniform(0.2, 0.8)
        plan.pulse(h(out), "binary_sensor.back_door_contact", rng.uniform(5.0, 20.0))
        plan.be("garden", h(out), h(out + 0.2), 20.0)
        plan.command(h(out), "light.garden", "turn_on", {"brightness": 100})
        plan.pulse(
            h(out + 0.2), "binary_sensor.back_door_contact", rng.uniform(5.0, 20.0)
        )
        plan.command(h(out + 0.21), "light.garden", "turn_off")
    dinner = max(cook + 1.2, 18.75)
    plan.be("dining_room", h(dinner), h(dinner + 0.75), 15.0)
    plan.command(h(dinner), "light.dining_room", "turn_on", {"brightness": 70})
    plan.command(h(dinner), "media_player.dining_room_speaker", "media_play")
    plan.command(h(dinner + 0.75), "media_player.dining_room_speaker", "media_pause")
    plan.command(h(dinner + 0.75), "light.dining_room", "turn_off")
    plan.command(h(dinner + 0.8), "light.kitchen_cabinet", "turn_off")
    plan.command(h(dinner + 0.8), "light.kitchen_ceiling", "turn_off")
    plan.command(h(dinner + 0.9), "switch.dishwasher", "turn_on")
    plan.command(h(dinner + 2.6), "switch.dishwasher", "turn_off")
    evening = dinner + 0.85
    plan.be("living_room", h(evening), h(sleep - 0.25), 10.0)
    plan.command(h(evening), "light.living_room_ceiling", "turn_on", {"brightness": 60})
    plan.command(h(evening), "light.living_room_lamp", "turn_on", {"brightness": 40})
    plan.command(h(evening + 0.05), "media_player.living_room_tv", "media_play")
    plan.command(h(sleep - 0.3), "media_player.living_room_tv", "media_pause")

    # ---- kids' bedtime
    plan.be("kids_bedroom", h(kids_bed - 0.5), h(kids_bed + 0.3), 15.0)
    plan.be("kids_bedroom", h(kids_bed + 0.3), h(24.0), 0.8)
    plan.be("landing", h(kids_bed - 0.55), h(kids_bed - 0.45), 20.0)
    plan.be("bathroom", h(kids_bed - 0.45), h(kids_bed - 0.3), 20.0)
    plan.command(h(kids_bed - 0.5), "light.kids_bedroom", "turn_on", {"brightness": 60})
    plan.command(h(kids_bed - 0.2), "media_player.kids_speaker", "media_play")
    plan.command(h(kids_bed + 0.15), "media_player.kids_speaker", "media_pause")
    plan.command(h(kids_bed + 0.2), "light.kids_bedroom", "turn_off")
    plan.command(h(kids_bed + 0.2), "light.night_light", "turn_on", {"brightness": 10})

    # ---- bedtime
    plan.be("hallway", h(sleep - 0.3), h(sleep - 0.2), 20.0)
    plan.be("landing", h(sleep - 0.2), h(sleep - 0.1), 20.0)
    plan.be("bathroom", h(sleep - 0.2), h(sleep - 0.05), 20.0)
    for light in _DOWNSTAIRS_LIGHTS:
        plan.command(h(sleep - 0.2), light, "turn_off")
    plan.command(h(sleep - 0.2), "lock.front_door", "lock")
    plan.command(h(sleep - 0.2), "alarm_control_panel.house_alarm", "alarm_arm_home")
    plan.command(h(sleep - 0.15), "light.bedside_lamp", "turn_on", {"brightness": 40})
    plan.command(h(sleep + 0.25), "light.bedside_lamp", "turn_off")
    plan.command(h(sleep), _LIVING, "set_temperature", {"temperature": 17})
    plan.command(h(sleep), _BEDROOM, "set_temperature", {"temperature": 16})
    return plan
