"""Corrections as kept: redaction, the record, the log, and how to undo an action.

:class:`Redactor` takes e-mail addresses, phone numbers and people's names out of a
sentence before it is kept. A :class:`CorrectionRecord` is one line of a site's
:class:`CorrectionLog` (the format ``thingmind.train`` reads; docs/learning.md).
:func:`correction_cue` recognises a sentence that corrects the previous turn, and
:func:`inverse_calls` finds the service calls that undo a device's change.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from enum import StrEnum
import json
import os
from pathlib import Path
import re
import threading
from typing import TYPE_CHECKING, Any

from thingmind.core import ServiceError, StateValue
from thingmind.nlu import O_TAG, Intent, ParsedCommand, words_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from thingmind.registry import DomainSpec, Home


def utc_now() -> str:
    """The time now, ISO 8601 UTC to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# ============================================================================ redaction

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d ().-]{5,}\d(?![\w.])")
_MIN_PHONE_DIGITS = 7
_NAME_INTRO = re.compile(
    r"\b(?:my name is|i am called|i'm called|call me|this is)\s+([A-Z][\w'-]+)"
)


class Redactor:
    """Replaces personal data in a sentence by ``[email]``, ``[phone]``, ``[name]``."""

    def __init__(self, *, names: Iterable[str] = (), keep: Iterable[str] = ()) -> None:
        """Say which names are personal and which words belong to the site.

        Args:
            names: People's names to remove (household members, contacts).
            keep: Words never removed: the site's device, area and floor names
                ("Emma's room" is the name of a room, not personal data).
        """
        self._keep = {w.casefold() for phrase in keep for w in _plain_words(phrase)}
        self._names = {n.casefold() for n in names if n.casefold() not in self._keep}

    @classmethod
    def for_site(cls, home: Home, *, names: Iterable[str] = ()) -> Redactor:
        """A redactor that keeps every word of the site's names and aliases."""
        keep: list[str] = []
        for d in home.devices:
            keep.extend(d.names)
        for a in home.areas:
            keep.extend((a.name, *a.aliases))
        for f in home.floors:
            keep.extend((f.name, *f.aliases))
        return cls(names=names, keep=keep)

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """Character ranges of personal data, with the placeholder for each."""
        found = [(m.start(), m.end(), "[email]") for m in _EMAIL.finditer(text)]
        found.extend(
            (m.start(), m.end(), "[phone]")
            for m in _PHONE.finditer(text)
            if sum(ch.isdigit() for ch in m.group()) >= _MIN_PHONE_DIGITS
        )
        found.extend(
            (m.start(1), m.end(1), "[name]")
            for m in _NAME_INTRO.finditer(text)
            if m.group(1).casefold() not in self._keep
        )
        for word, start, end in words_of(text):
            base = word.casefold().removesuffix("'s").removesuffix("\u2019s")
            if base in self._names:
                found.append((start, end, "[name]"))
        found.sort(key=lambda h: (h[0], -h[1]))  # the longest match at a position
        out: list[tuple[int, int, str]] = []
        for start, end, label in found:
            if out and start < out[-1][1]:
                continue  # inside an earlier match
            out.append((start, end, label))
        return out

    def redact(self, text: str) -> str:
        """Return the sentence with personal data replaced."""
        parts: list[str] = []
        pos = 0
        for start, end, label in self.matches(text):
            parts.extend((text[pos:start], label))
            pos = end
        parts.append(text[pos:])
        return "".join(parts)

    def redact_tagged(
        self, text: str, clause_tags: Sequence[str], slot_tags: Sequence[str]
    ) -> tuple[list[str], list[str], list[str]]:
        """Redact a tagged sentence, keeping one clause and slot tag per word.

        The words of one match become a single placeholder word that keeps the first
        word's tags.

        Args:
            text: The sentence (its words are ``words_of(text)``).
            clause_tags: One per word.
            slot_tags: One per word.

        Returns:
            Words, clause tags and slot tags, redacted.
        """
        spans = words_of(text)[: len(clause_tags)]
        hits = self.matches(text)
        words: list[str] = []
        ctags: list[str] = []
        stags: list[str] = []
        for k, (word, start, end) in enumerate(spans):
            hit = next((h for h in hits if start < h[1] and h[0] < end), None)
            if hit is None:
                words.append(word)
            elif words and words[-1] == hit[2] and k and _same_hit(spans[k - 1], hit):
                continue  # the rest of a match already replaced
            else:
                words.append(hit[2])
            ctags.append(clause_tags[k])
            stags.append(slot_tags[k])
        return words, ctags, stags


