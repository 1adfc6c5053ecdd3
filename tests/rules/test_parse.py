"""Reading automations: Home Assistant's shapes, every error with its path."""

from __future__ import annotations

import json

import pytest

from thingmind.core import InvalidInputError
from thingmind.rules import (
    AndCondition,
    Automation,
    DelayAction,
    EventTrigger,
    NotCondition,
    NotifyAction,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    RunMode,
    SceneAction,
    ServiceAction,
    StateCondition,
    StateTrigger,
    SunCondition,
    SunEvent,
    SunTrigger,
    TimeCondition,
    TimeTrigger,
    Weekday,
    dump_automation,
    load_automations,
    parse_automation_data,
    parse_automations,
)

OLD_STYLE = """
- id: hall_light
  alias: Hall light when the door opens
  trigger:
    - platform: state
      entity_id: binary_sensor.front_door
      from: "off"
      to: "on"
      for: "00:00:05"
  condition:
    - condition: sun
      after: sunset
      after_offset: "-00:30:00"
  action:
    - service: light.turn_on
      target:
        entity_id: light.living_room_ceiling
      data:
        brightness: 60
    - delay: {minutes: 5}
    - service: light.turn_off
      entity_id: light.living_room_ceiling
"""

NEW_STYLE = """
automations:
  - id: hall_light
    alias: Hall light when the door opens
    triggers:
      - trigger: state
        entity_id: [binary_sensor.front_door]
        from: off
        to: on
        for: {seconds: 5}
    conditions:
      - condition: sun
        after: sunset
        after_offset: -1800
    actions:
      - action: light.turn_on
        target: {entity_id: [light.living_room_ceiling]}
        data: {brightness: 60}
      - delay: "00:05:00"
      - action: light.turn_off
        target: {entity_id: light.living_room_ceiling}
"""


def test_old_and_new_spellings_read_the_same() -> None:
    old = parse_automations(OLD_STYLE, source="old")
    new = parse_automations(NEW_STYLE, source="new")
    assert [dump_automation(a) for a in old] == [dump_automation(a) for a in new]
    (automation,) = new
    assert automation.triggers == (
        StateTrigger(
            entity_ids=("binary_sensor.front_door",),
            from_states=("off",),
            to_states=("on",),
            for_seconds=5.0,
        ),
    )
    assert automation.conditions == (
        SunCondition(after=SunEvent.SUNSET, after_offset_seconds=-1800.0),
    )
    assert automation.actions == (
        ServiceAction(
            service="light.turn_on",
            entity_ids=("light.living_room_ceiling",),
            data={"brightness": 60},
        ),
        DelayAction(seconds=300.0),
        ServiceAction(
            service="light.turn_off", entity_ids=("light.living_room_ceiling",)
        ),
    )
    assert automation.mode is RunMode.SINGLE


EVERY_KIND = """
- id: everything
  alias: Every kind
  mode: queued
  max_runs_per_minute: 5
  triggers:
    - trigger: state
      entity_id: lock.front_door
      to: unlocked
    - trigger: numeric_state
      entity_id: sensor.garden_temperature
      below: 3
      for: "00:10"
    - trigger: time
      at: ["07:30", "19:00:30"]
    - trigger: sun
      event: sunrise
      offset: "+00:15:00"
    - trigger: event
      event_type: alert
      event_data: {device_id: sensor.garden_temperature, severity: critical}
  conditions:
    - condition: state
      entity_id: [binary_sensor.front_door]
      state: [on, off]
      for: {hours: 1}
    - condition: numeric_state
      entity_id: sensor.garden_temperature
      above: -10
      below: 30.5
    - condition: time
      after: "22:00"
      before: "06:00"
      weekday: [mon, friday]
    - or:
        - condition: sun
          before: sunrise
        - condition: not
          conditions:
            - condition: state
              entity_id: light.floor_lamp
              state: "on"
    - condition: and
      conditions:
        - condition: numeric_state
          entity_id: climate.thermostat
          attribute: target_temperature
          above: 50
  actions:
    - action: notify.mobile_app
      data: {message: Frost coming, title: Garden}
    - scene: scene.movie_night
    - action: scene.turn_on
      target: {entity_id: scene.movie_night}
    - action: fan.set_percentage
      target: {entity_id: fan.kids_room}
      data: {percentage: 40}
"""


