"""Recipes for phrasings that plain templates make too rare.

Each recipe takes a :class:`~thingmind.train._data._clauses.SiteGen` and a random source
and returns segments (or None when the site cannot say it): wishes tied to device names
("i'd like a coffee"), light-level idioms ("lights up", "mood lighting"), vacuums by
name ("Dusty go clean"), exceptions in many shapes, two commands about different
devices, watering, generic sensor questions, and the rare intents.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.nlu import Intent, Slot
from thingmind.registry import Device
from thingmind.train._data._build import (
    ClauseSeg,
    Piece,
    Segment,
    Template,
    compile_template,
    render,
)
from thingmind.train._data._clauses import GROUP_ASK, INTENT_WEIGHTS, weighted
from thingmind.train._data._homes import ROBOT_NAMES
from thingmind.train._data._site import (
    TYPE_INTENTS,
    Dev,
    Ref,
    all_pieces,
    amount,
    here,
    scope,
)
from thingmind.train._data._templates import LAWN_WORDS
from thingmind.train._data._vocab import SENSOR_ATTRIBUTES, VOCAB, kinds_for

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    import random

    from thingmind.registry import Area
    from thingmind.train._data._clauses import SiteGen
    from thingmind.train._data._site import Site

I = Intent  # noqa: E741 - short alias keeps the tables readable
T = Slot.TARGET
L = Slot.LOCATION
X = Slot.EXCEPT


@functools.cache
def _compiled(source: str) -> Template:
    return compile_template(source)


def say(
    rng: random.Random, source: str, fills: Mapping[str, Sequence[Piece]]
) -> list[Piece]:
    """Render a template (see :mod:`~thingmind.train._data._build`) with ``fills``."""
    return [p for p in render(_compiled(source), fills, VOCAB, rng) if p[0]]


def _clause(intent: Intent, pieces: Sequence[Piece]) -> ClauseSeg:
    return ClauseSeg(intent=intent, pieces=tuple(p for p in pieces if p[0]))


def _a(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _fake(
    type_: str, name: str, *, device_class: str | None = None, area: Area | None = None
) -> Dev:
    """A device the site may lack, so a phrasing is learnt in every home."""
    device = Device(
        id=f"{type_}.x_{re.sub(r'[^a-z0-9]+', '_', name.lower())}",
        name=name,
        type=Domain(type_),
        device_class=device_class,
    )
    return Dev(
        device=device, type=type_, names=(name,), short=(),
        kinds=kinds_for(type_, device_class), area=area,
        intents=tuple(TYPE_INTENTS[type_]), plain=[name],
    )  # fmt: skip


def _loc(rng: random.Random, site: Site, dev: Dev | None = None) -> list[Piece]:
    """A place phrase or nothing."""
    roll = rng.random()
    if roll < 0.4:
        return []
    if roll < 0.6:
        return here(rng)
    return site.any_place(rng, dev=dev)


def _devs_named(site: Site, words: Sequence[str]) -> list[tuple[Dev, str]]:
    out: list[tuple[Dev, str]] = []
    for dev in site.devs:
        text = " | ".join(n.lower() for n in dev.names)
        for w in words:
            if re.search(rf"(?<![a-z]){w}(?![a-z])", text):
                out.append((dev, w))
                break
    return out


def _name_np(rng: random.Random, site: Site, dev: Dev) -> list[Piece]:
    ref = site.name_ref(rng, dev)
    return [*ref.np, *ref.loc]


# ------------------------------------------------------------------------ 1. wishes

_COFFEE = ("coffee", "espresso", "cappuccino", "latte")
_COFFEE_T: tuple[str, ...] = (
    "(i'd like|i want|i'd love|i fancy|i could use|i could do with|i need) {a} {kw}",
    "(i'd like|i want|i need|i fancy|we'd like) some {kw}",
    "{kw} time",
    "(it's|) time for {a} {kw}",
    "(fix|make|pour|brew|get) (me|us) {a} {kw}",
    "(get|start) {a} {kw} going",
    "(how about|what about|let's have|can i get) {a} {kw}",
    "(i'm|we're) (dying|desperate|gasping) for {a} {kw}",
    "{kw} (now|)",
    "{a} {kw} would be (nice|great|lovely)",
    "(get|put) the {kw} (on|going)",
    "(time for|i need|i want|let's have) a <target:brew|cup>",
    "get a <target:cup|brew> going",
)
_KETTLE_T: tuple[str, ...] = (
    "(i need|i want|i'd love|i fancy|i could murder) a <target:cuppa|brew|cup of tea|tea>",
    "(time for|let's have|how about) a <target:cuppa|brew|cup of tea>",
    "(put|stick|pop|get) {the} {kw} on",
    "(boil|put on|flick on) {the} {kw}",
    "{kw} on (please|)",
    "(get|have) {the} {kw} (boiling|going)",
    "<target:cuppa|tea> time",
    "(make|fix) (me|us) a <target:cuppa|cup of tea|brew>",
)
_FAN_T: tuple[str, ...] = (
    "(i need|i want|i could use|give me|get me|we need) (some|a bit of|) <target:air> {loc}",
    "(get|give me) some <target:air> (moving|going|flowing) {loc}",
    "(i need|i want|we need) (a|some) <target:breeze> {loc}",
    "(i need|i want|i could use) the {kw} (on|going)",
    "(get|put) {the} {kw} (on|going|spinning) {loc}",
    "{kw} (on|going) {loc}",
    "(let's|can we) (have|get) some <target:air> {loc}",
)
_MUSIC_T: tuple[str, ...] = (
    "(i want|i'd like|i fancy|let's have|give me|how about) (some|a bit of) (music|tunes) {loc}",
    "(music|tunes) (time|please) {loc}",
    "(get|put) (some|the) (music|tunes) (on|going) {loc}",
    "i'm in the mood for (some|) (music|tunes)",
    "(i want|i'd like|let's have) (some|) (music|tunes) (on|in|through) {ref}",
    "(let's|can we) (have|get) some (music|tunes) (going|on) {loc}",
)


def wish(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """Indirect wishes tied to device names: coffee, kettles, fans, music."""
    site = gen.site
    kind = rng.choices(["coffee", "kettle", "fan", "music"], [4, 3, 2, 2])[0]
    loc = _loc(rng, site)
    if kind == "music":
        media = site.by_type.get("media_player") or [_fake("media_player", "speaker")]
        dev = rng.choice(media)
        ref = site.name_ref(rng, dev)
        pieces = say(
            rng, rng.choice(_MUSIC_T), {"loc": loc, "ref": [*ref.np, *ref.loc]}
        )
        return [_clause(I.PLAY, pieces)]
    words = {"coffee": _COFFEE, "kettle": ("kettle",), "fan": ("fan", "extractor")}
    found = _devs_named(site, words[kind])
    if found and rng.random() < 0.7:
        kw = rng.choice(found)[1]
    else:
        kw = rng.choice(words[kind][:2])
    table = {"coffee": _COFFEE_T, "kettle": _KETTLE_T, "fan": _FAN_T}[kind]
    fills: dict[str, list[Piece]] = {
        "kw": [(kw, T)],
        "a": [(_a(kw), None)],
        "loc": loc,
    }
    return [_clause(I.TURN_ON, say(rng, rng.choice(table), fills))]


# ------------------------------------------------------------------- 2. light levels

_BRIGHTER: tuple[str, ...] = (
    "{tgt} up {amount} {loc}",
    "{tgt} up {loc}",
    "(more|some more|a bit more|a little more) <target:light> {loc}",
    "(i need|we need|i want|can i have|can i get|let's have|give me) (more|some more|a bit more) <target:light> {loc}",
    "(brighter|lighter) {loc}",
    "(brighter|a bit brighter|a little brighter) (please|)",
    "light up {loc}",
    "{makeit} (brighter|lighter|{amount} brighter)",
    "(make|get) {placebare} (brighter|lighter)",
    "(more|extra) <target:lighting> {loc}",
    "(turn|bring|put|push) {tgt} up {amount}",
    "(brighten|light) (things|it|everything) up {loc}",
)
_DIMMER: tuple[str, ...] = (
    "{tgt} down {amount} {loc}",
    "{tgt} down {loc}",
    "(low|soft|softer|dim|dimmer|mood|gentle|subdued) <target:lighting|light|lights> {loc}",
    "(let's have|i want|i'd like|give me|can we have|we need) (some|) (low|soft|softer|mood|dimmer|gentle) <target:lighting|light|lights> {loc}",
    "{makeit} (darker|dimmer|less bright|{amount} darker|{amount} dimmer)",
    "(make|get) {placebare} (darker|dimmer)",
    "(less|a bit less|a little less) <target:light> {loc}",
    "(dimmer|darker) (please|) {loc}",
    "(turn|bring|knock|take) {tgt} down {amount}",
    "(tone|bring) down the <target:lighting|lights> {loc}",
)


def light_level(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """Light-level idioms: "lights up", "more light", "mood lighting", "make it darker"."""
    site = gen.site
    lights = site.by_type.get("light", [])
    area = rng.choice(site.areas) if site.areas else None
    roll = rng.random()
    loc: list[Piece] = []
    if roll < 0.5:
        tgt: list[Piece] = [(rng.choice(["lights", "lights", "light", "lamps"]), T)]
        loc = _loc(rng, site)
    elif roll < 0.75 and area is not None:
        name = rng.choice(site.area_names[area.id])
        kind = rng.choice(["lights", "light", "lamps", "lighting"])
        tgt = [("the", None), (f"{name} {kind}", T)]
    elif lights:
        tgt = _name_np(rng, site, rng.choice(lights))
    else:
        tgt = [("the", None), (rng.choice(["lights", "light"]), T)]
        loc = _loc(rng, site)
    if tgt[0][0] != "the" and rng.random() < 0.4:
        tgt = [("the", None), *tgt]
    place: list[Piece] = (
        site.area_bare(rng, area) if area is not None else [("the room", None)]
    )
    makeit: list[Piece] = rng.choice([
        [("make it", None), *_loc(rng, site)],
        [("make", None), ("this room", L)],
        [("make the room", None)],
        [("make it", None)],
    ])  # fmt: skip
    fills: dict[str, list[Piece]] = {
        "makeit": makeit,
        "tgt": tgt,
        "loc": loc,
        "amount": amount(rng, small_only=True) if rng.random() < 0.5 else [],
        "placebare": place,
    }
    up = rng.random() < 0.5
    source = rng.choice(_BRIGHTER if up else _DIMMER)
    return [_clause(I.INCREASE if up else I.DECREASE, say(rng, source, fills))]


# ------------------------------------------------------------------------ 3. vacuums

_VAC_KINDS = ("robot vacuum", "hoover", "robot", "vacuum", "robot hoover", "cleaner")
_FLOORS: tuple[tuple[str, str], ...] = (
    ("floors", "need"), ("floor", "needs"), ("carpet", "needs"), ("carpets", "need"),
    ("rug", "needs"), ("rugs", "need"), ("house", "needs"), ("place", "needs"),
)  # fmt: skip
_CLEAN_T: tuple[str, ...] = (
    "start {ref}",
    "start {ref}",
    "{ref} (go clean|go and clean|start cleaning|clean up|get cleaning|do your thing|get to work|go)",
    "(run|launch|kick off|set off|fire up) {ref}",
    "(get|set) {ref} (going|cleaning|started)",
    "(send|let) {ref} (out|off) (to clean|)",
    "{ref} , (time to clean|go clean|off you go)",
    "(tell|ask|get) {ref} to (clean|start cleaning|do the floors)",
    "{ref} (clean|do|hoover) {place}",
    "(send|get) {ref} to (clean|do) {place}",
    "(get|start) the (cleaning|vacuuming|hoovering) (going|started)",
    "start a (clean|cleaning cycle|clean cycle|vacuum|hoover)",
    "do the (vacuuming|hoovering|cleaning)",
    "(run|start) the <target:robot|vacuum|hoover>",
    "(clean|hoover|vacuum) (my|the) {floor}",
    "(the|my) {floor} {needs} (a clean|cleaning|hoovering|a hoover|vacuuming|doing)",
    "(vacuum|hoover) {place} (please|)",
)
_HOME_T: tuple[str, ...] = (
    "send {ref} (to dock|to the dock|to its dock|to base|home|back home|to the charger)",
    "{ref} (home|go home|back to base|dock|go dock|return home)",
    "(dock|park|recall) {ref}",
    "{ref} , (go|head) (home|back|to your dock)",
    "(tell|get|ask) {ref} to (go home|go back to the dock|dock)",
    "(that's enough|enough) {ref} , (go|head) home",
    "(bring|call) {ref} (home|back)",
)
_VAC_OTHER: tuple[tuple[Intent, str], ...] = (
    (I.STOP, "{ref} stop"),
    (I.STOP, "stop {ref} (cleaning|)"),
    (I.PAUSE, "pause {ref}"),
    (I.PAUSE, "{ref} pause"),
)


def _vac_ref(rng: random.Random, site: Site, dev: Dev) -> list[Piece]:
    name = dev.plain[0] if dev.plain else dev.names[0]
    if site.is_proper(name) or rng.random() < 0.8:
        return _name_np(rng, site, dev)
    return [("the", None), (site.kind(rng, dev, plural=False), T)]


def _a_vacuum(rng: random.Random, site: Site) -> Dev:
    vacs = site.by_type.get("vacuum", [])
    if vacs and rng.random() < 0.6:
        return rng.choice(vacs)
    name = rng.choice(ROBOT_NAMES) if rng.random() < 0.7 else rng.choice(_VAC_KINDS)
    return _fake("vacuum", name)


def vacuum(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """Vacuums by name or kind: start, go clean, send home, floors need a clean."""
    site = gen.site
    dev = _a_vacuum(rng, site)
    roll = rng.random()
    area = rng.choice(site.areas) if site.areas else None
    floor, needs = rng.choice(_FLOORS)
    fills: dict[str, list[Piece]] = {
        "ref": _vac_ref(rng, site, dev),
        "place": site.area_bare(rng, area) if area else [(floor, L)],
        "floor": [(floor, L)],
        "needs": [(needs, None)],
    }
    if roll < 0.15:
        other = _a_vacuum(rng, site)
        if other.names == dev.names:
            other = _fake("vacuum", rng.choice(ROBOT_NAMES))
        first = _clause(I.RETURN_HOME, say(rng, rng.choice(_HOME_T), fills))
        fills2 = dict(fills, ref=_vac_ref(rng, site, other))
        second = _clause(I.CLEAN, say(rng, rng.choice(_CLEAN_T[:10]), fills2))
        pair = [first, second] if rng.random() < 0.6 else [second, first]
        return [pair[0], rng.choice(VOCAB["connector"]), pair[1]]
    if roll < 0.6:
        return [_clause(I.CLEAN, say(rng, rng.choice(_CLEAN_T), fills))]
    if roll < 0.9:
        return [_clause(I.RETURN_HOME, say(rng, rng.choice(_HOME_T), fills))]
    intent, source = rng.choice(_VAC_OTHER)
    return [_clause(intent, say(rng, source, fills))]


# --------------------------------------------------------------------- 4. exceptions

_EXCEPT_INTENTS: Mapping[Intent, float] = {
    I.TURN_OFF: 10, I.TURN_ON: 6, I.CLOSE: 4, I.OPEN: 3, I.LOCK: 4, I.UNLOCK: 2.5,
    I.SET_VALUE: 2, I.DECREASE: 1.5, I.INCREASE: 1, I.PAUSE: 2, I.MUTE: 1.2,
    I.STOP: 1.5, I.SET_COLOR: 1,
}  # fmt: skip
_KEEP: Mapping[Intent, tuple[str, ...]] = {
    I.TURN_OFF: ("on", "running"), I.TURN_ON: ("off",), I.CLOSE: ("open", "up"),
    I.OPEN: ("closed", "shut", "down"), I.LOCK: ("unlocked", "open"),
    I.UNLOCK: ("locked",), I.PAUSE: ("playing", "going"), I.STOP: ("running", "going"),
    I.MUTE: ("playing", "on"),
}  # fmt: skip
_NUM = re.compile(r"^(\d+|one|two|three|four|five|six|seven|eight|nine|ten|[a-z])$")


def _plural(word: str) -> str:
    if word.endswith(("s", "sh", "ch", "x")):
        return word + "es" if not word.endswith("s") else word
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def head_noun(dev: Dev) -> str | None:
    """The common noun at the end of a device name ("pump" for "Pump 3"), if any."""
    for name in (*dev.plain, *dev.names):
        words = [w for w in name.lower().split() if not _NUM.match(w)]
        if words and words[-1].isalpha() and len(words[-1]) > 2:
            if "'" in name and len(words) == 1:
                continue
            return words[-1]
    return None


def _group_kind(rng: random.Random, site: Site, dev: Dev, *, plural: bool) -> str:
    noun = head_noun(dev)
    if (
        noun
        and dev.type in {"switch", "lock", "cover", "valve", "fan"}
        and rng.random() < 0.5
        and (plural or not noun.endswith("s"))
    ):
        return _plural(noun) if plural else noun
    return site.kind(rng, dev, plural=plural)


def _except_what(
    rng: random.Random, site: Site, dev: Dev, *, areas: bool = True
) -> list[Piece]:
    """The excluded phrase: a device, an area, a floor, "the one in Z", two areas."""
    others = [d for d in site.by_type.get(dev.type, []) if d is not dev] or [dev]
    other = rng.choice(others)
    roll = rng.random()
    if not areas and 0.35 <= roll < 0.82:
        roll = 0.9
    the: list[Piece] = [("the", None)] if rng.random() < 0.7 else []
    if roll < 0.35:
        return [*the, (rng.choice(other.plain or list(other.names)), X)]
    if roll < 0.5 and site.areas:
        area = other.area or rng.choice(site.areas)
        name = rng.choice(site.area_names[area.id])
        one = rng.choice(["one", "ones", "one"])
        prep = rng.choice(["in", "in", "on", "by", "at"])
        return [("the", None), (one, X), (prep, None), ("the", None), (name, X)]
    if roll < 0.72 and site.areas:
        area = other.area or rng.choice(site.areas)
        name = rng.choice(site.area_names[area.id])
        form = rng.random()
        if form < 0.35:
            out: list[Piece] = [("in", None), ("the", None), (name, X)]
        elif form < 0.6:
            kind = _group_kind(rng, site, dev, plural=True)
            out = [*the, (f"{name} {kind}", X)]
        elif form < 0.75:
            out = [*the, (f"{name} ones", X)]
        else:
            out = [*the, (name, X)]
        if rng.random() < 0.3 and len(site.areas) > 1:
            second = rng.choice([a for a in site.areas if a is not area])
            out += [(rng.choice(["and", "or", ","]), None)]
            out += [("the", None), (rng.choice(site.area_names[second.id]), X)]
        return out
    if roll < 0.82 and site.floor_names:
        return [(rng.choice(rng.choice(list(site.floor_names.values()))), X)]
    if len(others) >= 2 and rng.random() < 0.5:
        a, b = rng.sample(others, 2)
        return [
            *the, (rng.choice(a.plain or list(a.names)), X),
            (rng.choice(["and", "or"]), None),
            *the, (rng.choice(b.plain or list(b.names)), X),
        ]  # fmt: skip
    return [*the, (rng.choice(other.plain or list(other.names)), X)]


def exception(
    rng: random.Random, site: Site, dev: Dev, intent: Intent, *, areas: bool = True
) -> list[Piece]:
    """Words after a group target that exclude part of it, in one of many shapes.

    Args:
        rng: The random source.
        site: The site.
        dev: A device of the group.
        intent: The clause's intent (for "but leave X on").
        areas: Whether the excluded phrase may be an area (False when the target is
            already placed in one area).

    Returns:
        The pieces to append to the clause.
    """
    what = _except_what(rng, site, dev, areas=areas)
    keep = _KEEP.get(intent)
    roll = rng.random()
    if keep and roll < 0.2:
        lead = rng.choice(
            [
                "but leave",
                "but keep",
                "and leave",
                "leave",
                ", but leave",
                ", leave",
                "just leave",
            ]
        )
        return [(lead, None), *what, (rng.choice(keep), None)]
    if roll < 0.3:
        return [
            (",", None),
            ("not", None),
            *what,
            (rng.choice(["though", "tho", "though", ""]), None),
        ]
    if roll < 0.4:
        return [
            (rng.choice(["but not", "but not", ", but not", "and not"]), None),
            *what,
        ]
    if what[0][0] == "in":
        word = rng.choice(["except", "except", "but not", "apart from", "other than"])
        return [(word, None), *what]
    word = rng.choice([
        "except", "except", "except", "except for", "apart from", "other than",
        "excluding", "save for", "besides", "but", "bar", "with the exception of",
        "everything but", "not including", "aside from", "minus", "but not",
    ])  # fmt: skip
    if word == "everything but":
        word = "but"
    return [(word, None), *what]


def except_(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """A group command with an exception, over every kind of device that groups."""
    site = gen.site
    pool = [i for i in _EXCEPT_INTENTS if i in site.by_intent]
    if not pool:
        return None
    intent = weighted(rng, pool, _EXCEPT_INTENTS)
    devs = [
        d for d in site.by_intent[intent] if d.type not in {"scene", "vacuum", "sensor"}
    ]
    if not devs:
        return None
    dev = rng.choice(devs)
    roll = rng.random()
    loc: list[Piece] = []
    if roll < 0.55:
        quant = all_pieces(rng)
        plural = True
        r = rng.random()
        if r < 0.2:
            quant, plural = [("every", Slot.ALL)], False
        elif r < 0.3:
            quant = [("all", Slot.ALL), ("my", None)]
        kind = _group_kind(rng, site, dev, plural=plural)
        if rng.random() < 0.4:
            loc = (
                site.floor_place(rng, dev)
                if rng.random() < 0.5
                else site.any_place(rng)
            )
        np: list[Piece] = [*quant, (kind, T)]
    elif roll < 0.8:
        if rng.random() < 0.6:
            loc = site.area_place(rng, dev.area) if dev.area else site.any_place(rng)
        np = [("everything", T)]
        if intent in {I.PAUSE, I.MUTE, I.STOP} and dev.type == "media_player":
            np += [
                (rng.choice(["that's playing", "playing", "that is on", "on"]), None)
            ]
    else:
        kind = _group_kind(rng, site, dev, plural=True)
        np = [("the", None), (kind, T)]
        loc = site.any_place(rng)
    ref = Ref(np=tuple(np), loc=tuple(loc), plural=np[0][0] != "every", group=True)
    seg = gen.clause(rng, intent, dev, ref=ref)
    if seg is None:
        return None
    placed = bool(loc)
    tail = exception(rng, site, dev, intent, areas=not placed)
    return [ClauseSeg(intent=intent, pieces=(*seg.pieces, *tail))]


# ---------------------------------------------------------------------- 5. two commands


def _flat(rng: random.Random, intents: Sequence[Intent]) -> Intent:
    return rng.choices(
        list(intents), weights=[INTENT_WEIGHTS.get(i, 1.0) ** 0.4 for i in intents]
    )[0]


_PRONOUN_FOLLOW: tuple[tuple[Intent, str, str], ...] = (
    (I.SET_COLOR, "light", "(make|turn) {it} {color}"),
    (I.SET_VALUE, "", "(set|put) {it} (to|at) {val}"),
    (I.SET_VALUE, "light", "(dim|bring) {it} (down|) to {val}"),
    (I.DECREASE, "light", "dim {it} {amount}"),
    (I.DECREASE, "", "(turn|bring) {it} down {amount}"),
    (I.INCREASE, "", "(turn|bring) {it} up {amount}"),
    (I.INCREASE, "light", "brighten {it} {amount}"),
    (I.TURN_OFF, "", "(turn|switch) {it} off (again|later|)"),
    (I.LOCK, "", "lock {it}"),
    (I.CLOSE, "", "(close|shut) {it} (again|)"),
)


def multi(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """Two or three commands; later ones name other devices or use "it"/"them"."""
    site = gen.site
    intents = [i for i in site.intents if not (i in GROUP_ASK and rng.random() < 0.5)]
    if not intents:
        return None
    count = 2 if rng.random() < 0.85 else 3
    segs: list[Segment] = []
    prev: tuple[Intent, Dev] | None = None
    for k in range(count):
        seg: ClauseSeg | None = None
        if prev is not None and rng.random() < 0.3:
            p_intent, p_dev = prev
            plural = gen.last_plural
            it: list[Piece] = [("them" if plural else "it", T)]
            follow = [
                (i, s) for i, t, s in _PRONOUN_FOLLOW
                if i in p_dev.intents and i is not p_intent and t in {"", p_dev.type}
            ]  # fmt: skip
            if follow and rng.random() < 0.6:
                intent, source = rng.choice(follow)
                fills: dict[str, list[Piece]] = {
                    "it": it,
                    "color": [(rng.choice(VOCAB_COLORS), Slot.COLOR)],
                    "val": site.value(rng, p_dev),
                    "amount": amount(rng) if rng.random() < 0.5 else [],
                }
                seg = _clause(intent, say(rng, source, fills))
            else:
                pool = [
                    i for i in p_dev.intents if i != p_intent and i not in GROUP_ASK
                ]
                if pool:
                    intent = _flat(rng, pool)
                    pron = Ref(np=tuple(it), plural=plural)
                    seg = gen.clause(rng, intent, p_dev, ref=pron)
            if seg is not None:
                prev = (seg.intent, p_dev)
        if seg is None:
            pool = [
                i
                for i in intents
                if not (k == 0 and i.is_question and rng.random() < 0.7)
            ]
            intent = _flat(rng, pool)
            devs = site.by_intent[intent]
            if prev is not None and len(devs) > 1:
                devs = [d for d in devs if d is not prev[1]]
            dev = rng.choice(devs)
            ref = (
                site.name_ref(rng, dev)
                if rng.random() < 0.35 and intent not in GROUP_ASK
                else None
            )
            seg = gen.clause(rng, intent, dev, ref=ref)
            prev = (intent, dev)
        if seg is None:
            return None
        if segs:
            segs.append(rng.choice(VOCAB["connector"]))
        segs.append(seg)
    return segs


VOCAB_COLORS: tuple[str, ...] = (
    "red", "blue", "green", "warm white", "purple", "orange", "pink", "cool white",
    "yellow", "teal", "amber", "daylight",
)  # fmt: skip

# ------------------------------------------------------------------------ 6. watering

_WATER_OPEN: tuple[str, ...] = (
    "water {the_pl} {lawn}",
    "water {the_pl} {lawn}",
    "give {the_pl} {lawn} a (water|drink|soak|watering|good soak)",
    "(start|begin) watering {the_pl} {lawn}",
    "(turn|switch|put) {the_pl} {spr} on",
    "(turn on|switch on|start|run) {the_pl} {spr} {inlawn}",
    "{spr} on {inlawn}",
    "(the|my) {lawn} (needs|could do with) (a water|watering|a drink)",
    "(get|start) {the_pl} {spr} (going|running)",
    "(open|run) {the_pl} {spr} (for the|on the|in the) {lawn}",
)
_WATER_CLOSE: tuple[str, ...] = (
    "stop watering {the_pl} {lawn}",
    "stop watering",
    "stop the watering",
    "(turn|switch) {the_pl} {spr} off",
    "(turn off|switch off|shut off|stop|close) {the_pl} {spr} {inlawn}",
    "{spr} off",
    "(that's enough|enough) (water|watering) (for|on) {the_pl} {lawn}",
    "(no more|cut the) (water|watering) (on|for) {the_pl} {lawn}",
)


def watering(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """Water the garden / sprinklers on / stop watering: open or close of water valves."""
    site = gen.site
    outdoor = [a for a in site.areas if a.outdoor]
    if outdoor and rng.random() < 0.6:
        lawn = rng.choice(site.area_names[rng.choice(outdoor).id])
    else:
        lawn = rng.choice(LAWN_WORDS)
    valves = [
        d for d in site.by_type.get("valve", []) if d.device.device_class == "water"
    ]
    if valves and rng.random() < 0.5:
        spr = [p for p in _name_np(rng, site, rng.choice(valves)) if p[1] is T]
    else:
        spr = [
            (
                rng.choice(
                    [
                        "sprinklers",
                        "sprinkler",
                        "irrigation",
                        "sprinkler system",
                        "watering system",
                        "hose",
                    ]
                ),
                T,
            )
        ]
    inlawn: list[Piece] = []
    if rng.random() < 0.4:
        inlawn = [(rng.choice(["in the", "on the", "for the"]), None), (lawn, L)]
    fills: dict[str, list[Piece]] = {
        "lawn": [(lawn, L)],
        "spr": spr,
        "inlawn": inlawn,
    }
    opening = rng.random() < 0.6
    source = rng.choice(_WATER_OPEN if opening else _WATER_CLOSE)
    pieces = say(rng, source, fills)
    if "'" in lawn:
        pieces = [
            p for p in pieces if not (p[1] is None and p[0] in {"the", "my", "our"})
        ]
    return [_clause(I.OPEN if opening else I.CLOSE, pieces)]


# ------------------------------------------------------------------ 8. sensor questions

_PROBLEMS: Mapping[str, tuple[str, ...]] = {
    "problem": ("faults", "machine faults", "problems", "errors", "alarms", "trips",
                "fault alarms", "line faults", "issues", "warnings"),
    "moisture": ("leaks", "water leaks", "floods", "leak alerts"),
    "smoke": ("smoke alarms", "fire alarms", "smoke alerts", "fires"),
    "motion": ("movement", "motion", "intruders"),
    "gas": ("gas leaks", "gas alarms"),
    "carbon_monoxide": ("co alarms", "carbon monoxide alarms"),
    "vibration": ("vibration alarms", "vibration warnings"),
}  # fmt: skip
_ANY_T: tuple[str, ...] = (
    "(are there|have we got|do we have|got) any {ref} {loc}",
    "any {ref} {loc}",
    "(is|are) there any {ref} {loc}",
    "(anything|any) {ref} (to report|showing|) {loc}",
    "(check|see) (if|whether) (there are|we have) any {ref} {loc}",
)
_WHICH_T: tuple[str, ...] = (
    "where are the {ref}",
    "(list|show me|tell me) (the|any|all the) {ref} {loc}",
    "which {ref} are (active|showing|open|on) {loc}",
    "what {ref} (are there|have we got|do we have) {loc}",
)
_COUNT_T: tuple[str, ...] = (
    "how many {ref} (are there|have we got|do we have|are active) {loc}",
    "(count|number of) {ref} {loc}",
)
_VALUE_T: tuple[str, ...] = (
    "what's the {attr} reading (on|in|at|for) {area}",
    "what's the {attr} (on|in|at|for) {area} and {area2}",
    "(what are|what's|gimme|give me|tell me) the {attr} (readings|) (on|in|for) {area} and {area2}",
    "(gimme|give me|tell me) the {area} {attr}",
    "{attr} (reading|) (on|in|for) {area} (please|)",
    "(what's|what is) the <attribute:reading|value|level> (on|in|at|from) {area}",
    "(how's|how is) the {attr} (looking|) (on|in) {area} and {area2}",
    "{area} and {area2} {attr}",
)


def sensor_question(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """Generic sensor questions and "any faults on site?" questions."""
    site = gen.site
    if rng.random() < 0.5 and len(site.areas) >= 2:
        sensors = site.by_type.get("sensor", [])
        dev = rng.choice(sensors) if sensors else None
        attr = site.attr(rng, dev) if dev else None
        if attr is None:
            words = rng.choice(list(SENSOR_ATTRIBUTES.values()))
            attr = [(rng.choice(words), Slot.ATTRIBUTE)]
        a, b = rng.sample(site.areas, 2)
        if dev is not None and dev.area is not None and rng.random() < 0.5:
            a = dev.area
            b = rng.choice([x for x in site.areas if x is not a])
        if "reading" in attr[0][0]:
            attr = [(attr[0][0].replace("reading", "").strip(), Slot.ATTRIBUTE)]
        fills: dict[str, list[Piece]] = {
            "attr": attr,
            "area": [(rng.choice(site.area_names[a.id]), L)],
            "area2": [(rng.choice(site.area_names[b.id]), L)],
        }
        return [_clause(I.ASK_VALUE, say(rng, rng.choice(_VALUE_T), fills))]
    sensors = [
        d for d in site.by_type.get("binary_sensor", [])
        if (d.device.device_class or "") in _PROBLEMS
    ]  # fmt: skip
    if sensors and rng.random() < 0.7:
        klass = rng.choice(sensors).device.device_class or "problem"
    else:
        klass = rng.choice(["problem", "problem", "moisture", "smoke", "gas"])
    ref: list[Piece] = [(rng.choice(_PROBLEMS[klass]), T)]
    r = rng.random()
    if r < 0.3:
        loc: list[Piece] = [("on", None), ("site", L)]
    elif r < 0.5:
        loc = [(rng.choice(["anywhere", "everywhere"]), L)]
    elif r < 0.75 and site.areas:
        loc = site.area_place(rng, rng.choice(site.areas))
    elif r < 0.85:
        loc = scope(rng)
    else:
        loc = []
    roll = rng.random()
    if roll < 0.6:
        intent, table = I.ASK_ANY, _ANY_T
    elif roll < 0.85:
        intent, table = I.ASK_WHICH, _WHICH_T
    else:
        intent, table = I.ASK_COUNT, _COUNT_T
    return [_clause(intent, say(rng, rng.choice(table), {"ref": ref, "loc": loc}))]


# ---------------------------------------------------------------------- rare intents

_RARE: Mapping[Intent, float] = {
    I.NEXT_TRACK: 1.2, I.PREVIOUS_TRACK: 1.3, I.MUTE: 0.9, I.UNMUTE: 1.3, I.ARM: 2.2,
    I.DISARM: 2.2, I.RETURN_HOME: 1, I.CLEAN: 0.6, I.TOGGLE: 0.4, I.SET_MODE: 0.4,
}  # fmt: skip
_RARE_TYPE: Mapping[Intent, tuple[str, tuple[str, ...]]] = {
    I.NEXT_TRACK: ("media_player", ("speaker", "tv", "radio", "music", "stereo")),
    I.PREVIOUS_TRACK: ("media_player", ("speaker", "tv", "radio", "music")),
    I.MUTE: ("media_player", ("tv", "speaker", "telly", "radio", "soundbar")),
    I.UNMUTE: ("media_player", ("tv", "speaker", "telly", "radio", "soundbar")),
    I.ARM: (
        "alarm_control_panel",
        ("alarm", "burglar alarm", "house alarm", "security system", "alarm system"),
    ),
    I.DISARM: (
        "alarm_control_panel",
        ("alarm", "burglar alarm", "house alarm", "security system", "alarm system"),
    ),
    I.RETURN_HOME: ("vacuum", ("robot vacuum", "hoover", "vacuum")),
    I.CLEAN: ("vacuum", ("robot vacuum", "hoover", "vacuum")),
    I.TOGGLE: ("light", ("lamp", "light")),
    I.SET_MODE: ("climate", ("thermostat", "heating", "aircon")),
}


def rare(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """One command of an intent that most homes rarely allow (tracks, mute, alarms)."""
    site = gen.site
    intent = weighted(rng, list(_RARE), _RARE)
    devs = site.by_intent.get(intent, [])
    if devs and rng.random() < 0.7:
        dev = rng.choice(devs)
    else:
        type_, names = _RARE_TYPE[intent]
        area = rng.choice(site.areas) if site.areas and rng.random() < 0.4 else None
        name = rng.choice(names)
        if area is not None and rng.random() < 0.5:
            name = f"{rng.choice(site.area_names[area.id])} {name}"
        klass = {"media_player": "speaker"}.get(type_)
        dev = _fake(type_, name, device_class=klass, area=area)
    seg = gen.clause(rng, intent, dev)
    return [seg] if seg else None
