"""Commands end to end: parsed sentence -> actions -> device state changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from resolve._sites import Changes, Site

# id, compact sentence, speaker area, expected changes (every other device unchanged)
HOUSE_CASES: list[tuple[str, str, str | None, Changes]] = [
    (
        "name-exact",
        "turn_on: turn on the [floor lamp](target)",
        None,
        {"light.floor_lamp": {"on": True}},
    ),
    (
        "name-beats-area-word",
        "turn_off: turn off the [study lamp](target)",
        None,
        {"light.study_lamp": {"on": False}},
    ),
    (
        "area-location-plus-kind",
        "turn_off: turn off the [lights](target) in the [study](location)",
        None,
        {"light.study_ceiling": {"on": False}},
    ),
    (
        "area-plus-kind-in-target",
        "turn_off: turn off the [kitchen lights](target)",
        None,
        {"light.kitchen_ceiling": {"on": False}, "light.kitchen_island": {"on": False}},
    ),
    (
        "alias",
        "turn_off: [big light](target) off please",
        None,
        {"light.living_room_ceiling": {"on": False}},
    ),
    (
        "floor",
        "turn_on: turn on the [lights](target) [upstairs](location)",
        None,
        {
            "light.bedroom_lamp": {"on": True},
            "light.bedroom_ceiling": {"on": True},
            "light.kids_ceiling": {"on": True},
            "light.kids_lamp": {"on": True},
            "light.study_lamp": {"on": True},
            "light.bathroom": {"on": True},
        },
    ),
    (
        "floor-words-in-target",
        "turn_off: turn off the [downstairs lights](target)",
        None,
        {
            "light.living_room_ceiling": {"on": False},
            "light.kitchen_ceiling": {"on": False},
            "light.kitchen_island": {"on": False},
            "light.hallway": {"on": False},
            "light.study_ceiling": {"on": False},
        },
    ),
    (
        "kind-speaker-area",
        "turn_off: turn off the [lights](target)",
        "kitchen",
        {"light.kitchen_ceiling": {"on": False}, "light.kitchen_island": {"on": False}},
    ),
    (
        "all-ignores-speaker-area",
        "turn_off: turn off [all](all) the [lights](target)",
        "kitchen",
        {
            "light.living_room_ceiling": {"on": False},
            "light.kitchen_ceiling": {"on": False},
            "light.kitchen_island": {"on": False},
            "light.hallway": {"on": False},
            "light.study_ceiling": {"on": False},
            "light.bedroom_lamp": {"on": False},
            "light.kids_ceiling": {"on": False},
            "light.kids_lamp": {"on": False},
            "light.study_lamp": {"on": False},
        },
    ),
    (
        "named-device-anywhere",
        "turn_off: turn off the [hallway light](target)",
        "kitchen",
        {"light.hallway": {"on": False}},
    ),
    (
        "this-room",
        "turn_off: turn [this room's lights](target) off",
        "kids_bedroom",
        {
            "light.kids_ceiling": {"on": False},
            "light.kids_lamp": {"on": False},
            "light.study_lamp": {"on": False},
        },
    ),
    (
        "in-here",
        "turn_off: turn the [lights](target) off in [here](location)",
        "study",
        {"light.study_ceiling": {"on": False}},
    ),
    (
        "outdoor-scope",
        "turn_on: turn on the [outdoor lights](target)",
        "kitchen",
        {"light.patio": {"on": True}},
    ),
    (
        "plural-kind-no-place-whole-home",
        "turn_off: turn off the [fans](target)",
        None,
        {"fan.ceiling_fan": {"on": False}},
    ),
    (
        "singular-kind-speaker-area",
        "turn_on: turn on the [fan](target)",
        "study",
        {"fan.desk_fan": {"on": True}},
    ),
    (
        "climate-turn-off-is-hvac-off",
        "turn_off: turn off the [heating](target)",
        None,
        {"climate.thermostat": {"hvac_mode": "off"}},
    ),
    (
        "tv-plug-is-not-tv",
        "turn_off: turn off the [TV plug](target)",
        None,
        {"switch.tv_plug": {"on": False}},
    ),
    (
        "typo-device",
        "turn_on: swich on the [flor lamp](target)",
        None,
        {"light.floor_lamp": {"on": True}},
    ),
    (
        "typo-area",
        "turn_off: turn of the [kitchn lights](target)",
        None,
        {"light.kitchen_ceiling": {"on": False}, "light.kitchen_island": {"on": False}},
    ),
    (
        "typo-short-word",
        "lock: lock the [bak door](target)",
        None,
        {"lock.back_door": {"locked": True}},
    ),
    (
        "partial-name",
        "turn_on: turn on the [coffee](target)",
        None,
        {"switch.coffee_maker": {"on": True}},
    ),
    (
        "partial-name-typo",
        "turn_on: turn on the [coffe machine](target)",
        None,
        {"switch.coffee_maker": {"on": True}},
    ),
    (
        "vacuum-by-kind",
        "clean: start the [robot vacuum](target)",
        None,
        {"vacuum.robbie": {"status": "cleaning"}},
    ),
    (
        "clean-a-place",
        "clean: start hoovering [downstairs](location)",
        None,
        {"vacuum.robbie": {"status": "cleaning"}},
    ),
    (
        "vacuum-turn-on-starts",
        "turn_on: start [Robbie](target)",
        None,
        {"vacuum.robbie": {"status": "cleaning"}},
    ),
    (
        "return-home",
        "return_home: send [Robbie](target) back to its dock",
        None,
        {"vacuum.robbie": {"status": "returning"}},
    ),
    (
        "open-watering-halfway",
        "open: open the [garden watering](target) [halfway](value)",
        None,
        {"valve.garden_watering": {"position": 50, "open": True}},
    ),
    (
        "water-the-garden",
        "open: water the [garden](location)",
        None,
        {"valve.garden_watering": {"position": 100, "open": True}},
    ),
    (
        "lock-every-door",
        "lock: lock [all](all) the [doors](target)",
        None,
        {"lock.back_door": {"locked": True}},
    ),
    (
        "arm-away",
        "arm: arm the [alarm](target) in [away](mode) mode",
        None,
        {"alarm_control_panel.alarm": {"state": "armed_away"}},
    ),
    (
        "arm-default-away",
        "arm: arm the [alarm](target)",
        None,
        {"alarm_control_panel.alarm": {"state": "armed_away"}},
    ),
    (
        "disarm",
        "disarm: disarm [alarm](target)",
        None,
        {"alarm_control_panel.alarm": {"state": "disarmed"}},
    ),
    (
        "mute",
        "mute: mute [tv](target)",
        None,
        {"media_player.tv": {"muted": True}},
    ),
    (
        "pause-alias",
        "pause: pause [telly](target)",
        None,
        {"media_player.tv": {"playing": False}},
    ),
    (
        "pause-music-speaker-area",
        "pause: pause the [music](target)",
        "main_bedroom",
        {"media_player.bedroom_speaker": {"playing": False}},
    ),
    (
        "close-blinds-speaker-area",
        "close: close the [blinds](target)",
        "main_bedroom",
        {"cover.bedroom_blinds": {"position": 0, "open": False}},
    ),
    (
        "toggle-on-light",
        "toggle: toggle the [hallway light](target)",
        None,
        {"light.hallway": {"on": False}},
    ),
    (
        "set-mode",
        "set_mode: set the [aircon](target) to [heat](mode)",
        None,
        {"climate.bedroom_ac": {"hvac_mode": "heat"}},
    ),
    (
        "plugs-except",
        "turn_on: turn on [all](all) the [kitchen plugs](target) except the [fridge](except)",
        None,
        {"switch.coffee_maker": {"on": True}, "switch.kettle_plug": {"on": True}},
    ),
    (
        "everything-in-area-but",
        "turn_off: turn off [everything](target) in the [kitchen](location) but the "
        "[fridge](except)",
        None,
        {"light.kitchen_ceiling": {"on": False}, "light.kitchen_island": {"on": False}},
    ),
    (
        "except-area",
        "turn_off: turn off [all](all) the [lights](target) [downstairs](location) "
        "except the [hallway](except)",
        None,
        {
            "light.living_room_ceiling": {"on": False},
            "light.kitchen_ceiling": {"on": False},
            "light.kitchen_island": {"on": False},
            "light.study_ceiling": {"on": False},
        },
    ),
    (
        "except-two-areas",
        "turn_off: turn off the [lights](target) [downstairs](location) except in the "
        "[study](except) and the [hallway](except)",
        None,
        {
            "light.living_room_ceiling": {"on": False},
            "light.kitchen_ceiling": {"on": False},
            "light.kitchen_island": {"on": False},
        },
    ),
    (
        "except-device",
        "turn_off: turn off the [lights](target) in the [kids room](location) but leave "
        "the [night light](except) on",
        None,
        {"light.kids_ceiling": {"on": False}, "light.study_lamp": {"on": False}},
    ),
    (
        "except-kitchen-ones",
        "turn_off: turn off the [downstairs lights](target) but not the "
        "[kitchen ones](except)",
        None,
        {
            "light.living_room_ceiling": {"on": False},
            "light.hallway": {"on": False},
            "light.study_ceiling": {"on": False},
        },
    ),
    (
        "except-ones-with-place-apart",
        "close: close [all](all) the [blinds](target) except the [ones](except) in the "
        "[bedroom](location)",
        None,
        {"cover.living_room_blinds": {"position": 0, "open": False}},
    ),
    (
        "except-floor",
        "turn_on: turn on [all](all) the [lights](target) except [upstairs](except)",
        None,
        {
            "light.floor_lamp": {"on": True},
            "light.guest_bathroom": {"on": True},
            "light.patio": {"on": True},
        },
    ),
    (
        "unlock-every-door-except",
        "unlock: unlock [every](all) [door](target) except the [front door](except)",
        None,
        {},
    ),
    (
        "pronoun",
        "turn_on: turn on the [floor lamp](target) | set_color: make [it](target) "
        "[red](color)",
        None,
        {"light.floor_lamp": {"on": True, "color": "red"}},
    ),
    (
        "two-targets-one-clause",
        "turn_off: switch off the [TV plug](target) and the [ceiling fan](target)",
        None,
        {"switch.tv_plug": {"on": False}, "fan.ceiling_fan": {"on": False}},
    ),
    (
        "two-clauses",
        "turn_off: turn off the [kitchen lights](target) | lock: lock the "
        "[back door](target)",
        None,
        {
            "light.kitchen_ceiling": {"on": False},
            "light.kitchen_island": {"on": False},
            "lock.back_door": {"locked": True},
        },
    ),
    (
        "pronoun-repeating-the-target",
        "unlock: the [front door](target) unlock [it](target)",
        None,
        {"lock.front_door": {"locked": False}},
    ),
    (
        "everything-is-plural",
        "pause: pause [everything](target) that's [playing](state) except the [TV](except)",
        None,
        {"media_player.bedroom_speaker": {"playing": False}},
    ),
    (
        "stripped-filler-exact-alias",
        "turn_on: start the [new coffee machine](target)",
        None,
        {"switch.coffee_maker": {"on": True}},
    ),
    (
        "speaker-device",
        "decrease: turn the [volume](attribute) down",
        None,
        {"media_player.bedroom_speaker": {"volume": 30}},
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [c[1:] for c in HOUSE_CASES],
    ids=[c[0] for c in HOUSE_CASES],
)
def test_house_commands(
    house: Site, text: str, area: str | None, expected: Changes
) -> None:
    device = "media_player.bedroom_speaker" if "volume" in text else None
    outcome = house.run(text, area=area, device=device)
    assert not outcome.resolution.refused, outcome.resolution.answer
    assert not outcome.resolution.clarify
    outcome.check(expected)


PLANT_CASES: list[tuple[str, str, str | None, Changes]] = [
    (
        "numbered-name",
        "turn_off: stop [conveyor 1](target)",
        None,
        {"switch.conveyor_1": {"on": False}},
    ),
    (
        "number-word-alias",
        "turn_off: kill [pump two](target)",
        None,
        {"switch.pump_2": {"on": False}},
    ),
    (
        "number-word-not-alias",
        "open: [dock door one](target) up",
        None,
        {"cover.dock_door_1": {"position": 100, "open": True}},
    ),
    (
        "name-word-kind-speaker-area",
        "turn_on: start the [conveyor](target)",
        "line_2",
        {"switch.conveyor_2": {"on": True}},
    ),
    (
        "name-word-kind-except",
        "turn_off: stop [all](all) the [pumps](target) except the [feed pump](except)",
        None,
        {"switch.pump_1": {"on": False}, "switch.pump_2": {"on": False}},
    ),
    (
        "except-the-one-on",
        "turn_on: turn on [every](all) [extractor](target) except the "
        "[one on line 2](except)",
        None,
        {"fan.line_1_extractor": {"on": True}, "fan.boiler_extractor": {"on": True}},
    ),
    (
        "gas-to-a-partial-place",
        "close: shut off the [gas](target) to the [boiler](location)",
        None,
        {"valve.boiler_gas": {"position": 0, "open": False}},
    ),
    (
        "close-both-area-doors",
        "close: close [both](all) [dock doors](target)",
        None,
        {"cover.dock_door_2": {"position": 0, "open": False}},
    ),
    (
        "crank-to-max",
        "set_value: crank the [line 2 extractor](target) up to [max](value)",
        None,
        {"fan.line_2_extractor": {"on": True, "percentage": 100}},
    ),
    (
        "valve-percent",
        "set_value: set the [line 1 coolant valve](target) to [80](value) "
        "[percent](unit)",
        None,
        {"valve.line_1_coolant": {"position": 80, "open": True}},
    ),
    (
        "turn-on-at-level",
        "turn_on: switch on the [line 1 extractor](target) at [50](value) "
        "[percent](unit)",
        None,
        {"fan.line_1_extractor": {"on": True, "percentage": 50}},
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [c[1:] for c in PLANT_CASES],
    ids=[c[0] for c in PLANT_CASES],
)
def test_plant_commands(
    plant: Site, text: str, area: str | None, expected: Changes
) -> None:
    outcome = plant.run(text, area=area)
    assert not outcome.resolution.refused, outcome.resolution.answer
    outcome.check(expected)


def test_action_fields(house: Site) -> None:
    resolution = house.resolve(
        "set_value: set the [big light](target) to [50](value) %"
    )
    (action,) = resolution.actions
    assert action.device_id == "light.living_room_ceiling"
    assert action.service == "turn_on"
    assert dict(action.params) == {"brightness": 50}
    assert action.clause == 0


def test_partial_success_is_refused_with_good_actions(house: Site) -> None:
    outcome = house.run(
        "turn_on: turn on the [floor lamp](target) | turn_on: turn on the "
        "[sauna](target)"
    )
    assert outcome.resolution.refused
    assert set(outcome.changes) == {"light.floor_lamp"}
