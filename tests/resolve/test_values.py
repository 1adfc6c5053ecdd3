"""Levels: absolute and relative values, limits, units and number words."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from resolve._sites import Changes, Site

CASES: list[tuple[str, str, str | None, Changes]] = [
    (
        "percent",
        "set_value: set the [big light](target) to [50](value) [percent](unit)",
        None,
        {"light.living_room_ceiling": {"on": True, "brightness": 50}},
    ),
    (
        "percent-sign-turns-on",
        "turn_on: put the [floor lamp](target) on at [30](value) [%](unit)",
        None,
        {"light.floor_lamp": {"on": True, "brightness": 30}},
    ),
    (
        "number-words",
        "decrease: turn the [bedroom lamp](target) down to [thirty](value) "
        "[percent](unit)",
        None,
        {"light.bedroom_lamp": {"on": True, "brightness": 30}},
    ),
    (
        "all-the-way-up",
        "set_value: turn the [floor lamp](target) [all the way up](value)",
        None,
        {"light.floor_lamp": {"on": True, "brightness": 100}},
    ),
    (
        "dim",
        "decrease: dim the [bedroom lamp](target)",
        None,
        {"light.bedroom_lamp": {"brightness": 20}},
    ),
    (
        "dim-a-little",
        "decrease: dim the [hallway light](target) [a little](amount)",
        None,
        {"light.hallway": {"brightness": 40}},
    ),
    (
        "dim-stays-on-at-1",
        "decrease: dim the [night light](target) [a lot](amount)",
        None,
        {"light.kids_lamp": {"on": True, "brightness": 1}},
    ),
    (
        "brighten-clamps-at-100",
        "increase: brighten the [island lights](target) [a lot](amount)",
        None,
        {"light.kitchen_island": {"brightness": 100}},
    ),
    (
        "by-n-percent-is-points",
        "decrease: turn the [island lights](target) down by [30](value) [percent](unit)",
        None,
        {"light.kitchen_island": {"brightness": 40}},
    ),
    (
        "up-leaves-off-lights-alone",
        "increase: turn up the [lights](target)",
        "living_room",
        {"light.living_room_ceiling": {"brightness": 100}},
    ),
    (
        "up-raises-only-lit-lights",
        "increase: turn up the [lights](target)",
        "main_bedroom",
        {"light.bedroom_lamp": {"brightness": 60}},
    ),
    (
        "up-with-none-on-switches-on-at-20",
        "increase: turn up the [lights](target)",
        "bathroom",
        {"light.bathroom": {"on": True, "brightness": 20}},
    ),
    (
        "down-with-none-on-does-nothing",
        "decrease: dim the [lights](target)",
        "bathroom",
        {},
    ),
    (
        "bare-temperature-own-unit-c",
        "set_value: set the [heating](target) to [twenty one](value)",
        None,
        {"climate.thermostat": {"target_temperature": 21}},
    ),
    (
        "bare-temperature-own-unit-f",
        "set_value: set the [bedroom AC](target) to [68](value)",
        None,
        {"climate.bedroom_ac": {"target_temperature": 68}},
    ),
    (
        "celsius-on-f",
        "set_value: set the [air con](target) to [24](value) [degrees celsius](unit)",
        None,
        {"climate.bedroom_ac": {"target_temperature": 75.2}},
    ),
    (
        "fahrenheit-on-c",
        "set_value: set the [living room thermostat](target) to [70](value) "
        "[fahrenheit](unit)",
        None,
        {"climate.thermostat": {"target_temperature": 21.1}},
    ),
    (
        "temperature-up-one",
        "increase: turn the [heating](target) up",
        None,
        {"climate.thermostat": {"target_temperature": 21}},
    ),
    (
        "temperature-down-by-two",
        "decrease: turn the [heating](target) down by [2](value) [degrees](unit)",
        None,
        {"climate.thermostat": {"target_temperature": 18}},
    ),
    (
        "temperature-up-a-degree-f",
        "increase: turn the [aircon](target) up a [degree](unit)",
        None,
        {"climate.bedroom_ac": {"target_temperature": 73}},
    ),
    (
        "fan-full-speed",
        "turn_on: turn the [desk fan](target) on at [full speed](value)",
        None,
        {"fan.desk_fan": {"on": True, "percentage": 100}},
    ),
    (
        "fan-percent",
        "set_value: set the [ceiling fan](target) to [75](value) [percent](unit)",
        None,
        {"fan.ceiling_fan": {"percentage": 75}},
    ),
    (
        "cover-down-by",
        "decrease: lower the [living room blinds](target) by [20](value) [percent](unit)",
        None,
        {"cover.living_room_blinds": {"position": 40, "open": True}},
    ),
    (
        "cover-position",
        "set_value: [blinds](target) in the [lounge](location) to [fifty](value) "
        "[percent](unit)",
        None,
        {"cover.living_room_blinds": {"position": 50}},
    ),
    (
        "volume-set-attribute-in-target",
        "set_value: set the [TV volume](target) to [15](value)",
        None,
        {"media_player.tv": {"volume": 15}},
    ),
    (
        "volume-up-a-little",
        "increase: turn the [TV](target) up [a little](amount)",
        None,
        {"media_player.tv": {"volume": 35}},
    ),
    (
        "volume-down",
        "decrease: turn the [bedroom speaker](target) down",
        None,
        {"media_player.bedroom_speaker": {"volume": 30}},
    ),
    (
        "color",
        "set_color: make the [bedroom lamp](target) [red](color)",
        None,
        {"light.bedroom_lamp": {"on": True, "color": "red"}},
    ),
    (
        "color-last-wins",
        "set_color: change the [bedroom lamp](target) from [blue](color) to "
        "[warm white](color)",
        None,
        {"light.bedroom_lamp": {"color": "warm white"}},
    ),
    (
        "color-only-lit-lights-of-a-kind",
        "set_color: turn the [lights](target) [green](color)",
        "living_room",
        {"light.living_room_ceiling": {"color": "green"}},
    ),
    (
        "attribute-span-picks-key",
        "set_value: [brightness](attribute) [forty](value) [percent](unit) on the "
        "[hallway light](target)",
        None,
        {"light.hallway": {"brightness": 40}},
    ),
    (
        "then-set-it",
        "turn_on: turn on the [desk fan](target) | set_value: set [it](target) to "
        "[40](value) [percent](unit)",
        None,
        {"fan.desk_fan": {"on": True, "percentage": 40}},
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_values(house: Site, text: str, area: str | None, expected: Changes) -> None:
    outcome = house.run(text, area=area)
    assert not outcome.resolution.refused, outcome.resolution.answer
    outcome.check(expected)


def test_to_off_said_as_a_mode_turns_off(house: Site) -> None:
    outcome = house.run(
        "set_mode: switch the [kitchen lights](target) to [off](mode)", area="kitchen"
    )
    assert not outcome.resolution.refused, outcome.resolution.answer
    assert all(a.service == "turn_off" for a in outcome.resolution.actions)
    assert outcome.resolution.actions
