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

SCHEMA_VERSION = 1
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

    @property
    def is_question(self) -> bool:
        """True for intents that read state and answer, changing nothing."""
        return self.value.startswith("ask_")


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
