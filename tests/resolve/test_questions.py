"""Questions: which devices are read, and what the answer says."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from resolve._sites import Site

# id, compact sentence, speaker area, reads, strings the answer contains
HOUSE: list[tuple[str, str, str | None, set[str], list[str]]] = [
    (
        "yes-no-lock",
        "ask_state: is the [back door](target) [locked](state)?",
        None,
        {"lock.back_door"},
        ["No", "unlocked"],
    ),
    (
        "door-open-asks-the-contact",
        "ask_state: is the [front door](target) [open](state)?",
        None,
        {"binary_sensor.front_door_contact"},
        ["Yes"],
    ),
    (
        "temperature-sensor-in-area",
        "ask_value: what's the [temperature](attribute) in the [kitchen](location)?",
        None,
        {"sensor.kitchen_temperature"},
        ["21.5"],
    ),
    (
        "attribute-typo",
        "ask_value: whats the [temprature](attribute) in the [kitchen](location)",
        None,
        {"sensor.kitchen_temperature"},
        ["21.5"],
    ),
    (
        "temperature-here",
        "ask_value: what's the [temperature](attribute) in [here](location)?",
        "kitchen",
        {"sensor.kitchen_temperature"},
        ["21.5"],
    ),
    (
        "how-warm-floor-reads-sensors-and-climate",
        "ask_value: how warm is it [upstairs](location)?",
        None,
        {"sensor.kids_temperature", "climate.bedroom_ac"},
        ["20.5", "75"],
    ),
    (
        "temperature-falls-back-to-climate",
        "ask_value: what [temperature](attribute) is it in the [lounge](location)?",
        None,
        {"climate.thermostat"},
        ["19.5"],
    ),
    (
        "outside",
        "ask_value: how cold is it [outside](location)?",
        None,
        {"sensor.outdoor_temperature"},
        ["12.5"],
    ),
    (
        "thermostat-set-to",
        "ask_value: what's the [living room thermostat](target) set to?",
        None,
        {"climate.thermostat"},
        ["20"],
    ),
    (
        "mode",
        "ask_value: what [mode](attribute) is the [aircon](target) in?",
        None,
        {"climate.bedroom_ac"},
        ["cool"],
    ),
    (
        "colour",
        "ask_value: what [colour](attribute) is the [night light](target)?",
        None,
        {"light.kids_lamp"},
        ["blue"],
    ),
    (
        "co2-by-area-alias",
        "ask_value: what's the [CO2](attribute) level in the [office](location)?",
        None,
        {"sensor.study_co2"},
        ["950", "ppm"],
    ),
    (
        "which-on-floor-reads-all",
        "ask_which: which [lights](target) are [on](state) [upstairs](location)?",
        None,
        {
            "light.bedroom_lamp",
            "light.bedroom_ceiling",
            "light.kids_ceiling",
            "light.kids_lamp",
            "light.study_lamp",
            "light.bathroom",
        },
        ["study lamp", "bedroom lamp"],
    ),
    (
        "count",
        "ask_count: how many [lights](target) are [on](state) [downstairs](location)?",
        None,
        {
            "light.living_room_ceiling",
            "light.floor_lamp",
            "light.kitchen_ceiling",
            "light.kitchen_island",
            "light.hallway",
            "light.study_ceiling",
            "light.guest_bathroom",
        },
        ["5 of 7"],
    ),
    (
        "any-windows",
        "ask_any: are [any](all) [windows](target) [open](state)?",
        None,
        {"binary_sensor.kitchen_window", "binary_sensor.bathroom_window"},
        ["Yes", "kitchen window", "bathroom window"],
    ),
    (
        "all-doors-locked-reads-locks",
        "ask_all: are [all](all) the [doors](target) [locked](state)?",
        None,
        {"lock.front_door", "lock.back_door"},
        ["No", "back door"],
    ),
    (
        "which-doors-unlocked",
        "ask_which: which [doors](target) are [unlocked](state)?",
        None,
        {"lock.front_door", "lock.back_door"},
        ["back door"],
    ),
    (
        "garden-watered-by-state-word",
        "ask_state: is the [garden](location) being [watered](state)?",
        None,
        {"valve.garden_watering"},
        ["No"],
    ),
    (
        "aggregate-ignores-speaker-area",
        "ask_count: how many [fans](target) are [running](state)?",
        "kitchen",
        {"fan.desk_fan", "fan.ceiling_fan"},
        ["1 of 2"],
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "reads", "contains"),
    [c[1:] for c in HOUSE],
    ids=[c[0] for c in HOUSE],
)
def test_house_questions(
    house: Site, text: str, area: str | None, reads: set[str], contains: list[str]
) -> None:
    outcome = house.run(text, area=area)
    resolution = outcome.resolution
    assert not resolution.refused, resolution.answer
    assert outcome.changes == {}
    assert resolution.actions == ()
    assert set(resolution.reads) == reads
    for text_part in contains:
        assert text_part.casefold() in resolution.answer.casefold(), resolution.answer


PLANT: list[tuple[str, str, str | None, set[str], list[str]]] = [
    (
        "pressure-with-unit",
        "ask_value: what's the [pressure](attribute) on [line one](location)?",
        None,
        {"sensor.line_1_pressure"},
        ["4.2", "bar"],
    ),
    (
        "pressure-speaker-area",
        "ask_value: what's the [pressure](attribute)?",
        "line_2",
        {"sensor.line_2_pressure"},
        ["3.6", "bar"],
    ),
    (
        "two-places",
        "ask_value: what's the [pressure](attribute) on [line 1](location) and "
        "[line 2](location)?",
        None,
        {"sensor.line_1_pressure", "sensor.line_2_pressure"},
        ["4.2", "3.6"],
    ),
    (
        "area-and-attribute-in-target",
        "ask_value: gimme the [line one temp](target)",
        None,
        {"sensor.line_1_temperature"},
        ["38.5"],
    ),
    (
        "faults-anywhere",
        "ask_any: are there any [machine faults](target)?",
        None,
        {"binary_sensor.line_1_fault", "binary_sensor.line_2_fault"},
        ["line 2"],
    ),
    (
        "which-conveyors",
        "ask_which: which [conveyors](target) are [running](state)?",
        None,
        {"switch.conveyor_1", "switch.conveyor_2"},
        ["conveyor 1"],
    ),
    (
        "doors-at-dock-covers-and-contacts",
        "ask_which: which [doors](target) are [open](state) at the "
        "[loading dock](location)?",
        None,
        {"cover.dock_door_1", "cover.dock_door_2", "binary_sensor.dock_side_door"},
        ["dock door 2", "side door"],
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "reads", "contains"),
    [c[1:] for c in PLANT],
    ids=[c[0] for c in PLANT],
)
def test_plant_questions(
    plant: Site, text: str, area: str | None, reads: set[str], contains: list[str]
) -> None:
    resolution = plant.resolve(text, area=area)
    assert not resolution.refused, resolution.answer
    assert set(resolution.reads) == reads
    for text_part in contains:
        assert text_part.casefold() in resolution.answer.casefold(), resolution.answer


def test_command_and_question(house: Site) -> None:
    outcome = house.run(
        "lock: lock the [back door](target) | ask_state: tell me if the "
        "[front door](target) is [locked](state)"
    )
    outcome.check({"lock.back_door": {"locked": True}})
    assert outcome.resolution.reads == ("lock.front_door",)
    assert "Yes" in outcome.resolution.answer
