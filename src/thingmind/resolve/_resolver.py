"""The resolver: a parsed sentence plus the site's live state -> actions, reads, answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
import datetime as dt
import logging
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Clock, Domain, StateValue, SystemClock
from thingmind.nlu import Clause, Intent, ParsedCommand, Slot
from thingmind.registry import domain_spec
from thingmind.resolve._commands import (
    Plan,
    Refusal,
    plan_color,
    plan_mode,
    plan_set,
    plan_simple,
    plan_step,
)
from thingmind.resolve._gate import DenyReason, Gate, Verdict
from thingmind.resolve._lexicon import Lexicon
from thingmind.resolve._model import (
    Context,
    FailReason,
    Failure,
    Resolution,
    ResolvedAction,
)
from thingmind.resolve._policy import ActionKind
from thingmind.resolve._questions import (
    can_answer_attribute,
    can_answer_state,
    state_test,
    value_sentence,
    yes_no_sentence,
)
from thingmind.resolve._replies import (
    command_text,
    failure_text,
    feeling_reason,
    feeling_verb,
    nothing_to_do,
    refusal_text,
)
from thingmind.resolve._say import join, join_or, label, sentence
from thingmind.resolve._select import (
    Capable,
    KindFilter,
    Place,
    Selection,
    Selector,
)
from thingmind.resolve._text import tokens
from thingmind.resolve._values import Values, attribute_of, read_values
from thingmind.resolve._vocab import (
    ATTRIBUTE_KIND,
    ATTRIBUTE_SENSOR_KIND,
    GENERIC_ATTRIBUTE,
    KINDS,
)

if TYPE_CHECKING:
    from thingmind.registry import Device, Registry

_LOGGER = logging.getLogger(__name__)
_D = Domain
_I = Intent

Permission = Callable[[str, ResolvedAction], bool]
"""Decides whether a user may have an action carried out."""

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

_STATE_KIND: Mapping[str, str] = MappingProxyType(
    {
        "locked": "lock",
        "unlocked": "lock",
        "secure": "lock",
        "watered": "water",
        "watering": "water",
        "cleaning": "vacuum",
        "hoovering": "vacuum",
        "vacuuming": "vacuum",
        "docked": "vacuum",
        "charging": "vacuum",
        "armed": "alarm",
        "disarmed": "alarm",
        "playing": "media",
        "paused": "media",
        "leaking": "leak",
        "wet": "leak",
        "open": "openable",
        "closed": "openable",
    }
)
"""The kind a question with only a state word is about ("is it locked?")."""


_FEELINGS = frozenset(
    {_I.TOO_DARK, _I.TOO_BRIGHT, _I.TOO_COLD, _I.TOO_HOT, _I.TOO_LOUD}
)
_FEELING_TYPES: Mapping[Intent, tuple[Domain, ...]] = MappingProxyType(
    {
        _I.TOO_DARK: (_D.LIGHT,),
        _I.TOO_BRIGHT: (_D.LIGHT,),
        _I.TOO_COLD: (_D.CLIMATE,),
        _I.TOO_HOT: (_D.CLIMATE, _D.FAN),
        _I.TOO_LOUD: (_D.MEDIA_PLAYER,),
    }
)
"""The types a feeling changes, in order of preference."""
_INCAPABLE = frozenset({FailReason.READ_ONLY, FailReason.UNSUPPORTED})
_CONFIRM_VERBS: Mapping[ActionKind, str] = MappingProxyType(
    {
        ActionKind.UNLOCK: "unlock",
        ActionKind.DISARM: "disarm",
        ActionKind.OPEN: "open",
        ActionKind.TURN_ON: "switch on",
        ActionKind.SET: "change",
        ActionKind.SCENE: "start",
    }
)
"""Refusals that mean a device cannot do what is asked at all (not just this value)."""


def _better_attribute(current: str | None, other: str | None) -> str | None:
    """Keep a specific attribute; take another one over nothing or a generic one."""
    if current is None or (current == GENERIC_ATTRIBUTE and other is not None):
        return other or current
    return current


@dataclass(slots=True)
class _Acc:
    """What the clauses of one sentence have produced so far."""

    actions: list[ResolvedAction] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    question: str | None = None
    pending: list[ResolvedAction] = field(default_factory=list)
    pin_required: bool = False

    def fail(self, reason: FailReason, clause: int, detail: str, text: str) -> None:
        self.failures.append(Failure(reason=reason, clause=clause, detail=detail))
        self.said.append(sentence(text))


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
        self._gate = gate
        self._clock = clock or SystemClock()
        self._lex = Lexicon(registry)
        self._sel = Selector(registry, self._lex)
        self._by_id: dict[str, Device] = {d.id: d for d in registry.devices()}
        self._permission = permission
        self._filters = {
            intent: KindFilter(self._lex, _EVERYTHING.get(intent), registry.devices())
            for intent in Intent
        }
        self._defaults: dict[Domain, dict[str, StateValue]] = {
            t: domain_spec(t).defaults() for t in {d.type for d in registry.devices()}
        }
        self._of_type: dict[Domain, list[Device]] = {}
        for device in registry.devices():
            self._of_type.setdefault(device.type, []).append(device)

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
        acc = _Acc()
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
        acc: _Acc,
    ) -> tuple[str, ...]:
        clause = _without_noise_targets(clause)
        values = read_values(clause, parsed)
        words = tuple(w.casefold() for w in parsed.words[clause.start : clause.end])
        intent = _explicit_toggle(_effective_intent(clause.intent, values), words)
        if intent.is_question:
            return self._question(
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
        if intent in _FEELINGS:
            return self._feeling(
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
        if sel.failure is not None:
            reason, what = sel.failure
            acc.fail(reason, index, what, failure_text(reason, what))
            return ()
        for phrase in sel.phrases:
            attribute = _better_attribute(attribute, phrase.attr)
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
        acc: _Acc,
    ) -> tuple[str, ...]:
        devices = [
            self._by_id[d] for d in sel.devices if self._visible(ctx, self._by_id[d])
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
            if not self._admit(ctx, action, device, index, acc):
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

    def _visible(self, ctx: Context, device: Device) -> bool:
        """Whether the speaker may see the device at all (else it is never named)."""
        return self._gate is None or self._gate.can_read(ctx.user, device.id)

    def _admit(
        self,
        ctx: Context,
        action: ResolvedAction,
        device: Device,
        index: int,
        acc: _Acc,
    ) -> bool:
        """Pass one action through the permission hook and the gate.

        Returns:
            True when it may be carried out now; otherwise the refusal, or the
            pending confirmation, is recorded in ``acc``.
        """
        if self._permission is not None and not self._permission(ctx.user, action):
            acc.fail(
                FailReason.NOT_PERMITTED,
                index,
                device.id,
                f"You are not allowed to control {label(device)}",
            )
            return False
        if self._gate is None:
            return True
        now = dt.datetime.fromtimestamp(self._clock.now(), tz=dt.UTC).astimezone()
        decision = self._gate.check(ctx.user, action, source=ctx.source, now=now)
        if decision.allowed:
            return True
        if decision.verdict is Verdict.CONFIRM:
            if acc.pending:
                acc.fail(
                    FailReason.NEEDS_CONFIRMATION,
                    index,
                    device.id,
                    f"{label(device)} was not included: ask for it on its own",
                )
                return False
            acc.pending.append(action)
            acc.pin_required = decision.pin_required
            acc.failures.append(
                Failure(
                    reason=FailReason.NEEDS_CONFIRMATION, clause=index, detail=device.id
                )
            )
            verb = _CONFIRM_VERBS.get(decision.kind or ActionKind.SET, "change")
            acc.said.append(
                sentence(f"Do you want me to {verb} {label(device)}?")
                + " "
                + decision.message
            )
            return False
        reason = (
            FailReason.UNSAFE_VALUE
            if decision.reason is DenyReason.UNSAFE_VALUE
            else FailReason.NOT_PERMITTED
        )
        readable = self._gate.can_read(ctx.user, device.id)
        text = decision.message
        if readable and reason is FailReason.NOT_PERMITTED:
            text = f"You are not allowed to control {label(device)}"
        acc.fail(reason, index, device.id if readable else "", text)
        return False

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

    # ------------------------------------------------------------------ feelings

    def _feeling(
        self,
        *,
        index: int,
        clause: Clause,
        intent: Intent,
        ctx: Context,
        speaker_area: str | None,
        acc: _Acc,
    ) -> tuple[str, ...]:
        areas: set[str] = set()
        for span in clause.slots(Slot.LOCATION):
            phrase = self._lex.place(span.text)
            if phrase is None:
                acc.fail(
                    FailReason.NO_SUCH_AREA,
                    index,
                    span.text,
                    failure_text(FailReason.NO_SUCH_AREA, span.text),
                )
                return ()
            place = self._sel.place_of(phrase, speaker_area)
            if place is not None and place.areas:
                areas |= place.areas
        if not areas and speaker_area is not None:
            areas = {speaker_area}
        if not areas:
            # no room known: the only device of its type in the home will do
            for kind in _FEELING_TYPES.get(intent, ()):
                every = self._of_type.get(kind, [])
                if every:
                    if len(every) == 1 and every[0].area is not None:
                        areas = {every[0].area}
                    break
        if not areas:
            acc.question = "Which room do you mean?"
            acc.failures.append(
                Failure(reason=FailReason.AMBIGUOUS, clause=index, detail="no room")
            )
            return ()
        in_area = [d for a in sorted(areas) for d in self._registry.devices_in_area(a)]
        states = {d.id: self._registry.state(d.id) for d in in_area}
        plans: list[tuple[Device, Plan]] = []
        none = Values()
        if intent in {_I.TOO_DARK, _I.TOO_BRIGHT}:
            lights = [d for d in in_area if d.type is _D.LIGHT]
            lit = [d for d in lights if states[d.id].get("on") is True]
            dark = [d for d in lights if states[d.id].get("on") is not True]
            if intent is _I.TOO_DARK and dark:
                plans = [(d, Plan(service="turn_on", params={})) for d in dark]
            else:
                for d in lit:
                    p = plan_step(
                        d,
                        states[d.id],
                        none,
                        "brightness",
                        up=intent is _I.TOO_DARK,
                        any_light_on=True,
                    )
                    if isinstance(p, Plan) and p.value != states[d.id].get(
                        "brightness"
                    ):
                        plans.append((d, p))
                if lit and not plans:
                    names = join([label(d) for d in lit])
                    edge = "as bright" if intent is _I.TOO_DARK else "as dim"
                    acc.said.append(
                        sentence(
                            f"{names} {'is' if len(lit) == 1 else 'are'} already {edge} as it goes"
                        )
                    )
                    return tuple(d.id for d in lit)
        elif intent in {_I.TOO_COLD, _I.TOO_HOT}:
            climates = [d for d in in_area if d.type is _D.CLIMATE]
            if not climates and intent is _I.TOO_HOT:
                fans = [d for d in in_area if d.type is _D.FAN]
                plans = [
                    (d, Plan(service="turn_on", params={}))
                    for d in fans
                    if states[d.id].get("on") is not True
                ]
                if not plans and fans:
                    acc.said.append("The fan is already on.")
                    return tuple(d.id for d in fans)
            if not climates and not plans:
                every = list(self._registry.devices_of_type(_D.CLIMATE))
                if len(every) == 1:
                    climates = every
                    states[every[0].id] = self._registry.state(every[0].id)
            for d in climates:
                p = plan_step(
                    d,
                    states[d.id],
                    none,
                    "temperature",
                    up=intent is _I.TOO_COLD,
                    any_light_on=True,
                )
                if isinstance(p, Plan):
                    plans.append((d, p))
        else:
            media = [
                d
                for d in in_area
                if d.type is _D.MEDIA_PLAYER and "volume" in states[d.id]
            ]
            playing = [d for d in media if states[d.id].get("playing") is True]
            for d in playing or media:
                p = plan_step(
                    d, states[d.id], none, "volume", up=False, any_light_on=True
                )
                if isinstance(p, Plan):
                    plans.append((d, p))
        if not plans:
            acc.fail(
                FailReason.NOTHING_IN_SCOPE,
                index,
                intent.value,
                "There is nothing here I can change for that.",
            )
            return ()
        admitted: list[tuple[Device, Plan]] = []
        for device, plan in plans:
            action = ResolvedAction(
                device_id=device.id,
                service=plan.service,
                params=plan.params,
                clause=index,
            )
            if self._admit(ctx, action, device, index, acc):
                acc.actions.append(action)
                admitted.append((device, plan))
        if admitted:
            done = command_text(feeling_verb(intent, admitted), admitted, none, states)
            why = feeling_reason(
                intent,
                admitted,
                states,
                area_devices=in_area,
                area_states={d.id: self._registry.state(d.id) for d in in_area},
            )
            if why:
                done = f"{why}I {done[:1].lower()}{done[1:]}"
            acc.said.append(done)
        return tuple(d.id for d, _ in plans)

    # ------------------------------------------------------------------ questions

    def _question(
        self,
        *,
        index: int,
        clause: Clause,
        parsed: ParsedCommand,
        ctx: Context,
        intent: Intent,
        values: Values,
        words: Sequence[str],
        speaker_area: str | None,
        previous: tuple[str, ...],
        acc: _Acc,
    ) -> tuple[str, ...]:
        state_words = [s.text for s in clause.slots(Slot.STATE)] or list(words)
        found_state = state_test(state_words)
        if intent is _I.ASK_VALUE:
            found_state = None
        attribute = values.attribute
        if attribute is None and intent is _I.ASK_VALUE:
            attribute = attribute_of(" ".join(words))
        default_kind = "everything"
        if attribute is not None:
            default_kind = ATTRIBUTE_SENSOR_KIND.get(attribute) or ATTRIBUTE_KIND.get(
                attribute, "everything"
            )
        elif found_state is not None:
            default_kind = _STATE_KIND.get(found_state[0], "everything")
        states = _States(self._registry)
        capable: Capable | None = None
        if intent is _I.ASK_VALUE and attribute is not None:
            asked = attribute

            def capable(device: Device) -> bool:
                return can_answer_attribute(
                    asked, device, states[device.id], self._measures(asked)
                )

        elif intent is not _I.ASK_VALUE:
            asked_test = found_state[1] if found_state else None

            def capable(device: Device) -> bool:
                return can_answer_state(asked_test, device, states[device.id])

        sel = self._sel.select(
            clause,
            parsed,
            speaker_area=speaker_area,
            previous=previous,
            default_kind=default_kind,
            kind_filter=self._filters[intent],
            capable=capable,
        )
        if sel.failure is not None:
            reason, what = sel.failure
            acc.fail(reason, index, what, failure_text(reason, what))
            return ()
        if intent is _I.ASK_VALUE:
            for phrase in sel.phrases:
                attribute = _better_attribute(attribute, phrase.attr)
        devices = [self._by_id[d] for d in sel.devices]
        able: list[Device]
        if intent is _I.ASK_VALUE:
            if attribute is not None:
                sensor_kind = self._measures(attribute)

                pool = devices
                if sel.named:
                    wider = [
                        self._by_id[d]
                        for p in sel.phrases
                        for d in (p.candidates or p.devices)
                    ]
                    pool = wider or devices
                able = [
                    d
                    for d in pool
                    if can_answer_attribute(attribute, d, states[d.id], sensor_kind)
                ]
                if sel.named and able:
                    able = [able[0], *[d for d in able[1:] if d.id in sel.devices]]
                if not able and sel.named:
                    able = devices
            else:
                able = devices
        else:
            test = found_state[1] if found_state else None
            able = [d for d in devices if can_answer_state(test, d, states[d.id])]
            if not able and sel.named:
                able = self._related(sel, test, states)
        able = [d for d in able if self._visible(ctx, d)]
        if not able:
            acc.fail(
                FailReason.NOTHING_IN_SCOPE,
                index,
                "nothing can answer",
                "I don't have anything that can tell that.",
            )
            return ()
        if sel.singular and len(able) > 1 and intent in {_I.ASK_STATE, _I.ASK_VALUE}:
            acc.question = sentence(
                f"Which one do you mean: {join_or([label(d) for d in able])}?"
            )
            acc.failures.append(
                Failure(reason=FailReason.AMBIGUOUS, clause=index, detail="question")
            )
            return ()
        acc.reads.extend(d.id for d in able)
        if intent is _I.ASK_VALUE:
            set_asked = "set" in words
            acc.said.append(
                " ".join(
                    value_sentence(d, states[d.id], attribute, set_asked) for d in able
                )
            )
        else:
            named_kind = KINDS.get(sel.kind or "everything")
            noun = (
                named_kind.noun
                if named_kind is not None and named_kind.key != "everything"
                else "devices"
            )
            word = found_state[0] if found_state else None
            acc.said.append(
                yes_no_sentence(
                    intent,
                    devices=able,
                    states=states,
                    test=found_state[1] if found_state else None,
                    yes_value=found_state[2] if found_state else True,
                    word=word,
                    noun=noun,
                )
            )
        return tuple(d.id for d in able)

    def _measures(self, attribute: str) -> Callable[[Device], bool]:
        """Return a test: does a sensor measure this attribute (class, unit or name)?"""
        kind = ATTRIBUTE_SENSOR_KIND.get(attribute)
        spec = KINDS.get(kind) if kind else None

        def measures(device: Device) -> bool:
            if attribute in self._lex.sensor_attributes(device.id):
                return True
            return spec is not None and self._lex.kind_members(spec, device)

        return measures

    def _related(
        self,
        sel: Selection,
        test: Callable[[Device, Mapping[str, StateValue]], bool | None] | None,
        states: Mapping[str, Mapping[str, StateValue]],
    ) -> list[Device]:
        """Find devices whose names hold a named device's words and that can answer.

        "Is the front door open" asks the front door contact, not the lock.
        """
        found: list[Device] = []
        for phrase in sel.phrases:
            words = set(tokens(phrase.text)) - {"the", "a", "my", "our"}
            found.extend(
                device
                for device in self._by_id.values()
                if words <= self._lex.device_words(device.id)
                and can_answer_state(test, device, states[device.id])
            )
        return found


# ---------------------------------------------------------------------- helpers


class _States(dict[str, Mapping[str, StateValue]]):
    """Live device states, read from the registry on first use."""

    def __init__(self, registry: Registry) -> None:
        super().__init__()
        self._registry = registry

    def __missing__(self, device_id: str) -> Mapping[str, StateValue]:
        state = self._registry.state(device_id)
        self[device_id] = state
        return state


_ACTIVITIES = frozenset(
    {"cleaning", "clean", "hoovering", "vacuuming", "dusting", "hoover", "vacuum"}
)
"""Nouns of the activity itself: "get the cleaning going" names no device."""
_EXPLETIVE = frozenset({"it"})
"""'How warm is it in the kitchen': 'it' is the weather's it when a place is said."""


