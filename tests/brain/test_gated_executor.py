"""Automations and MQTT sentences pass the same gate as everything else."""

from __future__ import annotations

import pytest

from resolve._compact import compact
from security._world import HOME_YAML, POLICY, Pins, ScriptedParser, noon
from thingmind.brain import (
    Brain,
    Confirmations,
    FromSource,
    GatedExecutor,
    Learning,
    MeantCommand,
    Security,
    rule_source,
)
from thingmind.bus import EventBus
from thingmind.core import ManualClock
from thingmind.nlu import ParsedCommand
from thingmind.registry import LocalDriver, Registry, parse_home
from thingmind.resolve import Context, Gate


def _brain(
    *, learning: Learning | None = None
) -> tuple[Brain, list[dict[str, object]]]:
    home = parse_home(HOME_YAML, source="security._world")
    clock = ManualClock(noon())
    records: list[dict[str, object]] = []

    class _Audit:
        def append(self, record: object) -> object:
            records.append(dict(record))  # type: ignore[call-overload]
            return record

    security = Security(
        gate=Gate(home, POLICY),
        confirmations=Confirmations(clock=clock, ttl=60, pins=Pins()),
        audit=_Audit(),
        clock=clock,
    )
    parser = ScriptedParser()
    for text, notation in {
        "lock the front door": "lock: lock the [front door lock](target)",
        "unlock the front door": "unlock: unlock the [front door lock](target)",
        "turn on the living room light": "turn_on: turn on the [living room light](target)",
    }.items():
        parsed = compact(notation)
        parser.script[text] = ParsedCommand(
            text=text, words=parsed.words, clauses=parsed.clauses, confidence=0.99
        )
    brain = Brain(
        home=home,
        parser=parser,
        driver=LocalDriver(Registry(home)),
        bus=EventBus(),
        clock=clock,
        security=security,
        learning=learning,
    )
    return brain, records


@pytest.mark.parametrize(
    ("label", "expected"),
    [("rule:porch", "rule:porch"), ("porch", "rule:porch"), ("api", "rule:api")],
    ids=["rule", "bare", "claims-api"],
)
def test_rule_source_is_always_an_automation(label: str, expected: str) -> None:
    assert rule_source(label) == expected


def test_automation_cannot_unlock_the_door() -> None:
    brain, records = _brain()
    executor = brain.rule_executor()
    assert isinstance(executor, GatedExecutor)
    result = executor.execute("lock.front_door", "unlock", {}, source="rule:night")
    assert result.ok is False
    assert result.reason == "cannot_confirm"
    assert brain.registry.state("lock.front_door")["locked"] is True
    assert brain.security is not None
    assert brain.security.confirmations.pending("owner") is None
    assert records[-1]["source"] == "rule:night"


def test_automation_may_lock_the_door_and_light_a_room() -> None:
    brain, _ = _brain()
    brain.driver.call("lock.front_door", "unlock", {})  # behind the gate: set-up
    executor = brain.rule_executor()
    locked = executor.execute("lock.front_door", "lock", {}, source="rule:night")
    lit = executor.execute("light.living_room", "turn_on", {}, source="rule:dusk")
    assert (locked.ok, lit.ok) == (True, True)
    assert brain.registry.state("lock.front_door")["locked"] is True
    assert brain.registry.state("light.living_room")["on"] is True


def test_automation_as_a_guest_is_bounded_by_the_guests_role() -> None:
    brain, _ = _brain()
    executor = brain.rule_executor(user="guest")
    result = executor.execute("switch.oven", "turn_on", {}, source="rule:x")
    assert (result.ok, result.reason) == (False, "not_permitted")
    assert brain.registry.state("switch.oven")["on"] is False


def test_automation_bad_value_is_the_devices_refusal() -> None:
    brain, _ = _brain()
    result = brain.rule_executor().execute(
        "light.living_room", "turn_on", {"brightness": 900}, source="rule:x"
    )
    assert result.ok is False
    assert result.reason is not None


def test_mqtt_say_from_an_unknown_user_changes_nothing() -> None:
    brain, records = _brain()
    before = brain.registry.snapshot()
    handler = FromSource(brain, source="mqtt")
    result = handler.handle_text(
        "turn on the living room light", context=Context(user="mallory")
    )
    assert result.refused is True
    assert brain.registry.snapshot() == before
    assert records[-1]["source"] == "mqtt"


def test_mqtt_yes_does_not_confirm_an_unlock() -> None:
    brain, _ = _brain()
    handler = FromSource(brain, source="mqtt")
    handler.handle_text("unlock the front door", context=Context(user="owner"))
    # the context claims to be at the site; the channel decides: a PIN is needed
    handler.handle_text("yes", context=Context(user="owner", source="speech"))
    assert brain.registry.state("lock.front_door")["locked"] is True
    handler.handle_text("4321", context=Context(user="owner"))
    assert brain.registry.state("lock.front_door")["locked"] is False


def test_learning_no_cancels_a_pending_unlock_rather_than_correcting() -> None:
    brain, _ = _brain(learning=Learning(site="test"))
    assert brain.can_learn
    brain.handle_text("unlock the front door")
    assert brain.security is not None
    assert brain.security.confirmations.pending("owner") is not None
    brain.handle_text("no")
    assert brain.security.confirmations.pending("owner") is None
    assert brain.registry.state("lock.front_door")["locked"] is True


def test_learning_undo_of_a_lock_is_not_an_unconfirmed_unlock() -> None:
    brain, _ = _brain(learning=Learning(site="test"))
    brain.driver.call("lock.front_door", "unlock", {})  # behind the gate: set-up
    brain.handle_text("lock the front door")
    assert brain.registry.state("lock.front_door")["locked"] is True
    brain.correct(MeantCommand(), context=Context())
    assert brain.registry.state("lock.front_door")["locked"] is True
