"""Building labelled sentences from pieces of text, and the tiny template language.

A sentence is built as a list of *segments*: a clause (an intent and its pieces) or a
run of words outside every clause. A *piece* is ``(text, slot)``: the text is split
with :func:`~thingmind.nlu.words_of`, exactly as at run time, and every word of it gets
that slot (``B-`` on the first word, ``I-`` after) or ``O`` when the slot is None. The
first word of a clause gets ``B-<intent>``, its other words ``I-<intent>``.

Templates are strings of tokens separated by spaces:

* ``{name}``: a placeholder. When the fill mapping has ``name`` it is replaced by those
  pieces (they carry their own slots); otherwise ``name`` must be a vocabulary list and a
  random entry of it is used, as plain words (slot ``O``). An empty entry adds nothing.
* ``(a|b {x}|)``: one of the alternatives (each a template itself; they nest).
* ``[a|b]``: like ``(...)`` but empty half of the time.
* ``<slot:a|b>``: one of the words, labelled with that slot ("<target:ones>").
* anything else: plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
import re
from typing import TYPE_CHECKING

from thingmind.nlu import Intent, Slot, TaggedExample, words_of

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    import random

Piece = tuple[str, Slot | None]
"""Some text and the slot of all of its words (None: no slot)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClauseSeg:
    """One command of a sentence being built."""

    intent: Intent
    """What the command asks."""
    pieces: tuple[Piece, ...]
    """Its text, in order."""


Segment = ClauseSeg | str
"""A clause, or words outside every clause (all ``O``)."""

