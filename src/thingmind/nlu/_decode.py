"""Turning per-word tag probabilities into clauses and spans (BIO decoding)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from thingmind.nlu._schema import (
    CLAUSE_TAGS,
    O_TAG,
    SLOT_TAGS,
    Clause,
    Intent,
    ParsedCommand,
    Slot,
    Span,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

_SLOT_INFO = [(t[0], t[2:]) if t != O_TAG else ("O", "") for t in SLOT_TAGS]


def _runs(
    tags: Sequence[tuple[str, str]], probs: Sequence[float]
) -> list[tuple[str, int, int, list[float]]]:
    """Group BIO tags into ``(label, start, end, probs)`` runs.

    An ``I-x`` after ``O`` or after a different label starts a new run, as if it were
    ``B-x`` (the usual lenient repair), so a model that misses a ``B`` still yields spans.
    """
    runs: list[tuple[str, int, int, list[float]]] = []
    for i, ((prefix, label), p) in enumerate(zip(tags, probs, strict=True)):
        if prefix == "O":
            continue
        if prefix == "I" and runs and runs[-1][0] == label and runs[-1][2] == i:
            lab, start, _, ps = runs[-1]
            ps.append(p)
            runs[-1] = (lab, start, i + 1, ps)
        else:
            runs.append((label, i, i + 1, [p]))
    return runs


_N_INTENTS = (len(CLAUSE_TAGS) - 1) // 2
_B_COLS = np.arange(1, len(CLAUSE_TAGS), 2)  # B-<intent> columns, in Intent order
_I_COLS = _B_COLS + 1


def _clause_segments(
    clause_probs: NDArray[np.float32],
) -> list[tuple[int, int, int, float]]:
    """Split words into clauses and give each one intent.

    Segmentation and intent are decided separately: a word starts a clause when
    P(B-any) is its largest of P(O), P(B-any), P(I-any); a clause runs while the next
    word is more likely inside a clause than outside it and not a new start. The
    clause's intent is the one with the highest mean probability (B and I together)
    over its words. A per-word argmax would let one uncertain word split a command in
    two ("turn_on" then "set_value" inside "turn the fan on at full speed").

    Returns:
        ``(intent index, start, end, confidence)`` per clause.
    """
    p_o = clause_probs[:, 0]  # (W,)
    p_b = clause_probs[:, _B_COLS].sum(axis=1)
    p_i = clause_probs[:, _I_COLS].sum(axis=1)
    per_intent = clause_probs[:, _B_COLS] + clause_probs[:, _I_COLS]  # (W, N)
    segments: list[tuple[int, int]] = []
    start = -1
    for w in range(len(p_o)):
        inside = p_b[w] + p_i[w] > p_o[w]
        begins = inside and p_b[w] > p_i[w]
        if start >= 0 and (not inside or begins):
            segments.append((start, w))
            start = -1
        if inside and start < 0:
            start = w
    if start >= 0:
        segments.append((start, len(p_o)))
    out = []
    for s, e in segments:
        mean = per_intent[s:e].mean(axis=0)  # (N,)
        k = int(mean.argmax())
        out.append((k, s, e, float(mean[k])))
    return out


_Run = tuple[str, int, int, list[float]]
_WEAK_CLAUSE = 0.5
"""Below this mean intent probability a clause that names nothing is not trusted."""


def _merge_touching(runs: list[_Run]) -> list[_Run]:
    """Join spans of one label that touch ("B-target B-target" is one noun phrase).

    Two different targets always have a word between them ("and", a comma), so a
    second ``B`` right after a span of the same label is a missed ``I``.
    """
    out: list[_Run] = []
    for run in runs:
        if out and out[-1][0] == run[0] and out[-1][2] == run[1]:
            label, start, _, ps = out[-1]
            out[-1] = (label, start, run[2], ps + run[3])
        else:
            out.append(run)
    return out


def _merge_empty(clauses: list[_Run], slots: list[_Run]) -> list[_Run]:
    """Fold a clause with no slot into the clause it touches.

    An uncertain word can open a clause of its own ("i would like" + "coffee now");
    a clause that names nothing and touches its neighbour (no word between them) is
    a piece of that neighbour. The merged clause keeps the intent of the piece that
    holds the slots.
    """

    def has_slots(run: _Run) -> bool:
        return any(run[1] <= s[1] < run[2] for s in slots)

    def weak(run: _Run) -> bool:
        return not has_slots(run) and float(np.mean(run[3])) < _WEAK_CLAUSE

    # A clause that names nothing, which the model is unsure of, beside one that names
    # something, is a stray piece of wording ("i would like" before "coffee now").
    if any(has_slots(c) for c in clauses):
        clauses = [c for c in clauses if not weak(c)]
    out: list[_Run] = []
    for run in clauses:
        if out and out[-1][2] == run[1]:
            prev = out[-1]
            if not has_slots(prev):
                out[-1] = (run[0], prev[1], run[2], prev[3] + run[3])
                continue
            if not has_slots(run):
                out[-1] = (prev[0], prev[1], run[2], prev[3] + run[3])
                continue
        out.append(run)
    return out


def decode(
    text: str,
    words: Sequence[str],
    clause_probs: NDArray[np.float32],
    slot_probs: NDArray[np.float32],
    *,
    model_version: str = "",
) -> ParsedCommand:
    """Decode per-word probabilities into a :class:`ParsedCommand`.

    Args:
        text: The sentence as received.
        words: Its words (``words_of``), one per row of the probability arrays.
        clause_probs: ``(W, len(CLAUSE_TAGS))`` softmax probabilities.
        slot_probs: ``(W, len(SLOT_TAGS))`` softmax probabilities.
        model_version: Recorded on the result.

    Returns:
        The clauses found, each holding the slot spans that fall inside it. Slot spans
        outside every clause are attached to the nearest clause before them (or the
        first clause), since a tagger sometimes leaves a trailing word out of a clause.
    """
    n = len(words)
    if n == 0:
        return ParsedCommand(
            text=text, words=(), clauses=(), confidence=1.0, model_version=model_version
        )
    s_idx = slot_probs.argmax(axis=1)  # (W,)
    s_p = slot_probs[np.arange(n), s_idx]
    intents = list(Intent)
    clause_runs = [
        (intents[k].value, start, end, [conf])
        for k, start, end, conf in _clause_segments(clause_probs)
    ]
    slot_runs = _runs([_SLOT_INFO[i] for i in s_idx], s_p.tolist())

    slot_runs = _merge_touching(slot_runs)
    clause_runs = _merge_empty(clause_runs, slot_runs)
    spans_by_clause: list[list[Span]] = [[] for _ in clause_runs]
    for label, start, end, ps in slot_runs:
        span = Span(
            slot=Slot(label),
            text=" ".join(words[start:end]),
            start=start,
            end=end,
            confidence=float(min(ps)),
        )
        if not clause_runs:
            continue
        owner = 0
        for k, (_, cs, ce, _) in enumerate(clause_runs):
            if cs <= start < ce:
                owner = k
                break
            if cs <= start:
                owner = k
        spans_by_clause[owner].append(span)

    clauses = tuple(
        Clause(
            intent=Intent(label),
            spans=tuple(spans_by_clause[k]),
            start=start,
            end=end,
            confidence=float(np.mean(ps)),
        )
        for k, (label, start, end, ps) in enumerate(clause_runs)
    )
    confidence = min(
        (c.confidence for c in clauses), default=float(clause_probs[:, 0].min())
    )
    return ParsedCommand(
        text=text,
        words=tuple(words),
        clauses=clauses,
        confidence=confidence,
        model_version=model_version,
    )
