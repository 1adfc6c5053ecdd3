"""From a parsed sentence to an automation record: "when X, if Y, do Z".

The model tags the parts of the sentence: trigger clauses (``when``, ``when_above``,
``when_below``, ``schedule``, ``later``), condition clauses (``only_if``,
``only_above``, ``only_below``, ``during``) and ordinary command clauses. Each part is
then settled by the same resolver as a spoken command: the device a trigger watches is
found the way a question finds the device it reads, and the actions are resolved (and
checked by the gate) exactly as if they were said now. Nothing runs here: the result
is a draft, shown back to the user in plain words and YAML before it is enabled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import itertools
import re
from typing import TYPE_CHECKING

import yaml

from thingmind.core import Domain, StateValue
from thingmind.nlu import Clause, Intent, ParsedCommand, Slot, Span
from thingmind.resolve import FailReason, Resolution, label, parse_number
from thingmind.rules._draft import AutomationDraft
from thingmind.rules._dump import dump_automation
from thingmind.rules._model import (
    AndCondition,
    Automation,
    Condition,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    ServiceAction,
    StateCondition,
    StateTrigger,
    SunCondition,
    SunEvent,
    SunTrigger,
    TimeCondition,
    TimeTrigger,
    Trigger,
    Weekday,
)
from thingmind.rules._parts import sets_up_automation, tidy
from thingmind.rules._states import MAIN_KEY
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
    from collections.abc import Callable, Mapping, Sequence
    from datetime import tzinfo

    from thingmind.registry import Device, Registry
    from thingmind.resolve import Context, Resolver

_I = Intent
_DAY = 86_400.0

# ------------------------------------------------------------------ state words

_OPEN = frozenset({"open", "opens", "opened", "ajar", "up", "swings open", "goes open"})
_CLOSE = frozenset({"close", "closes", "closed", "shut", "shuts", "down"})
_ON = frozenset({
    "on", "starts", "start", "started", "running", "runs", "active", "triggered",
    "trips", "tripped", "detected", "detects motion", "motion", "moves", "detect motion",
    "sees motion", "see motion", "detecting motion", "detects someone", "occupied",
    "detects presence", "detects water", "detect water", "wet", "detects a leak",
    "goes off", "go off", "sounds", "detects smoke", "smoke", "comes on", "come on",
    "turn on", "turns on", "powered", "lit", "trigger", "seen", "sees", "spotted",
    "senses", "picks up", "sensed",
})  # fmt: skip
_OFF = frozenset({
    "off", "stops", "stop", "stopped", "finishes", "finished", "finish", "done",
    "clear", "clears", "stops detecting motion", "dry", "idle", "turn off", "turns off",
    "switch off",
})  # fmt: skip
_LOCKED = frozenset({"locked", "locks", "lock", "secured"})
_UNLOCKED = frozenset({"unlocked", "unlocks", "unlock", "open", "opens", "opened"})
_PLAYING = frozenset({"playing", "starts playing", "play", "plays", "on", "starts"})
_PAUSED = frozenset({"paused", "pauses", "stops playing", "stops", "off", "stopped"})
_CLEANING = frozenset(
    {"cleaning", "starts cleaning", "clean", "starts", "running", "run"}
)
_DOCKED = frozenset({
    "docked", "dock", "finishes cleaning", "finishes", "home", "returns", "charging",
    "returned",
})  # fmt: skip
_ARMED = frozenset({"armed", "arm", "set", "on"})
_DISARMED = frozenset({"disarmed", "disarm", "off", "unset"})
_ALARM_TRIGGERED = frozenset({"triggered", "goes off", "go off", "sounds", "trigger"})
_DETECTORS = frozenset(
    {"motion", "occupancy", "moisture", "smoke", "gas", "carbon_monoxide", "vibration"}
)

_COLD_WORDS = frozenset({"colder", "cooler", "cold", "cool", "chilly"})
_HOT_WORDS = frozenset({"hotter", "warmer", "hot", "warm"})


def _state_phrase(text: str) -> str:
    words = re.sub(r"[^a-z ]+", " ", text.casefold()).split()
    return " ".join(
        w for w in words if w not in {"is", "are", "gets", "the", "a", "its"}
    )


def state_value(
    device: Device, text: str
) -> StateValue | tuple[StateValue, ...] | None:
    """Read a state word of a trigger or condition for a device's main key.

    Args:
        device: The device watched.
        text: The STATE span's words ("opens", "is unlocked", "goes off").

    Returns:
        The value as an automation writes it ("on", "locked", "cleaning", or several),
        or None when the word says no state of this device.
    """
    phrase = _state_phrase(text)
    last = phrase.split()[-1] if phrase else ""
    cands = (phrase, last)

    def has(words: frozenset[str]) -> bool:
        return any(c in words for c in cands)

    t = device.type
    if t is Domain.BINARY_SENSOR:
        if has(_OPEN) and device.device_class not in _DETECTORS:
            return "on"
        if has(_CLOSE) and device.device_class not in _DETECTORS:
            return "off"
        if has(_ON):
            return "on"
        if has(_OFF) or has(_CLOSE):
            return "off"
        return None
    if t in {Domain.COVER, Domain.VALVE}:
        if has(_OPEN) or phrase in {"on", "turns on"}:
            return "open"
        if has(_CLOSE) or phrase in {"off", "turns off"}:
            return "closed"
        return None
    if t is Domain.LOCK:
        if has(_UNLOCKED):
            return "unlocked"
        if has(_LOCKED):
            return "locked"
        return None
    if t is Domain.MEDIA_PLAYER:
        if has(_PLAYING):
            return "playing"
        if has(_PAUSED):
            return "paused"
        return None
    if t is Domain.VACUUM:
        if has(_CLEANING):
            return "cleaning"
        if has(_DOCKED):
            return "docked"
        return None
    if t is Domain.ALARM_CONTROL_PANEL:
        if has(_ALARM_TRIGGERED):
            return "triggered"
        if has(_DISARMED):
            return "disarmed"
        if has(_ARMED):
            return ("armed_home", "armed_away")
        return None
    if t is Domain.CLIMATE:
        if has(_OFF):
            return "off"
        return None
    if MAIN_KEY.get(t) == "on":
        if (
            "off" in phrase.split()
        ):  # "goes off", "is switched off": a lamp, not an alarm
            return "off"
        if has(_ON) or has(_OPEN):
            return "on"
        if has(_OFF) or has(_CLOSE):
            return "off"
    return None


def _became(device: Device, value: StateValue | tuple[StateValue, ...] | None) -> str:
    """Say what a device's change to ``value`` is, as a verb phrase."""
    if value is None:
        return "changes"
    if isinstance(value, tuple):
        return "is armed"
    word = str(value)
    cls = device.device_class or ""
    if device.type is Domain.BINARY_SENSOR:
        if cls in {"door", "window", "garage_door", "opening"}:
            return "opens" if word == "on" else "closes"
        if cls in {"motion", "occupancy"}:
            return "detects someone" if word == "on" else "clears"
        if cls in _DETECTORS:
            return "goes off" if word == "on" else "clears"
        return "turns on" if word == "on" else "turns off"
    verbs = {
        "open": "opens", "closed": "closes", "locked": "is locked",
        "unlocked": "is unlocked", "playing": "starts playing", "paused": "is paused",
        "cleaning": "starts cleaning", "docked": "is docked", "disarmed": "is disarmed",
        "triggered": "is triggered", "on": "turns on", "off": "turns off",
    }  # fmt: skip
    return verbs.get(word, f"becomes {word}")


