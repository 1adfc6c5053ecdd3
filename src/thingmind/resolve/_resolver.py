"""The resolver: a parsed sentence plus the site's live state -> actions, reads, answer.

This module holds the command path; questions are answered in ``_ask``, feelings in
``_feel``, and every action passes the checks in ``_admit``.
"""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Clock, Domain, StateValue, SystemClock
from thingmind.nlu import Clause, Intent, ParsedCommand, Slot
from thingmind.registry import domain_spec
from thingmind.resolve._admit import Admission
from thingmind.resolve._ask import Questions
from thingmind.resolve._clauses import (
    Acc,
    better_attribute,
    effective_intent,
    explicit_toggle,
    without_noise_targets,
)
from thingmind.resolve._commands import (
    Plan,
    Refusal,
    plan_color,
    plan_mode,
    plan_set,
    plan_simple,
    plan_step,
)
from thingmind.resolve._feel import FEELINGS, Feelings
from thingmind.resolve._lexicon import Lexicon
from thingmind.resolve._model import (
    Context,
    FailReason,
    Failure,
    Resolution,
    ResolvedAction,
)
from thingmind.resolve._replies import (
    command_text,
    nothing_to_do,
    refusal_text,
)
from thingmind.resolve._say import join_or, label, sentence
from thingmind.resolve._select import (
    Capable,
    KindFilter,
    Place,
    Selection,
    Selector,
)
from thingmind.resolve._values import Values, read_values
from thingmind.resolve._vocab import ATTRIBUTE_KIND

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from thingmind.registry import Device, Registry
    from thingmind.resolve._admit import Permission
    from thingmind.resolve._gate import Gate

_LOGGER = logging.getLogger(__name__)
_D = Domain
_I = Intent

_ON_OFF_TYPES = frozenset({_D.LIGHT, _D.SWITCH, _D.FAN, _D.MEDIA_PLAYER, _D.HUMIDIFIER})
_MEDIA = frozenset({_D.MEDIA_PLAYER})
_EVERYTHING: Mapping[Intent, frozenset[Domain]] = MappingProxyType(
    {
        _I.TURN_ON: _ON_OFF_TYPES,
        _I.TURN_OFF: _ON_OFF_TYPES,
        _I.TOGGLE: _ON_OFF_TYPES,
        _I.STOP: _ON_OFF_TYPES,
        _I.PLAY: _MEDIA,
        _I.PAUSE: _MEDIA,
        _I.NEXT_TRACK: _MEDIA,
        _I.PREVIOUS_TRACK: _MEDIA,
        _I.MUTE: _MEDIA,
        _I.UNMUTE: _MEDIA,
        _I.OPEN: frozenset({_D.COVER, _D.VALVE}),
        _I.CLOSE: frozenset({_D.COVER, _D.VALVE}),
        _I.LOCK: frozenset({_D.LOCK}),
        _I.UNLOCK: frozenset({_D.LOCK}),
        _I.CLEAN: frozenset({_D.VACUUM}),
        _I.RETURN_HOME: frozenset({_D.VACUUM}),
        _I.ARM: frozenset({_D.ALARM_CONTROL_PANEL}),
        _I.DISARM: frozenset({_D.ALARM_CONTROL_PANEL}),
    }
)
"""What "everything" stands for, per intent (every type for the others)."""

_DEFAULT_KIND: Mapping[Intent, str] = MappingProxyType(
    {
        _I.TURN_ON: "light",
        _I.TURN_OFF: "light",
        _I.TOGGLE: "light",
        _I.SET_VALUE: "light",
        _I.INCREASE: "light",
        _I.DECREASE: "light",
        _I.SET_COLOR: "light",
        _I.SET_MODE: "climate",
        _I.OPEN: "openable",
        _I.CLOSE: "openable",
        _I.STOP: "openable",
        _I.LOCK: "lock",
        _I.UNLOCK: "lock",
        _I.PLAY: "media",
        _I.PAUSE: "media",
        _I.NEXT_TRACK: "media",
        _I.PREVIOUS_TRACK: "media",
        _I.MUTE: "media",
        _I.UNMUTE: "media",
        _I.CLEAN: "vacuum",
        _I.RETURN_HOME: "vacuum",
        _I.ARM: "alarm",
        _I.DISARM: "alarm",
    }
)
"""The kind a command means when it names no device ("turn off" -> lights)."""

_INCAPABLE = frozenset({FailReason.READ_ONLY, FailReason.UNSUPPORTED})
"""Refusals that mean a device cannot do what is asked at all (not just this value)."""


