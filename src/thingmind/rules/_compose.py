"""From a parsed sentence to an automation record: "when X, if Y, do Z".

The model tags the parts of the sentence: trigger clauses (``when``, ``when_above``,
``when_below``, ``schedule``, ``later``), condition clauses (``only_if``,
``only_above``, ``only_below``, ``during``) and ordinary command clauses. Each part is
then settled by the same resolver as a spoken command: the device a trigger watches is
found the way a question finds the device it reads, and the actions are resolved (and
checked by the gate) exactly as if they were said now. Nothing runs here: the result
is a draft, shown back to the user in plain words and YAML before it is enabled.

State words are read in ``_compose_words``, times and days in ``_compose_time``,
and what the composer says back in ``_compose_text``.
"""

from __future__ import annotations

from datetime import UTC
import hashlib
import re
from typing import TYPE_CHECKING

import yaml

from thingmind.core import Domain, StateValue
from thingmind.nlu import Clause, Intent, ParsedCommand, Slot
from thingmind.resolve import FailReason, Resolution, label, parse_number
from thingmind.rules._compose_text import (
    ComposeError,
    Parts,
    action_text,
    alias_text,
    clause_words,
    number_text,
    summary_text,
    unit_text,
)
from thingmind.rules._compose_time import (
    during_part,
    inline_conditions,
    later_part,
    said_duration,
    schedule_part,
)
from thingmind.rules._compose_words import (
    became,
    is_state,
    state_candidates,
    state_value,
)
from thingmind.rules._draft import AutomationDraft
from thingmind.rules._dump import dump_automation
from thingmind.rules._model import (
    Automation,
    NumericStateCondition,
    NumericStateTrigger,
    ServiceAction,
    StateCondition,
    StateTrigger,
    Trigger,
)
from thingmind.rules._parts import sets_up_automation, tidy
from thingmind.rules._words import duration_text, parse_clock

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import tzinfo

    from thingmind.registry import Device, Registry
    from thingmind.resolve import Context, Resolver

__all__ = [
    "ComposeError",
    "Composer",
    "action_text",
    "find_devices",
    "state_value",
]

_I = Intent
_COLD_WORDS = frozenset({"colder", "cooler", "cold", "cool", "chilly"})
_HOT_WORDS = frozenset({"hotter", "warmer", "hot", "warm"})


# ------------------------------------------------------------------ the composer


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
        parts = Parts()
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
        summary = summary_text(parts, did)
        automation = Automation(
            id=auto_id,
            alias=alias_text(parsed.text),
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
        parts: Parts,
        *,
        context: Context,
        now: float,
    ) -> None:
        intent = clause.intent
        if intent is _I.WHEN or intent is _I.ONLY_IF:
            self._state_part(clause, parsed, parts, context=context)
            inline_conditions(clause, parsed, parts)
        elif intent in {_I.WHEN_ABOVE, _I.WHEN_BELOW, _I.ONLY_ABOVE, _I.ONLY_BELOW}:
            self._numeric_part(clause, parsed, parts, context=context)
            inline_conditions(clause, parsed, parts)
        elif intent is _I.SCHEDULE:
            schedule_part(clause, parsed, parts)
        elif intent is _I.LATER:
            later_part(clause, parsed, parts, now=now, zone=self.zone)
        elif intent is _I.DURING:
            during_part(clause, parsed, parts)

    def _find(
        self, clause: Clause, parsed: ParsedCommand, *, proxy: Intent, context: Context
    ) -> list[Device]:
        return find_devices(
            self._resolver, parsed, clause, proxy=proxy, context=context
        )

    def _state_part(
        self, clause: Clause, parsed: ParsedCommand, parts: Parts, *, context: Context
    ) -> None:
        devices = self._find(clause, parsed, proxy=_I.ASK_STATE, context=context)
        said = " ".join(s.text for s in clause.slots(Slot.STATE))
        if not said:
            said = clause_words(parsed, clause)
        candidates = state_candidates(clause, parsed)
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
        for_seconds = said_duration(clause)
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
                verb = became(device, value)
                if held and verb in {"opens", "turns on"}:
                    verb = "stays open" if verb == "opens" else "stays on"
                parts.when.append(f"{label(device)} {verb}{held}")
            else:
                parts.conditions.append(
                    StateCondition(entity_ids=(device.id,), states=values)
                )
                parts.only.append(f"if {label(device)} {is_state(device, value)}")

    def _numeric_part(
        self, clause: Clause, parsed: ParsedCommand, parts: Parts, *, context: Context
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
            msg = f'I could not find the level in "{clause_words(parsed, clause)}".'
            raise ComposeError(msg)
        up = clause.intent in {_I.WHEN_ABOVE, _I.ONLY_ABOVE}
        unit = " ".join(s.text for s in clause.slots(Slot.UNIT))
        number = _to_device_unit(number, unit, devices)
        ids = tuple(d.id for d in devices)
        attribute = _number_key(devices[0])
        names = ", ".join(label(d) for d in devices)
        shown = f"{number_text(number)}{unit_text(devices[0])}"
        if clause.intent in {_I.WHEN_ABOVE, _I.WHEN_BELOW}:
            for_seconds = said_duration(clause)
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
        msg = (
            f'I could not tell which device "{clause_words(parsed, clause)}" is about.'
        )
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


_PRONOUNS = frozenset({"it", "them", "that", "those", "this"})


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


def _failure(resolution: Resolution, parsed: ParsedCommand, clause: Clause) -> str:
    if resolution.answer:
        return resolution.answer
    return f'I could not find what "{clause_words(parsed, clause)}" is about.'


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
