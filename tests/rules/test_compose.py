"""Sentence -> automation: the composer over tagged sentences (no model involved).

The tagging is written by hand in the compact notation of ``resolve._compact``, so
these tests pin the composer's reading of each part, whatever a model does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from resolve._compact import compact
from thingmind.registry import Registry, parse_home
from thingmind.resolve import Context, Gate, Policy, Resolver, policy_from_dict
from thingmind.rules import (
    AndCondition,
    Composer,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    ServiceAction,
    StateCondition,
    StateTrigger,
    SunCondition,
    SunEvent,
    SunTrigger,
    TimeCondition,
    TimeTrigger,
    Weekday,
    parse_automation_data,
    state_value,
)

HOME = """
areas:
  - {id: hallway, name: Hallway, aliases: [hall]}
  - {id: living_room, name: Living room, aliases: [lounge]}
  - {id: kitchen, name: Kitchen}
  - {id: porch, name: Porch, outdoor: true}
  - {id: bedroom, name: Bedroom}
devices:
  - {id: light.hall, name: Hall light, area: hallway, type: light,
     state: {"on": true, brightness: 40}}
  - {id: binary_sensor.front_door, name: Front door, area: hallway, type: binary_sensor,
     device_class: door, state: {"on": false}}
  - {id: binary_sensor.hall_motion, name: Hall motion sensor, area: hallway,
     type: binary_sensor, device_class: motion, state: {"on": false}}
  - {id: sensor.living_room_temperature, name: Living room temperature,
     area: living_room, type: sensor, device_class: temperature,
     state: {value: 22.0, unit: "°C"}}
  - {id: fan.living_room, name: Living room fan, area: living_room, type: fan,
     state: {"on": false, percentage: 0}}
  - {id: switch.coffee_maker, name: Coffee maker, area: kitchen, type: switch,
     state: {"on": false}}
  - {id: light.porch, name: Porch light, area: porch, type: light,
     state: {"on": true, brightness: 100}}
  - {id: lock.front_door, name: Front door lock, area: hallway, type: lock,
     state: {locked: true}}
  - {id: sensor.bedroom_temperature, name: Bedroom temperature, area: bedroom,
     type: sensor, device_class: temperature, state: {value: 19.0, unit: "°C"}}
  - {id: climate.bedroom, name: Bedroom heater, area: bedroom, type: climate,
     state: {hvac_mode: "off", target_temperature: 20, current_temperature: 19,
             unit: C}}
  - {id: alarm_control_panel.house, name: Alarm, type: alarm_control_panel,
     state: {state: disarmed}}
