"""BIO decoding of per-word probabilities into clauses and spans."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from thingmind.nlu import CLAUSE_TAGS, SLOT_TAGS, Intent, Slot, decode, words_of

if TYPE_CHECKING:
    from numpy.typing import NDArray


def _onehot(tags: list[str], vocab: tuple[str, ...]) -> NDArray[np.float32]:
    # 0.9 on the tag, the other 0.1 spread over the rest (rows sum to 1, as a softmax)
    out = np.full((len(tags), len(vocab)), 0.1 / (len(vocab) - 1), dtype=np.float32)
    for i, t in enumerate(tags):
        out[i, vocab.index(t)] = 0.9
    return out


def _parse(words: str, clause: str, slot: str):  # type: ignore[no-untyped-def]
    w = words.split()
    return decode(
        words,
        w,
        _onehot(clause.split(), CLAUSE_TAGS),
        _onehot(slot.split(), SLOT_TAGS),
    )


def test_two_clauses_with_their_own_slots() -> None:
    parsed = _parse(
        "turn off the kitchen lights and lock the back door",
        "B-turn_off I-turn_off I-turn_off I-turn_off I-turn_off O B-lock I-lock I-lock I-lock",
        "O O O B-target I-target O O O B-target I-target",
    )
    assert [c.intent for c in parsed.clauses] == [Intent.TURN_OFF, Intent.LOCK]
    assert [s.text for s in parsed.clauses[0].spans] == ["kitchen lights"]
    assert [s.text for s in parsed.clauses[1].spans] == ["back door"]


def test_same_intent_twice_is_two_clauses() -> None:
    parsed = _parse(
        "stop conveyor 1 and stop pump 2",
        "B-turn_off I-turn_off I-turn_off O B-turn_off I-turn_off I-turn_off",
        "O B-target I-target O O B-target I-target",
    )
    assert len(parsed.clauses) == 2


def test_stray_inside_tag_starts_a_span() -> None:
    parsed = _parse(
        "dim the lamp",
        "I-decrease I-decrease I-decrease",
        "O O I-target",
    )
    assert parsed.clauses[0].intent is Intent.DECREASE
    assert parsed.clauses[0].spans[0].slot is Slot.TARGET


def test_slot_outside_clause_joins_previous_clause() -> None:
    parsed = _parse(
        "lights off please kitchen",
        "B-turn_off I-turn_off O O",
        "B-target O O B-location",
    )
    assert [s.slot for s in parsed.clauses[0].spans] == [Slot.TARGET, Slot.LOCATION]


def test_no_clause_means_nothing_asked() -> None:
    parsed = _parse("tell me a joke", "O O O O", "O O O O")
    assert parsed.clauses == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("what's the temp?", ["what's", "the", "temp", "?"]),
        ("set it to 30%", ["set", "it", "to", "30", "%"]),
        ("kids' room at 21.5", ["kids'", "room", "at", "21.5"]),
    ],
    ids=["contraction", "percent-sign", "apostrophe-and-decimal"],
)
def test_words_of(text: str, words: list[str]) -> None:
    assert [w for w, _, _ in words_of(text)] == words


def test_unsure_clause_naming_nothing_beside_a_real_one_is_dropped() -> None:
    words = ["i", "would", "like", "coffee", "now"]
    clause = _onehot(
        ["B-turn_on", "I-turn_on", "O", "B-turn_on", "I-turn_on"], CLAUSE_TAGS
    )
    clause[:2] = 0.0
    clause[0, CLAUSE_TAGS.index("B-turn_on")] = 0.45  # unsure, and names nothing
    clause[0, CLAUSE_TAGS.index("O")] = 0.4
    clause[1, CLAUSE_TAGS.index("I-turn_on")] = 0.45
    clause[1, CLAUSE_TAGS.index("O")] = 0.4
    slots = _onehot(["O", "O", "O", "B-target", "O"], SLOT_TAGS)
    parsed = decode(" ".join(words), words, clause, slots)
    assert [(c.intent, [s.text for s in c.spans]) for c in parsed.clauses] == [
        (Intent.TURN_ON, ["coffee"])
    ]
