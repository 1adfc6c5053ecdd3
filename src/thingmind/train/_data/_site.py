"""What a home offers the generator: device phrases, places, and per-device values.

:class:`Site` is built once per home. It knows, for each device, the names people may
use for it (name, aliases, the name without its room words, kind words) and what can be
asked of it, and it builds target phrases (:class:`Ref`), places and value phrases as
lists of pieces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from typing import TYPE_CHECKING

from thingmind.nlu import Intent, Slot
from thingmind.registry import Area, Device, Home
from thingmind.train._data._build import Piece
from thingmind.train._data._templates import KEYWORD_VERBS
from thingmind.train._data._vocab import (
    ALARM_MODES,
    AMOUNTS_BIG,
    AMOUNTS_SMALL,
    ATTRIBUTE_WORDS,
    CLIMATE_MODES,
    COLORS,
    HEAD_NOUNS,
    HERE_LOCATIONS,
    LEVELS_DIR_DOWN,
    LEVELS_DIR_UP,
    LEVELS_DOWN,
    LEVELS_MID,
    LEVELS_UP,
    PHENOMENA,
    SCOPE_LOCATIONS,
    SENSOR_ATTRIBUTES,
    UNITS_C,
    UNITS_F,
    UNITS_PERCENT,
    VOCAB,
    KindWords,
    kinds_for,
    say_number,
    states_for,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    import random

I = Intent  # noqa: E741 - short alias keeps the tables readable
T = Slot.TARGET
L = Slot.LOCATION

_ON_OFF = (I.TURN_ON, I.TURN_OFF, I.TOGGLE)
_LEVEL = (I.SET_VALUE, I.INCREASE, I.DECREASE)
_GROUP_ASK = (I.ASK_ANY, I.ASK_ALL, I.ASK_WHICH, I.ASK_COUNT)

TYPE_INTENTS: dict[str, tuple[Intent, ...]] = {
    "light": (*_ON_OFF, *_LEVEL, I.SET_COLOR, I.ASK_STATE, I.ASK_VALUE, *_GROUP_ASK),
    "switch": (*_ON_OFF, I.STOP, I.ASK_STATE, *_GROUP_ASK),
    "fan": (*_ON_OFF, *_LEVEL, I.STOP, I.ASK_STATE, I.ASK_VALUE, *_GROUP_ASK),
    "climate": (I.TURN_ON, I.TURN_OFF, *_LEVEL, I.SET_MODE, I.ASK_STATE, I.ASK_VALUE),
    "cover": (I.OPEN, I.CLOSE, I.STOP, *_LEVEL, I.ASK_STATE, I.ASK_VALUE, *_GROUP_ASK),
    "valve": (
        I.OPEN,
        I.CLOSE,
        I.SET_VALUE,
        I.ASK_STATE,
        *_GROUP_ASK,
    ),
    "lock": (I.LOCK, I.UNLOCK, I.ASK_STATE, *_GROUP_ASK),
    "media_player": (
        I.TURN_ON,
        I.TURN_OFF,
        I.TOGGLE,
        *_LEVEL,
        I.PLAY,
        I.PAUSE,
        I.STOP,
        I.NEXT_TRACK,
        I.PREVIOUS_TRACK,
        I.MUTE,
        I.UNMUTE,
        I.ASK_STATE,
        I.ASK_VALUE,
        I.ASK_ANY,
        I.ASK_WHICH,
    ),
    "vacuum": (I.CLEAN, I.RETURN_HOME, I.PAUSE, I.STOP, I.ASK_STATE, I.ASK_VALUE),
    "alarm_control_panel": (I.ARM, I.DISARM, I.ASK_STATE, I.ASK_VALUE),
    "humidifier": (*_ON_OFF, *_LEVEL, I.ASK_STATE, I.ASK_VALUE),
    "water_heater": (I.TURN_ON, I.TURN_OFF, *_LEVEL, I.ASK_STATE, I.ASK_VALUE),
    "sensor": (I.ASK_VALUE,),
    "binary_sensor": (I.ASK_STATE, *_GROUP_ASK),
    "scene": (I.TURN_ON,),
}
"""What can be asked of each device type."""

_VALUE_KEYS = {
    "light": "brightness",
    "fan": "percentage",
    "cover": "position",
    "valve": "position",
    "humidifier": "target_humidity",
}
_GROUP_INTENTS = frozenset(
    {
        I.TURN_ON,
        I.TURN_OFF,
        I.TOGGLE,
        I.OPEN,
        I.CLOSE,
        I.LOCK,
        I.UNLOCK,
        I.STOP,
        I.SET_VALUE,
        I.INCREASE,
        I.DECREASE,
        I.SET_COLOR,
        I.MUTE,
        I.PAUSE,
        I.SET_MODE,
    }
)
"""Intents that make sense on several devices at once ("all the lights")."""

_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Ref:
    """A target phrase: the noun phrase, an optional place, and grammatical number."""

    np: tuple[Piece, ...]
    """The noun phrase with its article and quantifier ("all the lights")."""
    loc: tuple[Piece, ...] = ()
    """Its place with the preposition ("in the kitchen"), or empty."""
    plural: bool = False
    """True when it names several things (for "it"/"them", "is"/"are")."""
    group: bool = False
    """True for kind phrases that may take an exception ("all the lights")."""


@dataclass(slots=True)
class Dev:
    """A device, with the phrases people use for it."""

    device: Device
    type: str
    names: tuple[str, ...]
    """Its name and aliases, as written."""
    short: tuple[str, ...]
    """Its names without its room's words, when that leaves something."""
    kinds: KindWords
    area: Area | None
    intents: tuple[Intent, ...]
    keyword_verbs: list[tuple[Intent, str, str]] = field(default_factory=list)
    """(intent, template, keyword) from the keyword-verb table."""
    area_attr: list[tuple[str, str]] = field(default_factory=list)
    """Sensor names that are an area and an attribute ("kitchen temperature")."""
    target_attr: list[tuple[str, str]] = field(default_factory=list)
    """Sensor names that are a thing and an attribute ("boiler pressure")."""
    plain: list[str] = field(default_factory=list)
    """Names that are neither (always usable as a target)."""

    def plural_name(self, name: str) -> bool:
        """Guess whether a name is plural ("blinds", "spotlights")."""
        last = name.lower().split()[-1] if name.split() else ""
        return last.endswith("s") and not last.endswith(("ss", "us", "is", "'s"))


