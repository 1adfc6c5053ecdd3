"""The label schema shared by training data, the model and the resolver.

A sentence is split into *words* (:func:`words_of`). The model tags every word twice:

* the **clause tag** says which command the word belongs to and what that command asks:
  ``B-<intent>`` starts a command, ``I-<intent>`` continues it, ``O`` is outside any
  command (fillers, politeness, "and" between commands). Several commands per sentence
  are several clauses.
* the **slot tag** says what the word names, in BIO form over :class:`Slot`.

The model never sees device ids: a ``target`` is a noun phrase ("the kitchen lights",
"the big light", "pump two") that the resolver matches against the site. This keeps the
model general across homes, and keeps every site-specific decision in ``resolve``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import re

SCHEMA_VERSION = 2
"""Bumped whenever intents or slots change; a model records the one it was trained on."""


class Intent(StrEnum):
    """What one command (clause) asks for. The resolver maps each to per-type services."""

    TURN_ON = "turn_on"
    TURN_OFF = "turn_off"
    TOGGLE = "toggle"
    SET_VALUE = "set_value"
    """Absolute level: brightness, fan speed, position, volume, humidity or temperature."""
    INCREASE = "increase"
    """Relative up, with or without an amount."""
    DECREASE = "decrease"
    """Relative down, with or without an amount."""
    SET_COLOR = "set_color"
    SET_MODE = "set_mode"
    """A climate mode (heat, cool, ...)."""
    OPEN = "open"
    CLOSE = "close"
    STOP = "stop"
    """Stop a motion or a machine: covers stop, media pause, switches turn off."""
    LOCK = "lock"
    UNLOCK = "unlock"
    PLAY = "play"
    PAUSE = "pause"
    NEXT_TRACK = "next_track"
    PREVIOUS_TRACK = "previous_track"
    MUTE = "mute"
    UNMUTE = "unmute"
    CLEAN = "clean"
    """Start cleaning (vacuums)."""
    RETURN_HOME = "return_home"
    """Send a vacuum back to its dock."""
    ARM = "arm"
    """Arm an alarm; the ``mode`` slot says home or away."""
    DISARM = "disarm"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    TOO_COLD = "too_cold"
    TOO_HOT = "too_hot"
    TOO_LOUD = "too_loud"
    ASK_STATE = "ask_state"
    """Yes/no about one device or place: "is the back door locked?"."""
    ASK_VALUE = "ask_value"
    """A value: "what's the temperature in the kitchen?"."""
    ASK_ANY = "ask_any"
    """"Are any windows open?", "is there a leak anywhere?"."""
    ASK_ALL = "ask_all"
    """"Are all the doors locked?"."""
    ASK_WHICH = "ask_which"
    """"Which lights are on?"."""
    ASK_COUNT = "ask_count"
    """"How many lights are on?"."""
    # Questions over history: answered from the store, with a PERIOD slot.
    ASK_MIN = "ask_min"
    """"What was the lowest temperature in the bedroom last night?"."""
    ASK_MAX = "ask_max"
    """"How hot did it get in the attic today?"."""
    ASK_AVERAGE = "ask_average"
    """"What was the average humidity in the bathroom this week?"."""
    ASK_DURATION = "ask_duration"
    """"How long was the garage door open today?"."""
    ASK_LAST = "ask_last"
    """"When did the front door last open?"."""
    ASK_TIMES = "ask_times"
    """"How many times did the back door open yesterday?"."""
    ASK_TOTAL = "ask_total"
    """"How much power did the heater use this week?" (energy over the period)."""
    # The parts of an automation ("when ..., if ..., do ..."): triggers, conditions.
    WHEN = "when"
    """Trigger on a device's state: "when the front door opens", "if motion is seen"."""
    WHEN_ABOVE = "when_above"
    """Trigger when a value rises above a level: "if the living room gets above 26"."""
    WHEN_BELOW = "when_below"
    """Trigger when a value falls below a level: "when the humidity drops under 30"."""
    SCHEDULE = "schedule"
    """A repeating time or sun trigger: "every weekday at 7", "each day at sunset"."""
    LATER = "later"
    """A one-off time for the rest of the sentence: "in 10 minutes", "at 11 tonight"."""
    ONLY_IF = "only_if"
    """A state condition: "but only if the alarm is armed", "while the tv is on"."""
    ONLY_ABOVE = "only_above"
    """A numeric condition, above: "if it is warmer than 20 degrees outside"."""
    ONLY_BELOW = "only_below"
    """A numeric condition, below: "as long as the humidity is under 60 percent"."""
    DURING = "during"
    """A time condition: "after sunset", "between 10 pm and 6 am", "on weekends"."""

    @property
    def is_question(self) -> bool:
        """True for intents that read state and answer, changing nothing."""
        return self.value.startswith("ask_")

    @property
    def is_history(self) -> bool:
        """True for questions answered from the stored history, not the live state."""
        return self in _HISTORY

    @property
    def is_rule_part(self) -> bool:
        """True for the trigger and condition parts of an automation sentence."""
        return self in _RULE_PARTS

    @property
    def is_trigger(self) -> bool:
        """True for the parts that start an automation (or schedule a one-off)."""
        return self in _TRIGGERS


