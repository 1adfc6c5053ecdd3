"""Tests for the phrasings the generator makes frequent (thingmind.train._data._extra)."""

from __future__ import annotations

from collections import Counter
import random
from typing import TYPE_CHECKING

import pytest

from thingmind.nlu import MAX_WORDS, O_TAG, Intent, Slot, TaggedExample, words_of
from thingmind.train._data import (
    _extra as extra,
    generate_default,
    generic_homes,
    random_home,
)
from thingmind.train._data._clauses import SiteGen
from thingmind.train._data._generate import _example
from thingmind.train._data._site import Site

if TYPE_CHECKING:
    from collections.abc import Callable

    from thingmind.train._data._build import Segment


def check_example(ex: TaggedExample) -> None:
    """Tags are strict BIO, aligned with the run-time word split, slots inside clauses."""
    assert ex.words
    assert len(ex.words) <= MAX_WORDS
    assert [w for w, _, _ in words_of(" ".join(ex.words))] == list(ex.words)
    prev_c = O_TAG
    prev_s = O_TAG
    for c, s in zip(ex.clause_tags, ex.slot_tags, strict=True):
        if c.startswith("I-"):
            assert prev_c[2:] == c[2:], ex
        if s.startswith("I-"):
            assert prev_s[2:] == s[2:], ex
        if s != O_TAG:
            assert c != O_TAG, ex
        prev_c, prev_s = c, s
    first = next((c for c in ex.clause_tags if c != O_TAG), None)
    assert ex.kind == (first[2:] if first else "none")


def spans(ex: TaggedExample, slot: Slot) -> list[str]:
    out: list[list[str]] = []
    for w, s in zip(ex.words, ex.slot_tags, strict=True):
        if s == f"B-{slot.value}":
            out.append([w])
        elif s == f"I-{slot.value}":
            out[-1].append(w)
    return [" ".join(x).lower() for x in out]


def clause_count(ex: TaggedExample) -> int:
    return sum(1 for c in ex.clause_tags if c.startswith("B-"))


@pytest.fixture(scope="module")
def examples() -> list[TaggedExample]:
    return generate_default(n=6000, seed=0)


@pytest.fixture(scope="module")
def gens() -> list[SiteGen]:
    rng = random.Random(0)  # noqa: S311
    homes = [*generic_homes(), *(random_home(rng) for _ in range(12))]
    return [SiteGen(Site(h)) for h in homes]


def _draw(
    gens: list[SiteGen],
    recipe: Callable[[SiteGen, random.Random], list[Segment] | None],
    n: int,
) -> list[TaggedExample]:
    rng = random.Random(1)  # noqa: S311
    out: list[TaggedExample] = []
    for _ in range(n * 3):
        segs = recipe(rng.choice(gens), rng)
        if segs:
            out.append(_example(rng, segs))
        if len(out) >= n:
            break
    return out


def _text(ex: TaggedExample) -> str:
    return " ".join(ex.words).lower()


def _intents(ex: TaggedExample) -> list[str]:
    return [c[2:] for c in ex.clause_tags if c.startswith("B-")]


@pytest.mark.parametrize(
    "recipe",
    [
        extra.wish,
        extra.light_level,
        extra.vacuum,
        extra.except_,
        extra.multi,
        extra.watering,
        extra.sensor_question,
        extra.rare,
    ],
    ids=lambda r: r.__name__,
)
def test_recipes_give_valid_examples(
    gens: list[SiteGen],
    recipe: Callable[[SiteGen, random.Random], list[Segment] | None],
) -> None:
    got = _draw(gens, recipe, 300)
    assert len(got) >= 250
    for ex in got:
        check_example(ex)
        assert clause_count(ex) >= 1


def test_wishes_turn_on_the_keyword(gens: list[SiteGen]) -> None:
    got = _draw(gens, extra.wish, 400)
    targets = Counter(t for ex in got for t in spans(ex, Slot.TARGET))
    for word in ("coffee", "espresso", "kettle", "air", "cuppa"):
        assert targets[word] > 0, word
    coffee = [ex for ex in got if "coffee" in spans(ex, Slot.TARGET)]
    assert all(_intents(ex) == [Intent.TURN_ON.value] for ex in coffee)
    assert any(_intents(ex) == [Intent.PLAY.value] for ex in got)


def test_light_idioms(gens: list[SiteGen]) -> None:
    got = _draw(gens, extra.light_level, 500)
    texts = [_text(ex) for ex in got]
    assert {i for ex in got for i in _intents(ex)} == {"increase", "decrease"}
    assert any("lights up" in t for t in texts)
    assert any("more light" in t for t in texts)
    assert any(t.startswith("make it darker") for t in texts) or any(
        "darker" in t for t in texts
    )
    assert any(not spans(ex, Slot.TARGET) for ex in got)
    lighting = [ex for ex in got if "lighting" in spans(ex, Slot.TARGET)]
    assert lighting
    assert all(_intents(ex)[0] in {"increase", "decrease"} for ex in lighting)


