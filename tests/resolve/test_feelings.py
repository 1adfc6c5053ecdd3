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
