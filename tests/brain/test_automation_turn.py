"""Automations said in a sentence: shown back, nothing done, enabled only on "yes".

The parser is a table of hand-tagged parses (as in ``test_conversation``), so these
tests pin the conversation's handling, not the model's reading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from brain.test_conversation import TableParser
from thingmind.brain import AutomationDesk, Conversation
from thingmind.core import ManualClock
from thingmind.registry import LocalDriver, Registry, parse_home
from thingmind.resolve import Context

if TYPE_CHECKING:
    from thingmind.rules import Automation

HOME = """
areas:
  - {id: hallway, name: Hallway}
  - {id: porch, name: Porch, outdoor: true}
devices:
  - {id: light.hall, name: Hall light, area: hallway, type: light,
     state: {"on": false, brightness: 0}}
  - {id: binary_sensor.front_door, name: Front door, area: hallway, type: binary_sensor,
     device_class: door, state: {"on": false}}
  - {id: light.porch, name: Porch light, area: porch, type: light,
     state: {"on": true, brightness: 100}}
"""
TABLE = {
    "when the front door opens turn on the hall light": (
        "when: when the [front door](target) [opens](state)"
        " | turn_on: turn on the [hall light](target)"
    ),
    "turn off the porch light in 10 minutes": (
        "turn_off: turn off the [porch light](target) | later: in [10 minutes](duration)"
    ),
    "when the front door opens": "when: when the [front door](target) [opens](state)",
    "turn on the hall light": "turn_on: turn on the [hall light](target)",
}


class Sink:
    """Keeps what the conversation enables, as the automation engine would."""

    def __init__(self) -> None:
        self.added: list[tuple[Automation, str]] = []

    def __call__(self, automation: Automation, *, user: str) -> None:
        if any(a.id == automation.id for a, _ in self.added):
            msg = f"{automation.id} exists"
            raise ValueError(msg)
        self.added.append((automation, user))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_764_000_000.0)


@pytest.fixture
def parts(clock: ManualClock) -> tuple[Conversation, Sink, Registry]:
    registry = Registry(parse_home(HOME, source="desk-home"))
    conversation = Conversation(
        parser=TableParser(TABLE), registry=registry, driver=LocalDriver(registry)
    )
    sink = Sink()
    conversation.desk = AutomationDesk(conversation.resolver, clock=clock, sink=sink)
    return conversation, sink, registry


def test_a_rule_sentence_is_shown_and_nothing_happens(
    parts: tuple[Conversation, Sink, Registry],
) -> None:
    conversation, sink, registry = parts
    before = registry.snapshot()

    result = conversation.handle("when the front door opens turn on the hall light")

    assert result.draft is not None
    assert result.draft.automation is not None
    assert result.answer == (
        "When the front door opens: turn on the hall light. Shall I set it up?"
    )
    assert result.changes == {}
    assert registry.snapshot() == before
    assert sink.added == []


def test_yes_enables_it_for_the_speaker(
    parts: tuple[Conversation, Sink, Registry],
) -> None:
    conversation, sink, _ = parts
    shown = conversation.handle(
        "when the front door opens turn on the hall light",
        context=Context(user="anna"),
    )

    done = conversation.handle("yes", context=Context(user="anna"))

    assert not done.refused
    assert done.answer == "Done: it's set up."
    assert shown.draft is not None
    assert [(a.id, u) for a, u in sink.added] == [(shown.draft.automation.id, "anna")]  # type: ignore[union-attr]
    again = conversation.handle("yes", context=Context(user="anna"))  # nothing held now
    assert len(sink.added) == 1
    assert again.draft is None


def test_no_drops_it(parts: tuple[Conversation, Sink, Registry]) -> None:
    conversation, sink, _ = parts
    conversation.handle("turn off the porch light in 10 minutes")

    answer = conversation.handle("no")

    assert answer.refused
    assert answer.answer == "OK, I won't set it up."
    assert sink.added == []


def test_another_users_yes_does_not_enable_it(
    parts: tuple[Conversation, Sink, Registry],
) -> None:
    conversation, sink, _ = parts
    conversation.handle(
        "when the front door opens turn on the hall light", context=Context(user="anna")
    )

    conversation.handle("yes", context=Context(user="ben"))

    assert sink.added == []
    conversation.handle("yes", context=Context(user="anna"))
    assert len(sink.added) == 1


def test_a_draft_expires(
    parts: tuple[Conversation, Sink, Registry], clock: ManualClock
) -> None:
    conversation, sink, _ = parts
    conversation.handle("turn off the porch light in 10 minutes")
    clock.advance(301.0)

    conversation.handle("yes")

    assert sink.added == []


def test_a_new_request_replaces_the_question(
    parts: tuple[Conversation, Sink, Registry],
) -> None:
    conversation, sink, registry = parts
    conversation.handle("when the front door opens turn on the hall light")

    result = conversation.handle("turn on the hall light")
    conversation.handle("yes")

    assert result.changes == {"light.hall": {"on": True, "brightness": 100}}
    assert sink.added == []
    assert registry.state("light.hall")["on"] is True


def test_a_half_rule_says_what_is_missing(
    parts: tuple[Conversation, Sink, Registry],
) -> None:
    conversation, sink, _ = parts
    result = conversation.handle("when the front door opens")
    assert result.refused
    assert "not what to do" in result.answer
    assert sink.added == []


def test_without_an_engine_the_draft_is_shown_but_not_held(
    parts: tuple[Conversation, Sink, Registry],
) -> None:
    conversation, _, _ = parts
    assert conversation.desk is not None
    conversation.desk.sink = None
    result = conversation.handle("when the front door opens turn on the hall light")
    assert result.refused
    assert "not running here" in result.answer
