"""The engine: every trigger, condition and action kind; traces; the loop guard."""

from __future__ import annotations

from datetime import UTC, datetime
import logging
from typing import TYPE_CHECKING

import pytest

from rules._harness import LONDON, T0, Harness, on, state
from thingmind.core import Event, EventKind, InvalidInputError, ManualClock
from thingmind.rules import (
    ActionKind,
    ConditionKind,
    RunOutcome,
    SunEvent,
    TriggerKind,
    parse_automations,
)
from thingmind.store import MEMORY, SqliteStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from thingmind.registry import Registry


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


DOOR_LIGHT = """
- id: door_light
  alias: Door light
  triggers:
    - trigger: state
      entity_id: binary_sensor.front_door
      from: "off"
      to: "on"
  actions:
    - action: light.turn_on
      target: {entity_id: light.bathroom}
      data: {brightness: 40}
"""


# ---------------------------------------------------------------- triggers


def test_state_trigger_fires_and_acts(harness: Harness, registry: Registry) -> None:
    engine = harness.engine(DOOR_LIGHT)
    (trace,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 1))
    assert trace.outcome is RunOutcome.FINISHED
    assert trace.trigger_kind is TriggerKind.STATE
    assert trace.trigger == "binary_sensor.front_door changed from off to on"
    assert registry.state("light.bathroom")["brightness"] == 40
    assert [a.kind for a in trace.actions] == [ActionKind.SERVICE]
    assert trace.actions[0].target == "light.bathroom"
    # Closing the door does not match to: on.
    assert (
        harness.feed(engine, on("binary_sensor.front_door", T0 + 2, value=False)) == []
    )


def test_state_trigger_ignores_other_keys_and_repeats(harness: Harness) -> None:
    engine = harness.engine(DOOR_LIGHT)
    assert (
        harness.feed(engine, on("binary_sensor.front_door", T0 + 1, value=False)) == []
    )
    assert len(harness.feed(engine, on("binary_sensor.front_door", T0 + 2))) == 1
    assert harness.feed(engine, on("binary_sensor.front_door", T0 + 3)) == []


FOR_TRIGGER = """
- id: door_left_open
  triggers:
    - trigger: state
      entity_id: binary_sensor.front_door
      to: "on"
      for: "00:05:00"
  actions:
    - action: notify.phone
      data: {message: The front door is open}
"""


def test_state_for_fires_after_duration(harness: Harness) -> None:
    engine = harness.engine(FOR_TRIGGER)
    assert harness.feed(engine, on("binary_sensor.front_door", T0)) == []
    assert engine.tick(T0 + 299) == []
    (trace,) = engine.tick(T0 + 300)
    assert trace.outcome is RunOutcome.FINISHED
    assert trace.time == T0 + 300
    assert trace.trigger.endswith("for 0:05:00")
    assert harness.notifier.sent[0][0] == "The front door is open"


def test_state_for_is_cancelled_when_state_changes(harness: Harness) -> None:
    engine = harness.engine(FOR_TRIGGER)
    harness.feed(engine, on("binary_sensor.front_door", T0))
    harness.feed(engine, on("binary_sensor.front_door", T0 + 100, value=False))
    assert engine.pending_timers() == {}
    assert engine.tick(T0 + 1000) == []


def test_numeric_state_fires_on_crossing_only(harness: Harness) -> None:
    engine = harness.engine("""
- id: frost
  triggers: [{trigger: numeric_state, entity_id: sensor.garden_temperature, below: 3}]
  actions: [{action: notify.phone, data: {message: frost}}]
""")
    assert (
        harness.feed(engine, state("sensor.garden_temperature", T0 + 1, value=5.0))
        == []
    )
    (trace,) = harness.feed(
        engine, state("sensor.garden_temperature", T0 + 2, value=2.5)
    )
    assert trace.trigger == "sensor.garden_temperature 2.5 is below 3"
    assert (
        harness.feed(engine, state("sensor.garden_temperature", T0 + 3, value=1.0))
        == []
    )
    harness.feed(engine, state("sensor.garden_temperature", T0 + 4, value=4.0))
    assert (
        len(harness.feed(engine, state("sensor.garden_temperature", T0 + 5, value=2)))
        == 1
    )


def test_numeric_state_for_survives_wobble_in_range(harness: Harness) -> None:
    engine = harness.engine("""
- id: frost
  triggers:
    - {trigger: numeric_state, entity_id: sensor.garden_temperature, below: 3, for: {minutes: 10}}
  actions: [{action: notify.phone, data: {message: frost}}]
""")
    harness.feed(engine, state("sensor.garden_temperature", T0, value=2.0))
    harness.feed(engine, state("sensor.garden_temperature", T0 + 300, value=1.0))
    assert engine.tick(T0 + 599) == []
    assert len(engine.tick(T0 + 600)) == 1


