"""The text pipeline: parse -> resolve -> device layer -> observed changes and answer.

The parser here is a table from sentences to parses written in the resolver's compact
notation, so these tests pin the pipeline (what is carried out, what is reported as
changed, refusals and clarification), not the language model.
"""

from __future__ import annotations

import pytest

from resolve._compact import compact
from thingmind.brain import Conversation
from thingmind.nlu import ParsedCommand
from thingmind.registry import LocalDriver, Registry
from thingmind.resolve import Context


class TableParser:
    """Returns the parse written for each sentence."""

    version = "table"

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table

    def parse(self, text: str) -> ParsedCommand:
        parsed = compact(self._table.get(text, ""))
        return ParsedCommand(
            text=text,
            words=parsed.words,
            clauses=parsed.clauses,
            confidence=parsed.confidence,
            model_version=self.version,
        )


TABLE = {
    "turn on the floor lamp": "turn_on: turn on the [floor lamp](target)",
    "lock the front door and dim the big light": (
        "lock: lock the [front door](target) | decrease: dim the [living room ceiling light](target)"
    ),
    "turn on the sauna": "turn_on: turn on the [sauna](target)",
    "turn off the bathroom light": "turn_off: turn off the [bathroom light](target)",
    "tell me a joke": "",
    "set the floor lamp to 150 percent": (
        "set_value: set the [floor lamp](target) to [150](value) [percent](unit)"
    ),
}


@pytest.fixture
def conversation(registry: Registry) -> Conversation:
    return Conversation(
        parser=TableParser(TABLE), registry=registry, driver=LocalDriver(registry)
    )


def test_command_changes_exactly_its_device(
    conversation: Conversation, registry: Registry
) -> None:
    before = registry.snapshot()
    result = conversation.handle("turn on the floor lamp")
    assert set(result.changes) == {"light.floor_lamp"}
    assert result.changes["light.floor_lamp"]["on"] is True
    after = registry.snapshot()
    assert {k for k in after if after[k] != before[k]} == {"light.floor_lamp"}
    assert not result.refused
    assert result.latency_ms > 0


def test_two_commands_in_one_sentence(conversation: Conversation) -> None:
    result = conversation.handle("lock the front door and dim the big light")
    assert set(result.changes) >= {"light.living_room_ceiling"}
    assert not result.refused


@pytest.mark.parametrize(
    "text",
    ["turn on the sauna", "tell me a joke", "set the floor lamp to 150 percent"],
    ids=["no-such-device", "not-about-the-site", "impossible-value"],
)
def test_refusals_change_nothing(
    conversation: Conversation, registry: Registry, text: str
) -> None:
    before = registry.snapshot()
    result = conversation.handle(text)
    assert result.refused
    assert result.changes == {}
    assert registry.snapshot() == before


def test_ambiguous_name_asks_and_changes_nothing(
    conversation: Conversation, registry: Registry
) -> None:
    before = registry.snapshot()
    result = conversation.handle("turn off the bathroom light")
    assert result.clarify
    assert registry.snapshot() == before


def test_speaker_area_settles_a_shared_name(conversation: Conversation) -> None:
    result = conversation.handle(
        "turn off the bathroom light", context=Context(area="guest_bathroom")
    )
    assert not result.clarify
    assert set(result.changes) <= {"light.guest_bathroom"}
