"""The training-data generator: labelled sentences for a home, and for the default model.

``generate(home, n=..., seed=...)`` first covers every device name and alias, every area
and floor name and every device type of the home, then draws the rest from a mix of
recipes: one command, a question, several commands in one sentence, one verb with
several targets, exceptions, feelings, verbs tied to device names, requests for things
the site lacks, impossible values, and sentences that ask nothing of the site.
"""

from __future__ import annotations

import functools
import logging
import random
from typing import TYPE_CHECKING

from thingmind.nlu import Intent, Slot, TaggedExample
from thingmind.train._data import _extra as extra, _rules as rules
from thingmind.train._data._build import (
    ClauseSeg,
    Piece,
    Segment,
    build_example,
    render,
)
from thingmind.train._data._clauses import (
    FEELING_WEIGHTS,
    GROUP_ASK,
    INTENT_WEIGHTS,
    SiteGen,
    compiled,
    weighted,
)
from thingmind.train._data._homes import generic_homes, random_home
from thingmind.train._data._site import Ref, Site, all_pieces, amount
from thingmind.train._data._vocab import END_PUNCT, VOCAB

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from thingmind.registry import Home

_LOGGER = logging.getLogger(__name__)

I = Intent  # noqa: E741 - short alias keeps the tables readable

RECIPES: Mapping[str, float] = {
    "single": 0.40,
    "multi": 0.06,
    "multi2": 0.11,
    "multi_target": 0.05,
    "except": 0.07,
    "feeling": 0.08,
    "keyword": 0.02,
    "wish": 0.02,
    "light_level": 0.025,
    "vacuum": 0.02,
    "watering": 0.01,
    "sensor_question": 0.02,
    "rare": 0.036,
    "negative": 0.085,
    "unknown": 0.03,
    "impossible": 0.012,
    "topic": 0.01,
    "automation": 0.075,
    "history": 0.05,
}
"""Share of each kind of sentence among drawn examples."""

# -------------------------------------------------------------------------- sentences


_NO_PREFIX = frozenset((
    "can", "could", "would", "will", "i", "i'm", "i'd", "it", "it's", "its", "is", "are",
    "am", "make", "that", "this", "we", "we're", "my", "please", "too", "so", "what's",
    "what", "how", "which", "do", "did", "have", "has", "tell", "in", "on", "at", "down",
    "up", "out", "any", "where", "count", "number", "list", "show", "check", "read",
))  # fmt: skip
"""First words of a clause that take no politeness prefix ("please can you ...")."""
_DETERMINERS = frozenset(
    ("the", "my", "our", "that", "this", "those", "these", "both", "all", "every")
)
_WH = frozenset(("what", "what's", "which", "how", "where", "who"))
FEELINGS_SET = frozenset({I.TOO_DARK, I.TOO_BRIGHT, I.TOO_COLD, I.TOO_HOT, I.TOO_LOUD})


def _tidy(pieces: Sequence[Piece]) -> list[Piece]:
    """Drop an article before a possessive or a second article ("the Jack's room")."""
    out: list[Piece] = []
    for k, (text, slot) in enumerate(pieces):
        nxt = pieces[k + 1][0].lower() if k + 1 < len(pieces) else ""
        if slot is None and text in {
            "the",
            "my",
            "our",
            "that",
            "this",
            "those",
            "these",
        }:
            first = nxt.split(" ", 1)[0]
            if "'" in first or first in {
                "the",
                "my",
                "our",
                "this",
                "that",
                "those",
                "these",
            }:
                continue
        out.append((text, slot))
    return out


def _wrap(rng: random.Random, segs: list[Segment]) -> list[Segment]:
    segs = [
        ClauseSeg(intent=s.intent, pieces=tuple(_tidy(s.pieces)))
        if isinstance(s, ClauseSeg)
        else s
        for s in segs
    ]
    clauses = [s for s in segs if isinstance(s, ClauseSeg)]
    question = bool(clauses) and clauses[-1].intent.is_question
    first_word = (
        clauses[0].pieces[0][0].split(" ", 1)[0].lower()
        if clauses and clauses[0].pieces
        else ""
    )
    prefix_ok = (
        bool(clauses)
        and clauses[0].pieces[0][1] is None
        and first_word not in _NO_PREFIX
        and first_word not in _DETERMINERS
        and clauses[0].intent not in FEELINGS_SET
    )
    out: list[Segment] = []
    if rng.random() < 0.1:
        wake = rng.choice(VOCAB["wake"])
        out.append(wake + ("," if rng.random() < 0.3 else ""))
    if clauses and first_word in _WH and rng.random() < 0.12:
        out.append(rng.choice(VOCAB["ask_pre"]))
    elif prefix_ok and not question and rng.random() < 0.2:
        out.append(rng.choice(VOCAB["polite_pre"]))
    out.extend(segs)
    if (
        clauses
        and not question
        and clauses[-1].intent not in FEELINGS_SET
        and rng.random() < 0.12
    ):
        out.append(rng.choice(VOCAB["polite_post"]))
    if question and rng.random() < 0.45:
        out.append("?")
    elif rng.random() < 0.1:
        out.append(rng.choice(END_PUNCT))
    return out


