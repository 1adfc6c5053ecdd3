"""Parses as the language model really writes them: noisy spans, split spans, loose words.

Each group pins one general behaviour of the resolver (capability before name ranking,
determiner noise, several attribute spans, sensor kind words, "the one(s)", clauses with
nothing named, split place names, attribute-filtered answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from resolve._sites import Site
from thingmind.resolve import FailReason

if TYPE_CHECKING:
    from resolve._sites import Changes

# ---------------------------------------------------------------- 1. capability first

CAPABLE: list[tuple[str, str, str | None, Changes]] = [
    (
        "lock-prefers-lock-over-exact-contact",
        "lock: lock the [front door](target)",
        None,
        {"lock.front_door": {"locked": True}},
    ),
    (
        "lock-prefers-lock-typo",
        "lock: lock the [frnt door](target)",
        None,
        {"lock.front_door": {"locked": True}},
    ),
    (
        "lock-and-a-second-clause",
        "lock: lock the [front door](target) | turn_on: turn on the [hall light](target)",
        None,
        {"lock.front_door": {"locked": True}, "light.hall": {"on": True}},
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "expected"), [c[1:] for c in CAPABLE], ids=[c[0] for c in CAPABLE]
)
def test_capable_device_wins_the_name(
    flat: Site, text: str, area: str | None, expected: Changes
) -> None:
    outcome = flat.run(text, area=area)
    assert not outcome.resolution.refused, outcome.resolution.answer
    assert not outcome.resolution.clarify
    outcome.check(expected)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("turn_on: turn on the [front door](target)", FailReason.READ_ONLY),
        (
            "set_value: set the [kettle](target) to [80](value) [degrees](unit)",
            FailReason.UNSUPPORTED,
        ),
    ],
    ids=["sensor-read-only", "switch-no-temperature"],
)
def test_incapable_device_reported_when_nothing_can(
    flat: Site, text: str, reason: FailReason
) -> None:
    outcome = flat.run(text)
    assert outcome.changes == {}
    assert [f.reason for f in outcome.resolution.failures] == [reason]


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        (
            "ask_state: is the [front door](target) [locked](state)",
            {"lock.front_door"},
        ),
        (
            "ask_state: is the [front door](target) [open](state)",
            {"binary_sensor.front_door"},
        ),
    ],
    ids=["locked-asks-lock", "open-asks-contact"],
)
def test_question_prefers_device_that_can_answer(
    flat: Site, text: str, reads: set[str]
) -> None:
    resolution = flat.resolve(text)
    assert not resolution.refused, resolution.answer
    assert set(resolution.reads) == reads


# ---------------------------------------------------------------- 2. determiner noise

NOISE: list[tuple[str, str, str | None, Changes]] = [
    (
        "this",
        "turn_on: turn on [this reading lamp](target)",
        None,
        {"light.reading_lamp": {"on": True}},
    ),
    (
        "that-kind",
        "turn_on: turn on [that lamp](target)",
        "living_room",
        {"light.reading_lamp": {"on": True}},
    ),
    (
        "these-plural",
        "turn_off: turn off [these lights](target)",
        "kitchen",
        {"light.kitchen": {"on": False}},
    ),
    (
        "some",
        "turn_on: turn on [some lights](target) in the [bedroom](location)",
        None,
        {"light.bedroom": {"on": True}},
    ),
    (
        "determiner-only-target-beside-a-name",
        "turn_on: turn on [the](target) [reading lamp](target)",
        None,
        {"light.reading_lamp": {"on": True}},
    ),
    (
        "determiner-only-target-alone",
        "turn_off: turn off [my](target) lights",
        "kitchen",
        {"light.kitchen": {"on": False}},
    ),
    (
        "demonstrative-alone-no-previous",
        "turn_off: turn [that](target) off",
        "kitchen",
        {"light.kitchen": {"on": False}},
    ),
    (
        "determiner-only-location",
        "turn_on: turn on the [reading lamp](target) in [the](location)",
        None,
        {"light.reading_lamp": {"on": True}},
    ),
    (
        "possessive",
        "turn_on: turn on the [lamp's light](target)",
        "living_room",
        {"light.reading_lamp": {"on": True}},
    ),
    (
        "possessive-split",
        "turn_on: turn on the [lamp's](target) [light](target)",
        "living_room",
        {"light.reading_lamp": {"on": True}},
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "expected"), [c[1:] for c in NOISE], ids=[c[0] for c in NOISE]
)
def test_determiners_are_noise(
    flat: Site, text: str, area: str | None, expected: Changes
) -> None:
    outcome = flat.run(text, area=area)
    assert not outcome.resolution.refused, outcome.resolution.answer
    assert not outcome.resolution.clarify, outcome.resolution.answer
    outcome.check(expected)


def test_demonstrative_still_refers_back(flat: Site) -> None:
    outcome = flat.run(
        "turn_on: turn on the [reading lamp](target) | set_value: set [that](target) "
        "to [40](value) [percent](unit)"
    )
    outcome.check({"light.reading_lamp": {"on": True, "brightness": 40}})


# ---------------------------------------------------------------- 3 + 8. attributes

WORKS_VALUES: list[tuple[str, str, set[str], list[str]]] = [
    (
        "specific-then-generic-span",
        "ask_value: what's the [vibration](attribute) [reading](attribute) on "
        "[line 1](location)",
        {"sensor.line_1_vibration"},
        ["2.1"],
    ),
    (
        "generic-then-specific-span",
        "ask_value: what's the [reading](attribute) for [vibration](attribute) on "
        "[line 1](location)",
        {"sensor.line_1_vibration"},
        ["2.1"],
    ),
    (
        "generic-word-in-one-span",
        "ask_value: what's the [power usage](attribute) on [line 1](location)",
        {"sensor.line_1_power"},
        ["1500"],
    ),
    (
        "generic-level-span",
        "ask_value: what's the [temperature](attribute) [level](attribute) on "
        "[line 1](location)",
        {"sensor.line_1_oil"},
        ["55"],
    ),
    (
        "generic-in-target",
        "ask_value: what's the [line 2 vibration reading](target)",
        {"sensor.line_2_drive"},
        ["7.5"],
    ),
    (
        "attribute-by-name-word",
        "ask_value: what's the [vibration](attribute) on [line 1](location)",
        {"sensor.line_1_vibration"},
        ["2.1"],
    ),
    (
        "attribute-by-class",
        "ask_value: what's the [vibration](attribute) on [line 2](location)",
        {"sensor.line_2_drive"},
        ["7.5"],
    ),
    (
        "attribute-by-unit",
        "ask_value: what's the [temperature](attribute) on [line 1](location)",
        {"sensor.line_1_oil"},
        ["55"],
    ),
    (
        "attribute-filters-a-generic-kind",
        "ask_value: what's the [pressure](attribute) of the [line 1 sensors](target)",
        {"sensor.line_1_pressure"},
        ["4.2"],
    ),
    (
        "generic-only-reads-all-sensors",
        "ask_value: what are the [readings](attribute) on [line 2](location)",
        {"sensor.line_2_pressure", "sensor.line_2_drive", "binary_sensor.line_2_jam"},
        ["3.6", "7.5"],
    ),
]


@pytest.mark.parametrize(
    ("text", "reads", "contains"),
    [c[1:] for c in WORKS_VALUES],
    ids=[c[0] for c in WORKS_VALUES],
)
def test_value_questions_read_the_attribute(
    works: Site, text: str, reads: set[str], contains: list[str]
) -> None:
    resolution = works.resolve(text)
    assert not resolution.refused, resolution.answer
    assert not resolution.clarify, resolution.answer
    assert set(resolution.reads) == reads
    for part in contains:
        assert part in resolution.answer


# ---------------------------------------------------------------- 4. sensor kind words

SENSOR_KINDS: list[tuple[str, str, str, set[str]]] = [
    (
        "faults",
        "works",
        "ask_any: are there any [faults](target)",
        {"binary_sensor.line_1_fault", "binary_sensor.line_2_jam"},
    ),
    (
        "problems-in-a-place",
        "works",
        "ask_any: any [problems](target) on [line 2](location)",
        {"binary_sensor.line_2_jam"},
    ),
    (
        "alarms-without-a-panel",
        "works",
        "ask_any: are there any [alarms](target)",
        {"binary_sensor.line_1_fault", "binary_sensor.line_2_jam"},
    ),
    (
        "qualifier-partial-place",
        "works",
        "ask_any: are there any [line faults](target)",
        {"binary_sensor.line_1_fault", "binary_sensor.line_2_jam"},
    ),
    (
        "qualifier-kind-word",
        "works",
        "ask_any: any [machine errors](target)",
        {"binary_sensor.line_1_fault", "binary_sensor.line_2_jam"},
    ),
    (
        "qualifier-generic-word",
        "works",
        "ask_any: any [equipment faults](target)",
        {"binary_sensor.line_1_fault", "binary_sensor.line_2_jam"},
    ),
    (
        "leak",
        "flat",
        "ask_any: is there a [leak](target) anywhere",
        {"binary_sensor.kitchen_leak", "binary_sensor.bathroom_leak"},
    ),
    (
        "water",
        "flat",
        "ask_any: is there any [water](target) in the [kitchen](location)",
        {"binary_sensor.kitchen_leak"},
    ),
    (
        "smoke",
        "flat",
        "ask_state: is there [smoke](target) in the [hall](location)",
        {"binary_sensor.hall_smoke"},
    ),
    (
        "anyone",
        "flat",
        "ask_any: is [anyone](target) in the [bedroom](location)",
        {"binary_sensor.bedroom_presence"},
    ),
    (
        "movement",
        "flat",
        "ask_state: is there [movement](target) in the [lounge](location)",
        {"binary_sensor.living_motion"},
    ),
    (
        "windows",
        "flat",
        "ask_any: are any [windows](target) [open](state)",
        {"binary_sensor.bedroom_window"},
    ),
    (
        "doors-open-reads-contacts",
        "flat",
        "ask_any: are any [doors](target) [open](state)",
        {"binary_sensor.front_door"},
    ),
]


@pytest.mark.parametrize(
    ("site", "text", "reads"),
    [c[1:] for c in SENSOR_KINDS],
    ids=[c[0] for c in SENSOR_KINDS],
)
def test_sensor_kind_words(
    request: pytest.FixtureRequest, site: str, text: str, reads: set[str]
) -> None:
    chosen: Site = request.getfixturevalue(site)
    resolution = chosen.resolve(text)
    assert not resolution.refused, resolution.answer
    assert not resolution.clarify, resolution.answer
    assert set(resolution.reads) == reads


def test_unknown_qualifier_still_refuses(flat: Site) -> None:
    resolution = flat.resolve("ask_state: is the [attic window](target) [open](state)")
    assert resolution.refused
    assert resolution.failures[0].reason is FailReason.NO_SUCH_DEVICE


# ---------------------------------------------------------------- 5. the one(s)

ONES: list[tuple[str, str, Changes]] = [
    (
        "except-one-except-place",
        "turn_on: turn on [all](all) the [extractors](target) except the [one](except) "
        "on [line 2](except)",
        {"fan.line_1_extractor": {"on": True}, "fan.press_extractor": {"on": True}},
    ),
    (
        "except-one-location-after-words",
        "turn_on: turn on [all](all) the [extractors](target) except the [one](except) "
        "that's on [line 2](location)",
        {"fan.line_1_extractor": {"on": True}, "fan.press_extractor": {"on": True}},
    ),
    (
        "except-place-ones",
        "turn_on: turn on [every](all) [extractor](target) but not the "
        "[press shop ones](except)",
        {"fan.line_1_extractor": {"on": True}, "fan.line_2_extractor": {"on": True}},
    ),
    (
        "except-one-in-a-place-everywhere",
        "turn_on: turn on the [extractors](target) [everywhere](location) except the "
        "[one](except) in the [press shop](except)",
        {"fan.line_1_extractor": {"on": True}, "fan.line_2_extractor": {"on": True}},
    ),
    (
        "target-one-beside-a-name",
        "turn_on: turn on the [line 1 extractor](target) and the [one](target) on "
        "[line 2](location)",
        {"fan.line_1_extractor": {"on": True}, "fan.line_2_extractor": {"on": True}},
    ),
    (
        "target-one-after-a-clause",
        "turn_on: turn on the [press extractor](target) | turn_on: turn on the "
        "[one](target) on [line 2](location) too",
        {"fan.press_extractor": {"on": True}, "fan.line_2_extractor": {"on": True}},
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in ONES], ids=[c[0] for c in ONES]
)
def test_the_ones(works: Site, text: str, expected: Changes) -> None:
    outcome = works.run(text)
    assert not outcome.resolution.clarify, outcome.resolution.answer
    outcome.check(expected)
    for device_id in expected:
        assert device_id in outcome.changes


# ---------------------------------------------------------------- 6. nothing named

NOTHING_NAMED: list[tuple[str, str, str | None, Changes]] = [
    ("clean-the-only-vacuum", "clean: start cleaning", None,
     {"vacuum.dusty": {"status": "cleaning"}}),
    ("dock-the-only-vacuum", "return_home: go back to base", None,
     {"vacuum.dusty": {"status": "returning"}}),
    ("arm-the-only-panel", "arm: arm for the night", None,
     {"alarm_control_panel.alarm": {"state": "armed_away"}}),
    ("mode-in-speaker-area", "set_mode: switch to [cool](mode)", "living_room",
     {"climate.living": {"hvac_mode": "cool"}}),
    ("off-speaker-area-lights", "turn_off: switch off", "kitchen",
     {"light.kitchen": {"on": False}}),
    ("on-speaker-area-lights", "turn_on: switch on please", "bedroom",
     {"light.bedroom": {"on": True}}),
    ("up-speaker-area-lights", "increase: turn it up a bit", "living_room",
     {"light.living_ceiling": {"brightness": 80}}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [c[1:] for c in NOTHING_NAMED],
    ids=[c[0] for c in NOTHING_NAMED],
)
def test_nothing_named_acts_on_the_only_fit(
    flat: Site, text: str, area: str | None, expected: Changes
) -> None:
    outcome = flat.run(text, area=area)
    assert not outcome.resolution.refused, outcome.resolution.answer
    assert not outcome.resolution.clarify, outcome.resolution.answer
    outcome.check(expected)


@pytest.mark.parametrize(
    "text",
    [
        "set_mode: switch to [cool](mode)",
        "turn_off: switch off",
        "set_value: set to [50](value) [percent](unit)",
    ],
    ids=["two-thermostats", "many-lights", "no-kind"],
)
def test_nothing_named_without_context_asks(flat: Site, text: str) -> None:
    resolution = flat.resolve(text)
    assert resolution.clarify, resolution.answer
    assert resolution.actions == ()


# ---------------------------------------------------------------- 7. split places

SPLIT_PLACES: list[tuple[str, str, set[str]]] = [
    (
        "place-word-tagged-target-then-number",
        "ask_value: what's the [pressure](attribute) on [line 1](location) and "
        "[line](target) [2](location)",
        {"sensor.line_1_pressure", "sensor.line_2_pressure"},
    ),
    (
        "place-in-two-location-spans",
        "ask_value: what's the [pressure](attribute) on [line](location) [2](location)",
        {"sensor.line_2_pressure"},
    ),
    (
        "place-tagged-target",
        "ask_value: what's the [pressure](attribute) on [line 2](target)",
        {"sensor.line_2_pressure"},
    ),
]


@pytest.mark.parametrize(
    ("text", "reads"), [c[1:] for c in SPLIT_PLACES], ids=[c[0] for c in SPLIT_PLACES]
)
def test_split_place_names(works: Site, text: str, reads: set[str]) -> None:
    resolution = works.resolve(text)
    assert not resolution.refused, resolution.answer
    assert set(resolution.reads) == reads


@pytest.mark.parametrize(
    ("area", "device"),
    [("lounge", "vacuum.down"), ("kitchen", "vacuum.down"), ("landing", "vacuum.up")],
    ids=["same-room", "same-floor", "upstairs"],
)
def test_clean_picks_the_vacuum_by_the_speaker(
    two_vacuums: Site, area: str, device: str
) -> None:
    outcome = two_vacuums.run("clean: start cleaning", area=area)
    assert not outcome.resolution.clarify
    outcome.check({device: {"status": "cleaning"}})
    assert set(outcome.changes) == {device}


def test_clean_with_two_vacuums_and_no_room_asks(two_vacuums: Site) -> None:
    resolution = two_vacuums.resolve("clean: start cleaning")
    assert resolution.clarify
    assert resolution.actions == ()


def test_clean_a_place_still_cleans(two_vacuums: Site) -> None:
    outcome = two_vacuums.run("clean: hoover [upstairs](location)")
    outcome.check({"vacuum.up": {"status": "cleaning"}})


def test_feeling_without_a_room_uses_the_only_thermostat(two_vacuums: Site) -> None:
    outcome = two_vacuums.run("too_cold: I'm freezing")
    assert not outcome.resolution.clarify
    outcome.check({"climate.only": {"target_temperature": 21}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "toggle: toggle the [floor lamp](target) on",
            {"light.floor_lamp": {"on": True}},
        ),
        (
            "clean: get the [cleaning](target) going",
            {"vacuum.robbie": {"status": "cleaning"}},
        ),
    ],
    ids=["toggle-said-on", "activity-noun-is-no-device"],
)
def test_words_that_name_no_device(house: Site, text: str, expected: Changes) -> None:
    outcome = house.run(text)
    assert not outcome.resolution.refused, outcome.resolution.answer
    outcome.check(expected)


def test_weather_it_in_a_question_with_a_place(house: Site) -> None:
    resolution = house.resolve(
        "ask_value: how [warm](attribute) is [it](target) in the [kitchen](location)"
    )
    assert not resolution.refused
    assert resolution.reads
    assert all(
        house.registry.home.device(d).area == "kitchen" for d in resolution.reads
    )


@pytest.mark.parametrize(
    "text",
    [
        "turn_on: make a [cup of coffee](target) for me",
        "turn_on: prepare my [morning coffee](target)",
    ],
    ids=["measure-of-thing", "time-modifier"],
)
def test_head_noun_names_the_device(text: str) -> None:
    site = Site(
        """
