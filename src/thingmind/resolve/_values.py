"""The value, unit, amount, colour and mode slots of a clause, read once."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from thingmind.nlu import Clause, ParsedCommand, Slot
from thingmind.resolve._text import FUZZY_MIN_SIMILARITY, parse_number, tokens
from thingmind.resolve._vocab import (
    AMOUNT_WORDS,
    ATTRIBUTE_WORDS,
    CELSIUS_UNITS,
    DEGREE_UNITS,
    FAHRENHEIT_UNITS,
    GENERIC_ATTRIBUTE,
    GENERIC_ATTRIBUTE_WORDS,
    LEVEL_WORDS,
    PERCENT_UNITS,
)

_ABSOLUTE_BEFORE = frozenset({"to", "at", "on", "=", "is"})
_RELATIVE_BEFORE = frozenset({"by"})
_COLOUR_NOISE = frozenset({"colour", "color", "the", "to", "a", "light", "lights"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Values:
    """What a clause says about amounts."""

    number: float | None = None
    """A number said ("21.5", "twenty one")."""
    level: str | None = None
    """"max", "half" or "min" when a level word was said."""
    unit: str | None = None
    """"percent", "C", "F" or "degrees" (the device's own unit)."""
    amount: float = 1.0
    """A factor of the default step: 0.5 for "a little", 2 for "a lot"."""
    absolute: bool = False
    """True when the number was said after "to" / "at" ("down to 20 percent")."""
    relative: bool = False
    """True when said after "by" ("down by 30 percent")."""
    color: str | None = None
    """The last colour said, lower case ("from blue to white" -> "white")."""
    mode: str | None = None
    """A mode said ("cool", "away")."""
    attribute: str | None = None
    """The attribute key said ("volume", "temperature")."""
    value_text: str = ""
    """The value words as said, for messages."""

    @property
    def has_value(self) -> bool:
        """True when a number or a level was said."""
        return self.number is not None or self.level is not None


def read_values(clause: Clause, parsed: ParsedCommand) -> Values:
    """Read the value-like slots of a clause.

    Args:
        clause: The clause.
        parsed: The sentence, for the words around a value.

    Returns:
        The values.
    """
    number: float | None = None
    level: str | None = None
    unit: str | None = None
    absolute = relative = False
    value_text = ""
    for span in clause.slots(Slot.VALUE):
        words = span.text.split()
        value_text = span.text
        norm = " ".join(tokens(span.text))
        trailing_unit = _unit_of(words[-1]) if len(words) > 1 else None
        if trailing_unit is not None:
            unit = trailing_unit
            words = words[:-1]
        if norm in LEVEL_WORDS:
            level = LEVEL_WORDS[norm]
        else:
            parsed_number = parse_number(words)
            if parsed_number is None:
                level = LEVEL_WORDS.get(_level_key(norm))
            else:
                number = parsed_number
                if span.text.rstrip().endswith("%"):
                    unit = "percent"
        before = parsed.words[span.start - 1].casefold() if span.start > 0 else ""
        if before in _ABSOLUTE_BEFORE:
            absolute = True
        elif before in _RELATIVE_BEFORE:
            relative = True
    for span in clause.slots(Slot.UNIT):
        found = _unit_of(span.text)
        if found is not None and (unit is None or found in {"C", "F"}):
            unit = found
    amount = 1.0
    for span in clause.slots(Slot.AMOUNT):
        amount = AMOUNT_WORDS.get(" ".join(tokens(span.text)), amount)
    color: str | None = None
    for span in clause.slots(Slot.COLOR):
        words = [w for w in span.text.casefold().split() if w not in _COLOUR_NOISE]
        if words:
            color = " ".join(words)
    mode: str | None = None
    for span in clause.slots(Slot.MODE):
        mode = " ".join(tokens(span.text)) or mode
    attribute = pick_attribute(
        *(attribute_said(s.text) for s in clause.slots(Slot.ATTRIBUTE))
    )
    return Values(
        number=number,
        level=level,
        unit=unit,
        amount=amount,
        absolute=absolute,
        relative=relative,
        color=color,
        mode=mode,
        attribute=attribute,
        value_text=value_text,
    )


def attribute_of(text: str) -> str | None:
    """Return the attribute key of an attribute phrase ("vibration reading" -> "vibration").

    A specific word wins over generic ones ("reading", "level", "usage", "setting"),
    which count only when nothing else is said.
    """
    return attribute_said(text)[0]


def attribute_said(text: str) -> tuple[str | None, bool]:
    """Return the attribute key of a phrase and whether only generic words said it."""
    words = tokens(text)
    specific: str | None = None
    generic: str | None = None
    i = 0
    while i < len(words):
        for n in (2, 1):
            chunk = words[i : i + n]
            if len(chunk) < n:
                continue
            attr = ATTRIBUTE_WORDS.get(" ".join(chunk))
            if attr is None:
                continue
            if all(w in GENERIC_ATTRIBUTE_WORDS for w in chunk):
                generic = generic or attr
            else:
                specific = specific or attr
            i += n - 1
            break
        i += 1
    if specific is None:
        for word in words:
            if word in GENERIC_ATTRIBUTE_WORDS:
                continue
            attr = _fuzzy_attribute(word)
            if attr is not None:
                specific = attr
                break
    if specific is not None:
        return specific, False
    return generic, True


def pick_attribute(*found: tuple[str | None, bool]) -> str | None:
    """Return the first specific attribute of several said, else the first generic one."""
    generic: str | None = None
    for attr, is_generic in found:
        if attr is None:
            continue
        if not is_generic and attr != GENERIC_ATTRIBUTE:
            return attr
        generic = generic or attr
    return generic


_SINGLE_ATTRIBUTE_WORDS = tuple(
    w for w in ATTRIBUTE_WORDS if " " not in w and len(w) >= 5
)


def _fuzzy_attribute(word: str) -> str | None:
    """An attribute word said with a typo ("temprature")."""
    if len(word) < 5:
        return None
    hit = process.extractOne(
        word,
        _SINGLE_ATTRIBUTE_WORDS,
        scorer=Levenshtein.normalized_similarity,
        score_cutoff=FUZZY_MIN_SIMILARITY,
    )
    return None if hit is None else ATTRIBUTE_WORDS[hit[0]]


def _level_key(norm: str) -> str:
    for word in ("full", "max", "maximum", "half", "halfway", "min", "minimum"):
        if word in norm.split():
            return word
    return norm


def _unit_of(text: str) -> str | None:
    norm = " ".join(tokens(text))
    if norm in PERCENT_UNITS or text.strip() == "%":
        return "percent"
    if norm in CELSIUS_UNITS:
        return "C"
    if norm in FAHRENHEIT_UNITS:
        return "F"
    if norm in DEGREE_UNITS:
        return "degrees"
    return None
