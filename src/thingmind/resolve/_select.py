"""Which devices a clause means: targets, places, exceptions and the speaker's room."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
import re
from typing import TYPE_CHECKING

from thingmind.nlu import Clause, Intent, ParsedCommand, Slot, Span
from thingmind.resolve._lexicon import Lexicon, Phrase
from thingmind.resolve._model import FailReason
from thingmind.resolve._text import tokens
from thingmind.resolve._vocab import (
    ATTRIBUTE_KIND,
    ATTRIBUTE_SENSOR_KIND,
    KIND_REFERENCES,
    KINDS,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from thingmind.core import Domain
    from thingmind.registry import Device, Registry

_AGGREGATE_QUESTIONS = frozenset(
    {Intent.ASK_ANY, Intent.ASK_ALL, Intent.ASK_WHICH, Intent.ASK_COUNT}
)
_PHRASE_SLOTS = frozenset({Slot.TARGET, Slot.LOCATION, Slot.EXCEPT})
_EXCEPT_GAP = frozenset(
    {
        "in", "on", "at", "the", "of", "from", "by", "near", "over", "up", "down",
        "upstairs", "downstairs", "that", "thats", "which", "is", "are", "s", "there",
        "located", "sitting", "next", "to",
    }
)  # fmt: skip
"""Words that may stand between "the one" and the place that says which one."""
_POSSESSIVE_END = re.compile(r"['\u2018\u2019\u02bc`]s$", re.IGNORECASE)
_TIE = 0.02

Capable = Callable[["Device"], bool]
"""Says whether a device can do what a clause asks."""
_OUTSIDE_WORDS = frozenset({"outside", "outdoor", "outdoors", "exterior"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """Where a clause applies."""

    areas: frozenset[str] | None = None
    """Area ids; None means no place was said."""
    everywhere: bool = False
    """The whole site, devices without an area included."""
    outside: bool = False
    """Devices named outside/outdoor count too."""


@dataclass(slots=True, kw_only=True)
class Selection:
    """The devices a clause is about."""

    devices: list[str] = field(default_factory=list)
    """Device ids, in site order, without repeats."""
    named: bool = False
    """True when the devices were named (a failure on one is reported, not skipped)."""
    singular: bool = False
    """True when one device was meant ("the light") and several fit."""
    placed: bool = False
    """True when a place, a name or the speaker's room narrowed the choice."""
    kind: str | None = None
    """The kind of device named, if any."""
    failure: tuple[FailReason, str] | None = None
    """Why nothing could be selected."""
    phrases: list[Phrase] = field(default_factory=list)
    """The target phrases read."""