"""
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 29, 15, 0, tzinfo=LONDON).timestamp()
"""A Sunday, 15:00 in London."""


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry(parse_home(HOME, source="compose-home"))


@pytest.fixture(scope="module")
def composer(registry: Registry) -> Composer:
    return Composer(Resolver(registry), zone=LONDON)


def _draft(composer: Composer, text: str, *, area: str | None = "hallway"):  # type: ignore[no-untyped-def]
    got = composer.draft(compact(text), context=Context(area=area), now=NOW)
    assert got is not None
    return got


def test_state_trigger_with_a_sun_condition(composer: Composer) -> None:
    draft = _draft(
        composer,
        "when: when the [front door](target) [opens](state) | during: after [sunset](time)"
        " | turn_on: turn on the [hall light](target)",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    assert auto.triggers == (
        StateTrigger(entity_ids=("binary_sensor.front_door",), to_states=("on",)),
    )
    assert auto.conditions == (SunCondition(after=SunEvent.SUNSET),)
    assert auto.actions == (
        ServiceAction(service="light.turn_on", entity_ids=("light.hall",)),
    )
    assert not auto.once
    assert draft.summary == (
        "When the front door opens, only after sunset: turn on the hall light."
    )


def test_the_hall_light_is_turned_on_even_though_it_is_on_now(
    composer: Composer,
) -> None:
    # the automation acts later: the device's state at drafting time must not matter
    draft = _draft(
        composer,
        "when: when the [front door](target) [opens](state)"
        " | turn_on: turn on the [hall light](target)",
    )
    assert draft.automation is not None, draft.problem
    assert draft.automation.actions == (
        ServiceAction(service="light.turn_on", entity_ids=("light.hall",)),
    )


def test_numeric_trigger_on_a_place(composer: Composer) -> None:
    draft = _draft(
        composer,
        "when_above: if the [living room](location) gets above [26](value) [degrees](unit)"
        " | turn_on: turn on the [fan](target)",
        area="living_room",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    assert auto.triggers == (
        NumericStateTrigger(entity_ids=("sensor.living_room_temperature",), above=26.0),
    )
    assert auto.actions[0] == ServiceAction(
        service="fan.turn_on", entity_ids=("fan.living_room",)
    )


def test_colder_than_reads_the_rooms_thermometer(composer: Composer) -> None:
    draft = _draft(
        composer,
        "when_below: if it gets colder than [18](value) in the [bedroom](location)"
        " | set_mode: turn the [bedroom heater](target) to [heat](mode)",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    assert auto.triggers == (
        NumericStateTrigger(entity_ids=("sensor.bedroom_temperature",), below=18.0),
    )
    assert auto.actions[0] == ServiceAction(
        service="climate.set_hvac_mode",
        entity_ids=("climate.bedroom",),
        data={"hvac_mode": "heat"},
    )


def test_fahrenheit_is_converted_to_the_sensors_unit(composer: Composer) -> None:
    draft = _draft(
        composer,
        "when_above: when the [living room](location) [temperature](attribute) goes"
        " over [80](value) [fahrenheit](unit) | turn_on: turn on the [living room fan](target)",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    trigger = auto.triggers[0]
    assert isinstance(trigger, NumericStateTrigger)
    assert trigger.above == pytest.approx(26.7)


def test_every_weekday_at_seven(composer: Composer) -> None:
    draft = _draft(
        composer,
        "schedule: every [weekday](days) at [7](time)"
        " | turn_on: turn on the [coffee maker](target)",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    assert auto.triggers == (TimeTrigger(at=(7 * 3600.0,)),)
    assert auto.conditions == (
        TimeCondition(
            weekdays=(Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
        ),
    )
    assert draft.summary == "Every weekday at 07:00: turn on the coffee maker."


def test_evening_makes_seven_pm(composer: Composer) -> None:
    draft = _draft(
        composer,
        "schedule: every evening at [7](time) | turn_off: turn off the [porch light](target)",
    )
    assert draft.automation is not None, draft.problem
    assert draft.automation.triggers == (TimeTrigger(at=(19 * 3600.0,)),)


def test_offset_before_sunrise_on_weekends(composer: Composer) -> None:
    draft = _draft(
        composer,
        "schedule: [30 minutes](duration) before [sunrise](time) on [weekends](days)"
        " | turn_on: turn on the [porch light](target)",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    assert auto.triggers == (
        SunTrigger(event=SunEvent.SUNRISE, offset_seconds=-1800.0),
    )
    assert auto.conditions == (TimeCondition(weekdays=(Weekday.SAT, Weekday.SUN)),)


def test_in_ten_minutes_is_a_one_off(composer: Composer) -> None:
    draft = _draft(
        composer,
        "turn_off: turn off the [porch light](target) | later: in [10 minutes](duration)",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    assert auto.once
    assert auto.triggers == (TimeTrigger(at=(15 * 3600.0 + 600,)),)
    assert draft.summary.startswith("Once, in 10 minutes (at 15:10)")


@pytest.mark.parametrize(
    ("said", "at", "day"),
    [
        ("at [7](time)", 19 * 3600.0, "today"),  # 7 am has passed: 7 pm
        ("at [11 pm](time)", 23 * 3600.0, "today"),
        ("at [9 am](time)", 9 * 3600.0, "tomorrow"),
        ("at [14:30](time)", 14.5 * 3600, "tomorrow"),
    ],
    ids=["bare-hour", "pm", "am-tomorrow", "24h-passed"],
)
def test_a_one_off_clock_time_is_the_next_one(
    composer: Composer, said: str, at: float, day: str
) -> None:
    draft = _draft(
        composer, f"turn_on: turn on the [coffee maker](target) | later: {said}"
    )
    assert draft.automation is not None, draft.problem
    assert draft.automation.triggers == (TimeTrigger(at=(at,)),)
    assert day in draft.summary


def test_between_two_clock_times_keeps_each_meridiem(composer: Composer) -> None:
    draft = _draft(
        composer,
        "when: when the [front door lock](target) is [unlocked](state)"
        " | during: between [10 pm](time) and [6 am](time)"
        " | turn_on: turn on the [hall light](target)",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    assert auto.triggers == (
        StateTrigger(entity_ids=("lock.front_door",), to_states=("unlocked",)),
    )
    assert auto.conditions == (TimeCondition(after=22 * 3600.0, before=6 * 3600.0),)


def test_at_night_is_sunset_to_sunrise(composer: Composer) -> None:
    draft = _draft(
        composer,
        "when: when [motion](target) is [detected](state) in the [hall](location)"
        " | during: [at night](period) | turn_on: turn on the [hall light](target)",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    assert auto.triggers == (
        StateTrigger(entity_ids=("binary_sensor.hall_motion",), to_states=("on",)),
    )
    assert auto.conditions == (
        OrCondition(
            conditions=(
                SunCondition(after=SunEvent.SUNSET),
                SunCondition(before=SunEvent.SUNRISE),
            )
        ),
    )


def test_between_sunset_and_a_clock_time(composer: Composer) -> None:
    draft = _draft(
        composer,
        "schedule: every day at [sunset](time)"
        " | during: between [sunset](time) and [11 pm](time)"
        " | turn_on: turn on the [porch light](target)",
    )
    assert draft.automation is not None, draft.problem
    assert draft.automation.conditions == (
        AndCondition(
            conditions=(
                SunCondition(after=SunEvent.SUNSET),
                TimeCondition(before=23 * 3600.0),
            )
        ),
    )


def test_state_and_numeric_conditions(composer: Composer) -> None:
    draft = _draft(
        composer,
        "schedule: every day at [sunset](time)"
        " | only_if: if the [front door](target) is [open](state)"
        " | only_below: and the [bedroom](location) [temperature](attribute) is below"
        " [19](value) | turn_on: switch on the [porch light](target)",
    )
    auto = draft.automation
    assert auto is not None, draft.problem
    assert auto.conditions == (
        StateCondition(entity_ids=("binary_sensor.front_door",), states=("on",)),
        NumericStateCondition(entity_ids=("sensor.bedroom_temperature",), below=19.0),
    )


def test_a_condition_alone_says_when(composer: Composer) -> None:
    # "turn on the porch light after sunset": no trigger part, the time is when
    draft = _draft(
        composer,
        "turn_on: turn on the [porch light](target) | during: after [sunset](time)",
    )
    assert draft.automation is not None, draft.problem
    assert draft.automation.triggers == (SunTrigger(event=SunEvent.SUNSET),)


def test_the_yaml_is_valid_and_round_trips(composer: Composer) -> None:
    draft = _draft(
        composer,
        "when: when the [front door](target) [opens](state) for [5 minutes](duration)"
        " | during: on [weekdays](days) | turn_on: turn on the [hall light](target)"
        " to [30](value) [percent](unit)",
    )
    assert draft.automation is not None, draft.problem
    data = yaml.safe_load(draft.yaml)
    again = parse_automation_data(data, source="sentence")
    assert again == [draft.automation]
    assert "for 5 minutes" not in draft.summary or "stays open" in draft.summary


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("turn_on: turn on the [hall light](target)", "not when"),
        (
            "when: when the [front door](target) [opens](state)",
            "not what to do",
        ),
        (
            "when: when the [sprinkler](target) [starts](state)"
            " | turn_on: turn on the [hall light](target)",
            "no water valves",
        ),
        (
            "when: when the [front door](target) [sings](state)"
            " | turn_on: turn on the [hall light](target)",
            "sings",
        ),
        (
            "when: when the [front door](target) [opens](state)"
            " | ask_state: is the [hall light](target) on",
            "cannot answer",
        ),
        (
            "turn_off: turn off the [porch light](target) | later: in [3 days](duration)",
            "a day ahead",
        ),
    ],
    ids=[
        "no-rule-part",
        "no-action",
        "unknown-device",
        "unknown-state",
        "question-as-action",
        "too-far",
    ],
)
def test_problems_are_said(composer: Composer, text: str, words: str) -> None:
    got = composer.draft(compact(text), context=Context(area="hallway"), now=NOW)
    if words == "not when":
        assert got is None  # nothing in it sets up an automation
        return
    assert got is not None
    assert got.automation is None
    assert got.problem is not None
    assert words in got.problem


def test_actions_pass_the_gate_for_the_speaker(registry: Registry) -> None:
    policy: Policy = policy_from_dict(
        {
            "users": [
                {"id": "owner", "role": "owner"},
                {"id": "kid", "role": "child"},
            ]
        }
    )
    composer = Composer(Resolver(registry, gate=Gate(registry.home, policy)), zone=UTC)
    text = (
        "when: when the [front door](target) [opens](state)"
        " | disarm: disarm the [alarm](target)"
    )
    kid = composer.draft(compact(text), context=Context(user="kid"), now=NOW)
    assert kid is not None
    assert kid.automation is None
    owner = composer.draft(compact(text), context=Context(user="owner"), now=NOW)
    assert owner is not None
    assert owner.automation is not None, owner.problem


@pytest.mark.parametrize(
    ("device", "said", "value"),
    [
        ("binary_sensor.front_door", "opens", "on"),
        ("binary_sensor.front_door", "is closed", "off"),
        ("binary_sensor.hall_motion", "detects motion", "on"),
        ("binary_sensor.hall_motion", "clear", "off"),
        ("lock.front_door", "is unlocked", "unlocked"),
        ("lock.front_door", "locks", "locked"),
        ("light.hall", "turns off", "off"),
        ("switch.coffee_maker", "finishes", "off"),
        ("alarm_control_panel.house", "goes off", "triggered"),
        ("alarm_control_panel.house", "is armed", ("armed_home", "armed_away")),
    ],
)
def test_state_words(registry: Registry, device: str, said: str, value: object) -> None:
    assert state_value(registry.home.device(device), said) == value