def test_time_trigger_fires_at_local_time(registry: Registry) -> None:
    clock = ManualClock(_utc(2024, 6, 21, 5, 0))  # 06:00 BST
    harness = Harness(registry, clock)
    engine = harness.engine("""
- id: morning
  triggers: [{trigger: time, at: "07:30"}]
  actions: [{action: light.turn_on, target: {entity_id: light.floor_lamp}}]
""")
    assert engine.tick(_utc(2024, 6, 21, 6, 29)) == []
    (trace,) = engine.tick(_utc(2024, 6, 21, 6, 31))
    assert trace.time == _utc(2024, 6, 21, 6, 30)  # 07:30 BST
    assert trace.trigger == "time 07:30:00"
    assert registry.state("light.floor_lamp")["on"] is True
    # Next day again, in winter time the same wall time is a different UTC hour.
    (again,) = engine.tick(_utc(2024, 6, 22, 7, 0))
    assert again.time == _utc(2024, 6, 22, 6, 30)


def test_sun_trigger_fires_at_sunset_with_offset(harness: Harness) -> None:
    engine = harness.engine("""
- id: porch
  triggers: [{trigger: sun, event: sunset, offset: "-00:30:00"}]
  actions: [{action: light.turn_on, target: {entity_id: light.garden}}]
""")
    sunset = LONDON.sun_time(datetime(2024, 6, 21).date(), SunEvent.SUNSET)  # noqa: DTZ001
    assert sunset is not None
    assert engine.tick(sunset - 1801) == []
    (trace,) = engine.tick(sunset)
    assert trace.time == pytest.approx(sunset - 1800)
    assert trace.trigger == "sunset -0:30:00"


def test_event_trigger_matches_kind_and_data(harness: Harness) -> None:
    engine = harness.engine("""
- id: on_alert
  triggers:
    - trigger: event
      event_type: alert
      event_data: {device_id: sensor.garden_temperature, severity: critical}
  actions: [{action: notify.phone, data: {message: alert!}}]
""")
    warn = Event(
        kind=EventKind.ALERT,
        time=T0 + 1,
        device_id="sensor.garden_temperature",
        data={"severity": "warning"},
    )
    crit = Event(
        kind=EventKind.ALERT,
        time=T0 + 2,
        device_id="sensor.garden_temperature",
        data={"severity": "critical", "value": -20.0},
    )
    assert engine.process(warn) == []
    (trace,) = engine.process(crit)
    assert trace.trigger_kind is TriggerKind.EVENT


# ---------------------------------------------------------------- conditions

CONDITIONS = {
    "state_held": (
        "condition: state\n      entity_id: lock.front_door\n      state: locked",
        True,
    ),
    "state_failed": (
        "condition: state\n      entity_id: lock.front_door\n      state: unlocked",
        False,
    ),
    "state_for_failed": (
        "condition: state\n      entity_id: lock.front_door\n      state: locked\n      for: {hours: 1}",
        False,
    ),
    "numeric_held": (
        "condition: numeric_state\n      entity_id: sensor.garden_temperature\n      above: 10\n      below: 20",
        True,
    ),
    "numeric_failed": (
        "condition: numeric_state\n      entity_id: sensor.garden_temperature\n      above: 20",
        False,
    ),
    "time_held": ("condition: time\n      after: '12:00'\n      before: '14:00'", True),
    "time_wraps_failed": (
        "condition: time\n      after: '22:00'\n      before: '06:00'",
        False,
    ),
    "weekday_held": ("condition: time\n      weekday: [fri]", True),
    "weekday_failed": ("condition: time\n      weekday: [sat, sun]", False),
    "sun_held": ("condition: sun\n      after: sunrise\n      before: sunset", True),
    "sun_failed": ("condition: sun\n      after: sunset", False),
    "and_failed": (
        "condition: and\n      conditions:\n        - {condition: time, weekday: fri}\n"
        "        - {condition: sun, after: sunset}",
        False,
    ),
    "or_held": (
        "condition: or\n      conditions:\n        - {condition: time, weekday: mon}\n"
        "        - {condition: sun, before: sunset}",
        True,
    ),
    "not_held": (
        "condition: not\n      conditions:\n        - {condition: state, entity_id: light.floor_lamp, state: 'on'}",
        True,
    ),
}


