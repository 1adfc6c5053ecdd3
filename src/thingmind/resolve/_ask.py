"""Questions: "is the front door open?", "how warm is it in the kitchen?".

A question finds its devices the way a command does, but keeps only those that can
answer it (a lock cannot say the temperature), and reads their live state; the
answer is a sentence, and the devices read are recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import StateValue
from thingmind.nlu import Intent, Slot
from thingmind.resolve._clauses import better_attribute
from thingmind.resolve._model import FailReason, Failure
from thingmind.resolve._questions import (
    can_answer_attribute,
    can_answer_state,
    state_test,
    value_sentence,
    yes_no_sentence,
)
from thingmind.resolve._say import join_or, label, sentence
from thingmind.resolve._text import tokens
from thingmind.resolve._values import attribute_of
from thingmind.resolve._vocab import ATTRIBUTE_KIND, ATTRIBUTE_SENSOR_KIND, KINDS

if TYPE_CHECKING:
    from thingmind.nlu import Clause, ParsedCommand
    from thingmind.registry import Device, Registry
    from thingmind.resolve._clauses import Acc
    from thingmind.resolve._lexicon import Lexicon
    from thingmind.resolve._model import Context
    from thingmind.resolve._select import Capable, KindFilter, Selection, Selector
    from thingmind.resolve._values import Values

_I = Intent

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


class Questions:
    """Resolves the question clauses of sentences for one site."""

    def __init__(
        self,
        registry: Registry,
        *,
        lexicon: Lexicon,
        selector: Selector,
        filters: Mapping[Intent, KindFilter],
        by_id: Mapping[str, Device],
        visible: Callable[[Context, Device], bool],
    ) -> None:
        """Share the resolver's tables.

        Args:
            registry: The site, with live state.
            lexicon: The site's names.
            selector: Finds the devices a clause names.
            filters: Which devices each intent's kinds hold.
            by_id: Every device by id.
            visible: Whether the speaker may see a device (else it is never named).
        """
        self._registry = registry
        self._lex = lexicon
        self._sel = selector
        self._filters = filters
        self._by_id = by_id
        self._visible = visible

    def resolve(
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
        acc: Acc,
    ) -> tuple[str, ...]:
        """Answer a question clause from live state; record what was read.

        Returns:
            The devices the answer is about (for "it" in the next clause).
        """
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
        if acc.failed_selection(index, sel):
            return ()
        if intent is _I.ASK_VALUE:
            for phrase in sel.phrases:
                attribute = better_attribute(attribute, phrase.attr)
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


class _States(dict[str, Mapping[str, StateValue]]):
    """Live device states, read from the registry on first use."""

    def __init__(self, registry: Registry) -> None:
        super().__init__()
        self._registry = registry

    def __missing__(self, device_id: str) -> Mapping[str, StateValue]:
        state = self._registry.state(device_id)
        self[device_id] = state
        return state
