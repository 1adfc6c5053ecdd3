"""Feelings: "it's too dark in here", "I'm cold", "it's too loud".

A feeling names no device: it is about the speaker's room (or the room said), and
changes what there serves it, light, heating, a fan or the volume, one step, through
the same gate as a command. The answer says what was done and why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.nlu import Intent, Slot
from thingmind.registry import Device
from thingmind.resolve._clauses import Acc
from thingmind.resolve._commands import Plan, plan_step
from thingmind.resolve._model import Context, FailReason, Failure, ResolvedAction
from thingmind.resolve._replies import (
    command_text,
    failure_text,
    feeling_reason,
    feeling_verb,
)
from thingmind.resolve._say import join, label, sentence
from thingmind.resolve._values import Values

if TYPE_CHECKING:
    from thingmind.nlu import Clause
    from thingmind.registry import Registry
    from thingmind.resolve._lexicon import Lexicon
    from thingmind.resolve._select import Selector

_D = Domain
_I = Intent

Admit = Callable[[Context, ResolvedAction, Device, int, Acc], bool]
"""Passes one action through the permission hook and the gate (see Resolver)."""

FEELINGS = frozenset({_I.TOO_DARK, _I.TOO_BRIGHT, _I.TOO_COLD, _I.TOO_HOT, _I.TOO_LOUD})
"""The intents that say how the speaker feels."""
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


class Feelings:
    """Resolves the feeling clauses of sentences for one site."""

    def __init__(
        self,
        registry: Registry,
        *,
        lexicon: Lexicon,
        selector: Selector,
        admit: Admit,
    ) -> None:
        """Share the resolver's tables.

        Args:
            registry: The site, with live state.
            lexicon: The site's names.
            selector: Finds the place a clause says.
            admit: The resolver's check of each action (permission and gate).
        """
        self._registry = registry
        self._lex = lexicon
        self._sel = selector
        self._admit = admit
        self._of_type: dict[Domain, list[Device]] = {}
        for device in registry.devices():
            self._of_type.setdefault(device.type, []).append(device)

    def resolve(
        self,
        *,
        index: int,
        clause: Clause,
        intent: Intent,
        ctx: Context,
        speaker_area: str | None,
        acc: Acc,
    ) -> tuple[str, ...]:
        """Change what the speaker's room needs for a feeling, through the gate.

        Returns:
            The devices the answer is about (for "it" in the next clause).
        """
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