areas:
  - {id: kitchen, name: Kitchen}
devices:
  - {id: switch.coffee_machine, name: Coffee machine, aliases: [coffee], area: kitchen,
     type: switch, state: {"on": false}}
"""
    )
    outcome = site.run(text)
    assert not outcome.resolution.refused, outcome.resolution.answer
    outcome.check({"switch.coffee_machine": {"on": True}})


def test_unknown_modifier_still_names_nothing(house: Site) -> None:
    assert house.resolve("turn_on: turn on the [attic lamp](target)").refused


def test_attribute_phrase_with_a_name_is_read_as_the_device() -> None:
    site = Site(
        """
areas:
  - {id: line_1, name: Line 1}
  - {id: plant_room, name: Plant room}
devices:
  - {id: sensor.line_1_pressure, name: Line 1 pressure, area: line_1, type: sensor,
     device_class: pressure, state: {value: 4.2, unit: bar}}
  - {id: sensor.boiler_pressure, name: Boiler pressure, area: plant_room, type: sensor,
     device_class: pressure, state: {value: 2.1, unit: bar}}
"""
    )
    resolution = site.resolve("ask_value: what's the [boiler pressure](attribute)")
    assert not resolution.clarify
    assert resolution.reads == ("sensor.boiler_pressure",)
