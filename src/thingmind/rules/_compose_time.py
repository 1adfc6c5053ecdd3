"""Time and day parts of automation sentences: "every weekday at 7", "after sunset".

A ``schedule`` part becomes a time or sun trigger, a ``later`` part a one-off time
trigger, and a ``during`` part (or a time said inside a trigger part) a time or sun
condition; each also says itself back for the draft's summary.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from thingmind.nlu import Clause, Intent, Slot, Span
from thingmind.rules._compose_text import ComposeError, clause_words
from thingmind.rules._model import (
    AndCondition,
    Condition,
    OrCondition,
    SunCondition,
    SunEvent,
    SunTrigger,
    TimeCondition,
    TimeTrigger,
    Weekday,
)
from thingmind.rules._words import (
    ClockTime,
    clock_text,
    duration_text,
    parse_clock,
    parse_day_part,
    parse_days,
    parse_duration,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import tzinfo

    from thingmind.nlu import ParsedCommand
    from thingmind.rules._compose_text import Parts

_I = Intent
_DAY = 86_400.0
_DAY_PART_WORDS = frozenset(
    {"night", "nighttime", "dark", "day", "daytime", "morning", "afternoon", "evening"}
)
_DAY_NAMES = {
    Weekday.MON: "Monday", Weekday.TUE: "Tuesday", Weekday.WED: "Wednesday",
    Weekday.THU: "Thursday", Weekday.FRI: "Friday", Weekday.SAT: "Saturday",
    Weekday.SUN: "Sunday",
}  # fmt: skip


def inline_conditions(clause: Clause, parsed: ParsedCommand, parts: Parts) -> None:
    """A time said inside a trigger part: "when the door opens after sunset"."""
    times = [s for s in clause.spans if s.slot in {Slot.TIME, Slot.DAYS, Slot.PERIOD}]
    if times:
        first = min(s.start for s in times)
        start = max(clause.start, first - 2)  # "after", "only after", "between"
        during_part(
            Clause(
                intent=_I.DURING,
                spans=tuple(times),
                start=start,
                end=max(s.end for s in times),
            ),
            parsed,
            parts,
        )
        return
    # "at night", "after dark" left untagged (or taken for a state): the words say it
    inside = {
        i
        for s in clause.spans
        if s.slot is not Slot.STATE
        for i in range(s.start, s.end)
    }
    words = [
        (i, w.casefold())
        for i, w in enumerate(parsed.words[clause.start : clause.end], clause.start)
        if i not in inside
    ]
    for k, (i, word) in enumerate(words):
        lead = words[k - 1][1] if k else ""
        if word in _DAY_PART_WORDS and lead in {
            "at",
            "after",
            "during",
            "in",
            "before",
        }:
            part = parse_day_part([lead, word])
            if part is None:
                continue
            during_part(
                Clause(
                    intent=_I.DURING,
                    spans=(
                        Span(
                            slot=Slot.PERIOD,
                            text=f"{lead} {word}",
                            start=i - 1,
                            end=i + 1,
                        ),
                    ),
                    start=i - 1,
                    end=i + 1,
                ),
                parsed,
                parts,
            )
            return


def schedule_part(clause: Clause, parsed: ParsedCommand, parts: Parts) -> None:
    """A repeating time: "every weekday at 7", "30 minutes before sunset"."""
    when = said_clock(clause, parsed)
    days: tuple[Weekday, ...] | None = None
    if clause.slots(Slot.DAYS):
        days = parse_days(clause.slots(Slot.DAYS)[0].text.split())
        if days is None:
            msg = f'I could not read the days "{clause.slots(Slot.DAYS)[0].text}".'
            raise ComposeError(msg)
    if when.sun is not None:
        offset = said_duration(clause) or 0.0
        words = {w.casefold() for w in parsed.words[clause.start : clause.end]}
        if "before" in words:
            offset = -offset
        parts.triggers.append(SunTrigger(event=when.sun, offset_seconds=offset))
        said = str(when.sun)
        if offset:
            side = "before" if offset < 0 else "after"
            said = f"{duration_text(abs(offset))} {side} {said}"
        else:
            said = f"at {said}"
    else:
        assert when.seconds is not None  # noqa: S101 - a clock time has seconds
        parts.triggers.append(TimeTrigger(at=(when.seconds,)))
        said = f"at {clock_text(when.seconds)}"
    if days:
        parts.conditions.append(TimeCondition(weekdays=days))
        parts.when.append(f"every {_days_text(days)} {said}")
    else:
        parts.when.append(f"every day {said}")


def later_part(
    clause: Clause, parsed: ParsedCommand, parts: Parts, *, now: float, zone: tzinfo
) -> None:
    """A one-off time: "in 10 minutes", "at 7" (today or tomorrow, in ``zone``)."""
    local = datetime.fromtimestamp(now, tz=zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    delay = said_duration(clause)
    if delay is not None:
        if delay >= _DAY:
            msg = "I can schedule something up to a day ahead; for later, set a time."
            raise ComposeError(msg)
        at = local + timedelta(seconds=delay)
        said = f"once, in {duration_text(delay)} (at {at:%H:%M})"
    else:
        when = said_clock(clause, parsed)
        if when.seconds is None:
            msg = "For sunset or sunrise, say every day, or give a clock time."
            raise ComposeError(msg)
        at = midnight + timedelta(seconds=when.seconds)
        if not when.meridiem_known and at <= local:
            at += timedelta(hours=12)  # "at 7" said at 15:00 means 19:00
        if at <= local:
            at += timedelta(days=1)
        day = "today" if at.date() == local.date() else "tomorrow"
        said = f"once, at {at:%H:%M} {day}"
    seconds = at.hour * 3600 + at.minute * 60 + at.second
    parts.triggers.append(TimeTrigger(at=(float(seconds),)))
    parts.once = True
    parts.when.append(said)


def during_part(clause: Clause, parsed: ParsedCommand, parts: Parts) -> None:
    """When it may happen: days, a part of the day, a range or a bound of times."""
    words = [w.casefold() for w in parsed.words[clause.start : clause.end]]
    if clause.slots(Slot.DAYS):
        days = parse_days(clause.slots(Slot.DAYS)[0].text.split())
        if days is None:
            msg = f'I could not read the days "{clause.slots(Slot.DAYS)[0].text}".'
            raise ComposeError(msg)
        parts.conditions.append(TimeCondition(weekdays=days))
        parts.only.append(f"on {_days_text(days)}")
        return
    if clause.slots(Slot.PERIOD) and not clause.slots(Slot.TIME):
        part = parse_day_part(clause.slots(Slot.PERIOD)[0].text.split())
        if part is None:
            msg = f'I could not read "{clause.slots(Slot.PERIOD)[0].text}" as a time.'
            raise ComposeError(msg)
        if part.night:
            parts.conditions.append(
                OrCondition(
                    conditions=(
                        SunCondition(after=SunEvent.SUNSET),
                        SunCondition(before=SunEvent.SUNRISE),
                    )
                )
            )
            parts.only.append("at night (sunset to sunrise)")
        elif part.after_sun or part.before_sun:
            parts.conditions.append(
                SunCondition(after=part.after_sun, before=part.before_sun)
            )
            parts.only.append(_sun_range(part.after_sun, part.before_sun))
        else:
            parts.conditions.append(TimeCondition(after=part.after, before=part.before))
            parts.only.append(
                f"between {clock_text(part.after or 0)} and {clock_text(part.before or 0)}"
            )
        return
    times = clause.slots(Slot.TIME)
    if not times:
        msg = f'I could not find a time in "{clause_words(parsed, clause)}".'
        raise ComposeError(msg)
    if len(times) == 1:
        times = _split_range(times[0])
        clause = Clause(
            intent=clause.intent,
            spans=tuple(s for s in clause.spans if s.slot is not Slot.TIME)
            + tuple(times),
            start=clause.start,
            end=clause.end,
        )
    if len(times) >= 2:
        first, second = (
            said_clock(clause, parsed, 0),
            said_clock(clause, parsed, 1),
        )
        if first.sun or second.sun:
            parts.conditions.append(
                SunCondition(after=first.sun, before=second.sun)
                if first.sun and second.sun
                else _mixed_range(first, second)
            )
        else:
            assert first.seconds is not None  # noqa: S101 - clock times
            assert second.seconds is not None  # noqa: S101
            parts.conditions.append(
                TimeCondition(after=first.seconds, before=second.seconds)
            )
        parts.only.append(f"between {_clock_said(first)} and {_clock_said(second)}")
        return
    when = said_clock(clause, parsed)
    before_index = times[0].start
    lead = words[: before_index - clause.start]
    is_before = "before" in lead or "until" in lead or "till" in lead
    if when.sun is not None:
        parts.conditions.append(
            SunCondition(before=when.sun) if is_before else SunCondition(after=when.sun)
        )
        parts.only.append(f"{'before' if is_before else 'after'} {when.sun}")
    else:
        assert when.seconds is not None  # noqa: S101 - a clock time has seconds
        parts.conditions.append(
            TimeCondition(before=when.seconds)
            if is_before
            else TimeCondition(after=when.seconds)
        )
        side = "before" if is_before else "after"
        parts.only.append(f"{side} {clock_text(when.seconds)}")


def said_duration(clause: Clause) -> float | None:
    """The duration a part says ("for 10 minutes"), seconds; None when it says none."""
    spans = clause.slots(Slot.DURATION)
    if not spans:
        return None
    seconds = parse_duration(spans[0].text.split())
    if seconds is None:
        msg = f'I could not read the time "{spans[0].text}".'
        raise ComposeError(msg)
    return seconds


def said_clock(clause: Clause, parsed: ParsedCommand, index: int = 0) -> ClockTime:
    """The ``index``-th time a part says, read with the words around it."""
    spans = clause.slots(Slot.TIME)
    if len(spans) <= index:
        msg = f'I could not find a time in "{clause_words(parsed, clause)}".'
        raise ComposeError(msg)
    inside = {i for s in spans for i in range(s.start, s.end)}
    context = [
        w
        for i, w in enumerate(parsed.words[clause.start : clause.end], clause.start)
        if i not in inside
    ]
    got = parse_clock(spans[index].text.split(), context=context)
    if got is None:
        msg = f'I could not read the time "{spans[index].text}".'
        raise ComposeError(msg)
    return got


def _split_range(span: Span) -> list[Span]:
    """Split one time span that holds a range ("11 pm and 6 am") in two."""
    words = span.text.split()
    for k, word in enumerate(words):
        if word.casefold() in {"and", "to", "until", "till"} and 0 < k < len(words) - 1:
            return [
                Span(
                    slot=Slot.TIME,
                    text=" ".join(words[:k]),
                    start=span.start,
                    end=span.start + k,
                ),
                Span(
                    slot=Slot.TIME,
                    text=" ".join(words[k + 1 :]),
                    start=span.start + k + 1,
                    end=span.end,
                ),
            ]
    return [span]


def _days_text(days: Sequence[Weekday]) -> str:
    if tuple(days) == (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI):
        return "weekday"
    if tuple(days) == (Weekday.SAT, Weekday.SUN):
        return "weekend day"
    names = [_DAY_NAMES[d] for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _clock_said(when: ClockTime) -> str:
    if when.sun is not None:
        return str(when.sun)
    return clock_text(when.seconds or 0.0)


def _mixed_range(first: ClockTime, second: ClockTime) -> Condition:
    """A sun bound and a clock bound ("between sunset and 11 pm"), both holding."""
    start: Condition = (
        SunCondition(after=first.sun)
        if first.sun
        else TimeCondition(after=first.seconds)
    )
    end: Condition = (
        SunCondition(before=second.sun)
        if second.sun
        else TimeCondition(before=second.seconds)
    )
    if first.sun and second.seconds is not None and second.seconds < 12 * 3600:
        # "between sunset and 2 am" wraps midnight: after sunset OR before 2 am
        return OrCondition(conditions=(start, end))
    return AndCondition(conditions=(start, end))


def _sun_range(after: SunEvent | None, before: SunEvent | None) -> str:
    if after and before:
        return f"between {after} and {before}"
    if after:
        return f"after {after}"
    return f"before {before}"