class Selector:
    """Reads the device and place phrases of clauses against one site."""

    def __init__(self, registry: Registry, lexicon: Lexicon) -> None:
        """Prepare per-site tables.

        Args:
            registry: The site.
            lexicon: Its word tables.
        """
        self.registry = registry
        self.lex = lexicon
        self.order = {d.id: i for i, d in enumerate(registry.devices())}
        self.by_id = {d.id: d for d in registry.devices()}
        self.all_areas = frozenset(a.id for a in registry.areas())
        outdoor = {a.id for a in registry.outdoor_areas()}
        if not outdoor and registry.floors():
            # no area flagged outdoor: areas on no floor are the outside ("the garden")
            outdoor = {a.id for a in registry.areas() if a.floor is None}
        self.outdoor = frozenset(outdoor)
        self.outside_devices = frozenset(
            d.id
            for d in registry.devices()
            if lexicon.device_words(d.id) & _OUTSIDE_WORDS
        )

    # ------------------------------------------------------------------ places

    def place_of(self, phrase: Phrase, speaker_area: str | None) -> Place | None:
        """Return the place a phrase names, None when it names none."""
        if phrase.everywhere:
            return Place(everywhere=True)
        areas: set[str] = set()
        outside = False
        if phrase.areas is not None:
            areas |= phrase.areas
            outside = bool(tokens(phrase.text)) and bool(
                set(tokens(phrase.text)) & _OUTSIDE_WORDS
            )
            if outside:
                areas |= self.outdoor
        if phrase.here:
            if speaker_area is None:
                return None
            areas.add(speaker_area)
        if phrase.areas is None and not phrase.here:
            return None
        return Place(areas=frozenset(areas), outside=outside)

    def in_place(self, device: Device, place: Place) -> bool:
        """Return True when a device is in a place."""
        if place.everywhere:
            return True
        if place.outside and device.id in self.outside_devices:
            return True
        return place.areas is not None and device.area in place.areas

    def devices_in(self, place: Place | None) -> list[Device]:
        """Return the devices of a place (the whole site for None)."""
        if place is None:
            return list(self.registry.devices())
        return [d for d in self.registry.devices() if self.in_place(d, place)]

    # ------------------------------------------------------------------ selection

    def select(
        self,
        clause: Clause,
        parsed: ParsedCommand,
        *,
        speaker_area: str | None,
        previous: Sequence[str],
        default_kind: str | None,
        kind_filter: KindFilter,
        capable: Capable | None = None,
    ) -> Selection:
        """Work out the devices a clause is about.

        Args:
            clause: The clause.
            parsed: The whole sentence (for word positions).
            speaker_area: The speaker's area id, when known.
            previous: The devices of the previous clause ("it", "them").
            default_kind: The kind meant when no device is named (from the intent).
            kind_filter: Tells whether a device of a kind fits this intent.
            capable: Tells whether a device can do what the clause asks; among
                devices a name fits, those that can are preferred.

        Returns:
            The selection, or one carrying a failure.
        """
        sel = Selection()
        spans = self._spans(clause)
        targets = [s for s in spans if s.slot is Slot.TARGET]
        excepts = [s for s in spans if s.slot is Slot.EXCEPT]
        locations = [s for s in spans if s.slot is Slot.LOCATION]
        merged = self._merge_except_places(excepts, spans, parsed)
        consumed = set(merged.values())
        locations = [s for s in locations if s not in consumed]
        excepts = [s for s in excepts if s not in consumed]
        all_said = bool(clause.slots(Slot.ALL))

        # places said as places
        place: Place | None = None
        extra_targets: list[Phrase] = []
        for span in locations:
            phrase = self.lex.place(span.text)
            if phrase is None:
                sel.failure = (FailReason.NO_SUCH_AREA, span.text)
                return sel
            if phrase.pronoun or phrase.kind_ref:
                continue  # "in there", "on that one": nothing more to narrow
            if phrase.has_place:
                p = self.place_of(phrase, speaker_area)
                if p is not None:
                    place = _union(place, p)
            if phrase.devices or phrase.kind is not None:
                extra_targets.append(phrase)
            elif not phrase.has_place and phrase.attr is None:
                sel.failure = (FailReason.NO_SUCH_AREA, span.text)
                return sel

        phrases: list[Phrase] = []
        for span in targets:
            phrase = self.lex.phrase(span.text)
            if phrase is None:
                sel.failure = (FailReason.NO_SUCH_DEVICE, span.text)
                return sel
            if phrase.place_only and _says_one(span.text):
                phrases.append(replace(phrase, kind_ref=True))  # "the line 2 ones"
                continue
            if phrase.place_only:
                p = self.place_of(phrase, speaker_area)
                if p is not None:
                    place = _union(place, p)
                continue
            phrases.append(phrase)
        phrases.extend(extra_targets)
        named_too = any(not p.pronoun and not p.kind_ref for p in phrases)
        if not previous:
            # "the front door, unlock it": the pronoun repeats the name; a bare
            # "that" with nothing before it is the determiner of nothing
            phrases = [
                p
                for p in phrases
                if not (p.pronoun and (named_too or self.lex.is_demonstrative(p.text)))
            ]
        sel.phrases = phrases

        chosen: list[str] = []
        if not phrases:
            kind = default_kind
            phrase = Phrase(text="", kind=kind, plural=all_said)
            sub = self._by_kind(
                phrase,
                place=place,
                speaker_area=speaker_area,
                intent=clause.intent,
                all_said=all_said,
                kind_filter=kind_filter,
                capable=capable,
            )
            if sub.failure is not None:
                return sub
            sel.kind = kind
            sel.singular = sub.singular
            sel.placed = sub.placed
            chosen = sub.devices
        for said in phrases:
            phrase = said
            if phrase.kind_ref and (
                place is not None or phrase.has_place or not previous
            ):
                # "the one on line 2": the clause's kind, in that place
                phrase = replace(
                    phrase,
                    kind=self._kind_meant(phrases, previous, default_kind),
                    kind_ref=False,
                )
            elif phrase.pronoun or phrase.kind_ref:
                if not previous:
                    sel.failure = (FailReason.NO_SUCH_DEVICE, phrase.text)
                    return sel
                chosen.extend(previous)
                sel.named = True
                sel.placed = True
                continue
            if phrase.devices:
                sub = self._by_name(phrase, place, speaker_area, all_said, capable)
            else:
                kinded = phrase
                if phrase.kind is None:
                    kinded = replace(
                        phrase,
                        kind=_attribute_kind(phrase.attr, clause.intent)
                        or default_kind,
                    )
                own = self.place_of(kinded, speaker_area) if kinded.has_place else None
                sub = self._by_kind(
                    kinded,
                    place=_intersect(own, place),
                    speaker_area=speaker_area,
                    intent=clause.intent,
                    all_said=all_said,
                    kind_filter=kind_filter,
                    capable=capable,
                )
                sel.kind = sel.kind or kinded.kind
            if sub.failure is not None:
                return sub
            sel.named = sel.named or sub.named
            sel.singular = sel.singular or sub.singular
            sel.placed = sel.placed or sub.placed
            chosen.extend(sub.devices)

        removed = self._excepted(excepts, merged, chosen, speaker_area)
        sel.devices = self._ordered(d for d in chosen if d not in removed)
        return sel

    def _kind_meant(
        self,
        phrases: Sequence[Phrase],
        previous: Sequence[str],
        default_kind: str | None,
    ) -> str | None:
        """The kind "one"/"ones" stands for: another target's, the previous clause's."""
        for phrase in phrases:
            if phrase.kind_ref or phrase.pronoun:
                continue
            if phrase.kind is not None:
                return phrase.kind
            if phrase.devices:
                return self.lex.device_kind(phrase.devices[0])
        if previous:
            return self.lex.device_kind(previous[0])
        return default_kind

    def _spans(self, clause: Clause) -> list[Span]:
        """The clause's device and place spans, with noise dropped and split names joined.

        A span of determiners alone is dropped. Two spans that touch are read as one
        when together they are a place's name ("line" + "2" -> location "line 2") or
        when the first is a possessive ("lamp's" + "light").
        """
        raw = [
            s
            for s in clause.spans
            if s.slot in _PHRASE_SLOTS and not self.lex.is_noise(s.text)
        ]
        out: list[Span] = []
        for span in raw:
            if out and out[-1].end == span.start:
                last = out[-1]
                joined = f"{last.text} {span.text}"
                slot: Slot | None = None
                if self.lex.names_place(joined) and not self.lex.names_place(last.text):
                    slot = (
                        Slot.EXCEPT
                        if Slot.EXCEPT in {last.slot, span.slot}
                        else Slot.LOCATION
                    )
                elif (
                    last.slot is Slot.TARGET
                    and span.slot is Slot.TARGET
                    and _POSSESSIVE_END.search(last.text) is not None
                ):
                    slot = Slot.TARGET
                if slot is not None:
                    out[-1] = Span(
                        slot=slot,
                        text=joined,
                        start=last.start,
                        end=span.end,
                        confidence=min(last.confidence, span.confidence),
                    )
                    continue
            out.append(span)
        return out

    def _merge_except_places(
        self, excepts: list[Span], spans: list[Span], parsed: ParsedCommand
    ) -> dict[Span, Span]:
        """Pair "except the [one] on [line 2]": the place says which of the kind."""
        merged: dict[Span, Span] = {}
        for span in excepts:
            if not _says_one(span.text) or _has_more_than_one(span.text):
                continue
            for other in spans:
                if other is span or other.slot not in {Slot.LOCATION, Slot.EXCEPT}:
                    continue
                if other.start < span.end or other in merged.values():
                    continue
                gap = [tokens(w) for w in parsed.words[span.end : other.start]]
                if len(gap) <= 4 and all(
                    all(t in _EXCEPT_GAP for t in words) for words in gap
                ):
                    merged[span] = other
                break
        return merged

    def _by_name(
        self,
        phrase: Phrase,
        place: Place | None,
        speaker_area: str | None,
        all_said: bool,
        capable: Capable | None = None,
    ) -> Selection:
        devices = list(phrase.devices)
        if capable is not None:
            devices = self._able_named(phrase, devices, place, capable)
        sel = Selection(named=True, placed=True)
        if len(devices) > 1 and place is not None:
            inside = [d for d in devices if self.in_place(self.by_id[d], place)]
            if inside:
                devices = inside
        if len(devices) > 1 and not (all_said or phrase.plural) and speaker_area:
            here = [d for d in devices if self.by_id[d].area == speaker_area]
            if here:
                devices = here
        if len(devices) > 1 and not (all_said or phrase.plural):
            sel.singular = True
        sel.devices = devices
        return sel

    def _able_named(
        self,
        phrase: Phrase,
        devices: list[str],
        place: Place | None,
        capable: Capable,
    ) -> list[str]:
        """Prefer, among the devices a name fits, those that can do what is asked.

        "Lock the front door" where "Front door" is the door contact and "Front door
        lock" the lock: the lock. The devices said stay when none that can fits.
        """
        able = [d for d in devices if capable(self.by_id[d])]
        if able:
            return able
        ranked = [
            (d, score)
            for d, score in self.lex.ranked(phrase.text)
            if capable(self.by_id[d])
        ]
        if place is not None and not place.everywhere:
            ranked = [
                (d, sc) for d, sc in ranked if self.in_place(self.by_id[d], place)
            ]
        if not ranked:
            return devices
        top = ranked[0][1]
        return [d for d, sc in ranked if sc[0] == top[0] and top[1] - sc[1] <= _TIE]

    def _by_kind(
        self,
        phrase: Phrase,
        *,
        place: Place | None,
        speaker_area: str | None,
        intent: Intent,
        all_said: bool,
        kind_filter: KindFilter,
        capable: Capable | None = None,
    ) -> Selection:
        kind = phrase.kind
        sel = Selection(kind=kind)
        if kind is None:
            sel.failure = (FailReason.NO_SUCH_DEVICE, phrase.text or intent.value)
            return sel
        plural = phrase.plural or all_said
        if place is not None:
            pool = self.devices_in(place)
            sel.placed = True
        elif all_said or intent in _AGGREGATE_QUESTIONS:
            pool = list(self.registry.devices())
        elif speaker_area is not None:
            ids = kind_filter.ids(kind)
            pool = [
                d for d in self.registry.devices_in_area(speaker_area) if d.id in ids
            ]
            if pool:
                sel.placed = True
            else:
                pool = list(self.registry.devices())
        else:
            pool = list(self.registry.devices())
        ids = kind_filter.ids(kind)
        members = [d for d in pool if d.id in ids]
        spec = KINDS.get(kind)
        if (
            spec is not None
            and spec.fallback is not None
            and not any(capable is None or capable(d) for d in members)
        ):
            # "alarms" on a site with no alarm panel: its fault sensors
            others = kind_filter.ids(spec.fallback)
            other = [d for d in pool if d.id in others]
            if any(capable is None or capable(d) for d in other):
                members = other
        for word in phrase.narrow:
            narrowed = [d for d in members if word in self.lex.device_words(d.id)]
            if narrowed:
                members = narrowed
        if not members:
            where = "" if place is None else " there"
            noun = KINDS[kind].noun if kind in KINDS else kind
            sel.failure = (FailReason.NOTHING_IN_SCOPE, f"no {noun}{where}")
            return sel
        sel.devices = [d.id for d in members]
        sel.singular = not plural and len(members) > 1 and not sel.placed
        return sel

    def _excepted(
        self,
        excepts: list[Span],
        merged: dict[Span, Span],
        chosen: list[str],
        speaker_area: str | None,
    ) -> set[str]:
        removed: set[str] = set()
        for span in excepts:
            text = span.text
            location = merged.get(span)
            if location is not None:
                text = location.text
            else:
                words = tokens(text)
                while words and words[0] in {
                    "the",
                    "one",
                    "ones",
                    "1",
                    "those",
                    "that",
                }:
                    words = words[1:]
                text = " ".join(words) or span.text
            phrase = self.lex.phrase(text)
            if phrase is None:
                continue
            if phrase.devices:
                removed.update(phrase.devices)
                continue
            place = self.place_of(phrase, speaker_area) if phrase.has_place else None
            for device_id in chosen:
                device = self.by_id[device_id]
                if place is not None and not self.in_place(device, place):
                    continue
                if phrase.kind is not None and phrase.kind != "everything":
                    if not self.lex.kind_members(KINDS[phrase.kind], device):
                        continue
                    if phrase.narrow and not any(
                        w in self.lex.device_words(device_id) for w in phrase.narrow
                    ):
                        continue
                if place is None and phrase.kind is None:
                    continue
                removed.add(device_id)
        return removed

    def _ordered(self, ids: Iterable[str]) -> list[str]:
        return sorted(set(ids), key=lambda d: self.order.get(d, 0))