def _same_hit(prev: tuple[str, int, int], hit: tuple[int, int, str]) -> bool:
    return prev[1] < hit[1] and hit[0] < prev[2]


def _plain_words(phrase: str) -> list[str]:
    out = []
    for w, _, _ in words_of(phrase):
        out.append(w)
        out.append(w.removesuffix("'s").removesuffix("\u2019s"))
    return out


# ============================================================================ corrections


class CorrectionSource(StrEnum):
    """How a correction reached thingmind."""

    SPOKEN = "spoken"
    """A follow-up sentence ("no, the porch light")."""
    API = "api"
    """The API or the dashboard marked a turn wrong."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MeantCommand:
    """What the user meant instead; any part may be unknown."""

    intent: Intent | None = None
    """The intended command."""
    target: str = ""
    """The phrase naming the intended device ("porch light")."""
    device_ids: tuple[str, ...] = ()
    """The devices it came to."""
    clause: int = 0
    """The clause of the understood sentence this is about."""

    @property
    def known(self) -> bool:
        """True when it says anything at all."""
        return self.intent is not None or bool(self.target) or bool(self.device_ids)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-able form kept in the log."""
        return {
            "intent": self.intent.value if self.intent else None,
            "target": self.target,
            "device_ids": list(self.device_ids),
            "clause": self.clause,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionRecord:
    """One correction as kept: the sentence, what was understood, what was meant."""

    site: str
    """The site."""
    time: str
    """When, ISO 8601 UTC."""
    source: CorrectionSource
    """How it was given."""
    sentence: str
    """The corrected sentence, redacted."""
    words: tuple[str, ...]
    """Its words, redacted."""
    clause_tags: tuple[str, ...]
    """Clause tags of what was understood, one per word."""
    slot_tags: tuple[str, ...]
    """Slot tags of what was understood, one per word."""
    understood: str
    """What was understood, for people ("turn_on target='kitchen light'")."""
    meant: MeantCommand
    """What was meant."""
    model_version: str
    """The model that understood it."""
    undone: tuple[str, ...] = ()
    """Devices whose change was undone."""
    user: str = ""
    """Who corrected it (its export and deletion follow the user)."""

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-able form (one line of the log; docs/learning.md)."""
        return {
            "site": self.site,
            "time": self.time,
            "source": self.source.value,
            "sentence": self.sentence,
            "words": list(self.words),
            "clause_tags": list(self.clause_tags),
            "slot_tags": list(self.slot_tags),
            "understood": self.understood,
            "meant": self.meant.as_dict(),
            "model_version": self.model_version,
            "undone": list(self.undone),
            "user": self.user,
        }


class CorrectionLog:
    """An append-only JSON-lines file of one installation's corrections."""

    def __init__(self, path: str | Path) -> None:
        """Open (or create on first write) a log.

        Args:
            path: The file.
        """
        self.path = Path(path)
        self._lock = threading.Lock()
        self._count: dict[str, int] = {}
        for rec in self.read():
            site = str(rec.get("site", ""))
            self._count[site] = self._count.get(site, 0) + 1

    def append(self, record: CorrectionRecord) -> None:
        """Keep a correction (one line, flushed)."""
        line = json.dumps(record.as_dict(), ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            self._count[record.site] = self._count.get(record.site, 0) + 1

    def read(self) -> list[dict[str, Any]]:
        """Every record, as JSON objects (lines that cannot be read are skipped)."""
        if not self.path.is_file():
            return []
        out: list[dict[str, Any]] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
        return out

    def count(self, site: str, *, since: str = "") -> int:
        """Corrections for a site, all of them or those after an ISO time."""
        if not since:
            return self._count.get(site, 0)
        return sum(
            1
            for r in self.read()
            if r.get("site") == site and str(r.get("time", "")) > since
        )


def tags_of(parsed: ParsedCommand) -> tuple[list[str], list[str]]:
    """The clause and slot tags a parse stands for, one per word."""
    n = len(parsed.words)
    clause = [O_TAG] * n
    slot = [O_TAG] * n
    for c in parsed.clauses:
        for i in range(c.start, min(c.end, n)):
            clause[i] = f"{'B' if i == c.start else 'I'}-{c.intent.value}"
        for s in c.spans:
            for i in range(s.start, min(s.end, n)):
                slot[i] = f"{'B' if i == s.start else 'I'}-{s.slot.value}"
    return clause, slot


def describe(parsed: ParsedCommand) -> str:
    """A short text of what a parse says ("turn_on target='kitchen light'")."""
    parts = []
    for c in parsed.clauses:
        spans = " ".join(f"{s.slot.value}={s.text!r}" for s in c.spans)
        parts.append(f"{c.intent.value} {spans}".strip())
    return " | ".join(parts) or "(nothing)"


# ------------------------------------------------------------------------- correction cues

_CUE = re.compile(
    r"^\s*(?:no+|nope|nah|wrong|oops|not that(?: one)?|"
    r"that(?:'|\u2019)?s (?:wrong|not (?:it|right|what i (?:meant|wanted|said|asked for)))|"
    r"that is (?:wrong|not (?:it|right|what i (?:meant|wanted|said)))|"
    r"i (?:meant|said|wanted|asked for))\b[\s,.!:;-]*",
    re.IGNORECASE,
)
PRONOUNS = frozenset({"it", "that", "this", "them", "those", "one"})
ARTICLES = ("the ", "my ", "our ", "a ")


def correction_cue(text: str) -> str | None:
    """If a sentence corrects the previous turn, return what it adds, else None.

    "no, the porch light" gives "the porch light"; "that's not what I meant" gives "";
    "turn off the porch light" gives None.
    """
    rest = text
    found = False
    while True:
        m = _CUE.match(rest)
        if m is None or not m.group().strip():
            break
        found = True
        rest = rest[m.end() :]
    return rest.strip(" ,.!?;:") if found else None


# ------------------------------------------------------------------------------- undo


def inverse_calls(
    spec: DomainSpec,
    before: Mapping[str, StateValue],
    after: Mapping[str, StateValue],
) -> list[tuple[str, dict[str, StateValue]]] | None:
    """Service calls that take a device from ``after`` back to ``before``.

    Tries each service of the type with the parameters that set the changed keys to
    their old values (then with none), and pairs of calls when one is not enough,
    checking each candidate with the type's own state rules.

    Args:
        spec: The device type.
        before: The state to return to.
        after: The state now.

    Returns:
        The calls (empty when nothing changed), or None when no one or two calls of
        the type's services can restore it.
    """
    goal = {
        k: v for k, v in before.items() if k in spec.keys and not spec.keys[k].read_only
    }

    def restored(state: Mapping[str, StateValue]) -> bool:
        return all(state.get(k) == v for k, v in goal.items())

    if restored(after):
        return []
    candidates: list[tuple[str, dict[str, StateValue]]] = []
    for name, svc in spec.services.items():
        settable = {
            p: before[svc.key_for(p)]
            for p in svc.params
            if before.get(svc.key_for(p)) is not None
        }
        changed = {p: v for p, v in settable.items() if after.get(svc.key_for(p)) != v}
        for params in (changed, settable, {}):
            if (name, params) not in candidates:
                candidates.append((name, dict(params)))
    # explicit services first, then the fewest parameters
    candidates.sort(key=lambda c: (c[0] == "toggle", len(c[1])))

    def run(
        state: Mapping[str, StateValue], call: tuple[str, dict[str, StateValue]]
    ) -> dict[str, StateValue] | None:
        try:
            return spec.call(state, call[0], call[1])
        except ServiceError:
            return None

    firsts: list[tuple[tuple[str, dict[str, StateValue]], dict[str, StateValue]]] = []
    for call in candidates:
        state = run(after, call)
        if state is None:
            continue
        if restored(state):
            return [call]
        firsts.append((call, state))
    for call, state in firsts:
        for second in candidates:
            final = run(state, second)
            if final is not None and restored(final):
                return [call, second]
    return None