@pytest.mark.parametrize(
    ("condition", "held"), list(CONDITIONS.values()), ids=list(CONDITIONS)
)
def test_condition(harness: Harness, condition: str, held: bool) -> None:
    engine = harness.engine(f"""
- id: guarded
  triggers: [{{trigger: state, entity_id: binary_sensor.front_door, to: "on"}}]
  conditions:
    - {condition}
  actions: [{{action: light.turn_on, target: {{entity_id: light.floor_lamp}}}}]
""")
    (trace,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 60))
    expected = RunOutcome.FINISHED if held else RunOutcome.CONDITIONS_FAILED
    assert trace.outcome is expected
    assert trace.conditions[-1].held is held
    assert trace.conditions[-1].path == "conditions[0]"


def test_state_condition_for_uses_time_since_change(harness: Harness) -> None:
    engine = harness.engine("""
- id: guarded
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  conditions:
    - {condition: state, entity_id: light.floor_lamp, state: "on", for: "00:10:00"}
  actions: [{action: notify.phone, data: {message: hi}}]
""")
    harness.feed(engine, on("light.floor_lamp", T0 + 10))
    (early,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 20))
    assert early.outcome is RunOutcome.CONDITIONS_FAILED
    harness.feed(engine, on("binary_sensor.front_door", T0 + 30, value=False))
    (late,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 700))
    assert late.outcome is RunOutcome.FINISHED


# ---------------------------------------------------------------- actions


def test_scene_action(harness: Harness, registry: Registry) -> None:
    engine = harness.engine("""
- id: movie
  triggers: [{trigger: state, entity_id: media_player.tv, attribute: playing, to: true}]
  actions: [{scene: scene.movie_night}]
""")
    (trace,) = harness.feed(engine, state("media_player.tv", T0 + 1, playing=True))
    assert trace.actions[0].kind is ActionKind.SCENE
    assert registry.state("light.living_room_ceiling")["brightness"] == 20


def test_refused_action_stops_the_run(harness: Harness, registry: Registry) -> None:
    engine = harness.engine("""
- id: too_bright
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  actions:
    - {action: light.turn_on, target: {entity_id: light.bathroom}, data: {brightness: 150}}
    - {action: notify.phone, data: {message: never sent}}
""")
    (trace,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 1))
    assert trace.outcome is RunOutcome.ACTION_FAILED
    assert trace.actions[0].reason == "out_of_range"
    assert len(trace.actions) == 1
    assert registry.state("light.bathroom")["on"] is False
    assert harness.notifier.sent == []


def test_delay_resumes_on_tick(harness: Harness, registry: Registry) -> None:
    engine = harness.engine("""
- id: pulse
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  actions:
    - {action: light.turn_on, target: {entity_id: light.bathroom}}
    - delay: {minutes: 2}
    - {action: light.turn_off, target: {entity_id: light.bathroom}}
""")
    (trace,) = harness.feed(engine, on("binary_sensor.front_door", T0))
    assert trace.outcome is RunOutcome.RUNNING
    assert registry.state("light.bathroom")["on"] is True
    assert engine.tick(T0 + 119) == []
    (done,) = engine.tick(T0 + 120)
    assert done.outcome is RunOutcome.FINISHED
    assert [a.kind for a in done.actions] == [
        ActionKind.SERVICE,
        ActionKind.DELAY,
        ActionKind.SERVICE,
    ]
    assert registry.state("light.bathroom")["on"] is False


@pytest.mark.parametrize(
    ("mode", "outcomes"),
    [
        ("single", [RunOutcome.FINISHED, RunOutcome.ALREADY_RUNNING]),
        ("restart", [RunOutcome.CANCELLED, RunOutcome.FINISHED]),
        ("parallel", [RunOutcome.FINISHED, RunOutcome.FINISHED]),
        ("queued", [RunOutcome.FINISHED, RunOutcome.FINISHED]),
    ],
    ids=["single", "restart", "parallel", "queued"],
)
def test_modes(harness: Harness, mode: str, outcomes: list[RunOutcome]) -> None:
    engine = harness.engine(f"""
- id: pulse
  mode: {mode}
  triggers: [{{trigger: state, entity_id: binary_sensor.front_door, to: "on"}}]
  actions:
    - delay: 60
    - {{action: notify.phone, data: {{message: done}}}}
""")
    harness.feed(engine, on("binary_sensor.front_door", T0))
    harness.feed(engine, on("binary_sensor.front_door", T0 + 10, value=False))
    harness.feed(engine, on("binary_sensor.front_door", T0 + 20))
    engine.tick(T0 + 1000)
    assert [t.outcome for t in engine.traces("pulse")] == outcomes


# ---------------------------------------------------------------- for across a restart


