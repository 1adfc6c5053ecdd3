"""Refusals and clarifications: failures are values, good parts are still done."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from thingmind.resolve import FailReason

if TYPE_CHECKING:
    from resolve._sites import Site

# id, compact sentence, speaker area, the failure reason
REFUSALS: list[tuple[str, str, str | None, FailReason]] = [
    ("not-about-site", "", None, FailReason.NOT_ABOUT_SITE),
    ("chit-chat", "none: tell me a joke", None, FailReason.NOT_ABOUT_SITE),
    (
        "missing-device",
        "turn_on: turn on the [sauna](target)",
        None,
        FailReason.NO_SUCH_DEVICE,
    ),
    (
        "missing-device-near-a-name",
        "set_value: set the [basement thermostat](target) to [20](value) [degrees](unit)",
        None,
        FailReason.NO_SUCH_DEVICE,
    ),
    (
        "missing-device-with-kind-word",
        "open: open the [attic window](target)",
        None,
        FailReason.NO_SUCH_DEVICE,
    ),
    (
        "missing-area",
        "turn_on: turn on the [lights](target) in the [conservatory](location)",
        None,
        FailReason.NO_SUCH_AREA,
    ),
    (
        "missing-area-possessive",
        "turn_on: turn on the [lights](target) in [Jack's room](location)",
        None,
        FailReason.NO_SUCH_AREA,
    ),
    (
        "out-of-range-brightness",
        "set_value: set the [bedroom lamp](target) to [150](value) [percent](unit)",
        None,
        FailReason.OUT_OF_RANGE,
    ),
    (
        "out-of-range-celsius",
        "set_value: set the [living room thermostat](target) to [60](value) "
        "[degrees celsius](unit)",
        None,
        FailReason.OUT_OF_RANGE,
    ),
    (
        "out-of-range-fahrenheit-bare",
        "set_value: set the [aircon](target) to [150](value) [degrees](unit)",
        None,
        FailReason.OUT_OF_RANGE,
    ),
    (
        "out-of-range-volume-up-to",
        "increase: turn the [TV volume](target) up to [200](value)",
        None,
        FailReason.OUT_OF_RANGE,
    ),
    (
        "out-of-range-position",
        "open: open the [living room blinds](target) to [140](value) [percent](unit)",
        None,
        FailReason.OUT_OF_RANGE,
    ),
    (
        "switch-has-no-temperature",
        "set_value: set the [kettle](target) to [80](value) [degrees](unit)",
        None,
        FailReason.UNSUPPORTED,
    ),
    (
        "on-off-light-cannot-dim",
        "decrease: dim the [bathroom light](target) in the [guest bathroom](location)",
        None,
        FailReason.UNSUPPORTED,
    ),
    (
        "sensor-is-read-only",
        "turn_off: turn off the [kitchen temperature](target)",
        None,
        FailReason.READ_ONLY,
    ),
    (
        "unknown-pronoun",
        "turn_off: turn [it](target) off",
        None,
        FailReason.NO_SUCH_DEVICE,
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "reason"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_refusals(house: Site, text: str, area: str | None, reason: FailReason) -> None:
    outcome = house.run(text, area=area)
    assert outcome.resolution.refused
    assert not outcome.resolution.clarify
    assert outcome.changes == {}
    assert outcome.resolution.answer
    assert [f.reason for f in outcome.resolution.failures] == [reason]


PLANT_REFUSALS: list[tuple[str, str, FailReason]] = [
    ("other-number", "turn_on: start [pump 5](target)", FailReason.NO_SUCH_DEVICE),
    (
        "other-number-door",
        "open: open [dock door 3](target)",
        FailReason.NO_SUCH_DEVICE,
    ),
    ("other-line", "turn_on: start [line 3](target)", FailReason.NO_SUCH_DEVICE),
    (
        "unknown-thing-question",
        "ask_count: how many [pallets](target) are on [line 1](location)",
        FailReason.NO_SUCH_DEVICE,
    ),
]


@pytest.mark.parametrize(
    ("text", "reason"),
    [c[1:] for c in PLANT_REFUSALS],
    ids=[c[0] for c in PLANT_REFUSALS],
)
def test_plant_refusals(plant: Site, text: str, reason: FailReason) -> None:
    outcome = plant.run(text)
    assert outcome.resolution.refused
    assert outcome.changes == {}
    assert outcome.resolution.failures[0].reason is reason


def test_good_part_done_bad_part_refused(house: Site) -> None:
    outcome = house.run(
        "turn_off: turn off the [hallway light](target) | set_value: set the "
        "[kettle](target) to [80](value) [degrees](unit)"
    )
    assert outcome.resolution.refused
    assert [f.reason for f in outcome.resolution.failures] == [FailReason.UNSUPPORTED]
    assert [f.clause for f in outcome.resolution.failures] == [1]
    outcome.check({"light.hallway": {"on": False}})


def test_out_of_range_is_not_clamped(house: Site) -> None:
    resolution = house.resolve(
        "set_value: set the [ceiling fan](target) to [300](value) [percent](unit)"
    )
    assert resolution.actions == ()
    assert resolution.failures[0].reason is FailReason.OUT_OF_RANGE


# id, compact sentence, speaker area, device ids the question must offer
CLARIFY: list[tuple[str, str, str | None, set[str]]] = [
    (
        "singular-kind-no-area",
        "turn_off: turn off the [fan](target)",
        None,
        {"fan.desk_fan", "fan.ceiling_fan"},
    ),
    (
        "singular-lamp-no-area",
        "turn_on: turn on the [lamp](target)",
        None,
        {
            "light.floor_lamp",
            "light.bedroom_lamp",
            "light.kids_lamp",
            "light.study_lamp",
        },
    ),
    (
        "duplicate-name-no-area",
        "turn_on: turn on the [bathroom light](target)",
        None,
        {"light.bathroom", "light.guest_bathroom"},
    ),
    (
        "duplicate-name-speaker-elsewhere",
        "turn_on: turn on the [bathroom light](target)",
        "kitchen",
        {"light.bathroom", "light.guest_bathroom"},
    ),
]


@pytest.mark.parametrize(
    ("text", "area", "offered"), [c[1:] for c in CLARIFY], ids=[c[0] for c in CLARIFY]
)
def test_clarify(house: Site, text: str, area: str | None, offered: set[str]) -> None:
    resolution = house.resolve(text, area=area)
    assert resolution.clarify
    assert not resolution.refused
    assert resolution.actions == ()
    assert resolution.failures[0].reason is FailReason.AMBIGUOUS
    assert set(resolution.failures[0].detail.split(", ")) == offered
    assert resolution.answer.endswith("?")


def test_clarify_drops_every_action(house: Site) -> None:
    resolution = house.resolve(
        "turn_on: turn on the [floor lamp](target) | turn_off: turn off the [fan](target)"
    )
    assert resolution.clarify
    assert resolution.actions == ()


@pytest.mark.parametrize(
    ("area", "device"),
    [("bathroom", "light.bathroom"), ("guest_bathroom", "light.guest_bathroom")],
    ids=["upstairs", "downstairs"],
)
def test_duplicate_name_prefers_speaker_area(
    house: Site, area: str, device: str
) -> None:
    outcome = house.run("turn_on: turn on the [bathroom light](target)", area=area)
    outcome.check({device: {"on": True}})


def test_plural_kind_without_place_never_asks(house: Site) -> None:
    resolution = house.resolve("turn_off: turn off the [lights](target)")
    assert not resolution.clarify
    assert len(resolution.actions) == 14


@pytest.mark.parametrize(
    "text",
    [
        "schedule: every day at [7](time) | turn_on: turn on the [kitchen lights](target)",
        "when: when the [back door](target) [opens](state)"
        " | turn_on: turn on the [kitchen lights](target)",
        "ask_min: lowest [temperature](attribute) in the [kitchen](location)",
    ],
    ids=["schedule-and-command", "trigger-and-command", "history"],
)
def test_automations_and_history_are_never_carried_out_here(
    house: Site, text: str
) -> None:
    resolution = house.resolve(text, area="kitchen")
    assert resolution.refused
    assert resolution.actions == ()
    assert resolution.failures[0].reason is FailReason.UNSUPPORTED
