"""One clause on its way through the resolver, and what the clauses produce.

Before a clause is resolved it is read once more: target words that name no device
are dropped, and a level said with "turn on" (or "toggle ... on") is read as what it
sets. :class:`Acc` collects what each clause of the sentence produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from thingmind.nlu import Clause, Intent, Slot
from thingmind.resolve._model import FailReason, Failure, ResolvedAction
from thingmind.resolve._replies import failure_text
from thingmind.resolve._say import sentence
from thingmind.resolve._vocab import GENERIC_ATTRIBUTE

if TYPE_CHECKING:
    from thingmind.resolve._select import Selection
    from thingmind.resolve._values import Values

_I = Intent


@dataclass(slots=True)
class Acc:
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

    def failed_selection(self, clause: int, sel: Selection) -> bool:
        """Record why no device was selected for a clause; False when some were."""
        if sel.failure is None:
            return False
        reason, what = sel.failure
        self.fail(reason, clause, what, failure_text(reason, what))
        return True


def better_attribute(current: str | None, other: str | None) -> str | None:
    """Keep a specific attribute; take another one over nothing or a generic one."""
    if current is None or (current == GENERIC_ATTRIBUTE and other is not None):
        return other or current
    return current


_ACTIVITIES = frozenset(
    {"cleaning", "clean", "hoovering", "vacuuming", "dusting", "hoover", "vacuum"}
)
"""Nouns of the activity itself: "get the cleaning going" names no device."""
_EXPLETIVE = frozenset({"it"})
"""'How warm is it in the kitchen': 'it' is the weather's it when a place is said."""


def without_noise_targets(clause: Clause) -> Clause:
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


def explicit_toggle(intent: Intent, words: tuple[str, ...]) -> Intent:
    """'Toggle the plug on' says which way: on (or off), not a flip."""
    if intent is not _I.TOGGLE:
        return intent
    said = {w for w in words if w in {"on", "off"}}
    if said == {"on"} and words and words[-1] == "on":
        return _I.TURN_ON
    if said == {"off"} and words and words[-1] == "off":
        return _I.TURN_OFF
    return intent


def effective_intent(intent: Intent, values: Values) -> Intent:
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
    if intent is _I.SET_MODE and values.mode in {"off", "on"}:
        # "switch the lights to off": off is no mode of a light; a thermostat's turn_off
        # sets its mode to off all the same
        return _I.TURN_OFF if values.mode == "off" else _I.TURN_ON
    return intent
