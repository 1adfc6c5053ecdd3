"""Per-site word tables and the reading of one noun phrase.

A :class:`Lexicon` is built once per registry. :meth:`Lexicon.phrase` reads a device or
place phrase ("kitchen lights", "the study lamp", "flor lamp", "upstairs") into a
:class:`Phrase`, trying in order: an exact device name or alias, a decomposition into
place words, kind words and attribute words, and a tolerant device-name match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
import re
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from thingmind.core import Domain
from thingmind.resolve._text import (
    FUZZY_MIN_LEN,
    FUZZY_MIN_SIMILARITY,
    is_number,
    singular,
    tokens,
)
from thingmind.resolve._vocab import (
    ATTRIBUTE_SENSOR_KIND,
    ATTRIBUTE_UNITS,
    ATTRIBUTE_WORDS,
    CLASS_ATTRIBUTE,
    DEMONSTRATIVES,
    DETERMINERS,
    FILLER_WORDS,
    GENERIC_ATTRIBUTE_WORDS,
    GENERIC_QUALIFIERS,
    KIND_REFERENCES,
    KIND_WORDS,
    KINDS,
    PRONOUNS,
    SCOPE_WORDS,
    Kind,
    KindWord,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from thingmind.registry import Device, Registry

_LOGGER = logging.getLogger(__name__)

_ARTICLES = frozenset({"the", "a", "an", "my", "our", "your"})
_LEADING_NOISE = DETERMINERS | DEMONSTRATIVES
"""Words stripped from the front of a said phrase ("this lamp", "some lights")."""
_POSSESSIVE = re.compile(r"^(.+?)['\u2018\u2019\u02bc`]s$", re.IGNORECASE)
_DOMAIN_KIND: dict[Domain, str] = {
    Domain.LIGHT: "light",
    Domain.SWITCH: "switch",
    Domain.FAN: "fan",
    Domain.CLIMATE: "climate",
    Domain.COVER: "cover",
    Domain.VALVE: "valve",
    Domain.LOCK: "lock",
    Domain.MEDIA_PLAYER: "media",
    Domain.VACUUM: "vacuum",
    Domain.ALARM_CONTROL_PANEL: "alarm",
    Domain.HUMIDIFIER: "humidifier",
    Domain.WATER_HEATER: "water_heater",
    Domain.SENSOR: "sensor",
    Domain.BINARY_SENSOR: "sensor",
    Domain.SCENE: "scene",
}
"""The kind a device is when its names hold no kind word."""
_SENSOR_KINDS = {kind: attr for attr, kind in ATTRIBUTE_SENSOR_KIND.items()}
"""Kinds of sensor by what they measure, to the attribute."""
_CACHE_SIZE = 4096
_TIE = 0.02
"""Fuzzy scores this close to the best count as equally good."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Piece:
    """One recognised run of words inside a phrase."""

    what: str
    """"area", "floor", "scope", "kind", "attr" or "filler"."""
    value: str
    """The area/floor id, scope name, kind key or attribute key."""
    word: KindWord | None = None
    """For kinds: the kind word that matched."""
    generic: bool = False
    """For attributes: said only by generic words ("reading", "level")."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Phrase:
    """What a device or place phrase names."""

    text: str
    """The phrase as said."""
    devices: tuple[str, ...] = ()
    """Devices named by name or alias (several when names are shared or equally close)."""
    candidates: tuple[str, ...] = ()
    """For a tolerant name match: every device that fits, best first."""
    exact: bool = False
    """True when ``devices`` matched a name exactly (normalized)."""
    areas: frozenset[str] | None = None
    """Areas named by area, floor, indoor or outdoor words; None when no place was said."""
    here: bool = False
    """True when the phrase says the speaker's room ("this room", "here")."""
    everywhere: bool = False
    """True when the phrase says the whole site ("everywhere", "on site")."""
    kind: str | None = None
    """The kind of device named by a common noun ("lights" -> "light")."""
    narrow: tuple[str, ...] = ()
    """Name words that pick the meant devices among the kind where some have them."""
    attr: str | None = None
    """A property named inside the phrase ("tv volume", "line one temp")."""
    plural: bool = False
    """True for plural nouns: act on all of them, never ask which one."""
    pronoun: bool = False
    """True for "it", "them": the previous clause's devices."""
    kind_ref: bool = False
    """True when "one"/"ones" stands for the clause's kind ("the one on line 2")."""

    @property
    def has_place(self) -> bool:
        """True when the phrase names a place."""
        return self.areas is not None or self.here or self.everywhere

    @property
    def place_only(self) -> bool:
        """True when the phrase names only a place (no device, kind or attribute)."""
        return (
            self.has_place
            and not self.devices
            and self.kind is None
            and self.attr is None
        )


