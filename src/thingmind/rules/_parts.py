"""Tidying the parts of an automation sentence before they are composed.

The model tags a trigger part, a condition part and commands, but a small model's
boundaries are not always where a person would put them: "each sunday at noon start the
hoover" may come back as one ``schedule`` clause that runs to the end, "turn on the porch
light at sunset every day" as one ``turn_on`` clause holding the time, "at 8 am every
weekday" as two ``schedule`` clauses. These functions put the parts back where they
belong, using only what the model tagged (spans and their order) and, for a command left
inside a trigger part, the model itself on those words again.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from thingmind.nlu import Clause, Intent, ParsedCommand, Slot, Span, words_of

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

_I = Intent
_TIMES = frozenset({Slot.TIME, Slot.DAYS, Slot.DURATION, Slot.PERIOD})
_SUBJECT = frozenset({Slot.TARGET, Slot.LOCATION, Slot.ATTRIBUTE, Slot.ALL})
_REPEAT_WORDS = frozenset(
    {"every", "each", "daily", "nightly", "weekdays", "weekends", "always"}
)
_AS_CONDITION = {
    _I.WHEN: _I.ONLY_IF,
    _I.WHEN_ABOVE: _I.ONLY_ABOVE,
    _I.WHEN_BELOW: _I.ONLY_BELOW,
}


def _clause(
    clause: Clause,
    *,
    intent: Intent | None = None,
    spans: Sequence[Span] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Clause:
    return Clause(
        intent=intent or clause.intent,
        spans=tuple(clause.spans if spans is None else spans),
        start=clause.start if start is None else start,
        end=clause.end if end is None else end,
        confidence=clause.confidence,
    )


def _trigger_end(clause: Clause) -> int | None:
    """Where a trigger or condition part really ends, when a command follows inside it.

    Returns the word index after the part's own words when a device phrase follows
    them inside the clause (the start of a command), else None.
    """
    spans = sorted(clause.spans, key=lambda s: s.start)
    end: int | None = None
    if clause.intent in {_I.SCHEDULE, _I.LATER, _I.DURING}:
        for span in spans:
            if span.slot in _TIMES:
                end = span.end
            elif span.slot is Slot.TARGET and end is not None:
                return end
        return None
    subject = False
    state = False
    for span in spans:
        if span.slot in _SUBJECT and not subject:
            subject = True
            end = span.end
        elif (span.slot is Slot.STATE and subject and not state) or (
            span.slot in {Slot.VALUE, Slot.UNIT} and subject
        ):
            state = True
            end = span.end
        elif span.slot in _TIMES and state:
            end = span.end
        elif span.slot is Slot.LOCATION and state and end == span.start - 1:
            end = span.end  # "is detected in the bathroom"
        elif span.slot is Slot.LOCATION and state and end is not None:
            end = span.end if span.start - end <= 2 else end
        elif span.slot is Slot.TARGET and state and end is not None:
            return end
        elif (
            span.slot is Slot.STATE
            and state
            and end is not None
            and any(t.slot is Slot.TARGET and t.start > span.start for t in spans)
        ):
            return end  # a second state word: the command's verb ("switch on")
    return None


def split_trailing_commands(
    parsed: ParsedCommand, parse: Callable[[str], ParsedCommand]
) -> ParsedCommand:
    """Split a command the model left inside a trigger or condition part.

    "when the leak sensor detects water close the sprinkler" read as one ``when``
    clause becomes ``when`` ("when the leak sensor detects water") and the commands
    the model reads in "close the sprinkler" on its own.

    Args:
        parsed: The sentence as the model read it.
        parse: The model, to read the split-off words again.

    Returns:
        The sentence with its clauses tidied (the words are unchanged).
    """
    out: list[Clause] = []
    for clause in parsed.clauses:
        cut = _trigger_end(clause) if clause.intent.is_rule_part else None
        if cut is None or cut >= clause.end:
            out.append(clause)
            continue
        tail_words = parsed.words[cut : clause.end]
        tail = parse(" ".join(tail_words))
        if [w for w, _, _ in words_of(" ".join(tail_words))] != list(tail.words) or all(
            c.intent.is_rule_part for c in tail.clauses
        ):
            out.append(clause)  # the words after are no command: keep the part whole
            continue
        out.append(
            _clause(clause, spans=[s for s in clause.spans if s.end <= cut], end=cut)
        )
        out.extend(
            Clause(
                intent=c.intent,
                spans=tuple(
                    Span(
                        slot=s.slot,
                        text=s.text,
                        start=s.start + cut,
                        end=s.end + cut,
                        confidence=s.confidence,
                    )
                    for s in c.spans
                ),
                start=c.start + cut,
                end=c.end + cut,
                confidence=c.confidence,
            )
            for c in tail.clauses
        )
    return _with(parsed, out)


def carve_times_from_commands(parsed: ParsedCommand) -> ParsedCommand:
    """Make a trigger of a time the model left inside a command.

    "turn on the porch light at sunset every day" read as one ``turn_on`` clause
    holding "sunset" becomes ``turn_on`` ("turn on the porch light") and ``schedule``
    ("at sunset every day"); without "every", "each" or days it is a one-off
    (``later``), as "turn the heater off at 11" is.
    """
    if any(c.intent.is_trigger for c in parsed.clauses):
        return parsed
    out: list[Clause] = []
    for clause in parsed.clauses:
        times = [s for s in clause.spans if s.slot in {Slot.TIME, Slot.DAYS}]
        if clause.intent.is_rule_part or clause.intent.is_question or not times:
            out.append(clause)
            continue
        first = min(s.start for s in times)
        own = [s for s in clause.spans if s.slot not in _TIMES and s.end <= first]
        cut = max([first - 1, *(s.end for s in own)])
        cut = max(cut, clause.start + 1)
        words = {w.casefold() for w in parsed.words[cut : clause.end]}
        repeat = bool(words & _REPEAT_WORDS) or any(s.slot is Slot.DAYS for s in times)
        out.append(_clause(clause, spans=own, end=cut))
        out.append(
            _clause(
                clause,
                intent=_I.SCHEDULE if repeat else _I.LATER,
                spans=[s for s in clause.spans if s.start >= cut],
                start=cut,
            )
        )
    return _with(parsed, out)


def merge_schedules(parsed: ParsedCommand) -> ParsedCommand:
    """One schedule from several: "at 8 am" + "every weekday" is one trigger."""
    schedules = [c for c in parsed.clauses if c.intent is _I.SCHEDULE]
    if len(schedules) < 2:
        return parsed
    merged = _clause(
        schedules[0],
        spans=sorted((s for c in schedules for s in c.spans), key=lambda s: s.start),
        start=min(c.start for c in schedules),
        end=max(c.end for c in schedules),
    )
    out = [c for c in parsed.clauses if c.intent is not _I.SCHEDULE]
    out.append(merged)
    out.sort(key=lambda c: c.start)
    return _with(parsed, out)


def sun_times_repeat(
    parsed: ParsedCommand, *, is_sun: Callable[[str], bool]
) -> ParsedCommand:
    """Make "at sunset" and "30 minutes before sunrise" daily, not a one-off."""
    out = []
    for clause in parsed.clauses:
        times = clause.slots(Slot.TIME)
        if clause.intent is _I.LATER and times and is_sun(times[0].text):
            clause = _clause(clause, intent=_I.SCHEDULE)  # noqa: PLW2901
        out.append(clause)
    return _with(parsed, out)


def states_beside_times_are_conditions(parsed: ParsedCommand) -> ParsedCommand:
    """With a time trigger, "if the back door is open" is a condition, not a trigger."""
    if not any(c.intent in {_I.SCHEDULE, _I.LATER} for c in parsed.clauses):
        return parsed
    out = [
        _clause(c, intent=_AS_CONDITION[c.intent]) if c.intent in _AS_CONDITION else c
        for c in parsed.clauses
    ]
    return _with(parsed, out)


_STATE_VERBS = frozenset({
    "opens", "opened", "closes", "closed", "shuts", "unlocks", "unlocked", "locks",
    "locked", "starts", "stops", "finishes", "triggers", "trips", "goes", "turns",
})  # fmt: skip


def state_words_out_of_targets(parsed: ParsedCommand) -> ParsedCommand:
    """Take the verb out of a device phrase: "[bedroom window opens]" -> "[bedroom window] [opens]".

    A small model sometimes runs the device phrase of a trigger on into its verb; with
    no state word tagged, the verb at the end of the phrase is the state.
    """
    out: list[Clause] = []
    for clause in parsed.clauses:
        targets = clause.slots(Slot.TARGET)
        if (
            clause.intent not in {_I.WHEN, _I.ONLY_IF}
            or clause.slots(Slot.STATE)
            or not targets
        ):
            out.append(clause)
            continue
        first = targets[0]
        words = first.text.split()
        if len(words) < 2 or words[-1].casefold() not in _STATE_VERBS:
            out.append(clause)
            continue
        cut = first.end - 1
        spans = [s for s in clause.spans if s is not first]
        spans += [
            Span(
                slot=Slot.TARGET, text=" ".join(words[:-1]), start=first.start, end=cut
            ),
            Span(slot=Slot.STATE, text=words[-1], start=cut, end=first.end),
        ]
        out.append(_clause(clause, spans=sorted(spans, key=lambda s: s.start)))
    return _with(parsed, out)


def tidy(
    parsed: ParsedCommand,
    *,
    parse: Callable[[str], ParsedCommand] | None,
    is_sun: Callable[[str], bool],
) -> ParsedCommand:
    """Apply every tidying step, in order."""
    parsed = state_words_out_of_targets(parsed)
    if parse is not None:
        parsed = split_trailing_commands(parsed, parse)
    parsed = carve_times_from_commands(parsed)
    parsed = merge_schedules(parsed)
    parsed = sun_times_repeat(parsed, is_sun=is_sun)
    return states_beside_times_are_conditions(parsed)


def sets_up_automation(parsed: ParsedCommand) -> bool:
    """True when a sentence sets up an automation rather than acting now.

    It has a trigger or condition part, or a command holding a time of day or days
    ("turn on the porch light at sunset every day").
    """
    return any(
        c.intent.is_rule_part
        or (
            not c.intent.is_question
            and any(s.slot in {Slot.TIME, Slot.DAYS} for s in c.spans)
        )
        for c in parsed.clauses
    )


def _with(parsed: ParsedCommand, clauses: Sequence[Clause]) -> ParsedCommand:
    return dataclasses.replace(parsed, clauses=tuple(clauses))
