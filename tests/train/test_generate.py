"""Tests for the training-data generator (thingmind.train._data)."""

from __future__ import annotations

from collections import Counter
import random
from typing import TYPE_CHECKING

import pytest

from thingmind.nlu import MAX_WORDS, O_TAG, Intent, Slot, TaggedExample, words_of
from thingmind.train._data import (
    ClauseSeg,
    build_example,
    compile_template,
    generate,
    generate_default,
    generic_homes,
    random_home,
    read_jsonl,
    render,
    split,
    write_jsonl,
)

if TYPE_CHECKING:
    from pathlib import Path

    from thingmind.registry import Home


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
def default_examples() -> list[TaggedExample]:
    return generate_default(n=4000, seed=0)


def test_generate_is_deterministic(home: Home) -> None:
    a = generate(home, n=300, seed=7)
    b = generate(home, n=300, seed=7)
    c = generate(home, n=300, seed=8)
    assert a == b
    assert a != c
    assert len(a) == 300


def test_generate_default_is_deterministic() -> None:
    assert generate_default(n=200, seed=3) == generate_default(n=200, seed=3)


def test_every_example_is_valid(home: Home) -> None:
    for ex in generate(home, n=1500, seed=1):
        check_example(ex)


def test_default_examples_are_valid(default_examples: list[TaggedExample]) -> None:
    for ex in default_examples:
        check_example(ex)
        assert "'" not in ex.words, ex


def test_every_device_appears(home: Home) -> None:
    examples = generate(home, n=800, seed=2, include_generic=False)
    targets = {t for ex in examples for t in spans(ex, Slot.TARGET)}
    texts = [" ".join(ex.words).lower() for ex in examples]
    for device in home.devices:
        names = [n.lower() for n in device.names]
        if device.type.value == "sensor":
            assert any(n in t for n in names for t in texts), device.id
        else:
            assert targets & set(names), device.id


def test_every_area_and_floor_name_appears(home: Home) -> None:
    examples = generate(home, n=800, seed=2, include_generic=False)
    places = {p for ex in examples for p in spans(ex, Slot.LOCATION)}
    for area in home.areas:
        for name in (area.name, *area.aliases):
            assert name.lower() in places, name
    for floor in home.floors:
        for name in (floor.name, *floor.aliases):
            assert name.lower() in places, name


def test_every_intent_in_default(default_examples: list[TaggedExample]) -> None:
    seen = {c[2:] for ex in default_examples for c in ex.clause_tags if c != O_TAG}
    assert seen == {i.value for i in Intent}


def test_every_slot_in_default(default_examples: list[TaggedExample]) -> None:
    seen = {s[2:] for ex in default_examples for s in ex.slot_tags if s != O_TAG}
    assert seen == {s.value for s in Slot}


def test_negatives_are_all_outside(default_examples: list[TaggedExample]) -> None:
    negatives = [ex for ex in default_examples if ex.kind == "none"]
    assert len(negatives) > 100
    for ex in negatives:
        assert set(ex.clause_tags) == {O_TAG}
        assert set(ex.slot_tags) == {O_TAG}


def test_multi_clause_examples_start_each_clause(
    default_examples: list[TaggedExample],
) -> None:
    multi = [ex for ex in default_examples if clause_count(ex) > 1]
    assert len(multi) > 200
    for ex in multi:
        runs = 0
        prev = O_TAG
        for c in ex.clause_tags:
            if c != O_TAG and (prev == O_TAG or c.startswith("B-")):
                runs += 1
                assert c.startswith("B-"), ex
            prev = c
        assert runs == clause_count(ex)


def test_exceptions_and_pronouns_occur(default_examples: list[TaggedExample]) -> None:
    excepts = [ex for ex in default_examples if spans(ex, Slot.EXCEPT)]
    pronouns = [
        ex for ex in default_examples if {"it", "them"} & set(spans(ex, Slot.TARGET))
    ]
    assert len(excepts) > 100
    assert len(pronouns) > 50


def test_generic_homes_load() -> None:
    homes = generic_homes()
    assert len(homes) >= 5
    assert all(len(h.devices) >= 30 for h in homes)


def test_random_home_is_deterministic_and_consistent() -> None:
    a = random_home(random.Random(11))  # noqa: S311
    b = random_home(random.Random(11))  # noqa: S311
    assert a == b
    for seed in range(30):
        h = random_home(random.Random(seed))  # noqa: S311
        ids = [d.id for d in h.devices]
        assert len(ids) == len(set(ids))
        area_ids = {x.id for x in h.areas}
        floor_ids = {f.id for f in h.floors}
        assert all(d.area is None or d.area in area_ids for d in h.devices)
        assert all(x.floor is None or x.floor in floor_ids for x in h.areas)


def test_template_carries_labels() -> None:
    tpl = compile_template("(turn|switch) off {the} {ref} <amount:a bit> [now]")
    pieces = render(
        tpl,
        {"ref": [("kitchen lights", Slot.TARGET)]},
        {"the": ["the"]},
        random.Random(0),  # noqa: S311
    )
    ex = build_example(
        ["hey", ClauseSeg(intent=Intent.TURN_OFF, pieces=tuple(pieces)), "thanks"]
    )
    assert ex.words[:6] == ("hey", ex.words[1], "off", "the", "kitchen", "lights")
    assert ex.clause_tags[:3] == ("O", "B-turn_off", "I-turn_off")
    assert ex.slot_tags[4:8] == ("B-target", "I-target", "B-amount", "I-amount")
    assert ex.clause_tags[-1] == "O"
    assert ex.kind == "turn_off"


def test_bad_template_is_rejected() -> None:
    with pytest.raises(ValueError, match="bad template"):
        compile_template("turn {on")


def test_jsonl_round_trip(tmp_path: Path, home: Home) -> None:
    examples = generate(home, n=50, seed=4)
    path = tmp_path / "sub" / "train.jsonl"
    assert write_jsonl(examples, path) == 50
    assert read_jsonl(path) == examples


def test_read_jsonl_reports_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"words": ["a"], "clause_tags": ["O"]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        read_jsonl(path)


def test_split_is_stratified_disjoint_and_deterministic(
    default_examples: list[TaggedExample],
) -> None:
    train, val, test = split(default_examples, seed=0)
    assert (train, val, test) == split(default_examples, seed=0)
    keys = [
        {tuple(w.lower() for w in ex.words) for ex in part}
        for part in (train, val, test)
    ]
    assert not keys[0] & keys[1]
    assert not keys[0] & keys[2]
    assert not keys[1] & keys[2]
    total = len(train) + len(val) + len(test)
    assert 0.08 < len(val) / total < 0.12
    kinds_all = Counter(ex.kind for part in (train, val, test) for ex in part)
    kinds_val = Counter(ex.kind for ex in val)
    for kind, count in kinds_all.items():
        if count >= 50:
            assert abs(kinds_val[kind] / count - 0.1) < 0.03, kind


def test_split_rejects_bad_shares() -> None:
    with pytest.raises(ValueError, match="add up"):
        split([], seed=0, val=0.6, test=0.5)