def _contains(haystack: str, needle: str) -> bool:
    return (
        re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", haystack)
        is not None
    )


class Site:
    """Phrases and values for one home."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.areas = list(home.areas)
        self.area_names: dict[str, tuple[str, ...]] = {
            a.id: (a.name, *a.aliases) for a in home.areas
        }
        self.floor_names: dict[str, tuple[str, ...]] = {
            f.id: (f.name, *f.aliases) for f in home.floors
        }
        self.devs: list[Dev] = []
        self.by_intent: dict[Intent, list[Dev]] = {}
        self.by_type: dict[str, list[Dev]] = {}
        self.by_area: dict[str, list[Dev]] = {}
        lowered: list[str] = []
        for device in home.devices:
            dev = self._dev(device)
            self.devs.append(dev)
            for intent in dev.intents:
                self.by_intent.setdefault(intent, []).append(dev)
            self.by_type.setdefault(dev.type, []).append(dev)
            if dev.area:
                self.by_area.setdefault(dev.area.id, []).append(dev)
            lowered.extend(n.lower() for n in dev.names)
        for names in self.area_names.values():
            lowered.extend(n.lower() for n in names)
        self.all_names = " | ".join(lowered)
        self.area_words = frozenset(
            n.lower() for names in self.area_names.values() for n in names
        )
        """Every area name and alias, lower case."""
        self.intents = [i for i in Intent if i in self.by_intent]
        self.keyword_devs = [d for d in self.devs if d.keyword_verbs]

    # ------------------------------------------------------------------ devices

    def _dev(self, device: Device) -> Dev:
        type_ = device.type.value
        area = (
            self.home.area(device.area)
            if device.area and self.home.has_area(device.area)
            else None
        )
        names = tuple(n for n in device.names if n.strip())
        short: list[str] = []
        area_words = (
            [w.lower() for w in self.area_names.get(area.id, ())] if area else []
        )
        for name in names:
            low = name.lower()
            for aw in sorted(area_words, key=len, reverse=True):
                if low.startswith(aw + " "):
                    rest = name[len(aw) + 1 :].strip()
                    if rest and rest.lower() not in {"'s", "s"}:
                        short.append(rest)
                    break
        if type_ == "sensor":
            short = []
        kinds = kinds_for(type_, device.device_class)
        intents = list(TYPE_INTENTS.get(type_, ()))
        state = device.state
        if type_ == "light" and state and "color" not in state:
            intents.remove(I.SET_COLOR)
        if type_ in _VALUE_KEYS and state and _VALUE_KEYS[type_] not in state:
            intents = [i for i in intents if i not in _LEVEL]
        dev = Dev(
            device=device,
            type=type_,
            names=names,
            short=tuple(dict.fromkeys(short)),
            kinds=kinds,
            area=area,
            intents=tuple(intents),
        )
        if type_ == "sensor":
            attr_words = sorted(
                {w for ws in SENSOR_ATTRIBUTES.values() for w in ws},
                key=lambda w: (-len(w), w),
            )
            for name in names:
                low = name.lower()
                hit = next(
                    (w for w in attr_words if low.endswith(" " + w.lower())), None
                )
                if hit is None:
                    dev.plain.append(name)
                    continue
                prefix = name[: len(name) - len(hit) - 1].strip()
                if prefix.lower() in area_words:
                    dev.area_attr.append((prefix, name[len(prefix) + 1 :]))
                else:
                    dev.target_attr.append((prefix, name[len(prefix) + 1 :]))
        else:
            dev.plain.extend(names)
        text = " | ".join(n.lower() for n in names)
        for keywords, types, intent, template in KEYWORD_VERBS:
            if types and type_ not in types:
                continue
            for kw in keywords:
                if _contains(text, kw):
                    dev.keyword_verbs.append((intent, template, kw))
                    break
        return dev

    def is_proper(self, name: str) -> bool:
        """True for a one-word name that is not a common noun ("Robbie")."""
        words = name.split()
        return len(words) == 1 and name[:1].isupper() and name.lower() not in HEAD_NOUNS

    def knows(self, phrase: str) -> bool:
        """True when a phrase is (part of) a name or alias of this home."""
        return _contains(self.all_names, phrase.lower())

    # ------------------------------------------------------------------ phrases

    def article(self, rng: random.Random, name: str, *, plural: bool = False) -> str:
        """An article for a device name ("the", "my", or nothing for proper names)."""
        if self.is_proper(name) or "'s " in name.lower() or name.lower().endswith("'s"):
            return "" if rng.random() < 0.9 else "the"
        return rng.choice(VOCAB["the_pl" if plural else "the"])

    def place(
        self, rng: random.Random, name: str, *, floor: bool = False
    ) -> list[Piece]:
        """A place with its preposition: "in the kitchen", "on line 2", "upstairs"."""
        low = name.lower()
        if low in {
            "upstairs",
            "downstairs",
            "outside",
            "inside",
            "indoors",
            "outdoors",
        }:
            return [(name, L)]
        bare = "'" in low or bool(
            re.search(r"\d|\b(one|two|three|four|five|six)$", low)
        )
        if low.split(" ", 1)[0] in {"our", "my", "the", "his", "her", "their"}:
            bare = True
        if floor:
            prep = (
                rng.choice(["on the", "on the", "across the", "on"])
                if not bare
                else "on"
            )
        elif bare:
            prep = rng.choice(["in", "in", "on", "at"])
        else:
            prep = rng.choice(
                ["in the", "in the", "in the", "in the", "on the", "at the", "in"]
            )
        return [(prep, None), (name, L)]

    def area_place(self, rng: random.Random, area: Area) -> list[Piece]:
        """The place of an area, by one of its names."""
        return self.place(rng, rng.choice(self.area_names[area.id]))

    def area_bare(self, rng: random.Random, area: Area) -> list[Piece]:
        """An area said as a noun with its article ("the kitchen", "Jack's room")."""
        name = rng.choice(self.area_names[area.id])
        low = name.lower()
        if (
            "'" in low
            or re.search(r"\d", low)
            or low.split(" ", 1)[0] in {"our", "my", "the"}
        ):
            return [(name, L)]
        return [(rng.choice(["the", "the", "the", "my", "our"]), None), (name, L)]

    def any_place(self, rng: random.Random, *, dev: Dev | None = None) -> list[Piece]:
        """A place for a clause: the device's area, another area, a floor, here, or scope."""
        roll = rng.random()
        if dev and dev.area and roll < 0.45:
            return self.area_place(rng, dev.area)
        if roll < 0.6 and self.areas:
            return self.area_place(rng, rng.choice(self.areas))
        if roll < 0.72 and self.floor_names:
            return self.place(
                rng, rng.choice(rng.choice(list(self.floor_names.values()))), floor=True
            )
        if roll < 0.88:
            return here(rng)
        return scope(rng)

    def floor_place(self, rng: random.Random, dev: Dev) -> list[Piece]:
        """The floor of a device's area, or a scope phrase."""
        if dev.area and dev.area.floor and dev.area.floor in self.floor_names:
            return self.place(
                rng, rng.choice(self.floor_names[dev.area.floor]), floor=True
            )
        return scope(rng)

    def kind(self, rng: random.Random, dev: Dev, *, plural: bool) -> str:
        """A kind word for a device ("lights", "lamp")."""
        sg, pl = rng.choice(dev.kinds)
        return pl if plural else sg

    def name_ref(self, rng: random.Random, dev: Dev, name: str | None = None) -> Ref:
        """The device by its name or an alias."""
        if name is None:
            if not dev.plain:
                kind = self.kind(rng, dev, plural=False)
                if dev.area:
                    area_name = rng.choice(self.area_names[dev.area.id])
                    return Ref(np=_art("the", (f"{area_name} {kind}", T)))
                return Ref(np=_art("the", (kind, T)))
            name = rng.choice(dev.plain)
        if rng.random() < 0.12 and dev.short and dev.area:
            short = rng.choice(dev.short)
            plural = dev.plural_name(short)
            return Ref(
                np=_art(self.article(rng, short, plural=plural), (short, T)),
                loc=tuple(self.area_place(rng, dev.area)),
                plural=plural,
            )
        plural = dev.plural_name(name)
        return Ref(
            np=_art(self.article(rng, name, plural=plural), (name, T)), plural=plural
        )

    def ref(self, rng: random.Random, dev: Dev, intent: Intent) -> Ref:
        """A varied target phrase for a device and an intent."""
        group_ok = intent in _GROUP_INTENTS and dev.type not in {"scene", "vacuum"}
        roll = rng.random()
        if dev.type == "scene" or roll < 0.45:
            return self.name_ref(rng, dev)
        plural = rng.random() < (0.55 if group_ok else 0.25)
        kind = self.kind(rng, dev, plural=plural)
        the = rng.choice(VOCAB["the_pl" if plural else "the"])
        if roll < 0.6 and dev.area:
            area_name = rng.choice(self.area_names[dev.area.id])
            if "'" in area_name and rng.random() < 0.5:
                return Ref(np=((area_name + " " + kind, T),), plural=plural)
            return Ref(np=_art(the, (f"{area_name} {kind}", T)), plural=plural)
        if roll < 0.7 and dev.area:
            return Ref(
                np=_art(the, (kind, T)),
                loc=tuple(self.area_place(rng, dev.area)),
                plural=plural,
            )
        if roll < 0.78:
            return Ref(np=_art(the, (kind, T)), plural=plural)
        if roll < 0.82:
            return Ref(np=_art(the, (kind, T)), loc=tuple(here(rng)), plural=plural)
        if roll < 0.84:
            poss: tuple[Piece, ...] = rng.choice(
                [
                    (("this room's", L),),
                    (("the", None), ("room's", L)),
                    (("this office's", L),),
                ]
            )
            return Ref(np=(*poss, (kind, T)), plural=plural)
        if not group_ok:
            return self.name_ref(rng, dev)
        kind = self.kind(rng, dev, plural=True)
        if roll < 0.92:
            quant = _all(rng)
            if quant[0][0] in {"every", "each"}:
                kind = self.kind(rng, dev, plural=False)
            np = [*quant, (kind, T)]
            loc: list[Piece] = []
            r2 = rng.random()
            if r2 < 0.3 and dev.area:
                loc = self.area_place(rng, dev.area)
            elif r2 < 0.55:
                loc = self.floor_place(rng, dev)
            elif r2 < 0.7:
                loc = scope(rng)
            return Ref(np=tuple(np), loc=tuple(loc), plural=True, group=True)
        if roll < 0.96:
            return Ref(
                np=_art(rng.choice(["the", "the", ""]), (kind, T)),
                loc=tuple(
                    self.floor_place(rng, dev) if rng.random() < 0.6 else scope(rng)
                ),
                plural=True,
                group=True,
            )
        if intent in {I.TURN_ON, I.TURN_OFF} and rng.random() < 0.6:
            loc = self.area_place(rng, dev.area) if dev.area else scope(rng)
            word = rng.choice(
                ["everything", "everything", "all the devices", "all devices"]
            )
            if word == "everything":
                return Ref(np=((word, T),), loc=tuple(loc), plural=True, group=True)
            q, noun = word.rsplit(" ", 1)
            head: list[Piece] = [("all", Slot.ALL)] + (
                [("the", None)] if "the" in q else []
            )
            return Ref(np=(*head, (noun, T)), loc=tuple(loc), plural=True, group=True)
        if dev.area:
            area_name = rng.choice(self.area_names[dev.area.id])
            return Ref(
                np=(("both", Slot.ALL), ("the", None), (f"{area_name} {kind}", T)),
                plural=True,
            )
        return Ref(np=(("both", Slot.ALL), (kind, T)), plural=True)

    def group_ref(self, rng: random.Random, dev: Dev) -> Ref:
        """A bare plural kind phrase for questions about many devices ("lights upstairs")."""
        kind = self.kind(rng, dev, plural=True)
        roll = rng.random()
        if roll < 0.25 and dev.area:
            return Ref(
                np=((f"{rng.choice(self.area_names[dev.area.id])} {kind}", T),),
                plural=True,
            )
        if roll < 0.45 and dev.area:
            return Ref(
                np=((kind, T),), loc=tuple(self.area_place(rng, dev.area)), plural=True
            )
        if roll < 0.6:
            return Ref(
                np=((kind, T),), loc=tuple(self.floor_place(rng, dev)), plural=True
            )
        if roll < 0.7:
            return Ref(np=((kind, T),), loc=tuple(scope(rng)), plural=True)
        return Ref(np=((kind, T),), plural=True)

    def phenomenon_ref(self, rng: random.Random, dev: Dev) -> Ref | None:
        """What a binary sensor detects ("motion", "a leak"), when it detects something."""
        words = PHENOMENA.get(dev.device.device_class or "")
        if not words:
            return None
        word = rng.choice(words)
        if word.startswith(("a ", "an ")):
            art, noun = word.split(" ", 1)
            return Ref(np=((art, None), (noun, T)))
        return Ref(np=((word, T),))

    # ------------------------------------------------------------------ values

    def unit_c(self, dev: Dev) -> bool:
        """True when a device's temperatures are Celsius."""
        return str(dev.device.state.get("unit", "C")) != "F"

    def value(
        self, rng: random.Random, dev: Dev, *, number: float | None = None
    ) -> list[Piece]:
        """An absolute value phrase for the device's main value ("50 percent", "21 degrees")."""
        if dev.type in {"climate", "water_heater"}:
            celsius = self.unit_c(dev) if rng.random() < 0.85 else not self.unit_c(dev)
            if number is None:
                if dev.type == "water_heater":
                    number = rng.randint(40, 65) if celsius else rng.randint(105, 150)
                elif celsius:
                    number = rng.randint(15, 28) + (0.5 if rng.random() < 0.15 else 0)
                else:
                    number = rng.randint(60, 82)
            unit = rng.choice(UNITS_C if celsius else UNITS_F)
            return _num_unit(rng, number, unit)
        if number is None:
            number = rng.choice(
                [
                    rng.randint(1, 100),
                    rng.randrange(5, 101, 5),
                    rng.randrange(10, 101, 10),
                ]
            )
        unit = rng.choice(UNITS_PERCENT)
        if dev.type == "media_player" and rng.random() < 0.6:
            unit = ""
        return _num_unit(rng, number, unit)

    def by(self, rng: random.Random, dev: Dev) -> list[Piece]:
        """A relative amount with a number ("10 percent", "2 degrees", "a degree")."""
        if dev.type in {"climate", "water_heater"}:
            n = rng.choice([1, 1, 2, 2, 3, 5])
            if n == 1 and rng.random() < 0.4:
                return [("a", None), ("degree", Slot.UNIT)]
            return _num_unit(
                rng, n, rng.choice(["degrees" if n > 1 else "degree", "", "C"])
            )
        n = rng.choice([5, 10, 10, 15, 20, 20, 25, 30, 40, 50])
        return _num_unit(rng, n, rng.choice(UNITS_PERCENT))

    def number(self, rng: random.Random, dev: Dev) -> list[Piece]:
        """A bare number."""
        if dev.type in {"climate", "water_heater"}:
            return [(say_number(rng.randint(16, 26), rng), Slot.VALUE)]
        return [(say_number(rng.randrange(0, 101, 5), rng), Slot.VALUE)]

    def attr(self, rng: random.Random, dev: Dev) -> list[Piece] | None:
        """The word for the value of a device, or None."""
        if dev.type == "sensor":
            words = SENSOR_ATTRIBUTES.get(
                dev.device.device_class or "", SENSOR_ATTRIBUTES[""]
            )
        else:
            found = ATTRIBUTE_WORDS.get(dev.type)
            if not found:
                return None
            words = found
        return [(rng.choice(words), Slot.ATTRIBUTE)]

    def mode(self, rng: random.Random, dev: Dev) -> list[Piece]:
        """A climate or alarm mode."""
        modes = ALARM_MODES if dev.type == "alarm_control_panel" else CLIMATE_MODES
        return [(rng.choice(modes), Slot.MODE)]

    def state(self, rng: random.Random, dev: Dev) -> list[Piece]:
        """A state word a question may ask about."""
        return [(rng.choice(states_for(dev.type, dev.device.device_class)), Slot.STATE)]


