"""Feelings act on the speaker's room, as the spec says."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from thingmind.resolve import FailReason

if TYPE_CHECKING:
    from resolve._sites import Changes, Site

CASES: list[tuple[str, str, str, Changes]] = [
    (
        "dark-turns-on-the-off-lights",
        "too_dark: it's too dark in [here](location)",
        "living_room",
        {"light.floor_lamp": {"on": True}, "light.living_room_ceiling": {"on": True}},
    ),
    (
        "dark-all-on-adds-20-clamped",
        "too_dark: it's too dark in [here](location)",
        "kids_bedroom",
        {
            "light.kids_ceiling": {"brightness": 100},
            "light.kids_lamp": {"brightness": 50},
            "light.study_lamp": {"brightness": 90},
        },
    ),
    (
        "bright-dims-lit-lights",
        "too_bright: it's too bright",
        "kitchen",
        {
            "light.kitchen_ceiling": {"brightness": 80},
            "light.kitchen_island": {"brightness": 50},
        },
    ),
    (
        "bright-leaves-off-lights",
        "too_bright: it's too bright in [here](location)",
        "main_bedroom",
        {"light.bedroom_lamp": {"brightness": 20}},
    ),
    (
        "cold-raises-thermostat-c",
        "too_cold: I'm freezing",
        "living_room",
        {"climate.thermostat": {"target_temperature": 21}},
    ),
    (
        "hot-lowers-ac-f",
        "too_hot: it's boiling in [here](location)",
        "main_bedroom",
        {"climate.bedroom_ac": {"target_temperature": 71}},
    ),
    (
        "hot-without-thermostat-turns-on-fan",
        "too_hot: I'm too hot",
        "study",
        {"fan.desk_fan": {"on": True}},
    ),
    (
        "loud-lowers-volume",
        "too_loud: it's too loud",
        "living_room",
        {"media_player.tv": {"volume": 20}},
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_feelings(house: Site, text: str, area: str, expected: Changes) -> None:
    outcome = house.run(text, area=area)
    assert not outcome.resolution.refused, outcome.resolution.answer
    outcome.check(expected)


def test_feeling_without_a_room_asks(house: Site) -> None:
    resolution = house.resolve("too_dark: it's too dark")
    assert resolution.clarify
    assert resolution.actions == ()


def test_feeling_with_nothing_to_change_is_refused(house: Site) -> None:
    resolution = house.resolve("too_loud: it's too loud", area="kitchen")
    assert resolution.refused
    assert resolution.failures[0].reason is FailReason.NOTHING_IN_SCOPE


@pytest.mark.parametrize(
    ("text", "area", "answer"),
    [
        (
            "too_cold: I'm freezing",
            "living_room",
            "The living room thermostat reads 19.5°C and was set to 20°C, so I set the"
            " living room thermostat to 21°C.",
        ),
        (
            "too_dark: it's too dark in [here](location)",
            "living_room",
            " off, so I turned on the floor lamp",
        ),
        (
            "too_hot: I'm too hot",
            "study",
            "The desk fan was off, so I turned on the desk fan.",
        ),
        (
            "too_loud: it's too loud",
            "living_room",
            "The living room TV was at volume 30, so I set the living room TV to 20.",
        ),
    ],
    ids=[
        "cold-says-the-setting",
        "dark-says-what-was-off",
        "hot-fan",
        "loud-says-volume",
    ],
)
def test_feelings_say_why(house: Site, text: str, area: str, answer: str) -> None:
    resolution = house.resolve(text, area=area)
    assert answer in resolution.answer


ROOM_WITH_THERMOMETER = """
areas:
  - {id: den, name: Den}
devices:
  - {id: sensor.den_temperature, name: Den temperature, area: den, type: sensor,
     device_class: temperature, state: {value: 17.5, unit: "°C"}}
  - {id: climate.den, name: Den radiator, area: den, type: climate,
     state: {hvac_mode: heat, target_temperature: 19, current_temperature: 18, unit: C}}
"""


def test_a_room_thermometer_is_the_reason_given() -> None:
    from resolve._sites import Site as FreshSite  # noqa: PLC0415

    resolution = FreshSite(ROOM_WITH_THERMOMETER).resolve(
        "too_cold: I'm cold", area="den"
    )
    assert resolution.answer == (
        "The den temperature reads 17.5°C and the den radiator was set to 19°C,"
        " so I set the den radiator to 20°C."
    )
