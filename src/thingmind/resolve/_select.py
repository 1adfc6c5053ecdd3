"""Which devices a clause means: targets, places, exceptions and the speaker's room."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from thingmind.nlu import Clause, Intent, ParsedCommand, Slot, Span
from thingmind.resolve._lexicon import Lexicon, Phrase
from thingmind.resolve._model import FailReason
from thingmind.resolve._text import tokens
from thingmind.resolve._vocab import ATTRIBUTE_KIND, ATTRIBUTE_SENSOR_KIND, KINDS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from thingmind.core import Domain
    from thingmind.registry import Device, Registry

_AGGREGATE_QUESTIONS = frozenset(
    {Intent.ASK_ANY, Intent.ASK_ALL, Intent.ASK_WHICH, Intent.ASK_COUNT}
)
_EXCEPT_PRONOUNS = frozenset(
    {"one", "ones", "1", "the one", "the ones", "those", "that"}
)
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
    ) -> Selection:
        """Work out the devices a clause is about.

        Args:
            clause: The clause.
            parsed: The whole sentence (for word positions).
            speaker_area: The speaker's area id, when known.
            previous: The devices of the previous clause ("it", "them").
            default_kind: The kind meant when no device is named (from the intent).
            kind_filter: Tells whether a device of a kind fits this intent.

        Returns:
            The selection, or one carrying a failure.
        """
        sel = Selection()
        targets = clause.slots(Slot.TARGET)
        excepts = list(clause.slots(Slot.EXCEPT))
        locations = list(clause.slots(Slot.LOCATION))
        merged = _merge_except_locations(excepts, locations, parsed)
        merged_locations = set(merged.values())
        locations = [s for s in locations if s not in merged_locations]
        all_said = bool(clause.slots(Slot.ALL))

        # places said as places
        place: Place | None = None
        extra_targets: list[Phrase] = []
        for span in locations:
            phrase = self.lex.place(span.text)
            if phrase is None:
                sel.failure = (FailReason.NO_SUCH_AREA, span.text)
                return sel
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
            if phrase.place_only:
                p = self.place_of(phrase, speaker_area)
                if p is not None:
                    place = _union(place, p)
                continue
            phrases.append(phrase)
        phrases.extend(extra_targets)
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
            )
            if sub.failure is not None:
                return sub
            sel.kind = kind
            sel.singular = sub.singular
            sel.placed = sub.placed
            chosen = sub.devices
        named_too = any(not p.pronoun for p in phrases)
        for phrase in phrases:
            if phrase.pronoun:
                if not previous and named_too:
                    continue  # "the front door, unlock it": the pronoun repeats it
                if not previous:
                    sel.failure = (FailReason.NO_SUCH_DEVICE, phrase.text)
                    return sel
                chosen.extend(previous)
                sel.named = True
                sel.placed = True
                continue
            if phrase.devices:
                sub = self._by_name(phrase, place, speaker_area, all_said)
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

    def _by_name(
        self,
        phrase: Phrase,
        place: Place | None,
        speaker_area: str | None,
        all_said: bool,
    ) -> Selection:
        devices = list(phrase.devices)
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

    def _by_kind(
        self,
        phrase: Phrase,
        *,
        place: Place | None,
        speaker_area: str | None,
        intent: Intent,
        all_said: bool,
        kind_filter: KindFilter,
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
            pool = [
                d
                for d in self.registry.devices_in_area(speaker_area)
                if kind_filter(kind, d)
            ]
            if pool:
                sel.placed = True
            else:
                pool = list(self.registry.devices())
        else:
            pool = list(self.registry.devices())
        members = [d for d in pool if kind_filter(kind, d)]
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

    def __init__(self, lexicon: Lexicon, everything: frozenset[Domain] | None) -> None:
        """Set up the filter.

        Args:
            lexicon: The site's word tables.
            everything: The types "everything" stands for (None: every type).
        """
        self._lex = lexicon
        self._everything = everything

    def __call__(self, kind: str, device: Device) -> bool:
        """Return True when the device is of the kind."""
        if kind == "everything":
            return self._everything is None or device.type in self._everything
        spec = KINDS.get(kind)
        return spec is not None and self._lex.kind_members(spec, device)


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


def _merge_except_locations(
    excepts: list[Span], locations: list[Span], parsed: ParsedCommand
) -> dict[Span, Span]:
    """Pair "except the ones [in the bedroom]" when the place was tagged apart."""
    merged: dict[Span, Span] = {}
    for span in excepts:
        if " ".join(tokens(span.text)) not in _EXCEPT_PRONOUNS:
            continue
        for loc in locations:
            gap = parsed.words[span.end : loc.start]
            if (
                loc.start >= span.end
                and all(
                    w.casefold()
                    in {"in", "on", "at", "the", "of", "from", "upstairs", "downstairs"}
                    for w in gap
                )
                and len(gap) <= 3
            ):
                merged[span] = loc
                break
    return merged