class Slot(StrEnum):
    """What a span of words names."""

    TARGET = "target"
    """A device noun phrase: a name, an alias, or a kind with modifiers ("kitchen lights")."""
    LOCATION = "location"
    """A place: an area, a floor, "here", "this room", "the house", "outside"."""
    EXCEPT = "except"
    """What is excluded: a device, a kind, an area or a floor after except/but/not."""
    VALUE = "value"
    """A number (digits or words) or a level word: "50", "twenty one", "halfway", "max"."""
    UNIT = "unit"
    """"percent", "degrees", "celsius", "fahrenheit", "%"."""
    COLOR = "color"
    """A colour name: "red", "warm white"."""
    AMOUNT = "amount"
    """A size modifier without a number: "a little", "a bit", "slightly", "a lot"."""
    ATTRIBUTE = "attribute"
    """Which property: "volume", "brightness", "temperature", "humidity", "pressure"."""
    MODE = "mode"
    """A climate or alarm mode: "cool", "heat", "away", "home", "night"."""
    STATE = "state"
    """The state a question asks about: "on", "open", "locked", "running", "cleaning"."""
    ALL = "all"
    """A quantifier that widens the scope beyond the speaker's room: "all", "every"."""
    TIME = "time"
    """A time of day or a sun event: "7", "6:30 am", "noon", "sunset"."""
    DURATION = "duration"
    """A length of time: "10 minutes", "half an hour", "an hour"."""
    DAYS = "days"
    """Days of the week: "weekdays", "weekends", "monday", "saturdays"."""
    PERIOD = "period"
    """A span of time asked about or allowed: "last night", "today", "this week"."""


_HISTORY = frozenset({
    Intent.ASK_MIN, Intent.ASK_MAX, Intent.ASK_AVERAGE, Intent.ASK_DURATION,
    Intent.ASK_LAST, Intent.ASK_TIMES, Intent.ASK_TOTAL,
})  # fmt: skip
_TRIGGERS = frozenset({
    Intent.WHEN, Intent.WHEN_ABOVE, Intent.WHEN_BELOW, Intent.SCHEDULE, Intent.LATER,
})  # fmt: skip
_RULE_PARTS = _TRIGGERS | {
    Intent.ONLY_IF, Intent.ONLY_ABOVE, Intent.ONLY_BELOW, Intent.DURING,
}  # fmt: skip

O_TAG = "O"


def _bio(names: list[str]) -> tuple[str, ...]:
    return (O_TAG, *(f"{p}-{n}" for n in names for p in ("B", "I")))


CLAUSE_TAGS: tuple[str, ...] = _bio([i.value for i in Intent])
"""Every clause tag, ``O`` first; the model's clause head has one output per tag."""
SLOT_TAGS: tuple[str, ...] = _bio([s.value for s in Slot])
"""Every slot tag, ``O`` first; the model's slot head has one output per tag."""

_APOSTROPHES = "'\u2019"  # straight and typographic
_WORD = re.compile(
    rf"\d+(?:[.,]\d+)?|[^\W\d_]+(?:[{_APOSTROPHES}][^\W\d_]+)*[{_APOSTROPHES}]?|\S",
    re.UNICODE,
)


def words_of(text: str) -> list[tuple[str, int, int]]:
    """Split a sentence into words with their character offsets.

    Numbers ("21.5"), words with inner apostrophes ("what's", "Emma's", "kids'") and
    single punctuation marks are words; "30%" is two words ("30", "%").

    Args:
        text: The sentence.

    Returns:
        ``(word, start, end)`` triples, in order.
    """
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """A run of words with one slot label."""

    slot: Slot
    """What the words name."""
    text: str
    """The words, joined by single spaces, as written."""
    start: int
    """Index of the first word."""
    end: int
    """Index after the last word."""
    confidence: float = 1.0
    """Lowest per-word probability of the span's tags, 0-1."""

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            msg = f"span word range [{self.start}, {self.end}) is empty or negative"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class Clause:
    """One command of a sentence: an intent and the spans inside it."""

    intent: Intent
    """What it asks."""
    spans: tuple[Span, ...]
    """Slot spans that belong to this command, in sentence order."""
    start: int
    """Index of the first word of the clause."""
    end: int
    """Index after its last word."""
    confidence: float = 1.0
    """Mean probability of its clause tags, 0-1."""

    def slots(self, slot: Slot) -> list[Span]:
        """Return this clause's spans with the given label, in order."""
        return [s for s in self.spans if s.slot is slot]


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedCommand:
    """What a sentence was understood to say: zero or more clauses."""

    text: str
    """The sentence as received."""
    words: tuple[str, ...]
    """The sentence's words (:func:`words_of`)."""
    clauses: tuple[Clause, ...]
    """The commands, in sentence order; empty when nothing was asked of the site."""
    confidence: float
    """Overall confidence, 0-1: the lowest clause confidence (1.0 when no clause)."""
    model_version: str = ""
    """The model that produced it (or the name of the fallback)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TaggedExample:
    """One labelled sentence: words with a clause tag and a slot tag each."""

    words: tuple[str, ...]
    clause_tags: tuple[str, ...]
    slot_tags: tuple[str, ...]
    kind: str = ""
    """A free label for stratified splits and reports (usually the first intent)."""

    def __post_init__(self) -> None:
        if not (len(self.words) == len(self.clause_tags) == len(self.slot_tags)):
            msg = (
                f"words ({len(self.words)}), clause tags ({len(self.clause_tags)}) and "
                f"slot tags ({len(self.slot_tags)}) must have one entry per word"
            )
            raise ValueError(msg)
        for tag in self.clause_tags:
            if tag not in _CLAUSE_SET:
                msg = f"unknown clause tag {tag!r}"
                raise ValueError(msg)
        for tag in self.slot_tags:
            if tag not in _SLOT_SET:
                msg = f"unknown slot tag {tag!r}"
                raise ValueError(msg)


_CLAUSE_SET = frozenset(CLAUSE_TAGS)
_SLOT_SET = frozenset(SLOT_TAGS)
