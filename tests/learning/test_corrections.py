"""Corrections: cues, redaction, undo, the log, and labelled training sentences.

The parser is a table of compact parses (tests/resolve/_compact.py), so these tests
pin the correction flow, not a language model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from resolve._compact import compact
from thingmind.brain._learning import LearningConversation
from thingmind.brain._learning_log import (
    CorrectionLog,
    CorrectionSource,
    MeantCommand,
    Redactor,
    correction_cue,
    inverse_calls,
    tags_of,
)
from thingmind.core import Domain, StateValue
from thingmind.nlu import Intent, ParsedCommand
from thingmind.registry import LocalDriver, Registry, domain_spec
from thingmind.train._corrections import (
    Correction,
    Meant,
    label_correction,
    read_corrections,
)

if TYPE_CHECKING:
    from pathlib import Path

    from thingmind.registry import Home


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
    # the model heard "the big light" but tagged the floor lamp's name
    "switch on the lamp please": "turn_on: switch on the [floor lamp](target) please",
    "the floor lamp": "",
    "the big light": "",
    "nix the tv": "turn_on: nix the [tv](target)",
    "turn it off": "turn_off: turn it off",
    "turn off the telly": "turn_off: turn off the [telly](target)",
    "lock the front door": "lock: lock the [front door lock](target)",
}


@pytest.fixture
def conv(registry: Registry, tmp_path: Path) -> LearningConversation:
    return LearningConversation(
        parser=TableParser(TABLE),
        registry=registry,
        driver=LocalDriver(registry),
        site="house",
        log=CorrectionLog(tmp_path / "corrections.jsonl"),
        redactor=Redactor.for_site(registry.home, names=["Priya"]),
    )


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("no, the porch light", "the porch light"),
        ("No! I meant the porch light", "the porch light"),
        ("that's not what I meant", ""),
        ("that\u2019s wrong, turn it off", "turn it off"),
        ("nope", ""),
        ("turn off the porch light", None),
        ("nothing else", None),
    ],
    ids=[
        "no",
        "no-i-meant",
        "not-what-i-meant",
        "typographic",
        "nope",
        "command",
        "no-word",
    ],
)
def test_correction_cue(text: str, rest: str | None) -> None:
    assert correction_cue(text) == rest


def test_redactor_removes_personal_data_keeps_site_names(home: Home) -> None:
    r = Redactor.for_site(home, names=["Priya", "Emma"])
    assert r.redact("text Priya at priya.k@example.com or +44 7700 900123") == (
        "text [name] at [email] or [phone]"
    )
    assert r.redact("turn on the light in Emma's room") == (
        "turn on the light in Emma's room"
    )
    assert (
        r.redact("my name is Olga, set it to 21.5")
        == "my name is [name], set it to 21.5"
    )


@pytest.mark.parametrize(
    ("domain", "before", "after", "calls"),
    [
        (
            Domain.LIGHT,
            {"on": True, "brightness": 80, "color": "warm white"},
            {"on": False, "brightness": 0, "color": "warm white"},
            [("turn_on", {"brightness": 80})],
        ),
        (
            Domain.LIGHT,
            {"on": False, "brightness": 0},
            {"on": True, "brightness": 100},
            [("turn_off", {})],
        ),
        (Domain.LOCK, {"locked": True}, {"locked": False}, [("lock", {})]),
        (Domain.LIGHT, {"on": True}, {"on": True}, []),
    ],
    ids=["light-back-on-at-80", "light-off", "relock", "nothing-changed"],
)
def test_inverse_calls(
    domain: Domain,
    before: dict[str, StateValue],
    after: dict[str, StateValue],
    calls: list[tuple[str, dict[str, StateValue]]],
) -> None:
    assert inverse_calls(domain_spec(domain), before, after) == calls


def test_spoken_correction_undoes_redoes_and_keeps_it(
    conv: LearningConversation, registry: Registry, tmp_path: Path
) -> None:
    first = conv.handle("switch on the lamp please")
    assert first.changes == {"light.floor_lamp": {"on": True}}
    result = conv.handle("no, the big light")
    assert registry.state("light.floor_lamp")["on"] is False  # undone
    assert registry.state("light.living_room_ceiling")["on"] is True
    assert "light.floor_lamp" in result.changes
    rec = conv.last_correction
    assert rec is not None
    assert rec.source is CorrectionSource.SPOKEN
    assert rec.undone == ("light.floor_lamp",)
    assert rec.meant.target == "big light"
    assert rec.meant.device_ids == ("light.living_room_ceiling",)
    kept = read_corrections(tmp_path / "corrections.jsonl", site="house")
    assert len(kept) == 1
    assert kept[0].meant.device_ids == ("light.living_room_ceiling",)


def test_wrong_intent_is_corrected_with_a_command(
    conv: LearningConversation, registry: Registry
) -> None:
    registry.set_state("media_player.tv", {"playing": False})
    conv.handle("nix the tv")
    result = conv.handle("no, turn it off")
    rec = conv.last_correction
    assert rec is not None
    assert rec.meant.intent is Intent.TURN_OFF
    assert rec.words == ("nix", "the", "tv")
    assert rec.clause_tags == ("B-turn_on", "I-turn_on", "I-turn_on")
    assert not result.refused


def test_not_what_i_meant_waits_for_the_next_command(
    conv: LearningConversation, registry: Registry, tmp_path: Path
) -> None:
    conv.handle("switch on the lamp please")
    answer = conv.handle("that's not what I meant")
    assert answer.clarify
    assert registry.state("light.floor_lamp")["on"] is False
    conv.handle("turn off the telly")
    kept = read_corrections(tmp_path / "corrections.jsonl")
    assert [c.meant.intent for c in kept] == [None, Intent.TURN_OFF]
    assert kept[1].meant.device_ids == ("media_player.tv",)


def test_api_correction(conv: LearningConversation, registry: Registry) -> None:
    conv.handle("switch on the lamp please")
    result = conv.correct(MeantCommand(device_ids=("light.kids_room",)))
    assert result is not None
    assert registry.state("light.floor_lamp")["on"] is False
    assert registry.state("light.kids_room")["on"] is True
    assert conv.correct(MeantCommand(), context=None) is not None


def test_nothing_to_correct_is_an_ordinary_turn(conv: LearningConversation) -> None:
    assert conv.correct(MeantCommand(intent=Intent.TURN_OFF)) is None
    assert conv.handle("no, the big light").changes == {}
    assert conv.last_correction is None


def _correction(parse: str, meant: Meant) -> Correction:
    parsed = compact(parse)
    clause, slot = tags_of(parsed)
    return Correction(
        site="house",
        words=parsed.words,
        clause_tags=tuple(clause),
        slot_tags=tuple(slot),
        meant=meant,
    )


def test_label_fixes_the_intent(home: Home) -> None:
    c = _correction("turn_on: nix the [tv](target)", Meant(intent=Intent.TURN_OFF))
    ex, alias = label_correction(c, home)
    assert ex is not None
    assert ex.clause_tags == ("B-turn_off", "I-turn_off", "I-turn_off")
    assert ex.slot_tags == ("O", "O", "B-target")
    assert alias is None


def test_label_relabels_the_words_naming_the_meant_device(home: Home) -> None:
    c = _correction(
        "turn_on: turn on the big [light](target)",
        Meant(device_ids=("light.living_room_ceiling",)),
    )
    ex, _ = label_correction(c, home)
    assert ex is not None
    assert ex.slot_tags == ("O", "O", "O", "B-target", "I-target")


def test_label_suggests_an_alias_when_the_site_lacks_the_name(home: Home) -> None:
    c = _correction(
        "turn_on: turn on the [reading lamp](target)",
        Meant(device_ids=("light.floor_lamp",)),
    )
    ex, alias = label_correction(c, home)
    assert ex is not None
    assert alias is not None
    assert (alias.device_id, alias.alias) == ("light.floor_lamp", "reading lamp")


def test_label_makes_a_clause_when_nothing_was_understood(home: Home) -> None:
    c = _correction("none: blorp the [tv](target)", Meant(intent=Intent.TURN_OFF))
    c = Correction(
        site="house",
        words=("blorp", "the", "tv", "."),
        clause_tags=("O", "O", "O", "O"),
        slot_tags=("O", "O", "O", "O"),
        meant=Meant(intent=Intent.TURN_OFF, device_ids=("media_player.tv",)),
    )
    ex, _ = label_correction(c, home)
    assert ex is not None
    assert ex.clause_tags == ("B-turn_off", "I-turn_off", "I-turn_off", "O")
    assert ex.slot_tags == ("O", "O", "B-target", "O")
