"""Tidying a sentence's parts when the model's clause boundaries are off."""

from __future__ import annotations

from resolve._compact import compact
from thingmind.nlu import Intent, ParsedCommand
from thingmind.rules import sets_up_automation
from thingmind.rules._parts import (
    carve_times_from_commands,
    merge_schedules,
    split_trailing_commands,
    states_beside_times_are_conditions,
    sun_times_repeat,
)

TAIL = {
    "close the sprinkler": "close: close the [sprinkler](target)",
    "start the hoover": "clean: start the [hoover](target)",
    "at night": "during: [at night](period)",
}


def reparse(text: str) -> ParsedCommand:
    parsed = compact(TAIL[text])
    return ParsedCommand(
        text=text, words=parsed.words, clauses=parsed.clauses, confidence=1.0
    )


def shape(parsed: ParsedCommand) -> list[tuple[str, str, list[str]]]:
    return [
        (
            c.intent.value,
            " ".join(parsed.words[c.start : c.end]),
            [f"{s.slot.value}={s.text}" for s in c.spans],
        )
        for c in parsed.clauses
    ]


def test_a_command_left_inside_a_trigger_is_read_again() -> None:
    parsed = compact(
        "when: when the [leak sensor](target) [detects water](state) close the"
        " [sprinkler](target)"
    )
    got = split_trailing_commands(parsed, reparse)
    assert shape(got) == [
        (
            "when",
            "when the leak sensor detects water",
            ["target=leak sensor", "state=detects water"],
        ),
        ("close", "close the sprinkler", ["target=sprinkler"]),
    ]


def test_a_command_left_inside_a_schedule_is_read_again() -> None:
    parsed = compact(
        "schedule: each [sunday](days) at [noon](time) start the [hoover](target)"
    )
    got = split_trailing_commands(parsed, reparse)
    assert [c for c, _, _ in shape(got)] == ["schedule", "clean"]


def test_words_that_are_no_command_stay_in_the_part() -> None:
    parsed = compact(
        "when: if [motion](target) is [seen](state) in the [bathroom](location) at"
        " [night](state) | turn_on: turn on the [bathroom light](target)"
    )
    assert split_trailing_commands(parsed, reparse) == parsed


def test_a_time_inside_a_command_becomes_its_trigger() -> None:
    daily = carve_times_from_commands(
        compact(
            "turn_on: turn on the [porch light](target) at [sunset](time) every day"
        )
    )
    assert shape(daily) == [
        ("turn_on", "turn on the porch light", ["target=porch light"]),
        ("schedule", "at sunset every day", ["time=sunset"]),
    ]
    once = carve_times_from_commands(
        compact("turn_off: turn off the [heater](target) at [11 pm](time)")
    )
    assert [c for c, _, _ in shape(once)] == ["turn_off", "later"]


def test_a_plain_command_sets_up_nothing() -> None:
    assert not sets_up_automation(
        compact(
            "turn_on: turn on the [porch light](target) for [ten minutes](duration)"
        )
    )
    assert sets_up_automation(
        compact("turn_on: turn on the [porch light](target) at [7](time)")
    )


def test_two_schedules_are_one() -> None:
    got = merge_schedules(
        compact(
            "schedule: at [8 am](time) | schedule: every [weekday](days)"
            " | set_value: set the [thermostat](target) to [21](value)"
        )
    )
    assert shape(got)[0] == (
        "schedule",
        "at 8 am every weekday",
        ["time=8 am", "days=weekday"],
    )
    assert [c.intent for c in got.clauses] == [Intent.SCHEDULE, Intent.SET_VALUE]


def test_sun_one_offs_repeat_and_states_beside_times_are_conditions() -> None:
    parsed = compact(
        "later: at [sunset](time) | turn_on: turn on the [garden lights](target)"
        " | when: if the [back door](target) is [open](state)"
    )
    got = states_beside_times_are_conditions(
        sun_times_repeat(parsed, is_sun=lambda t: t == "sunset")
    )
    assert [c.intent for c in got.clauses] == [
        Intent.SCHEDULE,
        Intent.TURN_ON,
        Intent.ONLY_IF,
    ]


def test_a_verb_run_into_the_device_phrase_is_the_state() -> None:
    from thingmind.rules._parts import state_words_out_of_targets  # noqa: PLC0415

    got = state_words_out_of_targets(
        compact("when: when the [bedroom window opens](target)")
    )
    assert shape(got) == [
        (
            "when",
            "when the bedroom window opens",
            ["target=bedroom window", "state=opens"],
        )
    ]
    kept = compact("when: when the [front door](target) [opens](state)")
    assert state_words_out_of_targets(kept) == kept