# ---------------------------------------------------------------------- helpers


def _art(article: str, piece: Piece) -> tuple[Piece, ...]:
    return ((article, None), piece) if article else (piece,)


def _all(rng: random.Random) -> list[Piece]:
    roll = rng.random()
    if roll < 0.45:
        return [("all", Slot.ALL), ("the", None)]
    if roll < 0.65:
        return [("all", Slot.ALL)]
    if roll < 0.75:
        return [("all of", Slot.ALL), ("the", None)]
    if roll < 0.85:
        return [("every", Slot.ALL)]
    if roll < 0.9:
        return [("each", Slot.ALL)]
    return [("all", Slot.ALL), (rng.choice(["my", "our", "those", "these"]), None)]


def all_pieces(rng: random.Random) -> list[Piece]:
    """A quantifier before a bare plural: "all", "all the", "all of the", "both the"."""
    roll = rng.random()
    if roll < 0.5:
        return [("all", Slot.ALL), ("the", None)]
    if roll < 0.75:
        return [("all", Slot.ALL)]
    if roll < 0.9:
        return [("all of", Slot.ALL), ("the", None)]
    return [("both", Slot.ALL), ("the", None)]


def here(rng: random.Random) -> list[Piece]:
    """The speaker's place: "in here", "in this room"."""
    prep, word = rng.choice(HERE_LOCATIONS)
    if prep:
        return [(prep, None), (word, L)]
    if word.startswith("in "):
        return [("in", None), (word[3:], L)]
    return [(word, L)]