def _without_noise_targets(clause: Clause) -> Clause:
    """Drop target spans that name no device: activity nouns, an expletive 'it'.

    And read a question's several-word attribute with nothing else named ("what's the
    boiler pressure") as the noun phrase it is: the target reader splits a name from an
    attribute word itself.
    """
    targets = clause.slots(Slot.TARGET)
    if not targets:
        attrs = clause.slots(Slot.ATTRIBUTE)
        if (
            clause.intent.is_question
            and len(attrs) == 1
            and len(attrs[0].text.split()) > 1
            and not clause.slots(Slot.LOCATION)
        ):
            spans = tuple(
                replace(s, slot=Slot.TARGET) if s is attrs[0] else s
                for s in clause.spans
            )
            return replace(clause, spans=spans)
        return clause
    drop: set[int] = set()
    if clause.intent in {_I.CLEAN, _I.RETURN_HOME}:
        drop |= {id(t) for t in targets if t.text.casefold() in _ACTIVITIES}
    if clause.intent.is_question and clause.slots(Slot.LOCATION) and len(targets) == 1:
        drop |= {id(t) for t in targets if t.text.casefold() in _EXPLETIVE}
    if not drop:
        return clause
    return replace(clause, spans=tuple(s for s in clause.spans if id(s) not in drop))