class KindFilter:
    """Says whether a device counts as a kind for one clause's intent."""

    def __init__(
        self,
        lexicon: Lexicon,
        everything: frozenset[Domain] | None,
        devices: Iterable[Device] = (),
    ) -> None:
        """Set up the filter.

        Args:
            lexicon: The site's word tables.
            everything: The types "everything" stands for (None: every type).
            devices: The site's devices, to tabulate "everything" once.
        """
        self._lex = lexicon
        self._everything = everything
        self._all = frozenset(
            d.id for d in devices if everything is None or d.type in everything
        )

    def ids(self, kind: str) -> frozenset[str]:
        """Return the ids of the site's devices of the kind."""
        if kind == "everything":
            return self._all
        return self._lex.kind_ids(kind)

    def __call__(self, kind: str, device: Device) -> bool:
        """Return True when the device is of the kind."""
        if kind == "everything":
            return self._everything is None or device.type in self._everything
        return device.id in self._lex.kind_ids(kind)


def _attribute_kind(attribute: str | None, intent: Intent) -> str | None:
    """The kind of device an attribute said alone stands for ("line one temp")."""
    if attribute is None:
        return None
    if intent.is_question and attribute in ATTRIBUTE_SENSOR_KIND:
        return ATTRIBUTE_SENSOR_KIND[attribute]
    return ATTRIBUTE_KIND.get(attribute)


def _union(a: Place | None, b: Place) -> Place:
    if a is None:
        return b
    if a.everywhere or b.everywhere:
        return Place(everywhere=True)
    return Place(
        areas=(a.areas or frozenset()) | (b.areas or frozenset()),
        outside=a.outside or b.outside,
    )


def _intersect(own: Place | None, other: Place | None) -> Place | None:
    """The place of a phrase with its own place words, within the clause's place."""
    if own is None:
        return other
    if other is None or other.everywhere:
        return own
    if own.everywhere:
        return other
    both = (own.areas or frozenset()) & (other.areas or frozenset())
    return Place(areas=both or own.areas, outside=own.outside)


def _says_one(text: str) -> bool:
    """True when a phrase holds "one"/"ones" ("the one", "the kitchen ones")."""
    return any(w in KIND_REFERENCES for w in text.casefold().split())


def _has_more_than_one(text: str) -> bool:
    """True when a phrase says more than "the one(s)" (a place or a name with it)."""
    return any(
        w not in KIND_REFERENCES and w not in {"the", "that", "those", "this", "these"}
        for w in text.casefold().split()
    )
