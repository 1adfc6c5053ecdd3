"""Tolerant name lookup: case, punctuation, apostrophes, articles and small typos.

Names are normalized once, when the index is built; a lookup normalizes the query,
checks an exact-match table, then scores the remaining names with rapidfuzz.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import TYPE_CHECKING
import unicodedata

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from collections.abc import Iterable

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_NON_WORD = re.compile(r"[^\w]+")
_DROPPED_WORDS = frozenset({"the"})
_LEADING_ARTICLES = frozenset({"a", "an", "my", "our"})
_CACHE_SIZE = 2048

DEFAULT_SCORE_CUTOFF = 75.0
"""Fuzzy matches scoring below this (0-100) are not returned."""


def normalize_name(text: str) -> str:
    """Return the comparable form of a name.

    Lower-cases, drops apostrophes ("kids' room" and "kid's room" become "kids room"),
    turns other punctuation into spaces, drops "the" and a leading "a", "an", "my" or
    "our", and collapses spaces.

    Args:
        text: A name, alias or query.

    Returns:
        The normalized name ("" when nothing is left).
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _APOSTROPHES.sub("", folded)
    words = list(_NON_WORD.sub(" ", folded).replace("_", " ").split())
    words = [w for w in words if w not in _DROPPED_WORDS]
    if len(words) > 1 and words[0] in _LEADING_ARTICLES:
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True, slots=True, kw_only=True)
class NameMatch:
    """One thing a name lookup found."""

    id: str
    """The id of the device, area or floor."""
    matched: str
    """The name or alias that matched, as written in the home file."""
    score: float
    """How close, 0-100; 100 for an exact (normalized) match."""
    exact: bool
    """True when the normalized query equals the normalized name."""


class NameIndex:
    """The names of one kind of thing (devices, areas or floors), ready for lookup."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]]) -> None:
        """Index names.

        Args:
            entries: ``(id, names)`` pairs in file order; names are name then aliases.
        """
        self._exact: dict[str, list[tuple[str, str]]] = {}
        self._choices: list[str] = []
        self._owners: list[tuple[str, str]] = []
        for item_id, names in entries:
            seen: set[str] = set()
            for name in names:
                norm = normalize_name(name)
                if not norm or norm in seen:
                    continue
                seen.add(norm)
                self._exact.setdefault(norm, []).append((item_id, name))
                self._choices.append(norm)
                self._owners.append((item_id, name))
        self._cache: dict[tuple[str, int, float], tuple[NameMatch, ...]] = {}

    def find(
        self, text: str, *, limit: int = 5, score_cutoff: float = DEFAULT_SCORE_CUTOFF
    ) -> list[NameMatch]:
        """Return the best matches for ``text``, exact ones first.

        Args:
            text: The name as someone said it.
            limit: The most matches to return (exact matches are never cut).
            score_cutoff: The lowest fuzzy score (0-100) returned.

        Returns:
            Matches, best first, one per id.
        """
        cache_key = (text, limit, score_cutoff)
        cached = self._cache.get(cache_key)
        if cached is None:
            cached = self._find(text, limit, score_cutoff)
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[cache_key] = cached
        return list(cached)

    def _find(
        self, text: str, limit: int, score_cutoff: float
    ) -> tuple[NameMatch, ...]:
        query = normalize_name(text)
        if not query:
            return ()
        found: dict[str, NameMatch] = {}
        for item_id, name in self._exact.get(query, ()):
            found.setdefault(
                item_id, NameMatch(id=item_id, matched=name, score=100.0, exact=True)
            )
        if len(found) >= limit:
            return tuple(found.values())
        # token_sort_ratio: typos and word order count, but a part of a name does not
        # ("light" is not "kitchen light"), which WRatio's partial scoring would allow.
        hits = process.extract(
            query,
            self._choices,
            scorer=fuzz.token_sort_ratio,
            processor=None,
            score_cutoff=score_cutoff,
            limit=limit + len(found) + 8,
        )
        for _, score, index in hits:
            item_id, name = self._owners[index]
            if item_id in found:
                continue
            found[item_id] = NameMatch(
                id=item_id, matched=name, score=float(score), exact=False
            )
            if len(found) >= limit:
                break
        return tuple(found.values())