def _recase(rng: random.Random, ex: TaggedExample) -> TaggedExample:
    if rng.random() < 0.72:
        words = tuple(w.lower() for w in ex.words)
    else:
        words = tuple(
            "I" if w == "i" else ("I'm" if w == "i'm" else w) for w in ex.words
        )
        if words:
            words = (words[0][:1].upper() + words[0][1:], *words[1:])
    return TaggedExample(
        words=words, clause_tags=ex.clause_tags, slot_tags=ex.slot_tags, kind=ex.kind
    )


_SLIPS: Mapping[str, tuple[str, str, float]] = {
    "B-turn_off": ("off", "of", 0.1),
    "I-turn_off": ("off", "of", 0.1),
    "B-turn_on": ("on", "one", 0.015),
    "I-turn_on": ("on", "one", 0.015),
}
"""Speech slips kept in the data: "turn of the light" still means turn_off."""


def _slip(rng: random.Random, ex: TaggedExample) -> TaggedExample:
    words = list(ex.words)
    for k, (w, c, s) in enumerate(
        zip(ex.words, ex.clause_tags, ex.slot_tags, strict=True)
    ):
        slip = _SLIPS.get(c)
        if slip and s == "O" and w.lower() == slip[0] and rng.random() < slip[2]:
            words[k] = slip[1] if w.islower() else slip[1].capitalize()
    if words == list(ex.words):
        return ex
    return TaggedExample(
        words=tuple(words),
        clause_tags=ex.clause_tags,
        slot_tags=ex.slot_tags,
        kind=ex.kind,
    )


def _example(rng: random.Random, segs: list[Segment]) -> TaggedExample:
    return _slip(rng, _recase(rng, build_example(_wrap(rng, segs))))


def _draw(gen: SiteGen, rng: random.Random) -> TaggedExample:
    recipes: dict[str, Callable[[random.Random], list[Segment] | None]] = {
        "single": gen.single,
        "multi": gen.multi,
        "multi2": functools.partial(extra.multi, gen),
        "multi_target": gen.multi_target,
        "except": functools.partial(extra.except_, gen),
        "wish": functools.partial(extra.wish, gen),
        "light_level": functools.partial(extra.light_level, gen),
        "vacuum": functools.partial(extra.vacuum, gen),
        "watering": functools.partial(extra.watering, gen),
        "sensor_question": functools.partial(extra.sensor_question, gen),
        "rare": functools.partial(extra.rare, gen),
        "feeling": gen.feeling,
        "keyword": gen.keyword,
        "negative": gen.negative,
        "unknown": gen.unknown,
        "impossible": gen.impossible,
        "topic": gen.topic,
        "automation": functools.partial(rules.automation, gen),
        "history": functools.partial(rules.history_question, gen),
    }
    names = list(RECIPES)
    weights = list(RECIPES.values())
    for _ in range(20):
        name = rng.choices(names, weights=weights)[0]
        segs = recipes[name](rng)
        if segs:
            return _example(rng, segs)
    return _example(rng, gen.negative(rng))


