"""Reading the time words of an automation sentence: clock times, durations, days.

The model tags the spans ("6:30 am", "half an hour", "weekdays", "last night"); these
functions turn a span's words into values. Each returns None for words it cannot read,
so that the caller can say which words it did not understand.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import TYPE_CHECKING

from thingmind.resolve import parse_number
from thingmind.rules._model import SunEvent, Weekday

if TYPE_CHECKING:
    from collections.abc import Sequence

_DAY = 86_400.0

_SUN_WORDS: dict[str, SunEvent] = {
    "sunset": SunEvent.SUNSET, "dusk": SunEvent.SUNSET, "sundown": SunEvent.SUNSET,
    "nightfall": SunEvent.SUNSET, "dark": SunEvent.SUNSET,
    "sunrise": SunEvent.SUNRISE, "dawn": SunEvent.SUNRISE, "sunup": SunEvent.SUNRISE,
    "daybreak": SunEvent.SUNRISE, "light": SunEvent.SUNRISE,
}  # fmt: skip
_NAMED_TIMES = {"noon": 12 * 3600.0, "midday": 12 * 3600.0, "midnight": 0.0}
_PM_WORDS = frozenset({"pm", "evening", "night", "afternoon", "tonight"})
_AM_WORDS = frozenset({"am", "morning"})
_FILLER = frozenset({"o'clock", "oclock", "at", "in", "the", "this", "sharp", "around"})

_UNIT_SECONDS = {
    "second": 1.0, "seconds": 1.0, "sec": 1.0, "secs": 1.0, "s": 1.0,
    "minute": 60.0, "minutes": 60.0, "min": 60.0, "mins": 60.0, "m": 60.0,
    "hour": 3600.0, "hours": 3600.0, "hr": 3600.0, "hrs": 3600.0, "h": 3600.0,
    "day": _DAY, "days": _DAY,
}  # fmt: skip
_FEW = {"few": 3.0, "couple": 2.0, "several": 5.0}

_DAY_WORDS: dict[str, tuple[Weekday, ...]] = {
    "monday": (Weekday.MON,), "tuesday": (Weekday.TUE,), "wednesday": (Weekday.WED,),
    "thursday": (Weekday.THU,), "friday": (Weekday.FRI,), "saturday": (Weekday.SAT,),
    "sunday": (Weekday.SUN,), "mon": (Weekday.MON,), "tue": (Weekday.TUE,),
    "tues": (Weekday.TUE,), "wed": (Weekday.WED,), "thu": (Weekday.THU,),
    "thurs": (Weekday.THU,), "fri": (Weekday.FRI,), "sat": (Weekday.SAT,),
    "sun": (Weekday.SUN,),
}  # fmt: skip
_WORK = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
_WEEKEND = (Weekday.SAT, Weekday.SUN)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockTime:
    """A time of day as said: seconds after midnight, or a sun event."""

    seconds: float | None = None
    """Seconds after local midnight, for a clock time."""
    sun: SunEvent | None = None
    """The sun event, for "sunset", "dawn"."""
    meridiem_known: bool = True
    """False when "at 7" said neither am nor pm nor a part of the day."""


def _norm(words: Sequence[str]) -> list[str]:
    text = " ".join(words).casefold()
    text = re.sub(r"\b([ap])\s*\.\s*m\s*\.?", r"\1m", text)  # "p . m ." -> "pm"
    text = re.sub(r"(\d)\s*:\s*(\d)", r"\1:\2", text)  # "6 : 30" -> "6:30"
    text = re.sub(r"(\d)(am|pm)\b", r"\1 \2", text)
    return [w for w in text.replace(",", " ").split() if w]


def parse_clock(
    words: Sequence[str], *, context: Sequence[str] = ()
) -> ClockTime | None:
    """Read a time of day: "7", "6:30 am", "seven thirty", "half past six", "sunset".

    Args:
        words: The words of the TIME span.
        context: The other words of the clause ("every evening at 7"): a part of the
            day there settles am or pm.

    Returns:
        The time, or None when the words are not a time.
    """
    parts = _norm(words)
    if not parts:
        return None
    for w in parts:
        if w in _SUN_WORDS:
            return ClockTime(sun=_SUN_WORDS[w])
        if w in _NAMED_TIMES:
            return ClockTime(seconds=_NAMED_TIMES[w])
    said = set(parts) | {w.casefold() for w in context}
    pm = bool(said & _PM_WORDS)
    am = bool(said & _AM_WORDS)
    core = [w for w in parts if w not in _FILLER and w not in _PM_WORDS | _AM_WORDS]
    hour: float | None
    minute = 0.0
    if len(core) == 1 and re.fullmatch(r"\d{1,2}:\d{2}", core[0]):
        h, m = core[0].split(":")
        hour, minute = float(h), float(m)
        if hour >= 13 or h.startswith("0"):
            am = am or hour < 12  # written on a 24-hour clock
    elif (
        len(core) >= 3 and core[1] in {"past", "to"} and core[0] in {"half", "quarter"}
    ):
        hour = parse_number(core[2:])
        offset = 30.0 if core[0] == "half" else 15.0
        if hour is None:
            return None
        if core[1] == "past":
            minute = offset
        else:
            hour, minute = (hour - 1) % 24, 60 - offset
    else:
        hour = parse_number(core[:1]) if core else None
        if hour is None:
            return None
        if len(core) > 1:
            rest = parse_number(core[1:])
            if rest is None or not 0 <= rest < 60:
                return None
            minute = rest
    if not (0 <= hour < 24 and 0 <= minute < 60 and hour == int(hour)):
        return None
    if pm and hour < 12:
        hour += 12
    elif am and hour == 12:
        hour = 0
    known = am or pm or hour >= 13 or hour == 0
    return ClockTime(seconds=hour * 3600 + minute * 60, meridiem_known=known)


def parse_duration(words: Sequence[str]) -> float | None:
    """Read a length of time in seconds: "10 minutes", "half an hour", "an hour and a half".

    Args:
        words: The words of the DURATION span.

    Returns:
        Seconds, or None when the words are not a duration.
    """
    parts = [w for w in _norm(words) if w not in {"of", "and", "for", "about"}]
    total = 0.0
    pending: list[str] = []
    half_more = False
    seen = False
    for w in parts:
        if w in _UNIT_SECONDS:
            unit = _UNIT_SECONDS[w]
            if not pending or pending in (["a"], ["an"]):
                amount = 1.0
            elif pending in (["half", "an"], ["half", "a"]):
                amount = 0.5
            elif "quarter" in pending:
                amount = 0.25
            elif pending[-1] in _FEW:
                amount = _FEW[pending[-1]]
            else:
                number = parse_number([p for p in pending if p not in {"a", "an"}])
                if number is None:
                    return None
                amount = number
            total += amount * unit
            pending = []
            seen = True
        elif w == "half" and seen:
            half_more = True
        else:
            pending.append(w)
    if not seen:
        return None
    if half_more:
        # "an hour and a half": half of the largest unit said
        largest = max((u for w, u in _UNIT_SECONDS.items() if w in parts), default=0.0)
        total += largest / 2
    return total if total > 0 else None


def parse_days(words: Sequence[str]) -> tuple[Weekday, ...] | None:
    """Read days of the week: "weekdays", "monday and friday", "weekends".

    Args:
        words: The words of the DAYS span.

    Returns:
        The days, in week order, or None when the words name no day.
    """
    days: set[Weekday] = set()
    parts = _norm(words)
    text = " ".join(parts)
    if re.search(r"\b(week ?days?|work ?days?|working days?|school ?days?)\b", text):
        days.update(_WORK)
    if re.search(r"\bweek ?ends?\b|\bweekend days?\b", text):
        days.update(_WEEKEND)
    for w in parts:
        stem = w.rstrip("s") if w.endswith("days") else w
        found = _DAY_WORDS.get(stem) or _DAY_WORDS.get(w)
        if found:
            days.update(found)
    if not days:
        return None
    return tuple(d for d in Weekday if d in days)


@dataclass(frozen=True, slots=True, kw_only=True)
class DayPart:
    """A part of the day said as a condition: "at night", "in the morning"."""

    after: float | None = None
    """Clock start, seconds after midnight (None: from a sun event or midnight)."""
    before: float | None = None
    """Clock end."""
    after_sun: SunEvent | None = None
    """Starts at this sun event ("after dark")."""
    before_sun: SunEvent | None = None
    """Ends at this sun event ("before dark")."""
    night: bool = False
    """From sunset to sunrise (two sun conditions, either holding)."""


_PARTS: dict[str, DayPart] = {
    "night": DayPart(night=True),
    "nighttime": DayPart(night=True),
    "overnight": DayPart(night=True),
    "dark": DayPart(after_sun=SunEvent.SUNSET),
    "day": DayPart(after_sun=SunEvent.SUNRISE, before_sun=SunEvent.SUNSET),
    "daytime": DayPart(after_sun=SunEvent.SUNRISE, before_sun=SunEvent.SUNSET),
    "morning": DayPart(after=5 * 3600.0, before=12 * 3600.0),
    "afternoon": DayPart(after=12 * 3600.0, before=17 * 3600.0),
    "evening": DayPart(after=17 * 3600.0, before=22 * 3600.0),
}


def parse_day_part(words: Sequence[str]) -> DayPart | None:
    """Read a part of the day: "at night", "during the day", "in the evening".

    Args:
        words: The words of the PERIOD span of a condition.

    Returns:
        The part of the day, or None.
    """
    parts = _norm(words)
    if "before" in parts and "dark" in parts:
        return DayPart(before_sun=SunEvent.SUNSET)
    for w in reversed(parts):
        if w in _PARTS:
            return _PARTS[w]
    return None


def clock_text(seconds: float) -> str:
    """Write seconds after midnight as "07:30"."""
    whole = round(seconds) % int(_DAY)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}"


def duration_text(seconds: float) -> str:
    """Write a duration in words: "10 minutes", "1 hour 30 minutes", "45 seconds"."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if secs or not parts:
        parts.append(f"{secs} second{'s' if secs != 1 else ''}")
    return " ".join(parts)
