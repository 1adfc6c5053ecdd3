"""The engine at run time: automations added, replaced and removed; one-offs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from rules._harness import LONDON, T0, Harness, on, state
from thingmind.core import InvalidInputError, ManualClock
from thingmind.rules import (
    TIMERS_KEY,
    Automation,
    JsonValue,
    RuleEngine,
    RunOutcome,
    parse_automations,
)

if TYPE_CHECKING:
    from thingmind.registry import Registry


def _one(text: str) -> Automation:
    (automation,) = parse_automations(text, source="test")
    return automation


def _utc(hour: int, minute: int) -> float:
    return datetime(2024, 6, 21, hour, minute, tzinfo=UTC).timestamp()


DOOR_LAMP = """
- id: door_lamp
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  actions: [{action: light.turn_on, target: {entity_id: light.floor_lamp}}]
"""
DOOR_BATHROOM = """
- id: door_lamp
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  actions: [{action: light.turn_on, target: {entity_id: light.bathroom}}]
"""
DOOR_OPEN_FOR = """
- id: door_open
  triggers:
    - {trigger: state, entity_id: binary_sensor.front_door, to: "on", for: "00:05:00"}
  actions: [{action: notify.phone, data: {message: "{message}"}}]
"""
EVENING = """
- id: evening
  triggers: [{trigger: time, at: "20:00"}]
  actions: [{action: light.turn_on, target: {entity_id: light.garden}}]
"""


def _door_open_for(message: str, minutes: int = 5) -> Automation:
    text = DOOR_OPEN_FOR.replace("{message}", message)
    return _one(text.replace("00:05:00", f"00:{minutes:02d}:00"))


# ---------------------------------------------------------------- add


def test_added_automation_runs_on_the_next_event(
    harness: Harness, registry: Registry
) -> None:
    engine = harness.engine([])
    assert harness.feed(engine, on("binary_sensor.front_door", T0 + 1)) == []
    engine.add(_one(DOOR_LAMP))
    harness.feed(engine, on("binary_sensor.front_door", T0 + 2, value=False))
    (trace,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 3))
    assert trace.automation_id == "door_lamp"
    assert trace.outcome is RunOutcome.FINISHED
    assert registry.state("light.floor_lamp")["on"] is True
    assert [a.id for a in engine.automations] == ["door_lamp"]


def test_added_time_trigger_is_scheduled_from_the_clock(registry: Registry) -> None:
    clock = ManualClock(_utc(17, 0))  # 18:00 in London
    harness = Harness(registry, clock)
    engine = harness.engine([])
    clock.set(_utc(18, 30))  # 19:30: the engine has seen nothing since 18:00
    engine.add(_one(EVENING))
    assert engine.tick(_utc(18, 59)) == []
    (trace,) = engine.tick(_utc(19, 1))
    assert trace.time == _utc(19, 0)
    assert registry.state("light.garden")["on"] is True


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (EVENING, 'automation "evening": id'),
        (
            DOOR_LAMP.replace("light.floor_lamp", "light.nowhere"),
            'automations[0] "door_lamp": actions[0]',
        ),
    ],
    ids=["id-taken", "unknown-device"],
)
def test_add_refuses_a_bad_automation(harness: Harness, text: str, path: str) -> None:
    engine = harness.engine(EVENING)
    with pytest.raises(InvalidInputError) as info:
        engine.add(_one(text))
    assert [p.path for p in info.value.problems] == [path]
    assert [a.id for a in engine.automations] == ["evening"]


# ---------------------------------------------------------------- replace


def test_replace_runs_the_new_version_in_the_same_place(
    harness: Harness, registry: Registry
) -> None:
    engine = harness.engine(EVENING + DOOR_LAMP)
    (first,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 1))
    engine.replace(_one(DOOR_BATHROOM))
    harness.feed(engine, on("binary_sensor.front_door", T0 + 2, value=False))
    (second,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 3))
    assert second.actions[0].target == "light.bathroom"
    assert registry.state("light.bathroom")["on"] is True
    assert [a.id for a in engine.automations] == ["evening", "door_lamp"]
    assert [t.run for t in engine.traces("door_lamp")] == [first.run, second.run]


def test_replace_keeps_a_for_timer_whose_trigger_is_unchanged(
    harness: Harness,
) -> None:
    engine = harness.engine([_door_open_for("old")])
    harness.feed(engine, on("binary_sensor.front_door", T0))
    engine.replace(_door_open_for("new"))
    key = ("door_open", 0, "binary_sensor.front_door")
    assert engine.pending_timers() == {key: T0 + 300}
    (trace,) = engine.tick(T0 + 300)
    assert trace.outcome is RunOutcome.FINISHED
    assert [m[0] for m in harness.notifier.sent] == ["new"]


def test_replace_drops_a_for_timer_whose_trigger_changed(harness: Harness) -> None:
    engine = harness.engine([_door_open_for("five")])
    harness.feed(engine, on("binary_sensor.front_door", T0))
    engine.replace(_door_open_for("ten", minutes=10))
    assert engine.pending_timers() == {}
    assert engine.tick(T0 + 1000) == []
    assert harness.notifier.sent == []


def test_replace_cancels_a_run_waiting_on_a_delay(
    harness: Harness, registry: Registry
) -> None:
    engine = harness.engine("""
