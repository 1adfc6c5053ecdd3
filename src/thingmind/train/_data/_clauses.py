"""Clauses for one site: an intent, a device, a target phrase and a template, rendered."""

from __future__ import annotations

from dataclasses import dataclass
import functools
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
from thingmind.train._data._site import (
    TYPE_INTENTS,
    Dev,
    Ref,
    Site,
    all_pieces,
    amount,
    color,
    here,
    level_any,
    level_down,
    level_up,
)
from thingmind.train._data._templates import (
    FEELING_PLACE,
    FEELINGS,
    HOME_WORDS,
    IMPOSSIBLE,
    INJECTION_PAYLOADS,
    INJECTIONS,
    LAWN_WORDS,
    NEGATIVE_FILLS,
    NEGATIVE_TEMPLATES,
    NEGATIVES,
    PHENOMENON_TEMPLATES,
    SENSOR_TEMPLATES,
    TEMPLATES,
    UNKNOWN_AREAS,
    UNKNOWN_THINGS,
)
from thingmind.train._data._vocab import ATTRIBUTE_WORDS, VOCAB, say_number

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence
    import random

I = Intent  # noqa: E741 - short alias keeps the tables readable

INTENT_WEIGHTS: Mapping[Intent, float] = {
    I.TURN_ON: 10, I.TURN_OFF: 10, I.TOGGLE: 1.5, I.SET_VALUE: 8, I.INCREASE: 5,
    I.DECREASE: 5, I.SET_COLOR: 3.5, I.SET_MODE: 2.5, I.OPEN: 4, I.CLOSE: 4, I.STOP: 2,
    I.LOCK: 2.5, I.UNLOCK: 2.5, I.PLAY: 2, I.PAUSE: 2, I.NEXT_TRACK: 1.2,
    I.PREVIOUS_TRACK: 1.2, I.MUTE: 1.3, I.UNMUTE: 1.2, I.CLEAN: 2.5, I.RETURN_HOME: 2,
    I.ARM: 1.8, I.DISARM: 1.8, I.ASK_STATE: 6, I.ASK_VALUE: 7, I.ASK_ANY: 3,
    I.ASK_ALL: 2.5, I.ASK_WHICH: 2.5, I.ASK_COUNT: 2.5,
}  # fmt: skip
"""How often each intent is drawn for a single command (feelings have their own recipe)."""

FEELING_WEIGHTS: Mapping[Intent, float] = {
    I.TOO_DARK: 1.05, I.TOO_BRIGHT: 1.1, I.TOO_COLD: 1.1, I.TOO_HOT: 1.05, I.TOO_LOUD: 1,
}  # fmt: skip