def scope(rng: random.Random) -> list[Piece]:
    """A whole-site or in/out scope: "in the house", "outside", "everywhere"."""
    prep, word = rng.choice(SCOPE_LOCATIONS)
    return [(prep, None), (word, L)] if prep else [(word, L)]


def _num_unit(rng: random.Random, number: float, unit: str) -> list[Piece]:
    out: list[Piece] = [(say_number(number, rng), Slot.VALUE)]
    if unit:
        out.append((unit, Slot.UNIT))
    return out


def level(rng: random.Random, table: Sequence[str]) -> list[Piece]:
    """A level phrase from a "before|value|after" table."""
    before, value, after = rng.choice(table).split("|")
    out: list[Piece] = []
    if before.strip():
        out.append((before.strip(), None))
    out.append((value, Slot.VALUE))
    if after.strip():
        out.append((after.strip(), None))
    return out


def level_any(rng: random.Random) -> list[Piece]:
    """Any level: max, min or half."""
    return level(rng, rng.choice([LEVELS_UP, LEVELS_UP, LEVELS_DOWN, LEVELS_MID]))


def level_up(rng: random.Random) -> list[Piece]:
    """Levels said as a direction: "all the way up"."""
    return level(rng, LEVELS_DIR_UP)


def level_down(rng: random.Random) -> list[Piece]:
    """Levels said as a direction: "all the way down"."""
    return level(rng, LEVELS_DIR_DOWN)


def amount(rng: random.Random, *, small_only: bool = False) -> list[Piece]:
    """A size word: "a little", "a bit", "a lot"."""
    table = AMOUNTS_SMALL if small_only or rng.random() < 0.8 else AMOUNTS_BIG
    return [(rng.choice(table), Slot.AMOUNT)]


def color(rng: random.Random) -> list[Piece]:
    """A colour."""
    return [(rng.choice(COLORS), Slot.COLOR)]
