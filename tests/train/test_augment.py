"""Tests for training-sentence noise (thingmind.train._data.augment)."""

from __future__ import annotations

import random

from thingmind.nlu import O_TAG, Intent, Slot, TaggedExample, words_of
from thingmind.train._data import ClauseSeg, augment, build_example, generate_default


def check_example(ex: TaggedExample) -> None:
    """Tags are strict BIO, aligned with the run-time word split, slots inside clauses."""
    assert ex.words
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


def spans(ex: TaggedExample, slot: Slot) -> list[str]:
    out: list[list[str]] = []
    for w, s in zip(ex.words, ex.slot_tags, strict=True):
        if s == f"B-{slot.value}":
            out.append([w])
        elif s == f"I-{slot.value}":
            out[-1].append(w)
    return [" ".join(x).lower() for x in out]


def _example() -> TaggedExample:
    clause = ClauseSeg(
        intent=Intent.SET_VALUE,
        pieces=(
            ("set", None),
            ("the", None),
            ("kitchen lights", Slot.TARGET),
            ("to", None),
            ("50", Slot.VALUE),
            ("%", Slot.UNIT),
        ),
    )
    return build_example(["please", clause, "?"])


def test_augment_keeps_alignment_on_many_examples() -> None:
    rng = random.Random(0)  # noqa: S311
    for ex in generate_default(n=1500, seed=5):
        out = augment(ex, rng)
        check_example(out)
        assert out.kind == ex.kind


def test_augment_is_deterministic() -> None:
    ex = _example()
    assert augment(ex, random.Random(3)) == augment(ex, random.Random(3))  # noqa: S311


def test_augment_keeps_spans() -> None:
    ex = _example()
    for seed in range(200):
        out = augment(ex, random.Random(seed))  # noqa: S311
        check_example(out)
        assert len(spans(out, Slot.TARGET)) == 1
        assert len(spans(out, Slot.VALUE)) == 1
        assert spans(out, Slot.VALUE)[0] in {"50", "fifty"}
        assert spans(out, Slot.UNIT)[0] in {"%", "percent"}


def test_augment_varies_the_sentence() -> None:
    ex = _example()
    outs = {augment(ex, random.Random(seed)).words for seed in range(100)}  # noqa: S311
    assert len(outs) > 30


def test_augment_off_slip_only_in_turn_off() -> None:
    off = build_example(
        [
            ClauseSeg(
                intent=Intent.TURN_OFF,
                pieces=(("turn off", None), ("the", None), ("fan", Slot.TARGET)),
            )
        ]
    )
    ask = build_example(
        [
            ClauseSeg(
                intent=Intent.ASK_STATE,
                pieces=(("is", None), ("the fan", Slot.TARGET), ("off", Slot.STATE)),
            )
        ]
    )
    slipped = {
        augment(off, random.Random(seed)).words[1].lower()  # noqa: S311
        for seed in range(300)
    }
    assert "of" in slipped
    for seed in range(300):
        out = augment(ask, random.Random(seed))  # noqa: S311
        assert "of" not in [w.lower() for w in out.words]
        check_example(out)
