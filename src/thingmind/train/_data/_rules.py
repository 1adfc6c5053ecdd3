"""Sentences that set up automations, and questions over the stored history.

An automation sentence has a trigger part (``when``, ``when_above``, ``when_below``,
``schedule``, ``later``), at most one condition part (``only_if``, ``only_above``,
``only_below``, ``during``) and one or two ordinary command clauses, in any of the orders
people use: "when the front door opens after sunset turn on the hall light", "turn on
the fan if the living room gets above 26 degrees", "every weekday at 7 start the coffee
maker". The trigger and condition parts carry their own slots (``target``, ``location``,
``state``, ``attribute``, ``value``, ``unit``, ``time``, ``duration``, ``days``,
``period``); the function words around them ("after", "before", "between") stay
unlabelled, and the resolver reads them.

History questions ask the store, not the live state: "what was the lowest temperature in
the bedroom last night", "how long was the garage door open today".
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from thingmind.nlu import Intent, Slot
from thingmind.train._data._build import ClauseSeg, Piece, compile_template, render
from thingmind.train._data._vocab import VOCAB, number_words, say_number

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    import random

    from thingmind.train._data._build import Segment, Template
    from thingmind.train._data._clauses import SiteGen
    from thingmind.train._data._site import Dev, Site

I = Intent  # noqa: E741 - short alias keeps the tables readable
S = Slot

# ------------------------------------------------------------------ words


_STATE_PHRASES: Mapping[str, tuple[str, ...]] = {
    # "{ref} <phrase>": the <...> words carry the state slot
    "door": (
        "<state:opens>", "is <state:opened>", "gets <state:opened>", "is <state:open>",
        "<state:closes>", "is <state:closed>", "gets <state:shut>", "is left <state:open>",
        "(goes|swings) <state:open>", "is <state:shut>",
    ),
    "motion": (
        "<state:detects motion>", "(sees|senses|picks up) <state:motion>",
        "is <state:triggered>", "(goes|turns) <state:off>", "<state:trips>",
        "is <state:clear>", "stops <state:detecting motion>",
    ),
    "occupancy": (
        "<state:detects someone>", "is <state:occupied>", "is <state:clear>",
        "<state:detects presence>",
    ),
    "moisture": ("<state:detects water>", "gets <state:wet>", "is <state:triggered>",
                 "<state:detects a leak>", "goes <state:off>"),
    "smoke": ("goes <state:off>", "<state:detects smoke>", "is <state:triggered>",
              "(sounds|beeps)"),
    "binary": ("turns <state:on>", "is <state:triggered>", "goes <state:off>",
               "<state:trips>", "is <state:on>", "turns <state:off>"),
    "lock": (
        "is <state:unlocked>", "<state:unlocks>", "gets <state:unlocked>",
        "is <state:locked>", "<state:locks>", "is left <state:unlocked>",
    ),
    "cover": (
        "<state:opens>", "is <state:opened>", "<state:closes>", "is <state:closed>",
        "goes <state:up>", "goes <state:down>", "is left <state:open>",
    ),
    "onoff": (
        "(turns|is turned|is switched|comes|goes|gets switched|gets turned) <state:on>",
        "(turns|is turned|is switched|goes|gets switched) <state:off>",
        "is <state:on>", "is <state:off>", "is left <state:on>",
        "<state:starts>", "<state:stops>", "<state:finishes>", "is <state:running>",
    ),
    "media": (
        "<state:starts playing>", "is <state:playing>", "is <state:paused>",
        "(turns|is turned|is switched) <state:on>", "(turns|is turned|goes) <state:off>",
        "<state:stops playing>",
    ),
    "vacuum": (
        "<state:starts cleaning>", "<state:finishes cleaning>", "is <state:docked>",
        "(returns|goes back) to (its|the) <state:dock>", "is <state:cleaning>",
        "gets <state:stuck>",
    ),
    "alarm": (
        "is <state:armed>", "is <state:disarmed>", "(goes|gets) <state:triggered>",
        "goes <state:off>", "(gets|is) <state:set>",
    ),
}  # fmt: skip
"""How a trigger says that a device changed, per family."""

_QUESTION_STATES: Mapping[str, tuple[tuple[str, str], ...]] = {
    # (state word for "how long was X <w>", past verb for "when did X last <v>")
    "door": (("open", "open"), ("closed", "close"), ("opened", "open"), ("ajar", "open")),
    "motion": (("triggered", "trigger"), ("active", "detect motion"),
               ("detecting motion", "see motion")),
    "occupancy": (("occupied", "detect someone"),),
    "moisture": (("wet", "detect water"), ("triggered", "go off")),
    "smoke": (("triggered", "go off"),),
    "binary": (("on", "turn on"), ("triggered", "trigger")),
    "lock": (("unlocked", "unlock"), ("locked", "lock")),
    "cover": (("open", "open"), ("closed", "close"), ("up", "go up")),
    "onoff": (("on", "turn on"), ("off", "turn off"), ("running", "run"),
              ("on", "come on"), ("off", "switch off")),
    "media": (("on", "turn on"), ("playing", "play")),
    "vacuum": (("cleaning", "clean"), ("docked", "dock"), ("running", "run")),
    "alarm": (("armed", "arm"), ("disarmed", "disarm"), ("triggered", "go off")),
}  # fmt: skip

_SENSOR_UNITS: Mapping[str, tuple[str, ...]] = {
    "temperature": ("degrees", "degrees", "°C", "C", "celsius", "degrees celsius", ""),
    "humidity": ("percent", "%", "percent", ""),
    "power": ("watts", "W", "watts", "kilowatts", ""),
    "energy": ("kwh", "kilowatt hours", "kWh", ""),
    "carbon_dioxide": ("ppm", "ppm", "parts per million", ""),
    "illuminance": ("lux", "lux", ""),
    "pressure": ("bar", "hpa", "psi", ""),
    "battery": ("percent", "%", ""),
    "moisture": ("percent", "%", ""),
    "sound_pressure": ("decibels", "db", ""),
    "vibration": ("mm/s", ""),
    "": ("",),
}  # fmt: skip
_SENSOR_RANGES: Mapping[str, tuple[float, float, float]] = {
    "temperature": (12, 32, 1), "humidity": (20, 90, 5), "power": (5, 3000, 5),
    "energy": (1, 50, 1), "carbon_dioxide": (600, 2000, 100), "illuminance": (10, 800, 10),
    "pressure": (1, 12, 1), "battery": (5, 30, 5), "moisture": (10, 60, 5),
    "sound_pressure": (40, 90, 5), "vibration": (2, 20, 1), "": (1, 100, 1),
}  # fmt: skip
_HOT = ("hotter than", "warmer than")
_COLD = ("colder than", "cooler than")
_ABOVE = ("above", "over", "higher than", "more than", "greater than")
_BELOW = ("below", "under", "lower than", "less than")
_RISE = ("gets", "goes", "rises", "climbs", "is", "reaches", "gets to", "exceeds")
_FALL = ("gets", "goes", "drops", "falls", "is", "dips")

_DAYS_ONE = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_DAYS_GROUP = (
    "weekday", "weekdays", "weekend", "weekends", "workday", "workdays", "work day",
    "school day", "weekend day",
)  # fmt: skip
_SUN = ("sunset", "sunrise", "dusk", "dawn", "sundown", "sunup")
_PERIOD_PAST = (
    "today", "yesterday", "last night", "this morning", "this week", "last week",
    "this month", "overnight", "in the last hour", "in the last 24 hours",
    "over the past (2|3|6|12) hours", "in the past (2|3|7) days", "since midnight",
    "since this morning", "over the weekend", "last month", "yesterday evening",
    "this afternoon", "during the night", "so far today", "in the last (30|10|45) minutes",
)  # fmt: skip
_PERIOD_COND = (
    "at night", "during the night", "during the day", "in the evening", "in the morning",
    "in the afternoon", "after dark", "before dark", "overnight", "during daytime",
    "at nighttime",
)  # fmt: skip


def _pick(rng: random.Random, words: Sequence[str]) -> str:
    return rng.choice(words)


@functools.cache
def _tpl(source: str) -> Template:
    return compile_template(source)


def _r(
    rng: random.Random, source: str, fills: Mapping[str, list[Piece]]
) -> list[Piece]:
    return render(_tpl(source), dict(fills), VOCAB, rng)


def clock_time(rng: random.Random, *, sun: float = 0.0) -> list[Piece]:
    """A time of day ("7", "6:30 am", "seven thirty", "noon", "sunset"), as a TIME span."""
    if rng.random() < sun:
        return [(_pick(rng, _SUN), S.TIME)]
    roll = rng.random()
    hour = rng.randint(1, 12)
    if roll < 0.05:
        return [(_pick(rng, ("noon", "midnight", "midday")), S.TIME)]
    minute = rng.choice([0, 0, 0, 0, 15, 30, 30, 45, 5, 10, 20, 40, 50])
    suffix = rng.choice(["", "", "am", "pm", "a.m.", "p.m.", "in the morning",
                         "in the evening", "at night", "o'clock"])  # fmt: skip
    if roll < 0.2:
        text = f"{rng.randint(0, 23):02d}:{minute:02d}"
        return [(text, S.TIME)]
    if roll < 0.35:
        base = number_words(hour)
        if minute == 30 and rng.random() < 0.5:
            text = f"half past {base}"
        elif minute == 15 and rng.random() < 0.5:
            text = f"quarter past {base}"
        elif minute:
            text = f"{base} {number_words(minute)}"
        else:
            text = base
    elif minute:
        text = f"{hour}:{minute:02d}"
    else:
        text = str(hour)
    if suffix:
        text = f"{text} {suffix}"
    return [(text, S.TIME)]


def duration(rng: random.Random, *, short: bool = False) -> list[Piece]:
    """A length of time ("10 minutes", "half an hour", "an hour"), as a DURATION span."""
    roll = rng.random()
    if roll < 0.15:
        text = _pick(rng, ("half an hour", "an hour", "a minute", "a few minutes",
                           "a quarter of an hour", "quarter of an hour", "an hour and a half",
                           "a couple of minutes", "thirty seconds", "a second"))  # fmt: skip
    else:
        unit = rng.choices(["minutes", "hours", "seconds", "min", "mins"],
                           weights=[6, 1.5 if not short else 0.3, 1, 1, 0.6])[0]  # fmt: skip
        n = (
            rng.choice([2, 3, 5, 5, 10, 10, 15, 20, 30, 45, 1, 90])
            if unit != "hours"
            else (rng.choice([1, 2, 3, 4, 6, 8]))
        )
        if n == 1:
            unit = unit.removesuffix("s")
        text = f"{say_number(n, rng, words=0.3)} {unit}"
    return [(text, S.DURATION)]


def days(rng: random.Random) -> list[Piece]:
    """Days of the week ("weekdays", "monday and friday"), as one DAYS span."""
    roll = rng.random()
    if roll < 0.5:
        return [(_pick(rng, _DAYS_GROUP), S.DAYS)]
    picks = rng.sample(_DAYS_ONE, rng.choice([1, 1, 2, 3]))
    plural = rng.random() < 0.5
    words = [d + "s" if plural else d for d in picks]
    if len(words) == 1:
        text = words[0]
    else:
        joint = rng.choice([" and ", ", ", " and "])
        text = (
            ", ".join(words[:-1]) + joint + words[-1]
            if joint != ", "
            else (", ".join(words))
        )
    return [(text, S.DAYS)]


def _period(rng: random.Random, table: Sequence[str]) -> list[Piece]:
    text = render(_tpl(_pick(rng, table)), {}, VOCAB, rng)
    return [(" ".join(t for t, _ in text), S.PERIOD)]


# ------------------------------------------------------------------ devices


def family(dev: Dev) -> str | None:
    """The trigger phrase family of a device, or None when it has no state to watch."""
    cls = dev.device.device_class or ""
    if dev.type == "binary_sensor":
        if cls in {"door", "window", "garage_door", "opening"}:
            return "door"
        if cls in {"motion", "occupancy", "moisture", "smoke"}:
            return cls
        return "binary"
    return {
        "lock": "lock", "cover": "cover", "valve": "cover", "light": "onoff",
        "switch": "onoff", "fan": "onoff", "humidifier": "onoff", "water_heater": "onoff",
        "climate": "onoff", "media_player": "media", "vacuum": "vacuum",
        "alarm_control_panel": "alarm",
    }.get(dev.type)  # fmt: skip


def _sensor_class(dev: Dev) -> str:
    cls = dev.device.device_class or ""
    return cls if cls in _SENSOR_RANGES else ""


def _sensors(site: Site) -> list[Dev]:
    return [d for d in site.devs if d.type == "sensor"]


def _ref(rng: random.Random, site: Site, dev: Dev) -> list[Piece]:
    ref = (
        site.name_ref(rng, dev)
        if rng.random() < 0.7
        else site.ref(rng, dev, I.ASK_STATE)
    )
    return list(ref.np) + list(ref.loc)


def _value(rng: random.Random, dev: Dev) -> list[Piece]:
    cls = _sensor_class(dev)
    lo, hi, step = _SENSOR_RANGES[cls]
    steps = int((hi - lo) / step)
    number = lo + step * rng.randint(0, max(0, steps))
    if cls == "temperature" and rng.random() < 0.1:
        number += 0.5
    unit = _pick(rng, _SENSOR_UNITS[cls])
    out: list[Piece] = [(say_number(number, rng, words=0.2), S.VALUE)]
    if unit:
        out.append((unit, S.UNIT))
    return out


def _sensor_subject(
    rng: random.Random, site: Site, dev: Dev
) -> tuple[list[Piece], str]:
    """What a numeric part is about: "the temperature in the bedroom", "the bedroom"...

    Returns the pieces and a hint: "area" (only the place is named), or "thing".
    """
    attr = site.attr(rng, dev) or [("reading", S.ATTRIBUTE)]
    roll = rng.random()
    if dev.area and roll < 0.45:
        return [("the", None), *attr, *site.area_place(rng, dev.area)], "thing"
    if dev.area and roll < 0.6:
        names = [n for n, _ in dev.area_attr] or list(site.area_names[dev.area.id])
        return [("the", None), (_pick(rng, names), S.LOCATION), *attr], "thing"
    if dev.area and roll < 0.75:
        return site.area_bare(rng, dev.area), "area"
    ref = site.name_ref(rng, dev)
    return [*ref.np, *ref.loc], "thing"


# ------------------------------------------------------------------ trigger parts


def when_state(
    rng: random.Random, gen: SiteGen, *, cond: bool = False
) -> ClauseSeg | None:
    """A device-state trigger ("when the front door opens"), or a state condition."""
    site = gen.site
    devs = [d for d in site.devs if family(d)]
    if not devs:
        return None
    dev = rng.choice(devs)
    fam = family(dev)
    assert fam is not None  # noqa: S101 - filtered above
    fills: dict[str, list[Piece]] = {"ref": _ref(rng, site, dev)}
    if cond:
        word, _ = rng.choice(_QUESTION_STATES[fam])
        fills["state"] = [(word, S.STATE)]
        src = _pick(rng, (
            "(but|) only if {ref} (is|are) {state}", "if {ref} (is|are) {state}",
            "while {ref} (is|are) {state}", "as long as {ref} (is|are) {state}",
            "and {ref} (is|are) {state}", "(but|) only when {ref} (is|are) {state}",
            "provided {ref} (is|are) {state}", "if {ref} (is|are) still {state}",
        ))  # fmt: skip
        return ClauseSeg(intent=I.ONLY_IF, pieces=tuple(_r(rng, src, fills)))
    if fam == "motion" and rng.random() < 0.35 and dev.area:
        place = site.area_place(rng, dev.area)
        fills["loc"] = place
        src = _pick(rng, (
            "(when|whenever|if|as soon as) <target:motion> is <state:detected> {loc}",
            "(when|whenever|if) there is <target:motion> {loc}",
            "(when|whenever|if) someone <state:moves> {loc}",
            "(when|if) <target:movement> is <state:detected> {loc}",
        ))  # fmt: skip
        return ClauseSeg(intent=I.WHEN, pieces=tuple(_r(rng, src, fills)))
    phrase = _pick(rng, _STATE_PHRASES[fam])
    lead = _pick(rng, ("when", "when", "whenever", "if", "as soon as", "once", "each time",
                       "every time", "the moment"))  # fmt: skip
    src = f"{lead} {{ref}} {phrase}"
    if rng.random() < 0.2 and "left" not in phrase:
        src += " (for|for more than|for over|longer than) {dur}"
        fills["dur"] = duration(rng)
    elif "left" in phrase:
        src += " (for|for more than) {dur}"
        fills["dur"] = duration(rng)
    return ClauseSeg(intent=I.WHEN, pieces=tuple(_r(rng, src, fills)))


def when_numeric(
    rng: random.Random, gen: SiteGen, *, cond: bool = False
) -> ClauseSeg | None:
    """A numeric trigger ("if the living room gets above 26 degrees") or condition."""
    site = gen.site
    sensors = _sensors(site)
    if not sensors:
        return None
    dev = rng.choice(sensors)
    cls = _sensor_class(dev)
    up = rng.random() < 0.55
    subject, _ = _sensor_subject(rng, site, dev)
    fills: dict[str, list[Piece]] = {"subj": subject, "val": _value(rng, dev)}
    if cls == "temperature" and rng.random() < 0.35:
        # "if it gets colder than 18 in the bedroom": the attribute is in the verb
        cmp_ = _pick(rng, _HOT if up else _COLD)
        fills["loc"] = site.area_place(rng, dev.area) if dev.area else []
        if cond:
            src = f"(if|when|while|as long as|only if) (it's|it is) {cmp_} {{val}} {{loc}}"
        else:
            src = f"(if|when|once) it (gets|is|goes) {cmp_} {{val}} {{loc}}"
        if rng.random() < 0.3 and fills["loc"]:
            src = f"(if|when) {{loc}} (gets|is) {cmp_} {{val}}".replace(
                "{loc}", "{place}"
            )
            fills["place"] = site.area_bare(rng, dev.area) if dev.area else []
    else:
        cmp_ = _pick(rng, _ABOVE if up else _BELOW)
        verb = _pick(rng, _RISE if up else _FALL)
        if verb == "exceeds":
            cmp_ = ""
        if cond:
            src = f"(if|while|as long as|only if|but only if|and) {{subj}} (is|stays|) {cmp_} {{val}}"
        else:
            src = f"(when|if|whenever|once|as soon as) {{subj}} {verb} {cmp_} {{val}}"
            if rng.random() < 0.15:
                src += " (for|for more than) {dur}"
                fills["dur"] = duration(rng)
    if cond:
        intent = I.ONLY_ABOVE if up else I.ONLY_BELOW
    else:
        intent = I.WHEN_ABOVE if up else I.WHEN_BELOW
    return ClauseSeg(intent=intent, pieces=tuple(_r(rng, src, fills)))


def schedule(rng: random.Random) -> ClauseSeg:
    """A repeating time or sun trigger ("every weekday at 7", "at sunset")."""
    roll = rng.random()
    fills: dict[str, list[Piece]] = {"time": clock_time(rng), "days": days(rng)}
    if roll < 0.2:
        fills["time"] = [(_pick(rng, _SUN), S.TIME)]
        if rng.random() < 0.4:
            fills["dur"] = duration(rng)
            src = (
                "(every day|each day|daily|every evening|) {dur} (before|after) {time}"
            )
        else:
            src = "(every day|each day|every evening|every morning|daily|) at {time}"
    elif roll < 0.45:
        src = "(every|each|on) {days} at {time}"
    elif roll < 0.55:
        src = "at {time} (every|each|on) {days}"
    elif roll < 0.8:
        src = "(every day|each day|daily|every morning|every night|every evening) at {time}"
    elif roll < 0.9:
        src = "at {time} (every day|each day|daily|every morning|every night)"
    else:
        src = "(every|each) {days} (morning|evening|night|) at {time}"
    return ClauseSeg(intent=I.SCHEDULE, pieces=tuple(_r(rng, src, fills)))


def later(rng: random.Random) -> ClauseSeg:
    """A one-off time for the command ("in 10 minutes", "at 11 tonight")."""
    roll = rng.random()
    fills: dict[str, list[Piece]] = {"dur": duration(rng), "time": clock_time(rng)}
    if roll < 0.5:
        src = "in {dur}"
    elif roll < 0.65:
        src = "(after|within) {dur}"
    elif roll < 0.72:
        src = "{dur} from now"
    else:
        src = "(at {time} (tonight|today|this evening|)|tonight at {time}|at {time})"
    return ClauseSeg(intent=I.LATER, pieces=tuple(_r(rng, src, fills)))


def during(rng: random.Random) -> ClauseSeg:
    """A time condition ("after sunset", "between 10 pm and 6 am", "on weekdays")."""
    roll = rng.random()
    fills: dict[str, list[Piece]] = {
        "time": clock_time(rng, sun=0.3),
        "time2": clock_time(rng, sun=0.2),
        "days": days(rng),
        "per": _period(rng, _PERIOD_COND),
        "sun": [(_pick(rng, _SUN), S.TIME)],
    }
    if roll < 0.3:
        src = "(but|) (only|) (after|before) {sun}"
    elif roll < 0.45:
        src = "(but|) (only|) (if it's|if it is|when it's|) (after|before) {time}"
    elif roll < 0.6:
        src = "(but|) (only|) between {time} and {time2}"
    elif roll < 0.78:
        src = "(but|) (only|) (on|during) {days}"
    else:
        src = "(but|) (only|) {per}"
    return ClauseSeg(intent=I.DURING, pieces=tuple(_r(rng, src, fills)))


# ------------------------------------------------------------------ sentences


_ACTIONS = (
    I.TURN_ON, I.TURN_OFF, I.SET_VALUE, I.OPEN, I.CLOSE, I.LOCK, I.UNLOCK, I.PLAY,
    I.PAUSE, I.CLEAN, I.RETURN_HOME, I.ARM, I.DISARM, I.SET_MODE, I.SET_COLOR,
    I.INCREASE, I.DECREASE, I.TOGGLE, I.MUTE, I.STOP,
)  # fmt: skip


def _action(rng: random.Random, gen: SiteGen) -> ClauseSeg | None:
    got = gen.pick(rng, list(_ACTIONS))
    if got is None:
        return None
    intent, dev = got
    return gen.clause(rng, intent, dev)


def automation(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """A sentence that sets up an automation or a one-off scheduled action."""
    kind = rng.choices(
        ["state", "numeric", "schedule", "later"], weights=[4, 2.2, 2.5, 1.8]
    )[0]
    trig: ClauseSeg | None
    if kind == "state":
        trig = when_state(rng, gen)
    elif kind == "numeric":
        trig = when_numeric(rng, gen)
    elif kind == "schedule":
        trig = schedule(rng)
    else:
        trig = later(rng)
    if trig is None:
        return None
    cond: ClauseSeg | None = None
    if kind != "later" and rng.random() < 0.38:
        which = rng.choices(["during", "state", "numeric"], weights=[4.5, 3.5, 2.5])[0]
        if which == "during":
            cond = during(rng)
        elif which == "state":
            cond = when_state(rng, gen, cond=True)
        else:
            cond = when_numeric(rng, gen, cond=True)
    first = _action(rng, gen)
    if first is None:
        return None
    acts: list[Segment] = [first]
    if rng.random() < 0.2:
        second = _action(rng, gen)
        if second is not None:
            acts += [_pick(rng, ("and", "and", "and also", ", and", "then")), second]
    head: list[Segment] = [trig]
    if cond is not None:
        if rng.random() < 0.15 and kind != "schedule":
            head = [cond, ",", trig] if rng.random() < 0.5 else [cond, trig]
        else:
            head = [trig, cond] if rng.random() < 0.75 else [trig, ",", cond]
    sep = rng.choice([[","], [","], [], [], [], ["then"], [",", "then"]])
    if cond is not None and head[0] is trig and rng.random() < 0.15:
        # "when the door opens turn on the light, but only after sunset"
        return [trig, *sep, *acts, *rng.choice([[","], []]), cond]
    if rng.random() < 0.66:
        return [*head, *sep, *acts]
    if cond is not None and rng.random() < 0.5 and head[0] is trig:
        return [*acts, trig, ",", cond] if rng.random() < 0.3 else [*acts, trig, cond]
    return [*acts, *head]


# ------------------------------------------------------------------ history


_ASK_NUMERIC: Mapping[Intent, tuple[str, ...]] = {
    I.ASK_MIN: (
        "what was the (lowest|minimum|min|coldest) {attr} {loc} {per}",
        "what was the {attr} {loc} at its lowest {per}",
        "how (low|cold) did (it|the {attr}) get {loc} {per}",
        "how (low|cold) did {subj} get {per}",
        "(lowest|minimum) {attr} {loc} {per}",
        "what's the lowest {subj} (has been|went|got) {per}",
        "what was {subj} at its lowest {per}",
    ),
    I.ASK_MAX: (
        "what was the (highest|maximum|max|peak|warmest) {attr} {loc} {per}",
        "how (high|hot|warm) did (it|the {attr}) get {loc} {per}",
        "how (high|hot|warm) did {subj} get {per}",
        "(highest|maximum|peak) {attr} {loc} {per}",
        "what's the highest {subj} (has been|went|got) {per}",
        "what was the peak of {subj} {per}",
    ),
    I.ASK_AVERAGE: (
        "what was the (average|mean|typical) {attr} {loc} {per}",
        "(average|mean) {attr} {loc} {per}",
        "on average how (warm|high|humid) was it {loc} {per}",
        "what did {subj} average {per}",
        "what was {subj} on average {per}",
    ),
    I.ASK_TOTAL: (
        "how much (power|energy|electricity) did {ref} (use|consume|draw|burn) {per}",
        "how much (energy|power|electricity) (was used|did we use) {loc} {per}",
        "what was the (total|) (energy|power|electricity) (use|usage|consumption) of {ref} {per}",
        "how many (kwh|kilowatt hours) did {ref} use {per}",
        "(total|) energy (used|use) by {ref} {per}",
    ),
}  # fmt: skip
_ASK_STATEFUL: Mapping[Intent, tuple[str, ...]] = {
    I.ASK_DURATION: (
        "how long was {ref} {state} {per}",
        "how long (has|have) {ref} been {state} (for|) {per}",
        "for how long (was|were) {ref} {state} {per}",
        "how (long|much time) did {ref} (stay|spend) {state} {per}",
        "how many (hours|minutes) (was|were) {ref} {state} {per}",
        "how long (was|were) {ref} left {state} {per}",
    ),
    I.ASK_LAST: (
        "when did {ref} last {verb}",
        "when (was|were) {ref} last {state}",
        "when was the last time {ref} (was|were) {state}",
        "when was the last time {ref} {verbed}",
        "what time did {ref} {verb} {per}",
        "(at) what time (was|were) {ref} {state} {per}",
        "when did {ref} {verb} {per}",
        "when did {ref} (last|most recently) {verb}",
    ),
    I.ASK_TIMES: (
        "how many times (was|were) {ref} {state} {per}",
        "how many times did {ref} {verb} {per}",
        "how often (was|were) {ref} {state} {per}",
        "how often did {ref} {verb} {per}",
        "how many times has {ref} {verbed} {per}",
    ),
}  # fmt: skip
_PAST = {
    "open": "opened", "close": "closed", "unlock": "unlocked", "lock": "locked",
    "turn on": "turned on", "turn off": "turned off", "trigger": "triggered",
    "detect motion": "detected motion", "see motion": "saw motion", "run": "ran",
    "detect someone": "detected someone", "detect water": "detected water",
    "go off": "went off", "come on": "came on", "switch off": "switched off",
    "play": "played", "clean": "cleaned", "dock": "docked", "arm": "armed",
    "disarm": "disarmed", "go up": "went up",
}  # fmt: skip


def history_question(gen: SiteGen, rng: random.Random) -> list[Segment] | None:
    """A question over the stored history of a sensor or a device's state."""
    site = gen.site
    sensors = _sensors(site)
    stateful = [d for d in site.devs if family(d)]
    numeric = sensors and (not stateful or rng.random() < 0.5)
    fills: dict[str, list[Piece]] = {
        "per": _period(rng, _PERIOD_PAST) if rng.random() < 0.85 else [],
    }
    consumers = [d for d in stateful if family(d) == "onoff"]
    if consumers and rng.random() < 0.12:
        # "how much power did the heater use": the device, not its meter, is named
        dev = rng.choice(consumers)
        fills["ref"] = _ref(rng, site, dev)
        fills["loc"] = site.area_place(rng, dev.area) if dev.area else []
        src = _pick(rng, [t for t in _ASK_NUMERIC[I.ASK_TOTAL] if "{loc}" not in t])
        return [ClauseSeg(intent=I.ASK_TOTAL, pieces=tuple(_r(rng, src, fills)))]
    if numeric:
        meters = [d for d in sensors if _sensor_class(d) in {"power", "energy"}]
        dev = rng.choice(meters if meters and rng.random() < 0.3 else sensors)
        energy = _sensor_class(dev) in {"power", "energy"}
        choices = [I.ASK_MIN, I.ASK_MAX, I.ASK_AVERAGE] + (
            [I.ASK_TOTAL] * 3 if energy else []
        )
        intent = rng.choice(choices)
        attr = site.attr(rng, dev) or [("reading", S.ATTRIBUTE)]
        fills["attr"] = attr
        fills["loc"] = site.area_place(rng, dev.area) if dev.area else []
        fills["subj"], _ = _sensor_subject(rng, site, dev)
        fills["ref"] = _ref(rng, site, dev)
        options = [
            t for t in _ASK_NUMERIC[intent] if fills["loc"] or "{loc}" not in t
        ] or list(_ASK_NUMERIC[intent])
        src = _pick(rng, options)
    else:
        if not stateful:
            return None
        dev = rng.choice(stateful)
        fam = family(dev)
        assert fam is not None  # noqa: S101 - filtered above
        word, verb = rng.choice(_QUESTION_STATES[fam])
        intent = rng.choice([I.ASK_DURATION, I.ASK_LAST, I.ASK_LAST, I.ASK_TIMES])
        fills["ref"] = _ref(rng, site, dev)
        fills["state"] = [(word, S.STATE)]
        fills["verb"] = [(verb, S.STATE)]
        fills["verbed"] = [(_PAST.get(verb, verb), S.STATE)]
        src = _pick(rng, _ASK_STATEFUL[intent])
        if intent is I.ASK_LAST and "{per}" not in src:
            fills["per"] = []
    pieces = _r(rng, src, fills)
    return [ClauseSeg(intent=intent, pieces=tuple(pieces))]