GROUP_ASK = frozenset({I.ASK_ANY, I.ASK_ALL, I.ASK_WHICH, I.ASK_COUNT})
_MULTI_TARGET = (
    I.TURN_ON,
    I.TURN_OFF,
    I.OPEN,
    I.CLOSE,
    I.LOCK,
    I.UNLOCK,
    I.TOGGLE,
    I.STOP,
)
_SLOT_FILLS = frozenset(
    [
        "ref",
        "it",
        "is",
        "val",
        "num",
        "by",
        "lvl",
        "lvl_up",
        "lvl_down",
        "amount",
        "color",
        "mode",
        "attr",
        "state",
        "all",
        "loc",
        "place",
        "area",
        "tgt",
        "kw",
        "lawn",
        "home",
    ]
)
NEG_VOCAB: Mapping[str, Sequence[str]] = {**VOCAB, **NEGATIVE_FILLS}
_BASE_FILLS = (
    "amount", "state", "all", "lvl", "lvl_up", "lvl_down", "val", "num", "step", "by",
    "color", "mode",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Tpl:
    template: Template
    include: frozenset[str]
    exclude: frozenset[str]
    needs: frozenset[str]

    def fits(self, type_: str, have: frozenset[str]) -> bool:
        if self.include and type_ not in self.include:
            return False
        if type_ == "scene" and "scene" not in self.include:
            return False
        if type_ in self.exclude:
            return False
        return self.needs <= have


def _tpl(source: str) -> _Tpl:
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    if source.startswith("@"):
        head, source = source.split(" ", 1)
        if head.startswith("@!"):
            exclude = frozenset(head[2:].split(","))
        else:
            include = frozenset(head[1:].split(","))
    template = compile_template(source)
    return _Tpl(template, include, exclude, template.fills & _SLOT_FILLS)


@functools.cache
def compiled() -> dict[str, tuple[_Tpl, ...]]:
    out: dict[str, tuple[_Tpl, ...]] = {
        i.value: tuple(map(_tpl, ts)) for i, ts in TEMPLATES.items()
    }
    for i, ts in FEELINGS.items():
        out[f"feel:{i.value}"] = tuple(map(_tpl, ts))
    for i, ts in FEELING_PLACE.items():
        out[f"feelplace:{i.value}"] = tuple(map(_tpl, ts))
    out["sensor"] = tuple(map(_tpl, SENSOR_TEMPLATES))
    out["phenomenon"] = tuple(map(_tpl, PHENOMENON_TEMPLATES))
    out["negative"] = tuple(map(_tpl, NEGATIVE_TEMPLATES))
    out["injection"] = tuple(map(_tpl, INJECTIONS))
    return out


@functools.cache
def _compiled_one(source: str) -> _Tpl:
    return _tpl(source)


def weighted(
    rng: random.Random, items: Sequence[Intent], weights: Mapping[Intent, float]
) -> Intent:
    return rng.choices(list(items), weights=[weights.get(i, 1.0) for i in items])[0]


# -------------------------------------------------------------------------- clauses


class SiteGen:
    """Draws clauses and sentences for one site."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.last_plural = False
        """Whether the last clause's target was plural (for a following "it"/"them")."""
        self._things: list[tuple[str, str]] | None = None
        self._areas: list[str] | None = None

    def _unknown_things(self) -> list[tuple[str, str]]:
        if self._things is None:
            self._things = [t for t in UNKNOWN_THINGS if not self.site.knows(t[0])]
        return self._things

    def _unknown_areas(self) -> list[str]:
        if self._areas is None:
            self._areas = [a for a in UNKNOWN_AREAS if not self.site.knows(a)]
        return self._areas

    # ----------------------------------------------------------- fills

    def _fills(
        self,
        rng: random.Random,
        dev: Dev,
        ref: Ref | None,
        *,
        number: float | None = None,
        want: Collection[str] | None = None,
    ) -> dict[str, list[Piece]]:
        """Slot fills for a clause; only the names in ``want`` (all when None)."""
        site = self.site
        makers: dict[str, Callable[[], list[Piece]]] = {
            "amount": lambda: amount(rng),
            "state": lambda: site.state(rng, dev),
            "all": lambda: all_pieces(rng),
            "lvl": lambda: level_any(rng),
            "lvl_up": lambda: level_up(rng),
            "lvl_down": lambda: level_down(rng),
            "val": lambda: site.value(rng, dev, number=number),
            "num": lambda: site.number(rng, dev),
            "step": lambda: [
                (
                    say_number(rng.choice([1, 1, 2, 3, 5, 10]), rng, words=0.6),
                    Slot.VALUE,
                )
            ],
            "by": lambda: site.by(rng, dev),
            "color": lambda: color(rng),
            "mode": lambda: site.mode(rng, dev),
        }
        fills: dict[str, list[Piece]] = {
            k: make() for k, make in makers.items() if want is None or k in want
        }
        if ref is not None:
            fills["it"] = [("them" if ref.plural else "it", None)]
            fills["is"] = [("are" if ref.plural else "is", None)]
            fills["needs"] = [("need" if ref.plural else "needs", None)]
        if want is None or "attr" in want:
            attr = site.attr(rng, dev)
            if attr is not None:
                fills["attr"] = attr
        if want is None or "place" in want:
            area = dev.area or (rng.choice(site.areas) if site.areas else None)
            if area is not None:
                fills["place"] = site.area_bare(rng, area)
        return fills

    def _keys(self, dev: Dev, ref: Ref | None) -> set[str]:
        """The fill names :meth:`_fills` can give for a device (without drawing)."""
        keys = set(_BASE_FILLS)
        if ref is not None:
            keys |= {"it", "is", "needs"}
        if dev.type == "sensor" or dev.type in ATTRIBUTE_WORDS:
            keys.add("attr")
        if dev.area or self.site.areas:
            keys.add("place")
        return keys

    def _have(
        self, dev: Dev, fills: Collection[str], ref: Ref | None
    ) -> frozenset[str]:
        have = set(fills) | {"loc"}
        if ref is not None:
            have.add("ref")
        if dev.type not in {"climate", "alarm_control_panel"}:
            have.discard("mode")
        if dev.type != "light":
            have.discard("color")
        return frozenset(have)

    def _render(
        self,
        rng: random.Random,
        tpl: _Tpl,
        fills: dict[str, list[Piece]],
        *,
        ref: Ref | None,
        dev: Dev | None,
        vocab: Mapping[str, Sequence[str]] = VOCAB,
    ) -> list[Piece]:
        """Render with the ref's place inline, in {loc}, or moved to the front or end."""
        front: list[Piece] = []
        back: list[Piece] = []
        if ref is not None:
            if "loc" in tpl.template.fills:
                fills["ref"] = list(ref.np)
                if ref.loc:
                    fills["loc"] = list(ref.loc)
                elif "ref" in tpl.template.fills and rng.random() < 0.5:
                    fills["loc"] = []
                else:
                    fills["loc"] = self.site.any_place(rng, dev=dev)
            else:
                where = rng.random()
                fills["ref"] = list(ref.np)
                if ref.loc and where < 0.8:
                    fills["ref"] += list(ref.loc)
                elif ref.loc and where < 0.9:
                    front = list(ref.loc)
                else:
                    back = list(ref.loc)
        elif "loc" not in fills:
            fills["loc"] = (
                self.site.any_place(rng, dev=dev) if rng.random() < 0.7 else []
            )
        pieces = render(tpl.template, fills, vocab, rng)
        return front + pieces + back

    def clause(
        self,
        rng: random.Random,
        intent: Intent,
        dev: Dev,
        *,
        ref: Ref | None = None,
        number: float | None = None,
        exception: bool = False,
    ) -> ClauseSeg | None:
        """One clause for a device.

        Args:
            rng: The random source.
            intent: What it asks.
            dev: The device it is about.
            ref: The target phrase to use (drawn when None).
            number: A value to use instead of a drawn one.
            exception: Add an exception ("except the hallway") when the target allows.

        Returns:
            The clause, or None when no template fits.
        """
        site = self.site
        key = intent.value
        if intent is I.ASK_VALUE and dev.type == "sensor" and ref is None:
            return self.sensor_clause(rng, dev)
        if (
            intent is I.ASK_ANY
            and dev.type == "binary_sensor"
            and ref is None
            and rng.random() < 0.5
        ):
            phen = site.phenomenon_ref(rng, dev)
            if phen is not None:
                ref, key = phen, "phenomenon"
        if ref is None:
            if intent in GROUP_ASK:
                ref = site.group_ref(rng, dev)
            else:
                ref = site.ref(rng, dev, intent)
        have = self._have(dev, self._keys(dev, ref), ref)
        if number is not None:
            have = have - {"lvl", "lvl_up", "lvl_down", "num", "by"}
        options = [t for t in compiled()[key] if t.fits(dev.type, have)]
        if number is not None:
            options = [t for t in options if "val" in t.needs]
        if ref.np and ref.np[0][0] in {"it", "them"}:
            options = [t for t in options if "it" not in t.needs]
        if not options:
            return None
        tpl = rng.choice(options)
        self.last_plural = ref.plural
        fills = self._fills(rng, dev, ref, number=number, want=tpl.template.fills)
        pieces = self._render(rng, tpl, fills, ref=ref, dev=dev)
        if exception and ref.group:
            pieces += self._exception(rng, dev, intent)
        return ClauseSeg(intent=intent, pieces=tuple(pieces))

    def sensor_clause(
        self, rng: random.Random, dev: Dev, *, named: tuple[str, str, str] | None = None
    ) -> ClauseSeg | None:
        """ASK_VALUE about a sensor; ``named`` forces ("area" or "tgt", words, attribute)."""
        site = self.site
        fills = self._fills(rng, dev, None)
        if dev.area:
            fills["loc"] = (
                site.area_place(rng, dev.area)
                if rng.random() < 0.75
                else site.any_place(rng)
            )
            names = [n for n, _ in dev.area_attr] or list(site.area_names[dev.area.id])
            fills["area"] = [(rng.choice(names), Slot.LOCATION)]
        elif rng.random() < 0.5:
            fills["loc"] = site.any_place(rng)
        else:
            fills["loc"] = []
        if dev.target_attr:
            tgt, attr_word = rng.choice(dev.target_attr)
            fills["tgt"] = [(tgt, Slot.TARGET)]
            if rng.random() < 0.5:
                fills["attr"] = [(attr_word, Slot.ATTRIBUTE)]
        elif dev.area_attr and rng.random() < 0.5:
            fills["attr"] = [(rng.choice(dev.area_attr)[1], Slot.ATTRIBUTE)]
        ref = site.name_ref(rng, dev)
        fills["ref"] = list(ref.np) + list(ref.loc)
        have = frozenset(fills)
        options = [t for t in compiled()["sensor"] if t.fits("sensor", have)]
        if named is not None:
            key, words, attr_word = named
            slot = Slot.LOCATION if key == "area" else Slot.TARGET
            fills[key] = [(words, slot)]
            fills["attr"] = [(attr_word, Slot.ATTRIBUTE)]
            options = [t for t in compiled()["sensor"] if key in t.needs]
        tpl = rng.choice(options)
        return ClauseSeg(
            intent=I.ASK_VALUE, pieces=tuple(render(tpl.template, fills, VOCAB, rng))
        )

    def _exception(self, rng: random.Random, dev: Dev, intent: Intent) -> list[Piece]:
        if rng.random() < 0.6:
            from thingmind.train._data._extra import exception  # noqa: PLC0415

            return exception(rng, self.site, dev, intent)
        site = self.site
        others = [d for d in site.by_type.get(dev.type, []) if d is not dev] or [dev]
        other = rng.choice(others)
        roll = rng.random()
        if roll < 0.4 and site.areas:
            area = other.area or rng.choice(site.areas)
            name = rng.choice(site.area_names[area.id])
            what: list[Piece] = [(name, Slot.EXCEPT)]
            if rng.random() < 0.3:
                what = [("in", None), ("the", None), (name, Slot.EXCEPT)]
            elif rng.random() < 0.3:
                what = [(f"{name} {site.kind(rng, dev, plural=True)}", Slot.EXCEPT)]
            elif rng.random() < 0.2:
                what = [(f"{name} ones", Slot.EXCEPT)]
        elif roll < 0.55 and site.floor_names:
            what = [
                (rng.choice(rng.choice(list(site.floor_names.values()))), Slot.EXCEPT)
            ]
        else:
            what = [(rng.choice(other.plain or list(other.names)), Slot.EXCEPT)]
        if what[0][1] is Slot.EXCEPT and rng.random() < 0.6:
            what = [("the", None), *what]
        if rng.random() < 0.2 and len(site.areas) > 1:
            second = rng.choice(site.areas)
            what += [(rng.choice(["and", "or", ","]), None), ("the", None)]
            what += [(rng.choice(site.area_names[second.id]), Slot.EXCEPT)]
        if (
            intent in {I.TURN_OFF, I.TURN_ON, I.CLOSE, I.OPEN, I.LOCK, I.UNLOCK}
            and rng.random() < 0.25
        ):
            keep = {I.TURN_OFF: "on", I.TURN_ON: "off", I.CLOSE: "open", I.OPEN: "closed",
                    I.LOCK: "unlocked", I.UNLOCK: "locked"}[intent]  # fmt: skip
            lead = rng.choice(
                ["but leave", "but keep", "and leave", "leave", ", but leave"]
            )
            return [(lead, None), *what, (keep, None)]
        return [(rng.choice(VOCAB["except_w"]), None), *what]

    # ----------------------------------------------------------- recipes

    def pick(
        self, rng: random.Random, intents: Sequence[Intent] | None = None
    ) -> tuple[Intent, Dev] | None:
        """Draw an intent the site supports, and a device for it."""
        site = self.site
        pool = [i for i in (intents or site.intents) if i in site.by_intent]
        if not pool:
            return None
        intent = weighted(rng, pool, INTENT_WEIGHTS)
        return intent, rng.choice(site.by_intent[intent])

    def single(self, rng: random.Random) -> list[Segment] | None:
        got = self.pick(rng)
        if got is None:
            return None
        intent, dev = got
        seg = self.clause(rng, intent, dev, exception=rng.random() < 0.08)
        return [seg] if seg else None

    def multi(self, rng: random.Random) -> list[Segment] | None:
        count = 2 if rng.random() < 0.8 else 3
        segs: list[Segment] = []
        prev: tuple[Intent, Dev] | None = None
        for k in range(count):
            seg: ClauseSeg | None = None
            if prev is not None and rng.random() < 0.35:
                p_intent, p_dev = prev
                follow = [
                    i for i in p_dev.intents if i != p_intent and i not in GROUP_ASK
                ]
                if follow:
                    intent = weighted(rng, follow, INTENT_WEIGHTS)
                    plural = self.last_plural
                    pron = Ref(
                        np=(("them" if plural else "it", Slot.TARGET),), plural=plural
                    )
                    seg = self.clause(rng, intent, p_dev, ref=pron)
                    prev = (intent, p_dev)
            if seg is None:
                pool = [
                    i
                    for i in self.site.intents
                    if not (k == 0 and i.is_question and rng.random() < 0.8)
                ]
                got = self.pick(rng, pool)
                if got is None:
                    return None
                prev = got
                seg = self.clause(rng, got[0], got[1])
            if seg is None:
                return None
            if segs:
                segs.append(rng.choice(VOCAB["connector"]))
            segs.append(seg)
        return segs

    def multi_target(self, rng: random.Random) -> list[Segment] | None:
        got = self.pick(rng, _MULTI_TARGET)
        if got is None:
            return None
        intent, dev = got
        devs = self.site.by_intent[intent]
        same = [d for d in devs if d.type == dev.type]
        if len(same) >= 2 and rng.random() < 0.85:
            devs = same
        if dev not in devs or len(devs) < 2:
            return None
        k = 2 if rng.random() < 0.7 or len(devs) < 3 else 3
        chosen = [dev, *rng.sample([d for d in devs if d is not dev], k - 1)]
        np: list[Piece] = []
        for j, d in enumerate(chosen):
            r = (
                self.site.name_ref(rng, d)
                if rng.random() < 0.7
                else self.site.ref(rng, d, I.ASK_STATE)
            )
            if j:
                last = j == k - 1
                joiner = (
                    rng.choice(["and", "and", "plus", "as well as", "and also", ","])
                    if last
                    else ","
                )
                if last and k == 3 and rng.random() < 0.3:
                    joiner = ", and"
                np.append((joiner, None))
            np += list(r.np) + list(r.loc)
        ref = Ref(np=tuple(np), plural=True)
        seg = self.clause(rng, intent, dev, ref=ref)
        return [seg] if seg else None

    def feeling(self, rng: random.Random) -> list[Segment] | None:
        site = self.site
        intent = weighted(rng, list(FEELING_WEIGHTS), FEELING_WEIGHTS)
        area = rng.choice(site.areas) if site.areas else None
        if area is not None and rng.random() < 0.2:
            fills = {
                "place": site.area_bare(rng, area),
                "amount": amount(rng, small_only=True),
            }
            tpl = rng.choice(compiled()[f"feelplace:{intent.value}"])
            return [
                ClauseSeg(
                    intent=intent, pieces=tuple(render(tpl.template, fills, VOCAB, rng))
                )
            ]
        roll = rng.random()
        if roll < 0.35:
            loc = here(rng)
        elif roll < 0.65 and area is not None:
            loc = site.area_place(rng, area)
        else:
            loc = []
        fills2: dict[str, list[Piece]] = {
            "loc": loc,
            "amount": amount(rng, small_only=True),
        }
        media = site.by_type.get("media_player")
        have = {"loc", "amount"}
        if media:
            ref = site.name_ref(rng, rng.choice(media)) if rng.random() < 0.6 else None
            if ref is not None:
                fills2["ref"] = list(ref.np) + list(ref.loc)
                have.add("ref")
        options = [t for t in compiled()[f"feel:{intent.value}"] if t.needs <= have]
        tpl = rng.choice(options)
        return [
            ClauseSeg(
                intent=intent, pieces=tuple(render(tpl.template, fills2, VOCAB, rng))
            )
        ]

    def keyword(self, rng: random.Random) -> list[Segment] | None:
        site = self.site
        if not site.keyword_devs:
            return None
        dev = rng.choice(site.keyword_devs)
        intent, source, kw = rng.choice(dev.keyword_verbs)
        tpl = _compiled_one(source)
        if dev.area and dev.area.outdoor and rng.random() < 0.6:
            lawn = rng.choice(site.area_names[dev.area.id])
        else:
            lawn = rng.choice(LAWN_WORDS)
        if rng.random() < 0.5 and site.areas:
            home_word = rng.choice(site.area_names[rng.choice(site.areas).id])
        else:
            home_word = rng.choice(HOME_WORDS)
        ref = site.name_ref(rng, dev)
        fills: dict[str, list[Piece]] = {
            "kw": [(kw, Slot.TARGET)],
            "ref": [p for p in ref.np if p[0] not in {"the", "my", "our"}]
            + list(ref.loc),
            "lawn": [(lawn, Slot.LOCATION)],
            "home": [(home_word, Slot.LOCATION)],
        }
        pieces = render(tpl.template, fills, VOCAB, rng)
        if "lawn" in tpl.template.fills:
            pieces = [
                p
                for p in pieces
                if not (p[1] is None and p[0] in {"the", "my", "our"} and "'" in lawn)
            ]
        return [ClauseSeg(intent=intent, pieces=tuple(pieces))]

    def unknown(self, rng: random.Random) -> list[Segment] | None:
        site = self.site
        if rng.random() < 0.6:
            things = self._unknown_things()
            if not things:
                return None
            name, type_ = rng.choice(things)
            device = Device(id=f"{type_}.unknown", name=name, type=Domain(type_))
            dev = Dev(
                device=device, type=type_, names=(name,), short=(), kinds=(), area=None,
                intents=tuple(i for i in TYPE_INTENTS[type_] if i not in GROUP_ASK),
                plain=[name],
            )  # fmt: skip
            if not dev.intents:
                return None
            intent = weighted(rng, dev.intents, INTENT_WEIGHTS)
            loc: tuple[Piece, ...] = ()
            if rng.random() < 0.3 and site.areas:
                loc = tuple(site.area_place(rng, rng.choice(site.areas)))
            ref = Ref(
                np=(("the", None), (name, Slot.TARGET))
                if rng.random() < 0.85
                else ((name, Slot.TARGET),),
                loc=loc,
            )
            seg = self.clause(rng, intent, dev, ref=ref)
            return [seg] if seg else None
        areas = self._unknown_areas()
        got = self.pick(
            rng,
            [
                I.TURN_ON,
                I.TURN_OFF,
                I.OPEN,
                I.CLOSE,
                I.SET_VALUE,
                I.ASK_STATE,
                I.DECREASE,
            ],
        )
        if not areas or got is None:
            return None
        intent, dev = got
        kind = site.kind(rng, dev, plural=rng.random() < 0.6)
        place = site.place(rng, rng.choice(areas))
        ref = Ref(
            np=(("the", None), (kind, Slot.TARGET)),
            loc=tuple(place),
            plural=kind.endswith("s"),
        )
        seg = self.clause(rng, intent, dev, ref=ref)
        return [seg] if seg else None

    def impossible(self, rng: random.Random) -> list[Segment] | None:
        devs = [
            d for d in self.site.by_intent.get(I.SET_VALUE, []) if d.type in IMPOSSIBLE
        ]
        if not devs:
            return None
        dev = rng.choice(devs)
        seg = self.clause(
            rng, I.SET_VALUE, dev, number=rng.choice(IMPOSSIBLE[dev.type])
        )
        return [seg] if seg else None

    def topic(self, rng: random.Random) -> list[Segment] | None:
        """Topic first: "the front door, unlock it", "in the study switch the light off"."""
        got = self.pick(rng, [i for i in self.site.intents if not i.is_question])
        if got is None:
            return None
        intent, dev = got
        ref = self.site.name_ref(rng, dev)
        if dev.area and not ref.loc and rng.random() < 0.5:
            ref = Ref(
                np=ref.np,
                loc=tuple(self.site.area_place(rng, dev.area)),
                plural=ref.plural,
            )
        seg = self.clause(rng, intent, dev, ref=ref)
        return [seg] if seg else None

    def negative(self, rng: random.Random) -> list[Segment]:
        roll = rng.random()
        if roll < 0.5:
            return [rng.choice(NEGATIVES)]
        if roll < 0.8:
            tpl = rng.choice(compiled()["negative"])
            return [" ".join(p[0] for p in render(tpl.template, {}, NEG_VOCAB, rng))]
        tpl = rng.choice(compiled()["injection"])
        payload = [(rng.choice(INJECTION_PAYLOADS), None)]
        return [
            " ".join(
                p[0] for p in render(tpl.template, {"payload": payload}, VOCAB, rng)
            )
        ]