class Resolver:
    """Turns parsed sentences into actions and answers for one site.

    Build one per registry: the name tables are computed once. :meth:`resolve` reads
    live state from the registry and changes nothing.
    """

    def __init__(
        self,
        registry: Registry,
        *,
        permission: Permission | None = None,
        gate: Gate | None = None,
        clock: Clock | None = None,
    ) -> None:
        """Prepare the site's tables.

        Args:
            registry: The site, with live state.
            permission: An extra yes/no check per action (kept for simple callers).
            gate: The security gate (users, roles, confirmations, safe values);
                everything is allowed when None.
            clock: The site's clock, for limits that hold at some hours.
        """
        self._registry = registry
        self._admission = Admission(
            permission=permission, gate=gate, clock=clock or SystemClock()
        )
        self._lex = Lexicon(registry)
        self._sel = Selector(registry, self._lex)
        self._by_id: dict[str, Device] = {d.id: d for d in registry.devices()}
        self._filters = {
            intent: KindFilter(self._lex, _EVERYTHING.get(intent), registry.devices())
            for intent in Intent
        }
        self._defaults: dict[Domain, dict[str, StateValue]] = {
            t: domain_spec(t).defaults() for t in {d.type for d in registry.devices()}
        }
        self._questions = Questions(
            registry,
            lexicon=self._lex,
            selector=self._sel,
            filters=self._filters,
            by_id=self._by_id,
            visible=self._admission.visible,
        )
        self._feelings = Feelings(
            registry, lexicon=self._lex, selector=self._sel, admit=self._admission.admit
        )

    @property
    def registry(self) -> Registry:
        """The site this resolver reads."""
        return self._registry

    # ------------------------------------------------------------------ entry

    def resolve(
        self, parsed: ParsedCommand, *, context: Context | None = None
    ) -> Resolution:
        """Resolve a parsed sentence against the site.

        Args:
            parsed: What the sentence was understood to say.
            context: Who speaks and where.

        Returns:
            The actions to carry out, the devices read, the answer, and what was
            refused or needs clarifying. Expected failures are values, never raised.
        """
        ctx = context or Context()
        speaker_area = ctx.area
        if speaker_area is None and ctx.device is not None:
            device = self._by_id.get(ctx.device)
            speaker_area = device.area if device is not None else None
        if speaker_area is not None and not self._registry.home.has_area(speaker_area):
            speaker_area = None
        if not parsed.clauses:
            failure = Failure(
                reason=FailReason.NOT_ABOUT_SITE,
                clause=0,
                detail="no command for the site",
            )
            return Resolution(
                answer="Sorry, I can only help with this site's devices.",
                refused=True,
                failures=(failure,),
            )
        later = next(
            (
                (i, c)
                for i, c in enumerate(parsed.clauses)
                if c.intent.is_rule_part or c.intent.is_history
            ),
            None,
        )
        if later is not None:
            # an automation or a question over history is not done here: nothing of
            # the sentence is carried out (the brain sends it to its automations or
            # its history; without them it is refused whole)
            index, clause = later
            automation = clause.intent.is_rule_part
            answer = (
                "That sets up an automation, which is not possible here."
                if automation
                else "I keep no history here to answer that."
            )
            failure = Failure(
                reason=FailReason.UNSUPPORTED,
                clause=index,
                detail="automation" if automation else "history",
            )
            return Resolution(answer=answer, refused=True, failures=(failure,))
        acc = Acc()
        previous: tuple[str, ...] = ()
        for index, clause in enumerate(parsed.clauses):
            touched = self._clause(
                index=index,
                clause=clause,
                parsed=parsed,
                ctx=ctx,
                speaker_area=speaker_area,
                previous=previous,
                acc=acc,
            )
            if acc.question is not None:
                break
            if touched:
                previous = touched
        if acc.question is not None:
            return Resolution(
                answer=acc.question,
                clarify=True,
                failures=tuple(acc.failures),
            )
        return Resolution(
            actions=tuple(acc.actions),
            reads=tuple(dict.fromkeys(acc.reads)),
            answer=" ".join(s for s in acc.said if s),
            refused=bool(acc.failures),
            failures=tuple(acc.failures),
            pending=tuple(acc.pending),
            pin_required=acc.pin_required,
        )

    # ------------------------------------------------------------------ clauses

    def _clause(
        self,
        *,
        index: int,
        clause: Clause,
        parsed: ParsedCommand,
        ctx: Context,
        speaker_area: str | None,
        previous: tuple[str, ...],
        acc: Acc,
    ) -> tuple[str, ...]:
        clause = without_noise_targets(clause)
        values = read_values(clause, parsed)
        words = tuple(w.casefold() for w in parsed.words[clause.start : clause.end])
        intent = explicit_toggle(effective_intent(clause.intent, values), words)
        if intent.is_question:
            return self._questions.resolve(
                index=index,
                clause=clause,
                parsed=parsed,
                ctx=ctx,
                intent=intent,
                values=values,
                words=words,
                speaker_area=speaker_area,
                previous=previous,
                acc=acc,
            )
        if intent in FEELINGS:
            return self._feelings.resolve(
                index=index,
                clause=clause,
                intent=intent,
                ctx=ctx,
                speaker_area=speaker_area,
                acc=acc,
            )
        attribute = values.attribute
        default_kind = _DEFAULT_KIND.get(intent, "everything")
        if intent in {_I.SET_VALUE, _I.INCREASE, _I.DECREASE}:
            if attribute is not None and attribute in ATTRIBUTE_KIND:
                default_kind = ATTRIBUTE_KIND[attribute]
            elif values.unit in {"C", "F", "degrees"}:
                default_kind = "heating"
        capable = self._command_capable(intent, values, attribute)
        if intent in {_I.CLEAN, _I.RETURN_HOME} and not clause.slots(Slot.TARGET):
            sel = self._vacuums(clause, speaker_area)
        elif (
            ctx.device is not None
            and not clause.slots(Slot.TARGET)
            and not clause.slots(Slot.LOCATION)
            and ctx.device in self._by_id
            and self._filters[intent](default_kind, self._by_id[ctx.device])
        ):
            sel = Selection(devices=[ctx.device], named=True, placed=True)
        else:
            sel = self._sel.select(
                clause,
                parsed,
                speaker_area=speaker_area,
                previous=previous,
                default_kind=default_kind,
                kind_filter=self._filters[intent],
                capable=capable,
            )
        if acc.failed_selection(index, sel):
            return ()
        for phrase in sel.phrases:
            attribute = better_attribute(attribute, phrase.attr)
        return self._command(
            index=index,
            intent=intent,
            values=values,
            attribute=attribute,
            sel=sel,
            ctx=ctx,
            acc=acc,
        )

    def _command(
        self,
        *,
        index: int,
        intent: Intent,
        values: Values,
        attribute: str | None,
        sel: Selection,
        ctx: Context,
        acc: Acc,
    ) -> tuple[str, ...]:
        devices = [
            self._by_id[d]
            for d in sel.devices
            if self._admission.visible(ctx, self._by_id[d])
        ]
        states = {d.id: self._registry.state(d.id) for d in devices}
        any_on: dict[Domain, bool] = {}
        for device in devices:
            if states[device.id].get("on") is True:
                any_on[device.type] = True
        plans: list[tuple[Device, Plan]] = []
        refusals: list[tuple[Device, Refusal]] = []
        for device in devices:
            state = states[device.id]
            result = self._plan(
                intent,
                device,
                state=state,
                values=values,
                attribute=attribute,
                any_on=any_on.get(device.type, False),
            )
            if result is None:
                continue
            if isinstance(result, Refusal):
                refusals.append((device, result))
            else:
                plans.append((device, result))
        if intent is _I.SET_COLOR and not sel.named:
            lit = [(d, p) for d, p in plans if states[d.id].get("on") is True]
            if lit:
                plans = lit
        if not sel.named and plans:
            refusals = [
                (d, r) for d, r in refusals if r.reason is FailReason.OUT_OF_RANGE
            ]
        if sel.singular and len(plans) > 1:
            names = [label(d) for d, _ in plans]
            acc.question = sentence(f"Which one do you mean: {join_or(names)}?")
            acc.failures.append(
                Failure(
                    reason=FailReason.AMBIGUOUS,
                    clause=index,
                    detail=", ".join(d.id for d, _ in plans),
                )
            )
            return ()
        for device, refusal in refusals[:1] if not sel.named else refusals:
            acc.fail(
                refusal.reason,
                index,
                f"{device.id}: {refusal.detail}",
                refusal_text(device, refusal),
            )
        if not plans:
            if not refusals and not devices:
                acc.fail(
                    FailReason.NOTHING_IN_SCOPE,
                    index,
                    "nothing",
                    "There is nothing there to do that to.",
                )
            elif not refusals:
                acc.said.append(sentence(nothing_to_do(intent, devices)))
            return tuple(d.id for d in devices)
        done: list[Device] = []
        for device, plan in plans:
            action = ResolvedAction(
                device_id=device.id,
                service=plan.service,
                params=plan.params,
                clause=index,
            )
            if not self._admission.admit(ctx, action, device, index, acc):
                continue
            acc.actions.append(action)
            done.append(device)
        if done:
            done_ids = {d.id for d in done}
            acc.said.append(
                command_text(
                    intent,
                    [(d, p) for d, p in plans if d.id in done_ids],
                    values,
                    states,
                )
            )
        return tuple(d.id for d in done) or tuple(d.id for d in devices)

    def _plan(
        self,
        intent: Intent,
        device: Device,
        *,
        state: Mapping[str, StateValue],
        values: Values,
        attribute: str | None,
        any_on: bool,
    ) -> Plan | Refusal | None:
        if intent is _I.SET_VALUE:
            if values.has_value:
                return plan_set(device, state, values, attribute)
            if values.color:
                return plan_color(device, state, values)
            if values.mode:
                return plan_mode(device, state, values)
            return Refusal(reason=FailReason.NO_VALUE, detail="no value was said")
        if intent in {_I.INCREASE, _I.DECREASE}:
            return plan_step(
                device,
                state,
                values,
                attribute,
                up=intent is _I.INCREASE,
                any_light_on=any_on,
            )
        if intent is _I.SET_COLOR:
            return plan_color(device, state, values)
        if intent is _I.SET_MODE:
            return plan_mode(device, state, values)
        return plan_simple(intent, device, state, values)

    def _command_capable(
        self, intent: Intent, values: Values, attribute: str | None
    ) -> Capable:
        """Say whether a device's type can carry out a command at all.

        The plan is tried on the type's full default state, so a sensor cannot be
        locked and a switch has no temperature, whatever their state now.
        """
        known: dict[Domain, bool] = {}

        def capable(device: Device) -> bool:
            found = known.get(device.type)
            if found is None:
                result = self._plan(
                    intent,
                    device,
                    state=self._defaults.get(device.type, {}),
                    values=values,
                    attribute=attribute,
                    any_on=True,
                )
                found = not (
                    isinstance(result, Refusal) and result.reason in _INCAPABLE
                )
                known[device.type] = found
            return found

        return capable

    def _vacuums(self, clause: Clause, speaker_area: str | None) -> Selection:
        """The vacuums for "clean X": the place says what to clean, not where they are."""
        vacuums = list(self._registry.devices_of_type(_D.VACUUM))
        if not vacuums:
            return Selection(failure=(FailReason.NO_SUCH_DEVICE, "vacuum"))
        place: Place | None = None
        for span in clause.slots(Slot.LOCATION):
            phrase = self._lex.place(span.text)
            if phrase is None:
                return Selection(failure=(FailReason.NO_SUCH_AREA, span.text))
            found = self._sel.place_of(phrase, speaker_area)
            if found is not None:
                place = found
        chosen: list[Device] = []
        if place is not None and not place.everywhere:
            areas = place.areas or frozenset()
            chosen = [v for v in vacuums if v.area in areas]
            if not chosen:
                floors = {
                    self._registry.home.area(a).floor
                    for a in areas
                    if self._registry.home.has_area(a)
                }
                floors.discard(None)
                chosen = [
                    v
                    for v in vacuums
                    if v.area is not None
                    and self._registry.home.area(v.area).floor in floors
                ]
        if place is None and len(vacuums) > 1:
            # nothing said: the one here, else the one on this floor, else ask
            return self._only_here(vacuums, speaker_area, kind="vacuum")
        if not chosen:
            chosen = vacuums
        return Selection(
            devices=[v.id for v in chosen], named=False, placed=True, kind="vacuum"
        )

    def _only_here(
        self, devices: Sequence[Device], speaker_area: str | None, *, kind: str
    ) -> Selection:
        """Pick among several devices of a type the one by the speaker, or ask."""
        near: list[Device] = []
        if speaker_area is not None:
            near = [d for d in devices if d.area == speaker_area]
            floor = self._registry.home.area(speaker_area).floor
            if not near and floor is not None:
                near = [
                    d
                    for d in devices
                    if d.area is not None
                    and self._registry.home.area(d.area).floor == floor
                ]
        chosen = near or list(devices)
        return Selection(
            devices=[d.id for d in chosen],
            named=False,
            placed=True,
            singular=len(chosen) > 1,
            kind=kind,
        )