def test_every_kind_parses() -> None:
    (automation,) = parse_automations(EVERY_KIND, source="every")
    assert automation.mode is RunMode.QUEUED
    assert automation.max_runs_per_minute == 5
    assert automation.triggers == (
        StateTrigger(entity_ids=("lock.front_door",), to_states=("unlocked",)),
        NumericStateTrigger(
            entity_ids=("sensor.garden_temperature",), below=3.0, for_seconds=600.0
        ),
        TimeTrigger(at=(27000.0, 68430.0)),
        SunTrigger(event=SunEvent.SUNRISE, offset_seconds=900.0),
        EventTrigger(
            event_type="alert",
            event_data={
                "device_id": "sensor.garden_temperature",
                "severity": "critical",
            },
        ),
    )
    assert automation.conditions == (
        StateCondition(
            entity_ids=("binary_sensor.front_door",),
            states=("on", "off"),
            for_seconds=3600.0,
        ),
        NumericStateCondition(
            entity_ids=("sensor.garden_temperature",), above=-10.0, below=30.5
        ),
        TimeCondition(
            after=79200.0, before=21600.0, weekdays=(Weekday.MON, Weekday.FRI)
        ),
        OrCondition(
            conditions=(
                SunCondition(before=SunEvent.SUNRISE),
                NotCondition(
                    conditions=(
                        StateCondition(
                            entity_ids=("light.floor_lamp",), states=("on",)
                        ),
                    )
                ),
            )
        ),
        AndCondition(
            conditions=(
                NumericStateCondition(
                    entity_ids=("climate.thermostat",),
                    attribute="target_temperature",
                    above=50.0,
                ),
            )
        ),
    )
    assert automation.actions == (
        NotifyAction(message="Frost coming", title="Garden", channel="mobile_app"),
        SceneAction(scene_id="scene.movie_night"),
        SceneAction(scene_id="scene.movie_night"),
        ServiceAction(
            service="fan.set_percentage",
            entity_ids=("fan.kids_room",),
            data={"percentage": 40},
        ),
    )


def test_dump_round_trips_through_json() -> None:
    automations = parse_automations(EVERY_KIND, source="every")
    automations += parse_automations(OLD_STYLE, source="old")
    data = json.loads(json.dumps([dump_automation(a) for a in automations]))
    again = parse_automation_data(data, source="store")
    assert [dump_automation(a) for a in again] == [
        dump_automation(a) for a in automations
    ]
    assert [a.triggers for a in again] == [a.triggers for a in automations]
    assert [a.conditions for a in again] == [a.conditions for a in automations]
    assert [a.actions for a in again] == [a.actions for a in automations]


def test_bare_on_and_times_stay_text() -> None:
    """YAML 1.1 reads ``on`` as true and 7:30 as 450; automations must not."""
    text = """
- alias: Morning
  triggers: [{trigger: time, at: 7:30}]
  conditions: [{condition: state, entity_id: light.floor_lamp, state: on}]
  actions: [{action: light.turn_off, target: {entity_id: light.floor_lamp}}]
"""
    (automation,) = parse_automations(text, source="t")
    assert automation.id == "morning"
    assert automation.triggers == (TimeTrigger(at=(27000.0,)),)
    assert automation.conditions == (
        StateCondition(entity_ids=("light.floor_lamp",), states=("on",)),
    )