@dataclass(slots=True)
class _Tables:
    exact: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    variants: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    words: dict[str, frozenset[str]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], list[_Piece]] = field(default_factory=dict)
    fuzzy_phrases: list[tuple[tuple[str, ...], _Piece]] = field(default_factory=list)
    fuzzy_by_first: dict[str, list[tuple[tuple[str, ...], _Piece]]] = field(
        default_factory=dict
    )
    max_len: int = 1


def key_of(text: str) -> tuple[str, ...]:
    """Return the normalized words of a name without articles (the lookup key)."""
    return tuple(t for t in tokens(text) if t not in _ARTICLES)


class Lexicon:
    """The names and words of one site, ready for phrase reading."""

    def __init__(self, registry: Registry) -> None:
        """Index a site's names.

        Args:
            registry: The site.
        """
        self._registry = registry
        self._t = _Tables()
        self._cache: dict[str, Phrase | None] = {}
        self._area_ids = tuple(a.id for a in registry.areas())
        self._near_cache: dict[str, dict[str, float]] = {}
        self._ranked_cache: dict[str, tuple[tuple[str, tuple[float, float]], ...]] = {}
        self._build()
        vocab: set[str] = set()
        for _, key in self._t.variants:
            vocab.update(key)
        for key, _ in self._t.fuzzy_phrases:
            vocab.update(key)
        self._vocab = frozenset(vocab)
        self._vocab_long = sorted(
            w for w in vocab if len(w) >= FUZZY_MIN_LEN and not w[:1].isdigit()
        )
        self._by_singular: dict[str, list[str]] = {}
        for word in vocab:
            self._by_singular.setdefault(singular(word), []).append(word)
        self._device_kind = {
            d.id: _kind_in_names(d.names) or _DOMAIN_KIND.get(d.type, "everything")
            for d in registry.devices()
        }
        self._sensor_attrs = {
            d.id: self._measures(d)
            for d in registry.devices()
            if d.type is Domain.SENSOR
        }
        self._members: dict[str, frozenset[str]] = {
            key: frozenset(d.id for d in registry.devices() if self._is_member(kind, d))
            for key, kind in KINDS.items()
        }

    # ------------------------------------------------------------------ tables

    def _build(self) -> None:
        t = self._t
        for device in self._registry.devices():
            all_words: set[str] = set()
            for name in device.names:
                key = key_of(name)
                if not key:
                    continue
                ids = t.exact.setdefault(key, [])
                if device.id not in ids:
                    ids.append(device.id)
                t.variants.append((device.id, key))
                all_words.update(key)
                all_words.update(singular(w) for w in key)
            t.words[device.id] = frozenset(all_words)
        for area in self._registry.areas():
            for name in (area.name, *area.aliases):
                self._add_phrase(
                    key_of(name), _Piece(what="area", value=area.id), fuzzy=True
                )
        for floor in self._registry.floors():
            for name in (floor.name, *floor.aliases):
                self._add_phrase(
                    key_of(name), _Piece(what="floor", value=floor.id), fuzzy=True
                )
        for text, scope in SCOPE_WORDS.items():
            self._add_phrase(
                tokens(text), _Piece(what="scope", value=scope), fuzzy=False
            )
        for text, word in KIND_WORDS.items():
            self._add_phrase(
                tokens(text),
                _Piece(what="kind", value=word.kind, word=word),
                fuzzy=True,
            )
        for text, attr in ATTRIBUTE_WORDS.items():
            key = tokens(text)
            generic = all(w in GENERIC_ATTRIBUTE_WORDS for w in key)
            self._add_phrase(
                key, _Piece(what="attr", value=attr, generic=generic), fuzzy=True
            )
        for filler in FILLER_WORDS:
            self._add_phrase(
                (filler,), _Piece(what="filler", value=filler), fuzzy=False
            )

    def _add_phrase(self, key: tuple[str, ...], piece: _Piece, *, fuzzy: bool) -> None:
        if not key:
            return
        t = self._t
        pieces = t.phrases.setdefault(key, [])
        if piece not in pieces:
            pieces.append(piece)
        t.max_len = max(t.max_len, len(key))
        if fuzzy:
            t.fuzzy_phrases.append((key, piece))
            t.fuzzy_by_first.setdefault(key[0], []).append((key, piece))

    # ------------------------------------------------------------------ word likeness

    def near(self, word: str) -> dict[str, float]:
        """Return the site words like ``word`` (typos allowed), with a likeness 0-1.

        Equal words score 1, singular/plural forms 0.95, words within the edit
        distance :data:`FUZZY_MIN_SIMILARITY` allows score that similarity; numbers only
        equal themselves.
        """
        cached = self._near_cache.get(word)
        if cached is not None:
            return cached
        out: dict[str, float] = {}
        if word in self._vocab:
            out[word] = 1.0
        if not word[:1].isdigit():
            for other in self._by_singular.get(singular(word), ()):
                out.setdefault(other, 0.95)
            if len(word) >= FUZZY_MIN_LEN:
                hits = process.extract(
                    word,
                    self._vocab_long,
                    scorer=Levenshtein.normalized_similarity,
                    score_cutoff=0.6,
                    limit=None,
                )
                for other, score, _ in hits:
                    if other in out:
                        continue
                    if score >= FUZZY_MIN_SIMILARITY:
                        out[other] = float(score)
                    elif (
                        abs(len(other) - len(word)) == 1
                        and Levenshtein.distance(word, other) == 1
                    ):
                        out[other] = FUZZY_MIN_SIMILARITY
        if len(self._near_cache) >= _CACHE_SIZE:
            self._near_cache.clear()
        self._near_cache[word] = out
        return out

    def similar(self, word: str, site_word: str) -> float:
        """Return how alike a said word is to a word of the site's names, 0-1."""
        return self.near(word).get(site_word, 0.0)

    # ------------------------------------------------------------------ queries

    def device_words(self, device_id: str) -> frozenset[str]:
        """Return every word (and its singular) of a device's names."""
        return self._t.words.get(device_id, frozenset())

    @staticmethod
    def is_noise(text: str) -> bool:
        """Return True for a span of determiners only ("the", "my"): it names nothing."""
        return all(w in DETERMINERS for w in tokens(text))

    @staticmethod
    def is_demonstrative(text: str) -> bool:
        """Return True for "this", "that", "these", "those" said alone."""
        said = tokens(text)
        return bool(said) and all(w in DEMONSTRATIVES for w in said)

    def device_kind(self, device_id: str) -> str:
        """Return the kind of device a device is (its names' kind word, else its type)."""
        return self._device_kind.get(device_id, "everything")

    def names_place(self, text: str) -> bool:
        """Return True when a phrase is exactly an area or floor name or alias."""
        key = key_of(text)
        return any(p.what in {"area", "floor"} for p in self._t.phrases.get(key, ()))

    def ranked(self, text: str) -> tuple[tuple[str, tuple[float, float]], ...]:
        """Return every device one of whose names holds all the said words, best first.

        Exact names come first, then names that hold the words among others ("front
        door" -> "Front door lock"), typos allowed, ordered by how much of the name
        the words cover and how alike they are.
        """
        cached = self._ranked_cache.get(text)
        if cached is not None:
            return cached
        key = _strip_leading(key_of(text))
        base = _depossess(text)
        if base is not None:
            key = _strip_leading(key_of(base))
        query = [w for w in key if w not in FILLER_WORDS]
        scores: dict[str, tuple[float, float]] = {}
        if query:
            for device_id, name in self._t.variants:
                score = _name_score(query, name, self)
                if score is not None and (
                    device_id not in scores or score > scores[device_id]
                ):
                    scores[device_id] = score
        result = tuple(sorted(scores.items(), key=lambda item: item[1], reverse=True))
        if len(self._ranked_cache) >= _CACHE_SIZE:
            self._ranked_cache.clear()
        self._ranked_cache[text] = result
        return result

    def _measures(self, device: Device) -> frozenset[str]:
        found: set[str] = set()
        by_class = CLASS_ATTRIBUTE.get(device.device_class or "")
        if by_class is not None:
            found.add(by_class)
        unit = device.state.get("unit")
        if isinstance(unit, str):
            by_unit = ATTRIBUTE_UNITS.get(unit.strip().casefold())
            if by_unit is not None:
                found.add(by_unit)
        for word in self._t.words.get(device.id, frozenset()):
            by_word = ATTRIBUTE_WORDS.get(word)
            if (
                by_word is not None
                and by_word in ATTRIBUTE_SENSOR_KIND
                and word not in GENERIC_ATTRIBUTE_WORDS
            ):
                found.add(by_word)
        for attribute, kind in ATTRIBUTE_SENSOR_KIND.items():
            if self._parts_match(KINDS[kind], device):
                found.add(attribute)
        return frozenset(found)

    def sensor_attributes(self, device_id: str) -> frozenset[str]:
        """Return what a sensor measures, by its class, unit and name ("temperature")."""
        return self._sensor_attrs.get(device_id, frozenset())

    def kind_ids(self, key: str) -> frozenset[str]:
        """Return the ids of every device of a kind (none for unknown kinds)."""
        return self._members.get(key, frozenset())

    def kind_members(self, kind: Kind, device: Device) -> bool:
        """Return True when a device is of a kind (from tables built once)."""
        members = self._members.get(kind.key)
        if members is None:
            return self._is_member(kind, device)
        return device.id in members

    def _is_member(self, kind: Kind, device: Device) -> bool:
        if (
            device.type is Domain.SENSOR
            and kind.key in _SENSOR_KINDS
            and _SENSOR_KINDS[kind.key] in self._sensor_attrs.get(device.id, ())
        ):
            return True
        return self._parts_match(kind, device)

    def _parts_match(self, kind: Kind, device: Device) -> bool:
        words = self._t.words.get(device.id, frozenset())
        for part in kind.parts:
            if part.domain is not None and device.type is not part.domain:
                continue
            if part.classes is not None and device.device_class not in part.classes:
                continue
            if device.device_class in part.exclude:
                continue
            if part.name_words is not None and not (part.name_words & words):
                continue
            return True
        return False

    def phrase(self, text: str) -> Phrase | None:
        """Read a device or place phrase.

        Args:
            text: The words of a ``target``, ``location`` or ``except`` span.

        Returns:
            What it names, or None when it names nothing at this site.
        """
        cached = self._cache.get(text, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        result = self._phrase(text)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[text] = result
        return result

    def place(self, text: str) -> Phrase | None:
        """Read a phrase said as a place.

        Area, floor and scope words first, then part of an area's name ("the boiler"
        -> Boiler Room), then any device phrase (:meth:`phrase`).

        Args:
            text: The words of a ``location`` span.

        Returns:
            What it names, or None when it names nothing at this site.
        """
        phrase = self.phrase(text)
        if phrase is None or phrase.has_place or phrase.exact or phrase.pronoun:
            return phrase
        key = key_of(text)
        areas = self.partial_areas(key)
        if areas:
            return Phrase(text=text, areas=frozenset(areas))
        return phrase

    def _phrase(self, text: str) -> Phrase | None:
        raw = tuple(text.casefold().split())
        if _is_kind_ref(raw):
            return Phrase(text=text, kind_ref=True, plural=raw[-1] == "ones")
        said = tokens(text)
        if " ".join(said) in PRONOUNS:
            return Phrase(text=text, pronoun=True, plural=True)
        key = _strip_leading(key_of(text))
        if not key:
            return None
        joined = " ".join(key)
        if joined in PRONOUNS:
            return Phrase(text=text, pronoun=True, plural=True)
        head = _head_noun(key) if key not in self._t.exact else None
        if head is not None and head in self._t.exact:
            # "a cup of coffee", "my morning coffee": the name is the head noun
            return self._read(text, head)
        base = _depossess(text)
        if base is not None and key not in self._t.exact:
            # "the lamp's light": the possessor is the device; try it without the 's
            found = self._read(text, _strip_leading(key_of(base)))
            if found is not None:
                return found
        return self._read(text, key)

    def _read(self, text: str, key: tuple[str, ...]) -> Phrase | None:
        if not key:
            return None
        exact = self._t.exact.get(key)
        if exact:
            return Phrase(
                text=text,
                devices=tuple(exact),
                candidates=tuple(exact),
                exact=True,
                plural=_looks_plural(key),
            )
        bare = tuple(w for w in key if w not in FILLER_WORDS)
        exact = self._t.exact.get(bare) if bare and bare != key else None
        if exact:
            return Phrase(
                text=text,
                devices=tuple(exact),
                candidates=tuple(exact),
                exact=True,
                plural=_looks_plural(key),
            )
        stripped = _strip_attribute(key)
        if stripped is not None:
            rest, attr = stripped
            exact = self._t.exact.get(rest)
            if exact:
                return Phrase(
                    text=text,
                    devices=tuple(exact),
                    candidates=tuple(exact),
                    exact=True,
                    attr=attr,
                    plural=_looks_plural(rest),
                )
        pieces = self._decompose(key)
        if pieces is not None:
            phrase = self._from_pieces(text, pieces)
            if phrase is not None:
                return phrase
        named = self._fuzzy_devices(text, key)
        if named is not None and named.devices and not named.plural:
            return named
        # a kind word with qualifiers that pin nothing ("equipment faults") or that
        # part of place names share ("line faults" -> the lines' faults)
        loose = self._decompose(key, lenient=True)
        if loose is not None:
            phrase = self._from_pieces(text, loose)
            if phrase is not None and phrase.kind is not None:
                return phrase
        return named

    # ------------------------------------------------------------------ decomposition

    def _decompose(
        self, key: tuple[str, ...], *, lenient: bool = False
    ) -> list[_Piece] | None:
        t = self._t
        out: list[_Piece] = []
        i = 0
        while i < len(key):
            found: list[_Piece] | None = None
            step = 0
            for length in range(min(t.max_len, len(key) - i), 0, -1):
                pieces = t.phrases.get(key[i : i + length])
                if pieces:
                    found, step = pieces, length
                    break
            if found is None:
                found, step = self._fuzzy_piece(key, i)
            if found is None and lenient:
                loose = self._qualifier(key[i])
                if loose is None:
                    return None
                out.extend(loose)
                i += 1
                continue
            if found is None:
                return None
            out.append(_best_piece(found))
            i += step
        return out

    def _qualifier(self, word: str) -> list[_Piece] | None:
        """Read a word that names no kind, attribute or whole place, or None."""
        if word in GENERIC_QUALIFIERS:
            return [_Piece(what="filler", value=word)]
        if is_number(word) or len(word) < FUZZY_MIN_LEN:
            return None
        areas = self.partial_areas((word,))
        if areas:
            return [_Piece(what="area", value=a) for a in areas]
        return None

    def _fuzzy_piece(
        self, key: tuple[str, ...], i: int
    ) -> tuple[list[_Piece] | None, int]:
        best: tuple[float, int, _Piece] | None = None
        options = [
            entry
            for first in self.near(key[i])
            for entry in self._t.fuzzy_by_first.get(first, ())
        ]
        for words, piece in options:
            n = len(words)
            if i + n > len(key):
                continue
            score = 0.0
            for a, b in zip(key[i : i + n], words, strict=True):
                s = self.similar(a, b)
                if s <= 0:
                    score = -1
                    break
                score += s
            if score <= 0:
                continue
            cand = (score / n, n, piece)
            if best is None or (cand[0], cand[1]) > (best[0], best[1]):
                best = cand
        if best is None:
            return None, 0
        return [best[2]], best[1]

    def _from_pieces(self, text: str, pieces: list[_Piece]) -> Phrase | None:
        areas: set[str] = set()
        has_area = False
        here = everywhere = False
        kind: str | None = None
        narrow: list[str] = []
        attr: str | None = None
        generic_attr = False
        plural = False
        meaningful = False
        for piece in pieces:
            if piece.what == "filler":
                if piece.value in {"all", "every", "each", "both"}:
                    plural = True
                continue
            meaningful = True
            if piece.what == "area":
                has_area = True
                areas.add(piece.value)
            elif piece.what == "floor":
                has_area = True
                areas.update(a.id for a in self._registry.areas_on_floor(piece.value))
            elif piece.what == "scope":
                if piece.value == "here":
                    here = True
                elif piece.value == "everywhere":
                    everywhere = True
                else:
                    has_area = True
                    chosen = (
                        self._registry.indoor_areas()
                        if piece.value == "indoor"
                        else self._registry.outdoor_areas()
                    )
                    areas.update(a.id for a in chosen)
            elif piece.what == "kind" and piece.word is not None:
                if piece.word.narrow:
                    narrow.append(piece.word.narrow)
                if kind is None or piece.value != "everything":
                    kind = piece.value
                # "everything" is never one device to ask about
                plural = plural or piece.word.plural or piece.value == "everything"
            elif piece.what == "attr" and (
                attr is None or (generic_attr and not piece.generic)
            ):
                attr = piece.value
                generic_attr = piece.generic
        if not meaningful:
            return None
        return Phrase(
            text=text,
            areas=frozenset(areas) if has_area else None,
            here=here,
            everywhere=everywhere,
            kind=kind,
            narrow=tuple(narrow),
            attr=attr,
            plural=plural,
        )

    # ------------------------------------------------------------------ tolerant names

    def _fuzzy_devices(self, text: str, key: tuple[str, ...]) -> Phrase | None:
        query = [w for w in key if w not in FILLER_WORDS]
        if not query:
            return None
        scores: dict[str, tuple[float, float]] = {}
        for device_id, name in self._t.variants:
            score = _name_score(query, name, self)
            if score is None:
                continue
            if device_id not in scores or score > scores[device_id]:
                scores[device_id] = score
        if not scores:
            # a place said alone where a device was expected ("the boiler")
            areas = self.partial_areas(query)
            if areas:
                return Phrase(text=text, areas=frozenset(areas))
            return None
        ranked = sorted(scores, key=lambda d: scores[d], reverse=True)
        top = scores[ranked[0]]
        best = tuple(
            d
            for d in ranked
            if scores[d][0] == top[0] and top[1] - scores[d][1] <= _TIE
        )
        _LOGGER.debug("tolerant match %r -> %s", text, best)
        return Phrase(
            text=text, devices=best, candidates=tuple(ranked), plural=_looks_plural(key)
        )

    def partial_areas(self, query: Iterable[str]) -> list[str]:
        """Return areas one of whose names contains every query word (tolerantly)."""
        words = [w for w in query if w not in FILLER_WORDS]
        if not words:
            return []
        found: list[str] = []
        for key, pieces in self._t.phrases.items():
            for piece in pieces:
                if piece.what != "area" or piece.value in found:
                    continue
                if all(any(self.similar(w, k) > 0 for k in key) for w in words):
                    found.append(piece.value)
        return found


_MISSING = object()


_MEASURES = frozenset({"cup", "cups", "mug", "pot", "glass", "bit", "drop", "round"})
"""'a cup of X': a measure of the thing, not a thing of its own."""
_TIME_MODIFIERS = frozenset(
    {"morning", "afternoon", "evening", "daily", "usual", "nightly", "weekend"}
)
"""'my morning coffee': when, not which."""


def _head_noun(key: tuple[str, ...]) -> tuple[str, ...] | None:
    """The phrase without a leading measure ("cup of") or time modifier, if it has one.

    Only ever tried as an exact name, so "attic window" still names nothing.
    """
    if "of" in key:
        i = key.index("of")
        if 0 < i < len(key) - 1 and key[i - 1] in _MEASURES:
            return key[i + 1 :]
    if len(key) > 1 and key[0] in _TIME_MODIFIERS:
        return key[1:]
    return None


def _strip_leading(key: tuple[str, ...]) -> tuple[str, ...]:
    """Drop determiners and possessive noise from the front ("this lamp" -> "lamp")."""
    i = 0
    while i < len(key) - 1 and key[i] in _LEADING_NOISE:
        i += 1
    if i == len(key) - 1 and key[i] in _LEADING_NOISE:
        return ()
    return key[i:]


def _is_kind_ref(words: tuple[str, ...]) -> bool:
    """True for "one", "the ones", "that one": the clause's kind, not a name."""
    rest = [w for w in words if w not in _LEADING_NOISE]
    return bool(rest) and all(w in KIND_REFERENCES for w in rest)


def _depossess(text: str) -> str | None:
    """Return the phrase with possessive 's dropped from all but its last word, or None."""
    words = text.split()
    out: list[str] = []
    changed = False
    for i, word in enumerate(words):
        match = _POSSESSIVE.match(word)
        if match is not None and (i < len(words) - 1 or len(words) == 1):
            out.append(match.group(1))
            changed = True
        else:
            out.append(word)
    return " ".join(out) if changed else None


def _kind_in_names(names: Iterable[str]) -> str | None:
    """Return the kind named by the last kind word of a device's first name that has one."""
    for name in names:
        key = tokens(name)
        found: str | None = None
        i = 0
        while i < len(key):
            for n in (3, 2, 1):
                word = KIND_WORDS.get(" ".join(key[i : i + n]))
                if word is not None and i + n <= len(key):
                    if word.kind != "everything":
                        found = word.kind
                    i += n - 1
                    break
            i += 1
        if found is not None:
            return found
    return None


def _best_piece(pieces: list[_Piece]) -> _Piece:
    """Pick one reading of an ambiguous run: places over kinds over attributes."""
    order = {"area": 0, "floor": 1, "scope": 2, "kind": 3, "attr": 4, "filler": 5}
    return min(pieces, key=lambda p: order.get(p.what, 9))


def _looks_plural(key: tuple[str, ...]) -> bool:
    if not key:
        return False
    if any(w in {"all", "every", "both", "each"} for w in key):
        return True
    last = key[-1]
    word = KIND_WORDS.get(" ".join(key[-2:])) or KIND_WORDS.get(last)
    if word is not None:
        return word.plural
    return False


def _strip_attribute(key: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """Split "tv volume" into ("tv",) and "volume" (and "reading on X" forms)."""
    for n in (2, 1):
        if len(key) > n:
            attr = ATTRIBUTE_WORDS.get(" ".join(key[-n:]))
            if attr is not None:
                return key[:-n], attr
            attr = ATTRIBUTE_WORDS.get(" ".join(key[:n]))
            if attr is not None:
                rest = key[n:]
                if rest and rest[0] in {"of", "on", "in", "at", "for"}:
                    rest = rest[1:]
                if rest:
                    return rest, attr
    return None


def _name_score(
    query: list[str], name: tuple[str, ...], lex: Lexicon
) -> tuple[float, float] | None:
    """Score a name against the said words: (share of the name covered, mean likeness).

    Every said word must be in the name (typos allowed), except a number said after a
    name that has no number at all ("desk lamp one"); numbers never match other numbers.
    """
    total = 0.0
    matched_name: set[int] = set()
    unmatched_numbers = 0
    for word in query:
        best = 0.0
        best_j = -1
        near = lex.near(word)
        for j, n in enumerate(name):
            s = near.get(n, 0.0)
            if s > best:
                best, best_j = s, j
        if best <= 0:
            if is_number(word):
                unmatched_numbers += 1
                continue
            return None
        total += best
        matched_name.add(best_j)
    if not matched_name:
        return None
    coverage = len(matched_name) / len(name)
    if unmatched_numbers and (coverage < 1.0 or any(is_number(n) for n in name)):
        return None
    return coverage, total / max(1, len(query) - unmatched_numbers)
