"""Build ParsedCommand values from a compact notation, for resolver tests.

``"turn_off: turn off the [kitchen lights](target) except the [island lights](except)"``
is one clause; clauses are separated by `` | ``. An empty string has no clause.
"""

from __future__ import annotations

import re

from thingmind.nlu import Clause, Intent, ParsedCommand, Slot, Span, words_of

_SPAN = re.compile(r"\[([^\]]+)\]\((\w+)\)")


def _words(text: str) -> list[str]:
    return [w for w, _, _ in words_of(text)]


def compact(text: str) -> ParsedCommand:
    """Parse the compact notation into a ParsedCommand."""
    words: list[str] = []
    clauses: list[Clause] = []
    plain: list[str] = []
    for part in text.split(" | ") if text.strip() else []:
        head, _, body = part.partition(":")
        if head.strip() == "none":
            words.extend(_words(_SPAN.sub(r"\1", body)))
            plain.append(_SPAN.sub(r"\1", body).strip())
            continue
        start = len(words)
        spans: list[Span] = []
        pos = 0
        for match in _SPAN.finditer(body):
            words.extend(_words(body[pos : match.start()]))
            first = len(words)
            inner = _words(match.group(1))
            words.extend(inner)
            spans.append(
                Span(
                    slot=Slot(match.group(2)),
                    text=" ".join(inner),
                    start=first,
                    end=len(words),
                )
            )
            pos = match.end()
        words.extend(_words(body[pos:]))
        plain.append(_SPAN.sub(r"\1", body).strip())
        clauses.append(
            Clause(
                intent=Intent(head.strip()),
                spans=tuple(spans),
                start=start,
                end=len(words),
            )
        )
    return ParsedCommand(
        text=" ".join(plain),
        words=tuple(words),
        clauses=tuple(clauses),
        confidence=1.0,
    )
