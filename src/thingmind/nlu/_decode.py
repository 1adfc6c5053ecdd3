"""Turning per-word tag probabilities into clauses and spans (BIO decoding)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

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

_CLAUSE_INFO = [(t[0], t[2:]) if t != O_TAG else ("O", "") for t in CLAUSE_TAGS]
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
        return ParsedCommand(text=text, words=(), clauses=(), confidence=1.0, model_version=model_version)
    c_idx = clause_probs.argmax(axis=1)  # (W,)
    s_idx = slot_probs.argmax(axis=1)  # (W,)
    c_p = clause_probs[np.arange(n), c_idx]
    s_p = slot_probs[np.arange(n), s_idx]
    clause_runs = _runs([_CLAUSE_INFO[i] for i in c_idx], c_p.tolist())
    slot_runs = _runs([_SLOT_INFO[i] for i in s_idx], s_p.tolist())

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
    confidence = min((c.confidence for c in clauses), default=float(c_p.min()))
    return ParsedCommand(
        text=text,
        words=tuple(words),
        clauses=clauses,
        confidence=confidence,
        model_version=model_version,
    )