def test_for_timer_survives_restart_and_fires(registry: Registry) -> None:
    store = SqliteStore(MEMORY)
    store.open()
    clock = ManualClock(T0)
    first = Harness(registry, clock, persistence=store)
    engine = first.engine(FOR_TRIGGER)
    first.feed(engine, on("binary_sensor.front_door", T0))
    engine.tick(T0 + 60)  # saves the pending timer
    del engine  # the process stops; ten minutes pass

    clock.set(T0 + 600)
    second = Harness(registry, clock, persistence=store)
    restarted = second.engine(FOR_TRIGGER)
    assert restarted.pending_timers() == {
        ("door_left_open", 0, "binary_sensor.front_door"): T0 + 300
    }
    (trace,) = restarted.tick()
    assert trace.outcome is RunOutcome.FINISHED
    assert trace.time == T0 + 300
    assert "(restored)" in trace.trigger
    assert second.notifier.sent[0][0] == "The front door is open"
    store.close()


def test_for_timer_dropped_when_state_changed_while_stopped(registry: Registry) -> None:
    clock = ManualClock(T0)
    first = Harness(registry, clock)
    engine = first.engine(FOR_TRIGGER)
    first.feed(engine, on("binary_sensor.front_door", T0))
    engine.save_timers()
    registry.set_state("binary_sensor.front_door", {"on": False})  # closed meanwhile
    second = Harness(registry, clock, persistence=first.persistence)
    restarted = second.engine(FOR_TRIGGER)
    assert restarted.pending_timers() == {}
    assert restarted.tick(T0 + 600) == []


# ---------------------------------------------------------------- loop guard


def test_loop_guard_stops_a_self_triggering_automation(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    engine = harness.engine("""
- id: flicker
  alias: Flicker forever
  max_runs_per_minute: 10
  triggers: [{trigger: state, entity_id: light.floor_lamp}]
  actions: [{action: light.toggle, target: {entity_id: light.floor_lamp}}]
""")
    harness.outbox.append(on("light.floor_lamp", T0))
    processed = 0
    with caplog.at_level(logging.WARNING, logger="thingmind.rules"):
        while harness.outbox and processed < 1000:
            harness.feed(engine, harness.outbox.pop(0))
            processed += 1
    assert processed == 11  # ten runs, then the guard refuses the eleventh
    outcomes = [t.outcome for t in engine.traces("flicker")]
    assert outcomes.count(RunOutcome.FINISHED) == 10
    assert outcomes[-1] is RunOutcome.RATE_LIMITED
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "flicker" in warnings[0].getMessage()
    # A minute later it may run again.
    (trace,) = harness.feed(engine, on("light.floor_lamp", T0 + 61, value=False))
    assert trace.outcome is RunOutcome.FINISHED


# ---------------------------------------------------------------- run time


def test_disable_and_enable_at_run_time(harness: Harness) -> None:
    engine = harness.engine(DOOR_LIGHT)
    engine.disable("door_light")
    assert not engine.is_enabled("door_light")
    assert harness.feed(engine, on("binary_sensor.front_door", T0 + 1)) == []
    harness.feed(engine, on("binary_sensor.front_door", T0 + 2, value=False))
    engine.enable("door_light")
    assert len(harness.feed(engine, on("binary_sensor.front_door", T0 + 3))) == 1


def test_disabled_in_yaml(harness: Harness) -> None:
    engine = harness.engine(DOOR_LIGHT.replace("alias: Door light", "enabled: false"))
    assert not engine.is_enabled("door_light")


def test_trace_reads_well(harness: Harness) -> None:
    engine = harness.engine("""
- id: evening
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  conditions: [{condition: time, after: "12:00"}]
  actions: [{action: light.turn_on, target: {entity_id: light.bathroom}, data: {brightness: 30}}]
""")
    harness.feed(engine, on("binary_sensor.front_door", T0 + 5))
    (trace,) = engine.traces("evening")
    assert trace.conditions[0].kind is ConditionKind.TIME
    assert trace.conditions[0].held
    text = trace.describe()
    assert "binary_sensor.front_door changed from off to on" in text
    assert "light.bathroom" in text


def test_unknown_device_is_refused_at_load(harness: Harness) -> None:
    automations = parse_automations(
        DOOR_LIGHT.replace("light.bathroom", "light.porch"), source="t"
    )
    with pytest.raises(InvalidInputError) as info:
        harness.engine(automations)
    assert [p.path for p in info.value.problems] == [
        'automations[0] "Door light": actions[0]'
    ]


async def test_async_run_processes_a_stream(
    harness: Harness, registry: Registry
) -> None:
    engine = harness.engine(DOOR_LIGHT)

    async def events() -> AsyncIterator[Event]:
        yield on("binary_sensor.front_door", T0 + 1)

    await engine.run(events(), tick_interval=0.01)
    assert registry.state("light.bathroom")["on"] is True