- id: pulse
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  actions:
    - {action: light.turn_on, target: {entity_id: light.bathroom}}
    - delay: 60
    - {action: light.turn_off, target: {entity_id: light.bathroom}}
""")
    harness.feed(engine, on("binary_sensor.front_door", T0))
    engine.replace(_one(DOOR_LAMP.replace("door_lamp", "pulse")))
    engine.tick(T0 + 120)
    assert [t.outcome for t in engine.traces("pulse")] == [RunOutcome.CANCELLED]
    assert registry.state("light.bathroom")["on"] is True  # the turn_off never ran


def test_replace_of_an_unknown_automation_is_a_key_error(harness: Harness) -> None:
    engine = harness.engine([])
    with pytest.raises(KeyError):
        engine.replace(_one(DOOR_LAMP))


# ---------------------------------------------------------------- remove


def test_removed_automation_never_runs_again(
    harness: Harness, registry: Registry
) -> None:
    engine = harness.engine(DOOR_LAMP + EVENING)
    removed = [engine.remove("door_lamp").id, engine.remove("evening").id]
    assert removed == ["door_lamp", "evening"]
    assert harness.feed(engine, on("binary_sensor.front_door", T0 + 1)) == []
    assert engine.tick(T0 + 2 * 86_400) == []  # its time trigger is skipped
    assert registry.state("light.floor_lamp")["on"] is False
    assert registry.state("light.garden")["on"] is False
    assert engine.automations == ()
    with pytest.raises(KeyError):
        engine.traces("door_lamp")


def test_removed_automation_forgets_its_saved_timer(harness: Harness) -> None:
    engine = harness.engine([_door_open_for("open")])
    harness.feed(engine, on("binary_sensor.front_door", T0))
    engine.tick(T0 + 1)
    assert len(_saved_timers(harness)) == 1
    engine.remove("door_open")
    engine.tick(T0 + 2)
    assert _saved_timers(harness) == []
    assert engine.tick(T0 + 600) == []


def _saved_timers(harness: Harness) -> list[JsonValue]:
    saved = harness.persistence.get_meta(TIMERS_KEY)
    assert isinstance(saved, dict)
    timers = saved["timers"]
    assert isinstance(timers, list)
    return timers


# ---------------------------------------------------------------- one-offs


def _engine(harness: Harness, text: str, removed: list[Automation]) -> RuleEngine:
    return RuleEngine(
        parse_automations(text, source="test"),
        registry=harness.registry,
        executor=harness.executor,
        clock=harness.clock,
        site=LONDON,
        persistence=harness.persistence,
        notifier=harness.notifier,
        on_removed=removed.append,
    )


def test_one_off_runs_once_and_is_removed(harness: Harness, registry: Registry) -> None:
    removed: list[Automation] = []
    engine = _engine(harness, DOOR_LAMP + "  once: true\n", removed)
    (trace,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 1))
    assert trace.outcome is RunOutcome.FINISHED
    assert registry.state("light.floor_lamp")["on"] is True
    assert [a.id for a in removed] == ["door_lamp"]
    assert engine.automations == ()
    harness.feed(engine, on("binary_sensor.front_door", T0 + 2, value=False))
    assert harness.feed(engine, on("binary_sensor.front_door", T0 + 3)) == []


def test_one_off_later_in_the_day_with_a_delay(
    registry: Registry,
) -> None:
    """ "turn off the garden lights in 10 minutes": a time trigger, once."""
    clock = ManualClock(_utc(18, 50))
    harness = Harness(registry, clock)
    registry.set_state("light.garden", {"on": True})
    removed: list[Automation] = []
    engine = _engine(
        harness,
        """
- id: garden_off
  once: true
  triggers: [{trigger: time, at: "20:00"}]
  actions:
    - delay: 30
    - {action: light.turn_off, target: {entity_id: light.garden}}
""",
        removed,
    )
    (started,) = engine.tick(_utc(19, 0))
    assert started.outcome is RunOutcome.RUNNING
    assert removed == []
    (done,) = engine.tick(_utc(19, 1))
    assert done.outcome is RunOutcome.FINISHED
    assert registry.state("light.garden")["on"] is False
    assert [a.id for a in removed] == ["garden_off"]
    assert engine.tick(_utc(19, 0) + 86_400) == []  # not tomorrow again


def test_one_off_waits_while_its_conditions_fail(harness: Harness) -> None:
    removed: list[Automation] = []
    engine = _engine(
        harness,
        """
- id: frost_warning
  once: true
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  conditions: [{condition: numeric_state, entity_id: sensor.garden_temperature, below: 3}]
  actions: [{action: notify.phone, data: {message: mind the ice}}]
""",
        removed,
    )
    (failed,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 1))
    assert failed.outcome is RunOutcome.CONDITIONS_FAILED
    assert removed == []
    harness.feed(engine, on("binary_sensor.front_door", T0 + 2, value=False))
    harness.feed(engine, state("sensor.garden_temperature", T0 + 3, value=1.0))
    (ran,) = harness.feed(engine, on("binary_sensor.front_door", T0 + 4))
    assert ran.outcome is RunOutcome.FINISHED
    assert [a.id for a in removed] == ["frost_warning"]
    assert [m[0] for m in harness.notifier.sent] == ["mind the ice"]