def test_load_from_file(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "automations.yaml"  # type: ignore[operator]
    path.write_text(OLD_STYLE, encoding="utf-8")
    (automation,) = load_automations(path)
    assert automation.source == str(path)


def _problems(text: str) -> dict[str, str]:
    with pytest.raises(InvalidInputError) as info:
        parse_automations(text, source="bad.yaml")
    assert info.value.source == "bad.yaml"
    return {p.path: p.message for p in info.value.problems}


BAD_CASES = [
    (
        "triggers: [{trigger: time, at: '25:00'}]",
        'automations[0] "Porch at sunset": triggers[0].at',
    ),
    (
        "triggers: [{trigger: sunshine}]",
        'automations[0] "Porch at sunset": triggers[0].trigger',
    ),
    (
        "triggers: [{platform: state, entity_id: light.floor_lamp, to: onn}]",
        'automations[0] "Porch at sunset": triggers[0].to',
    ),
    (
        "triggers: [{trigger: state, entity_id: light.floor_lamp, form: 'on'}]",
        'automations[0] "Porch at sunset": triggers[0].form',
    ),
    (
        "triggers: [{trigger: state, entity_id: light.floor_lamp, for: soon}]",
        'automations[0] "Porch at sunset": triggers[0].for',
    ),
    (
        "triggers: [{trigger: numeric_state, entity_id: sensor.garden_temperature}]",
        'automations[0] "Porch at sunset": triggers[0]',
    ),
    (
        "triggers: [{trigger: state, entity_id: Kitchen Light}]",
        'automations[0] "Porch at sunset": triggers[0].entity_id',
    ),
    (
        "triggers: [{trigger: sun, event: noon}]",
        'automations[0] "Porch at sunset": triggers[0].event',
    ),
    (
        "triggers: [{trigger: event, event_type: explosion}]",
        'automations[0] "Porch at sunset": triggers[0].event_type',
    ),
    (
        "conditions: [{condition: time, weekday: funday}]",
        'automations[0] "Porch at sunset": conditions[0].weekday',
    ),
    (
        "conditions: [{condition: template}]",
        'automations[0] "Porch at sunset": conditions[0].condition',
    ),
    (
        "conditions: [{condition: state, entity_id: lock.front_door, attribute: colour, state: red}]",
        'automations[0] "Porch at sunset": conditions[0].attribute',
    ),
    (
        "actions: [{action: light.fly, target: {entity_id: light.porch}}]",
        'automations[0] "Porch at sunset": actions[0].action',
    ),
    (
        "actions: [{action: light.turn_on, target: {entity_id: switch.kettle}}]",
        'automations[0] "Porch at sunset": actions[0].target.entity_id[0]',
    ),
    (
        "actions: [{action: light.turn_on, target: {entity_id: light.porch}, data: {speed: 3}}]",
        'automations[0] "Porch at sunset": actions[0].data.speed',
    ),
    (
        "actions: [{action: notify.phone, data: {title: Hi}}]",
        'automations[0] "Porch at sunset": actions[0].data.message',
    ),
    (
        "actions: [{delay: {fortnights: 1}}]",
        'automations[0] "Porch at sunset": actions[0].delay.fortnights',
    ),
    ("mode: sometimes", 'automations[0] "Porch at sunset": mode'),
]


@pytest.mark.parametrize(
    ("override", "path"),
    BAD_CASES,
    ids=[
        path.rsplit(": ", 1)[1] + "-" + str(i) for i, (_, path) in enumerate(BAD_CASES)
    ],
)
def test_problem_names_automation_and_path(override: str, path: str) -> None:
    base = {
        "triggers": "triggers: [{trigger: sun, event: sunset}]",
        "conditions": "",
        "actions": "actions: [{action: light.turn_on, target: {entity_id: light.porch}}]",
        "mode": "",
    }
    base[override.split(":", 1)[0]] = override
    body = "\n  ".join(part for part in base.values() if part)
    text = f"- alias: Porch at sunset\n  {body}\n"
    problems = _problems(text)
    assert path in problems


def test_every_problem_is_listed_at_once() -> None:
    text = """
- id: one
  alias: First
  triggers: [{trigger: time, at: "25:00"}]
  actions: [{action: light.fly, target: {entity_id: light.a}}]
- id: two
  triggers: [{trigger: state}]
  actions: []
- id: one
  triggers: [{trigger: sun, event: sunset}]
  actions: [{delay: 5}]
"""
    problems = _problems(text)
    assert set(problems) == {
        'automations[0] "First": triggers[0].at',
        'automations[0] "First": actions[0].action',
        "automations[1]: triggers[0].entity_id",
        "automations[1]: actions",
        "automations[2]: id",
    }


def test_problems_carry_lines() -> None:
    text = "- alias: A\n  triggers:\n    - trigger: time\n      at: '9:75'\n  actions: [{delay: 1}]\n"
    with pytest.raises(InvalidInputError) as info:
        parse_automations(text, source="lines.yaml")
    (problem,) = info.value.problems
    assert problem.line == 3


def test_not_yaml() -> None:
    problems = _problems("- alias: [unclosed\n")
    assert set(problems) == {"document"}


def test_model_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="at least one trigger"):
        Automation(id="x", triggers=(), actions=(DelayAction(seconds=1),))
    with pytest.raises(ValueError, match="above, below"):
        NumericStateTrigger(entity_ids=("sensor.x",))
    with pytest.raises(ValueError, match="entity id"):
        StateTrigger(entity_ids=("Kitchen",))