def test_vacuums_by_name(gens: list[SiteGen]) -> None:
    got = _draw(gens, extra.vacuum, 500)
    intents = Counter(i for ex in got for i in _intents(ex))
    assert intents["clean"] > 100
    assert intents["return_home"] > 80
    proper = [
        ex
        for ex in got
        for w, s in zip(ex.words, ex.slot_tags, strict=True)
        if s == "B-target" and w[:1].isupper() and w.lower() not in {"the", "robot"}
    ]
    assert len(proper) > 30
    assert any(clause_count(ex) == 2 for ex in got)
    assert any(spans(ex, Slot.LOCATION) for ex in got if "clean" in _intents(ex))


def test_exceptions_are_frequent_and_varied(examples: list[TaggedExample]) -> None:
    excepts = [ex for ex in examples if spans(ex, Slot.EXCEPT)]
    assert 0.045 < len(excepts) / len(examples) < 0.1
    texts = [_text(ex) for ex in excepts]
    for phrase in (
        "except",
        "but not",
        "apart from",
        "other than",
        "leave",
        "save for",
    ):
        assert any(phrase in t for t in texts), phrase
    assert any(spans(ex, Slot.EXCEPT)[:1] in (["one"], ["ones"]) for ex in excepts)
    assert any(len(spans(ex, Slot.EXCEPT)) >= 2 for ex in excepts)
    intents = {_intents(ex)[0] for ex in excepts}
    assert {"turn_off", "turn_on", "lock", "close", "pause"} <= intents


def test_multi_clause_share_and_pairings(examples: list[TaggedExample]) -> None:
    multi = [ex for ex in examples if clause_count(ex) > 1]
    assert 0.12 < len(multi) / len(examples) < 0.2
    pairs = {tuple(_intents(ex)[:2]) for ex in multi}
    assert len(pairs) > 250
    firsts = {p[0] for p in pairs}
    seconds = {p[1] for p in pairs}
    commands = {
        i.value for i in Intent if not i.is_history and not i.is_rule_part
    } - {
        "too_dark", "too_bright", "too_cold", "too_hot", "too_loud",
    }  # fmt: skip
    assert commands <= firsts | seconds
    assert any(
        {"it", "them"} & set(spans(ex, Slot.TARGET)) and clause_count(ex) > 1
        for ex in multi
    )


def test_watering_is_open_or_close(gens: list[SiteGen]) -> None:
    got = _draw(gens, extra.watering, 300)
    assert {i for ex in got for i in _intents(ex)} == {"open", "close"}
    assert any(
        _text(ex).startswith("water ") and spans(ex, Slot.LOCATION) for ex in got
    )
    assert any("stop watering" in _text(ex) for ex in got)


def test_sensor_questions(gens: list[SiteGen]) -> None:
    got = _draw(gens, extra.sensor_question, 500)
    two_places = [
        ex
        for ex in got
        if _intents(ex) == ["ask_value"] and len(spans(ex, Slot.LOCATION)) == 2
    ]
    assert two_places
    faults = [ex for ex in got if "faults" in " ".join(spans(ex, Slot.TARGET))]
    assert faults
    assert {_intents(ex)[0] for ex in faults} <= {"ask_any", "ask_which", "ask_count"}
    assert any("site" in spans(ex, Slot.LOCATION) for ex in got)


def test_off_slips_only_in_turn_off(examples: list[TaggedExample]) -> None:
    slips = Counter(
        c[2:]
        for ex in examples
        for w, c, s in zip(ex.words, ex.clause_tags, ex.slot_tags, strict=True)
        if w.lower() == "of" and s == O_TAG and c != O_TAG
    )
    assert slips["turn_off"] > 10


def test_rare_intents_have_a_fair_share() -> None:
    got = generate_default(n=40000, seed=0)
    counts = Counter(i for ex in got for i in _intents(ex))
    total = sum(counts.values())
    for intent in Intent:
        # automation parts and history questions come from their own, smaller recipes
        floor = 0.001 if intent.is_history or intent.is_rule_part else 0.009
        assert counts[intent.value] / total > floor, intent


def test_valves_open_and_close_not_turn_on(gens: list[SiteGen]) -> None:
    for gen in gens:
        for dev in gen.site.devs:
            if dev.type == "valve":
                assert Intent.TURN_ON not in dev.intents
                assert Intent.OPEN in dev.intents