def _coverage(gen: SiteGen, rng: random.Random) -> list[TaggedExample]:
    """One example per device name and alias, area and floor name, and device type."""
    site = gen.site
    out: list[TaggedExample] = []
    commands = [i for i in Intent if not i.is_question]
    for dev in site.devs:
        for name in (*dev.plain, *dev.short):
            intents = [i for i in dev.intents if i not in GROUP_ASK] or list(
                dev.intents
            )
            if not intents:
                continue
            intent = weighted(rng, intents, INTENT_WEIGHTS)
            ref = site.name_ref(rng, dev, name)
            if name in dev.short and dev.area:
                ref = Ref(
                    np=ref.np,
                    loc=tuple(site.area_place(rng, dev.area)),
                    plural=ref.plural,
                )
            seg = gen.clause(rng, intent, dev, ref=ref)
            if seg:
                out.append(_example(rng, [seg]))
        if dev.type == "sensor":
            named = [("area", *p) for p in dev.area_attr]
            named += [("tgt", *p) for p in dev.target_attr]
            for key, words, attr_word in named:
                seg = gen.sensor_clause(rng, dev, named=(key, words, attr_word))
                if seg:
                    out.append(_example(rng, [seg]))
        for intent, source, kw in dev.keyword_verbs:
            del intent, source, kw
            segs = gen.keyword(rng)
            if segs:
                out.append(_example(rng, segs))
    for area in site.areas:
        devs = site.by_area.get(area.id, [])
        for name in site.area_names[area.id]:
            place = site.place(rng, name)
            if devs:
                dev = rng.choice(devs)
                pool = [i for i in dev.intents if i in commands] or list(dev.intents)
                intent = weighted(rng, pool, INTENT_WEIGHTS)
                if dev.type == "sensor":
                    seg = gen.clause(rng, I.ASK_VALUE, dev)
                else:
                    plural = rng.random() < 0.5
                    kind = site.kind(rng, dev, plural=plural)
                    ref = Ref(
                        np=(("the", None), (kind, Slot.TARGET)),
                        loc=tuple(place),
                        plural=plural,
                    )
                    seg = gen.clause(rng, intent, dev, ref=ref)
            else:
                feel = weighted(rng, list(FEELING_WEIGHTS), FEELING_WEIGHTS)
                tpl = rng.choice(
                    [t for t in compiled()[f"feel:{feel.value}"] if "loc" in t.needs]
                )
                seg = ClauseSeg(
                    intent=feel,
                    pieces=tuple(
                        render(
                            tpl.template,
                            {"loc": place, "amount": amount(rng)},
                            VOCAB,
                            rng,
                        )
                    ),
                )
            if seg:
                out.append(_example(rng, [seg]))
    for names in site.floor_names.values():
        for name in names:
            got = gen.pick(
                rng, [I.TURN_OFF, I.TURN_ON, I.ASK_ANY, I.ASK_COUNT, I.CLOSE, I.LOCK]
            )
            if got is None:
                break
            intent, dev = got
            kind = site.kind(rng, dev, plural=True)
            floor_place = tuple(site.place(rng, name, floor=True))
            if intent in GROUP_ASK:
                ref = Ref(np=((kind, Slot.TARGET),), loc=floor_place, plural=True)
            else:
                ref = Ref(
                    np=(*all_pieces(rng), (kind, Slot.TARGET)),
                    loc=floor_place,
                    plural=True,
                    group=True,
                )
            seg = gen.clause(rng, intent, dev, ref=ref)
            if seg:
                out.append(_example(rng, [seg]))
    for type_, devs in site.by_type.items():
        dev = devs[0]
        pool = [
            i
            for i in dev.intents
            if i in GROUP_ASK or i in {I.TURN_OFF, I.TURN_ON, I.CLOSE, I.LOCK}
        ]
        if not pool or type_ in {"scene", "sensor"}:
            continue
        intent = weighted(rng, pool, INTENT_WEIGHTS)
        seg = gen.clause(rng, intent, dev)
        if seg:
            out.append(_example(rng, [seg]))
    return out


# -------------------------------------------------------------------------- public API


def generate(
    home: Home, *, n: int, seed: int, include_generic: bool = True
) -> list[TaggedExample]:
    """Generate labelled sentences for a home.

    The first examples cover every device name and alias, area and floor name and device
    type of ``home``; the rest are drawn at random. With ``include_generic`` about 40% of
    the examples come from the generic and random training homes instead, so a model
    adapted to one home keeps what it knew.

    Args:
        home: The site.
        n: How many examples.
        seed: The random seed; the same seed gives the same examples.
        include_generic: Mix in examples from other homes.

    Returns:
        ``n`` examples, shuffled.
    """
    rng = random.Random(seed)
    gen = SiteGen(Site(home))
    n_home = n if not include_generic else round(n * 0.6)
    examples = _coverage(gen, rng)[:n_home]
    while len(examples) < n_home:
        examples.append(_draw(gen, rng))
    if include_generic:
        others = _other_gens(rng, count=max(10, (n - n_home) // 400))
        examples.extend(
            _draw(rng.choice(others), rng) for _ in range(n - len(examples))
        )
    rng.shuffle(examples)
    return examples


def generate_default(*, n: int, seed: int) -> list[TaggedExample]:
    """Generate labelled sentences for the default model (no particular home).

    Draws from the generic training homes (about a third) and from random homes.

    Args:
        n: How many examples.
        seed: The random seed.

    Returns:
        ``n`` examples, shuffled.
    """
    rng = random.Random(seed)
    generic = [SiteGen(Site(h)) for h in generic_homes()]
    randoms = _other_gens(rng, count=max(20, n // 250), generic=False)
    examples: list[TaggedExample] = []
    for gen in generic:
        examples.extend(_coverage(gen, rng))
    examples = examples[:n]
    while len(examples) < n:
        pool = generic if generic and rng.random() < 0.35 else randoms
        examples.append(_draw(rng.choice(pool), rng))
    rng.shuffle(examples)
    _LOGGER.debug(
        "generated %d default examples from %d homes", n, len(generic) + len(randoms)
    )
    return examples


def _other_gens(
    rng: random.Random, *, count: int, generic: bool = True
) -> list[SiteGen]:
    gens = [SiteGen(Site(h)) for h in generic_homes()] if generic else []
    gens.extend(SiteGen(Site(random_home(rng))) for _ in range(count))
    return gens
