"""Figures for a tagger: per-intent precision/recall/F1, slot F1, sentence accuracy."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def _spans(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    out: set[tuple[str, int, int]] = set()
    start = -1
    label = ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        if start >= 0 and (prefix != "I" or name != label):
            out.add((label, start, i))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, label = i, name
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PRF:
    """Precision, recall and F1 with the counts behind them."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Tp / (tp + fp), 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Tp / (tp + fn), 1.0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class TaggerMetrics:
    """Validation figures of a tagger."""

    sentences: int
    """How many sentences were scored."""
    sentence_accuracy: float
    """Share of sentences whose every clause and slot tag is right."""
    clause_f1: float
    """Micro F1 over clauses (intent and word range must match)."""
    slot_f1: float
    """Micro F1 over slot spans."""
    per_intent: dict[str, PRF] = field(default_factory=dict)
    """Clause-level figures per intent."""

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-able summary."""
        return {
            "sentences": self.sentences,
            "sentence_accuracy": round(self.sentence_accuracy, 4),
            "clause_f1": round(self.clause_f1, 4),
            "slot_f1": round(self.slot_f1, 4),
            "per_intent": {
                k: {
                    "precision": round(v.precision, 4),
                    "recall": round(v.recall, 4),
                    "f1": round(v.f1, 4),
                    "support": v.tp + v.fn,
                }
                for k, v in sorted(self.per_intent.items())
            },
        }


def score_tags(
    gold: Sequence[tuple[Sequence[str], Sequence[str]]],
    pred: Sequence[tuple[Sequence[str], Sequence[str]]],
) -> TaggerMetrics:
    """Score predicted (clause tags, slot tags) pairs against gold ones, sentence by sentence.

    Args:
        gold: Per sentence, the gold clause tags and slot tags.
        pred: Per sentence, the predicted ones (same lengths).

    Returns:
        The figures.
    """
    exact = 0
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    s_tp = s_fp = s_fn = 0
    for (gc, gs), (pc, ps) in zip(gold, pred, strict=True):
        exact += int(list(gc) == list(pc) and list(gs) == list(ps))
        g, p = _spans(gc), _spans(pc)
        for lab, *_ in g & p:
            tp[lab] += 1
        for lab, *_ in p - g:
            fp[lab] += 1
        for lab, *_ in g - p:
            fn[lab] += 1
        gss, pss = _spans(gs), _spans(ps)
        s_tp += len(gss & pss)
        s_fp += len(pss - gss)
        s_fn += len(gss - pss)
    labels = set(tp) | set(fp) | set(fn)
    per = {k: PRF(tp=tp[k], fp=fp[k], fn=fn[k]) for k in labels}
    c_all = PRF(tp=sum(tp.values()), fp=sum(fp.values()), fn=sum(fn.values()))
    s_all = PRF(tp=s_tp, fp=s_fp, fn=s_fn)
    n = len(gold)
    return TaggerMetrics(
        sentences=n,
        sentence_accuracy=exact / n if n else 0.0,
        clause_f1=c_all.f1,
        slot_f1=s_all.f1,
        per_intent=per,
    )