def _explicit_toggle(intent: Intent, words: tuple[str, ...]) -> Intent:
    """'Toggle the plug on' says which way: on (or off), not a flip."""
    if intent is not _I.TOGGLE:
        return intent
    said = {w for w in words if w in {"on", "off"}}
    if said == {"on"} and words and words[-1] == "on":
        return _I.TURN_ON
    if said == {"off"} and words and words[-1] == "off":
        return _I.TURN_OFF
    return intent


def _effective_intent(intent: Intent, values: Values) -> Intent:
    """Read a level or colour said with another verb as what it sets."""
    if intent is _I.TURN_ON and values.has_value:
        return _I.SET_VALUE
    if intent is _I.TURN_ON and values.color:
        return _I.SET_COLOR
    if intent in {_I.OPEN, _I.CLOSE} and values.has_value:
        return _I.SET_VALUE
    if intent in {_I.INCREASE, _I.DECREASE} and values.has_value and values.absolute:
        return _I.SET_VALUE
    if intent in {_I.INCREASE, _I.DECREASE} and values.level is not None:
        return _I.SET_VALUE
    if intent is _I.SET_VALUE and not values.has_value and values.color:
        return _I.SET_COLOR
    if intent is _I.SET_VALUE and not values.has_value and values.mode:
        return _I.SET_MODE
    return intent