_LEX = re.compile(r"\{[^{}]*\}|<[^<>]*>|[()\[\]|]|[^\s{}()\[\]|<>]+")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "fill", "group", "opt", "slot" or "lit"
    text: str = ""
    alts: tuple[tuple[_Tok, ...], ...] = ()
    words: tuple[str, ...] = ()
    slot: Slot | None = None


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled template."""

    source: str
    tokens: tuple[_Tok, ...]
    fills: frozenset[str]
    """Placeholder names it uses (in any alternative)."""


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lexemes: list[str] = []
        pos = 0
        for m in _LEX.finditer(source):
            if source[pos : m.start()].strip():
                self.fail()
            self.lexemes.append(m.group())
            pos = m.end()
        if source[pos:].strip():
            self.fail()
        self.i = 0

    def fail(self) -> None:
        msg = f"bad template {self.source!r}"
        raise ValueError(msg)

    def seq(self, closers: str) -> tuple[_Tok, ...]:
        toks: list[_Tok] = []
        while self.i < len(self.lexemes):
            lex = self.lexemes[self.i]
            if lex in closers or lex == "|":
                break
            self.i += 1
            if lex in {"(", "["}:
                alts = [self.seq(")" if lex == "(" else "]")]
                while self.i < len(self.lexemes) and self.lexemes[self.i] == "|":
                    self.i += 1
                    alts.append(self.seq(")" if lex == "(" else "]"))
                if self.i >= len(self.lexemes) or self.lexemes[self.i] != (
                    ")" if lex == "(" else "]"
                ):
                    self.fail()
                self.i += 1
                toks.append(_Tok("group" if lex == "(" else "opt", alts=tuple(alts)))
            elif lex in {")", "]"}:
                self.fail()
            elif lex.startswith("{"):
                toks.append(_Tok("fill", lex[1:-1]))
            elif lex.startswith("<"):
                name, _, words = lex[1:-1].partition(":")
                try:
                    slot = Slot(name)
                except ValueError:
                    self.fail()
                    raise
                toks.append(
                    _Tok(
                        "slot",
                        words=tuple(w.strip() for w in words.split("|")),
                        slot=slot,
                    )
                )
            else:
                toks.append(_Tok("lit", lex))
        return tuple(toks)


def _fill_names(toks: Sequence[_Tok]) -> set[str]:
    out: set[str] = set()
    for t in toks:
        if t.kind == "fill":
            out.add(t.text)
        for alt in t.alts:
            out |= _fill_names(alt)
    return out


def compile_template(source: str) -> Template:
    """Compile a template string (see the module docstring).

    Args:
        source: The template.

    Returns:
        The compiled template.

    Raises:
        ValueError: When the template has an unbalanced bracket or an unknown slot.
    """
    parser = _Parser(source)
    toks = parser.seq("")
    if parser.i != len(parser.lexemes):
        parser.fail()
    return Template(source=source, tokens=toks, fills=frozenset(_fill_names(toks)))


def _render(
    toks: Sequence[_Tok],
    fills: Mapping[str, Sequence[Piece]],
    vocab: Mapping[str, Sequence[str]],
    rng: random.Random,
    out: list[Piece],
) -> None:
    for tok in toks:
        if tok.kind == "lit":
            out.append((tok.text, None))
        elif tok.kind == "fill":
            got = fills.get(tok.text)
            if got is not None:
                out.extend(p for p in got if p[0])
            else:
                word = rng.choice(vocab[tok.text])
                if word:
                    out.append((word, None))
        elif tok.kind == "slot":
            out.append((rng.choice(tok.words), tok.slot))
        elif tok.kind == "group" or rng.random() < 0.5:
            _render(rng.choice(tok.alts), fills, vocab, rng, out)


def render(
    template: Template,
    fills: Mapping[str, Sequence[Piece]],
    vocab: Mapping[str, Sequence[str]],
    rng: random.Random,
) -> list[Piece]:
    """Fill a template.

    Args:
        template: The compiled template.
        fills: Pieces for each slot placeholder.
        vocab: Word lists for the other placeholders.
        rng: The random source.

    Returns:
        The pieces, in order, with empty ones left out.

    Raises:
        KeyError: When a placeholder is neither filled nor a vocabulary list.
    """
    out: list[Piece] = []
    _render(template.tokens, fills, vocab, rng, out)
    return out


@functools.lru_cache(maxsize=1 << 16)
def _split(text: str) -> tuple[str, ...]:
    return tuple(w for w, _, _ in words_of(text))


def build_example(segments: Sequence[Segment], *, kind: str = "") -> TaggedExample:
    """Turn segments into a labelled sentence.

    Args:
        segments: Clauses and runs of outside words, in order.
        kind: The example's kind; by default the first clause's intent, or ``none``.

    Returns:
        The example, with tags aligned to :func:`words_of` of the joined text.
    """
    words: list[str] = []
    ctags: list[str] = []
    stags: list[str] = []
    first_intent = ""
    for seg in segments:
        if isinstance(seg, str):
            for w in _split(seg):
                words.append(w)
                ctags.append("O")
                stags.append("O")
            continue
        if not first_intent:
            first_intent = seg.intent.value
        started = False
        for text, slot in seg.pieces:
            piece_words = _split(text)
            for j, w in enumerate(piece_words):
                words.append(w)
                ctags.append(f"{'I' if started else 'B'}-{seg.intent.value}")
                started = True
                if slot is None:
                    stags.append("O")
                else:
                    stags.append(f"{'I' if j else 'B'}-{slot.value}")
    return TaggedExample(
        words=tuple(words),
        clause_tags=tuple(ctags),
        slot_tags=tuple(stags),
        kind=kind or first_intent or "none",
    )


def compact(example: TaggedExample) -> str:
    """Render an example as ``word/clause/slot`` triples, for reports and debugging.

    Args:
        example: The example.

    Returns:
        One line; ``-`` stands for an ``O`` tag.
    """
    parts = []
    for w, c, s in zip(
        example.words, example.clause_tags, example.slot_tags, strict=True
    ):
        parts.append(f"{w}/{'-' if c == 'O' else c}/{'-' if s == 'O' else s}")
    return " ".join(parts)