def _is_state(device: Device, value: StateValue | tuple[StateValue, ...]) -> str:
    if isinstance(value, tuple):
        return "is armed"
    word = str(value)
    if device.type is Domain.BINARY_SENSOR:
        cls = device.device_class or ""
        if cls in {"door", "window", "garage_door", "opening"}:
            return "is open" if word == "on" else "is closed"
        if cls in {"motion", "occupancy"}:
            return "sees someone" if word == "on" else "is clear"
    return f"is {word}"


# ------------------------------------------------------------------ the composer


class ComposeError(Exception):
    """A part of the sentence could not be settled; the message is for the user."""


@dataclass(slots=True)
class _Parts:
    triggers: list[Trigger] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    when: list[str] = field(default_factory=list)
    only: list[str] = field(default_factory=list)
    once: bool = False


class Composer:
    """Makes automation drafts from parsed sentences for one site."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        zone: tzinfo = UTC,
        parse: Callable[[str], ParsedCommand] | None = None,
    ) -> None:
        """Prepare for a site.

        Args:
            resolver: The site's resolver (with its gate): it finds the devices of
                every part and checks the actions.
            zone: The site's time zone, for one-off times ("in 10 minutes").
            parse: The language model, to read again the words of a command left
                inside a trigger part (None: such sentences are refused).
        """
        self._resolver = resolver
        self._parse = parse
        self.zone = zone
        """The site's time zone (settable)."""

    @property
    def registry(self) -> Registry:
        """The site."""
        return self._resolver.registry

    def draft(
        self, parsed: ParsedCommand, *, context: Context, now: float
    ) -> AutomationDraft | None:
        """Make a draft from a sentence, or None when it sets up nothing.

        Args:
            parsed: The sentence as the model read it.
            context: Who speaks and where (the actions are checked for this user).
            now: The time, epoch seconds (for one-off times).

        Returns:
            None when no clause is a trigger or condition part; otherwise a draft with
            an automation, or with the reason none could be made.
        """
        if not sets_up_automation(parsed):
            return None
        parsed = tidy(parsed, parse=self._parse, is_sun=_is_sun)
        try:
            automation, summary = self._compose(parsed, context=context, now=now)
        except ComposeError as err:
            return AutomationDraft(text=parsed.text, automation=None, problem=str(err))
        text = yaml.safe_dump(
            [dump_automation(automation)], sort_keys=False, allow_unicode=True
        )
        return AutomationDraft(
            text=parsed.text, automation=automation, summary=summary, yaml=text
        )

    # -------------------------------------------------------------- parts

    def _compose(
        self, parsed: ParsedCommand, *, context: Context, now: float
    ) -> tuple[Automation, str]:
        parts = _Parts()
        actions = [c for c in parsed.clauses if not c.intent.is_rule_part]
        rule = [c for c in parsed.clauses if c.intent.is_rule_part]
        if not any(c.intent.is_trigger for c in rule):
            # "turn on the porch light after sunset": the condition says when
            rule = [_as_trigger(c) for c in rule]
        for clause in rule:
            self._part(clause, parsed, parts, context=context, now=now)
        if not parts.triggers:
            msg = "I understood a condition but not when it should happen."
            raise ComposeError(msg)
        if not actions:
            msg = "I understood when, but not what to do then."
            raise ComposeError(msg)
        if any(c.intent.is_question for c in actions):
            msg = "An automation can act on devices, but it cannot answer a question."
            raise ComposeError(msg)
        lead = next((c for c in rule if c.intent is _I.WHEN), None)
        service_actions, did = self._actions(
            parsed, actions, context=context, lead=lead
        )
        words = " ".join(parsed.words)
        slug = re.sub(r"[^a-z0-9]+", "_", words.casefold()).strip("_")[:40].strip("_")
        digest = hashlib.sha1(f"{words}|{now}".encode(), usedforsecurity=False)
        auto_id = f"{slug or 'automation'}_{digest.hexdigest()[:6]}"
        summary = _sentence(parts, did)
        automation = Automation(
            id=auto_id,
            alias=_alias(parsed.text),
            description=summary,
            triggers=tuple(parts.triggers),
            conditions=tuple(parts.conditions),
            actions=tuple(service_actions),
            once=parts.once,
            source="sentence",
        )
        return automation, summary

    def _part(
        self,
        clause: Clause,
        parsed: ParsedCommand,
        parts: _Parts,
        *,
        context: Context,
        now: float,
    ) -> None:
        intent = clause.intent
        if intent is _I.WHEN or intent is _I.ONLY_IF:
            self._state_part(clause, parsed, parts, context=context)
            self._inline_conditions(clause, parsed, parts)
        elif intent in {_I.WHEN_ABOVE, _I.WHEN_BELOW, _I.ONLY_ABOVE, _I.ONLY_BELOW}:
            self._numeric_part(clause, parsed, parts, context=context)
            self._inline_conditions(clause, parsed, parts)
        elif intent is _I.SCHEDULE:
            self._schedule(clause, parsed, parts)
        elif intent is _I.LATER:
            self._later(clause, parsed, parts, now=now)
        elif intent is _I.DURING:
            self._during(clause, parsed, parts)

    def _find(
        self, clause: Clause, parsed: ParsedCommand, *, proxy: Intent, context: Context
    ) -> list[Device]:
        return find_devices(
            self._resolver, parsed, clause, proxy=proxy, context=context
        )

    def _state_part(
        self, clause: Clause, parsed: ParsedCommand, parts: _Parts, *, context: Context
    ) -> None:
        devices = self._find(clause, parsed, proxy=_I.ASK_STATE, context=context)
        said = " ".join(s.text for s in clause.slots(Slot.STATE))
        if not said:
            said = _words(parsed, clause)
        candidates = _state_candidates(clause, parsed)
        chosen: list[tuple[Device, StateValue | tuple[StateValue, ...]]] = []
        for device in devices:
            value = next(
                (
                    v
                    for v in (state_value(device, c) for c in candidates)
                    if v is not None
                ),
                None,
            )
            if value is not None:
                chosen.append((device, value))
        if not chosen:
            names = ", ".join(label(d) for d in devices)
            msg = f'I could not tell what "{said}" means for {names}.'
            raise ComposeError(msg)
        for_seconds = self._duration(clause, parsed)
        for device, value in chosen:
            values = value if isinstance(value, tuple) else (value,)
            if clause.intent is _I.WHEN:
                if device.type is Domain.CLIMATE and value != "off":
                    trigger: Trigger = StateTrigger(
                        entity_ids=(device.id,),
                        from_states=("off",),
                        for_seconds=for_seconds,
                    )
                else:
                    trigger = StateTrigger(
                        entity_ids=(device.id,),
                        to_states=values,
                        for_seconds=for_seconds,
                    )
                parts.triggers.append(trigger)
                held = f" for {duration_text(for_seconds)}" if for_seconds else ""
                verb = _became(device, value)
                if held and verb in {"opens", "turns on"}:
                    verb = "stays open" if verb == "opens" else "stays on"
                parts.when.append(f"{label(device)} {verb}{held}")
            else:
                parts.conditions.append(
                    StateCondition(entity_ids=(device.id,), states=values)
                )
                parts.only.append(f"if {label(device)} {_is_state(device, value)}")

    def _numeric_part(
        self, clause: Clause, parsed: ParsedCommand, parts: _Parts, *, context: Context
    ) -> None:
        words = [w.casefold() for w in parsed.words[clause.start : clause.end]]
        has_attr = bool(clause.slots(Slot.ATTRIBUTE)) or bool(clause.slots(Slot.TARGET))
        if not has_attr and set(words) & (_COLD_WORDS | _HOT_WORDS):
            devices = self._temperature_sensors(clause, parsed, context=context)
        else:
            devices = self._find(clause, parsed, proxy=_I.ASK_VALUE, context=context)
        # a room's thermometer rather than the thermostat's own reading; one kind only
        sensors = [d for d in devices if d.type is Domain.SENSOR]
        devices = sensors or [d for d in devices if d.type is devices[0].type]
        values = clause.slots(Slot.VALUE)
        number = parse_number(values[0].text.split()) if values else None
        if number is None:
            msg = f'I could not find the level in "{_words(parsed, clause)}".'
            raise ComposeError(msg)
        up = clause.intent in {_I.WHEN_ABOVE, _I.ONLY_ABOVE}
        unit = " ".join(s.text for s in clause.slots(Slot.UNIT))
        number = _to_device_unit(number, unit, devices)
        ids = tuple(d.id for d in devices)
        attribute = _number_key(devices[0])
        names = ", ".join(label(d) for d in devices)
        shown = f"{_num(number)}{_unit_text(devices[0])}"
        if clause.intent in {_I.WHEN_ABOVE, _I.WHEN_BELOW}:
            for_seconds = self._duration(clause, parsed)
            parts.triggers.append(
                NumericStateTrigger(
                    entity_ids=ids,
                    attribute=attribute,
                    above=number if up else None,
                    below=None if up else number,
                    for_seconds=for_seconds,
                )
            )
            held = f" for {duration_text(for_seconds)}" if for_seconds else ""
            parts.when.append(
                f"{names} {'rises above' if up else 'falls below'} {shown}{held}"
            )
        else:
            parts.conditions.append(
                NumericStateCondition(
                    entity_ids=ids,
                    attribute=attribute,
                    above=number if up else None,
                    below=None if up else number,
                )
            )
            parts.only.append(f"if {names} is {'above' if up else 'below'} {shown}")

    def _inline_conditions(
        self, clause: Clause, parsed: ParsedCommand, parts: _Parts
    ) -> None:
        """A time said inside a trigger part: "when the door opens after sunset"."""
        times = [
            s for s in clause.spans if s.slot in {Slot.TIME, Slot.DAYS, Slot.PERIOD}
        ]
        if times:
            first = min(s.start for s in times)
            start = max(clause.start, first - 2)  # "after", "only after", "between"
            self._during(
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
                self._during(
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

    def _temperature_sensors(
        self, clause: Clause, parsed: ParsedCommand, *, context: Context
    ) -> list[Device]:
        """The temperature sensors of the place a clause names (or the speaker's)."""
        registry = self.registry
        places = clause.slots(Slot.LOCATION)
        area: str | None = context.area
        if places:
            area = _area_named(registry, places[0].text)
            if area is None:
                msg = f'I don\'t know a place called "{places[0].text}".'
                raise ComposeError(msg)
        found = [
            d
            for d in registry.devices()
            if d.type is Domain.SENSOR
            and d.device_class == "temperature"
            and (area is None or d.area == area)
        ]
        if not found:
            where = f" in {places[0].text}" if places else ""
            msg = f"I can't find a temperature sensor{where}."
            raise ComposeError(msg)
        if len(found) > 1 and area is None:
            msg = "Which room's temperature do you mean?"
            raise ComposeError(msg)
        del parsed
        return found[:1]

    def _duration(self, clause: Clause, parsed: ParsedCommand) -> float | None:
        spans = clause.slots(Slot.DURATION)
        if not spans:
            return None
        seconds = parse_duration(spans[0].text.split())
        if seconds is None:
            msg = f'I could not read the time "{spans[0].text}".'
            raise ComposeError(msg)
        del parsed
        return seconds

    def _clock(
        self, clause: Clause, parsed: ParsedCommand, index: int = 0
    ) -> ClockTime:
        spans = clause.slots(Slot.TIME)
        if len(spans) <= index:
            msg = f'I could not find a time in "{_words(parsed, clause)}".'
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

    def _schedule(self, clause: Clause, parsed: ParsedCommand, parts: _Parts) -> None:
        when = self._clock(clause, parsed)
        days: tuple[Weekday, ...] | None = None
        if clause.slots(Slot.DAYS):
            days = parse_days(clause.slots(Slot.DAYS)[0].text.split())
            if days is None:
                msg = f'I could not read the days "{clause.slots(Slot.DAYS)[0].text}".'
                raise ComposeError(msg)
        if when.sun is not None:
            offset = self._duration(clause, parsed) or 0.0
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

    def _later(
        self, clause: Clause, parsed: ParsedCommand, parts: _Parts, *, now: float
    ) -> None:
        local = datetime.fromtimestamp(now, tz=self.zone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        delay = self._duration(clause, parsed)
        if delay is not None:
            if delay >= _DAY:
                msg = (
                    "I can schedule something up to a day ahead; for later, set a time."
                )
                raise ComposeError(msg)
            at = local + timedelta(seconds=delay)
            said = f"once, in {duration_text(delay)} (at {at:%H:%M})"
        else:
            when = self._clock(clause, parsed)
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

    def _during(self, clause: Clause, parsed: ParsedCommand, parts: _Parts) -> None:
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
                msg = (
                    f'I could not read "{clause.slots(Slot.PERIOD)[0].text}" as a time.'
                )
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
                parts.conditions.append(
                    TimeCondition(after=part.after, before=part.before)
                )
                parts.only.append(
                    f"between {clock_text(part.after or 0)} and {clock_text(part.before or 0)}"
                )
            return
        times = clause.slots(Slot.TIME)
        if not times:
            msg = f'I could not find a time in "{_words(parsed, clause)}".'
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
                self._clock(clause, parsed, 0),
                self._clock(clause, parsed, 1),
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
        when = self._clock(clause, parsed)
        before_index = times[0].start
        lead = words[: before_index - clause.start]
        is_before = "before" in lead or "until" in lead or "till" in lead
        if when.sun is not None:
            parts.conditions.append(
                SunCondition(before=when.sun)
                if is_before
                else SunCondition(after=when.sun)
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

    # -------------------------------------------------------------- actions

    def _actions(
        self,
        parsed: ParsedCommand,
        clauses: Sequence[Clause],
        *,
        context: Context,
        lead: Clause | None = None,
    ) -> tuple[list[ServiceAction], list[str]]:
        """Resolve the commands; "close it" means the device the trigger watches."""
        first = 0
        pronoun = any(
            s.text.casefold() in _PRONOUNS
            for c in clauses
            for s in c.slots(Slot.TARGET)
        )
        if pronoun and lead is not None:
            subject = tuple(
                s for s in lead.spans if s.slot in {Slot.TARGET, Slot.LOCATION}
            )
            clauses = [
                Clause(
                    intent=_I.ASK_STATE, spans=subject, start=lead.start, end=lead.end
                ),
                *clauses,
            ]
            first = 1
        probe = ParsedCommand(
            text=parsed.text,
            words=parsed.words,
            clauses=tuple(clauses),
            confidence=parsed.confidence,
            model_version=parsed.model_version,
        )
        resolution = self._resolver.resolve(probe, context=context)
        if first:
            resolution = Resolution(
                actions=tuple(a for a in resolution.actions if a.clause >= first),
                answer=resolution.answer,
                refused=resolution.refused,
                clarify=resolution.clarify,
                failures=tuple(f for f in resolution.failures if f.clause >= first),
                pending=tuple(a for a in resolution.pending if a.clause >= first),
                pin_required=resolution.pin_required,
            )
        if resolution.clarify:
            raise ComposeError(resolution.answer)
        denied = [
            f
            for f in resolution.failures
            if f.reason in {FailReason.NOT_PERMITTED, FailReason.UNSAFE_VALUE}
        ]
        if denied:
            raise ComposeError(resolution.answer or "You may not set that up.")
        planned = [*resolution.actions, *resolution.pending]
        failed = [
            f
            for f in resolution.failures
            if f.reason is not FailReason.NEEDS_CONFIRMATION
        ]
        if failed and not planned:
            raise ComposeError(resolution.answer)
        if not planned:
            msg = "I understood when, but found nothing to do then."
            raise ComposeError(msg)
        registry = self.registry
        out: list[ServiceAction] = []
        said: list[str] = []
        for action in planned:
            device = registry.home.device(action.device_id)
            out.append(
                ServiceAction(
                    service=f"{device.type}.{action.service}",
                    entity_ids=(device.id,),
                    data=dict(action.params),
                )
            )
            said.append(action_text(device, action.service, action.params))
        if failed:
            raise ComposeError(resolution.answer)
        return out, said


def find_devices(
    resolver: Resolver,
    parsed: ParsedCommand,
    clause: Clause,
    *,
    proxy: Intent,
    context: Context,
) -> list[Device]:
    """The devices a part of a sentence is about, found as a question would find them.

    The clause's device words (target, place, attribute) are resolved as a question of
    kind ``proxy`` (``ask_state`` or ``ask_value``), so names, aliases, places and
    the speaker's room work exactly as in a spoken question.

    Args:
        resolver: The site's resolver.
        parsed: The sentence.
        clause: The part (a trigger, a condition, a history question).
        proxy: The question kind to resolve it as.
        context: Who speaks and where.

    Returns:
        The devices, at least one.

    Raises:
        ComposeError: When no device fits, or several fit and the user must choose
            (the message says so, in words for the user).
    """
    keep = {Slot.TARGET, Slot.LOCATION, Slot.ATTRIBUTE, Slot.ALL}
    spans = tuple(s for s in clause.spans if s.slot in keep)
    if not spans:
        msg = f'I could not tell which device "{_words(parsed, clause)}" is about.'
        raise ComposeError(msg)

    def ask(intent: Intent) -> Resolution:
        probe = ParsedCommand(
            text=parsed.text,
            words=parsed.words,
            clauses=(
                Clause(
                    intent=intent,
                    spans=spans,
                    start=clause.start,
                    end=clause.end,
                    confidence=clause.confidence,
                ),
            ),
            confidence=parsed.confidence,
            model_version=parsed.model_version,
        )
        return resolver.resolve(probe, context=context)

    resolution = ask(proxy)
    if not resolution.reads and proxy is _I.ASK_STATE:
        second = ask(_I.ASK_ANY)
        if second.reads:
            resolution = second
    if resolution.clarify:
        raise ComposeError(resolution.answer)
    if not resolution.reads:
        raise ComposeError(_failure(resolution, parsed, clause))
    home = resolver.registry.home
    return [home.device(d) for d in resolution.reads]


# ------------------------------------------------------------------ helpers


_SERVICE_VERBS = {
    "turn_on": "turn on", "turn_off": "turn off", "toggle": "toggle",
    "open_cover": "open", "close_cover": "close", "stop_cover": "stop",
    "open_valve": "open", "close_valve": "close", "lock": "lock", "unlock": "unlock",
    "media_play": "play", "media_pause": "pause", "media_next_track": "skip a track on",
    "media_previous_track": "go back a track on", "start": "start",
    "pause": "pause", "return_to_base": "send home", "alarm_arm_home": "arm (home)",
    "alarm_arm_away": "arm (away)", "alarm_disarm": "disarm",
}  # fmt: skip
_PARAM_WORDS = {
    "brightness": "{}%", "percentage": "{}%", "position": "{}%", "volume": "volume {}",
    "temperature": "{}°", "target_temperature": "{}°", "humidity": "{}%",
    "hvac_mode": "{}", "color": "{}", "is_volume_muted": "muted",
}  # fmt: skip


def action_text(device: Device, service: str, params: Mapping[str, StateValue]) -> str:
    """Say a service call in words: "turn on the hall light at 40%"."""
    values = [
        _PARAM_WORDS.get(k, f"{k} {{}}").format(_num(v)) for k, v in params.items()
    ]
    name = label(device)
    if service in _SERVICE_VERBS:
        text = f"{_SERVICE_VERBS[service]} {name}"
        return f"{text} at {', '.join(values)}" if values else text
    if values:
        return f"set {name} to {', '.join(values)}"
    return f"{service.replace('_', ' ')} {name}"


_PRONOUNS = frozenset({"it", "them", "that", "those", "this"})
_DAY_PART_WORDS = frozenset(
    {"night", "nighttime", "dark", "day", "daytime", "morning", "afternoon", "evening"}
)
_STATE_VERBS = frozenset({"goes", "go", "went", "gets", "turns", "comes", "stops"})


def _state_candidates(clause: Clause, parsed: ParsedCommand) -> list[str]:
    """What may say the state in a part, best first: the tagged words, then the rest."""
    out: list[str] = []
    spans = clause.slots(Slot.STATE)
    for span in spans:
        before = (
            parsed.words[span.start - 1].casefold() if span.start > clause.start else ""
        )
        if before in _STATE_VERBS:
            out.append(f"{before} {span.text}")  # "goes off", "stops running"
        out.append(span.text)
    if spans:
        out.append(" ".join(s.text for s in spans))
    inside = {i for s in clause.spans for i in range(s.start, s.end)}
    free = [
        w.casefold()
        for i, w in enumerate(parsed.words[clause.start : clause.end], clause.start)
        if i not in inside
    ]
    out.extend(f"{a} {b}" for a, b in itertools.pairwise(free))
    out.extend(w for w in free if w not in _FREE_NOISE)
    return out


_FREE_NOISE = frozenset({
    "when", "whenever", "if", "once", "as", "soon", "the", "a", "is", "are", "gets",
    "and", "but", "only", "while", "every", "each", "time", "moment", "in", "at", "to",
})  # fmt: skip


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


def _is_sun(text: str) -> bool:
    got = parse_clock(text.split())
    return got is not None and got.sun is not None


def _as_trigger(clause: Clause) -> Clause:
    """A condition said alone ("after sunset") starts the automation instead."""
    swap = {
        _I.ONLY_IF: _I.WHEN,
        _I.ONLY_ABOVE: _I.WHEN_ABOVE,
        _I.ONLY_BELOW: _I.WHEN_BELOW,
    }
    if clause.intent in swap:
        return Clause(
            intent=swap[clause.intent],
            spans=clause.spans,
            start=clause.start,
            end=clause.end,
            confidence=clause.confidence,
        )
    if clause.intent is _I.DURING and clause.slots(Slot.TIME):
        return Clause(
            intent=_I.SCHEDULE,
            spans=tuple(clause.slots(Slot.TIME)[:1] + clause.slots(Slot.DAYS)),
            start=clause.start,
            end=clause.end,
            confidence=clause.confidence,
        )
    return clause


def _words(parsed: ParsedCommand, clause: Clause) -> str:
    return " ".join(parsed.words[clause.start : clause.end])


def _failure(resolution: Resolution, parsed: ParsedCommand, clause: Clause) -> str:
    if resolution.answer:
        return resolution.answer
    return f'I could not find what "{_words(parsed, clause)}" is about.'


def _area_named(registry: Registry, text: str) -> str | None:
    wanted = " ".join(text.casefold().split())
    for area in registry.home.areas:
        names = [area.name, *area.aliases, area.id.replace("_", " ")]
        if any(" ".join(n.casefold().split()) == wanted for n in names):
            return area.id
    return None


def _to_device_unit(number: float, unit: str, devices: Sequence[Device]) -> float:
    said = unit.casefold().replace("°", "").strip()
    device_unit = (
        str(devices[0].state.get("unit", "")).replace("°", "").strip().casefold()
    )
    if said in {"f", "fahrenheit", "degrees fahrenheit"} and device_unit == "c":
        return round((number - 32) * 5 / 9, 1)
    if said in {"c", "celsius", "degrees celsius"} and device_unit == "f":
        return round(number * 9 / 5 + 32, 1)
    if said in {"kilowatts", "kw"} and device_unit == "w":
        return number * 1000
    return number


def _number_key(device: Device) -> str | None:
    if device.type is Domain.SENSOR:
        return None
    if device.type in {Domain.CLIMATE, Domain.WATER_HEATER}:
        return "current_temperature" if "current_temperature" in device.state else None
    return None


def _unit_text(device: Device) -> str:
    unit = str(device.state.get("unit", "") or "")
    if not unit:
        return ""
    return unit if unit in {"%", "°C", "°F"} else f" {unit}"


def _num(value: StateValue) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_DAY_NAMES = {
    Weekday.MON: "Monday", Weekday.TUE: "Tuesday", Weekday.WED: "Wednesday",
    Weekday.THU: "Thursday", Weekday.FRI: "Friday", Weekday.SAT: "Saturday",
    Weekday.SUN: "Sunday",
}  # fmt: skip


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


def _alias(text: str) -> str:
    text = " ".join(text.split()).strip(" .!?")
    text = text[:1].upper() + text[1:]
    return text if len(text) <= 80 else text[:77].rstrip() + "..."


def _sentence(parts: _Parts, did: Sequence[str]) -> str:
    head = "; or ".join(parts.when)
    if parts.once:
        text = head[:1].upper() + head[1:]
    else:
        text = (
            "When " + head
            if not head.startswith("every")
            else head[:1].upper() + head[1:]
        )
    if parts.only:
        text += ", only " + " and ".join(parts.only)
    acts = did[0] if len(did) == 1 else ", ".join(did[:-1]) + " and " + did[-1]
    return f"{text}: {acts}."
