"""Text helpers: the normalized word form, numbers in words, and tolerant word matching."""

from __future__ import annotations

from functools import lru_cache
import re
from typing import TYPE_CHECKING
import unicodedata

from rapidfuzz.distance import Levenshtein

from thingmind.resolve._vocab import NUMBER_WORDS, TENS_WORDS

if TYPE_CHECKING:
    from collections.abc import Sequence

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_SPLIT = re.compile(r"[^\w.%°]+")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")

FUZZY_MIN_LEN = 3
"""Words shorter than this must match exactly."""
FUZZY_MIN_SIMILARITY = 0.8
"""Normalized similarity (0-1) above which two longer words count as the same."""


def tokens(text: str) -> tuple[str, ...]:
    """Return the normalized words of a phrase.

    Lower-cases, drops apostrophes ("Emma's" -> "emmas", "kids'" -> "kids"), splits on
    punctuation, and writes number words as digits ("pump two" -> "pump 2",
    "twenty one" -> "21").

    Args:
        text: A name, alias or spoken phrase.

    Returns:
        The words.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _APOSTROPHES.sub("", folded).replace("_", " ")
    raw = [w.strip(".") for w in _SPLIT.split(folded)]
    out: list[str] = []
    for word in raw:
        if not word:
            continue
        if word.endswith("%") and len(word) > 1:
            out.extend((word[:-1], "%"))
            continue
        out.append(word)
    return tuple(_digits(out))


def _digits(words: Sequence[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        if word in TENS_WORDS:
            out.append(str(TENS_WORDS[word]))
            continue
        if word in NUMBER_WORDS and word != "oh":
            value = NUMBER_WORDS[word]
            if out and out[-1] in _TENS_DIGITS and 0 < value < 10:
                out[-1] = str(int(out[-1]) + value)
                continue
            out.append(str(value))
            continue
        out.append(word)
    return out


_TENS_DIGITS = frozenset(str(v) for v in TENS_WORDS.values())


def is_number(word: str) -> bool:
    """Return True for a word written in digits ("2", "21.5")."""
    return bool(_NUMBER.match(word))


@lru_cache(maxsize=8192)
def singular(word: str) -> str:
    """Return a plain singular of an English noun ("lights" -> "light")."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=65536)
def similar(query: str, word: str) -> float:
    """Return how alike two words are, 0-1; typos count, different numbers never do.

    Args:
        query: The word as said.
        word: A word of a known name.

    Returns:
        1.0 for equal words, the normalized Levenshtein similarity for words of at
        least :data:`FUZZY_MIN_LEN` letters, else 0.0.
    """
    if query == word:
        return 1.0
    if query[:1].isdigit() or word[:1].isdigit():
        return 0.0
    longest = max(len(query), len(word))
    if abs(len(query) - len(word)) > max(1, longest // 5) + 1:
        return 0.0
    if singular(query) == singular(word):
        return 0.95
    if len(query) < FUZZY_MIN_LEN or len(word) < FUZZY_MIN_LEN:
        return 0.0
    score = float(Levenshtein.normalized_similarity(query, word))
    if score < FUZZY_MIN_SIMILARITY:
        # "bak" / "back": one missing letter in a short word
        if (
            len(query) >= 3
            and abs(len(query) - len(word)) == 1
            and Levenshtein.distance(query, word) == 1
        ):
            return FUZZY_MIN_SIMILARITY
        return 0.0
    return score


def parse_number(words: Sequence[str]) -> float | None:
    """Read a number said in digits or words ("21.5", "twenty one", "one hundred").

    Args:
        words: The raw words of a value span.

    Returns:
        The number, or None when the words are not one.
    """
    text = " ".join(words).casefold().replace(",", ".")
    text = text.replace("-", " ")
    parts = [
        p for p in text.split() if p not in {"and", "a", "about", "around", "roughly"}
    ]
    if not parts:
        return None
    if len(parts) == 1:
        word = parts[0].rstrip("%°")
        if _NUMBER.match(word):
            return float(word)
    total = 0.0
    current = 0.0
    seen = False
    decimals: list[int] = []
    in_decimals = False
    for part in parts:
        word = part.rstrip("%°")
        if in_decimals:
            if word in NUMBER_WORDS:
                decimals.append(NUMBER_WORDS[word])
                continue
            if word.isdigit():
                decimals.extend(int(c) for c in word)
                continue
            return None
        if word in {"point", "dot"}:
            in_decimals = True
            continue
        if _NUMBER.match(word):
            current += float(word)
        elif word in NUMBER_WORDS:
            current += NUMBER_WORDS[word]
        elif word in TENS_WORDS:
            current += TENS_WORDS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
        seen = True
    if not seen:
        return None
    value = total + current
    if decimals:
        value += float("0." + "".join(str(d) for d in decimals))
    return value
