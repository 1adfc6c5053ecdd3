"""The deployment gate: a candidate model replaces the one in service only if not worse.

Both models are scored, through the same ONNX runtime that serves requests, on two
fixed sets of labelled sentences:

* the **site** set: sentences generated from the site's home file with a fixed seed
  (:func:`site_heldout`; a retrain never trains on them), plus the corrections held
  out of training;
* the **general** set: sentences generated from the generic training homes with a
  fixed seed (:func:`general_test_set`), the same for every site and every run, so a
  site's retrain cannot quietly forget how people talk elsewhere.

The figure compared is whole-sentence accuracy (every clause and slot tag right). The
candidate passes when, on each set, it is at most that set's margin below the model in
service. The decision carries its reason as an enum and as a sentence to print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import functools
import logging
from typing import TYPE_CHECKING, Any

from thingmind.core import IncompatibleModelError
from thingmind.nlu import CLAUSE_TAGS, SLOT_TAGS, OnnxTagger, TaggedExample
from thingmind.train._metrics import TaggerMetrics, score_tags

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from thingmind.registry import Home

_LOGGER = logging.getLogger(__name__)

GENERAL_SEED = 7_2024
"""Seed of the general test set; never changes, so figures compare across runs."""
SITE_SEED = 9_1117
"""Seed of a site's held-out sentences (different from any training seed)."""


class GateReason(StrEnum):
    """Why the gate decided as it did."""

    NOTHING_IN_SERVICE = "nothing_in_service"
    """No model serves the site yet: the candidate is accepted."""
    NOT_WORSE = "not_worse"
    """Within the margins on both sets."""
    WORSE_ON_SITE = "worse_on_site"
    """Below the model in service on the site's held-out set by more than the margin."""
    WORSE_ON_GENERAL = "worse_on_general"
    """Below it on the general test set by more than the margin."""
    WORSE_ON_BOTH = "worse_on_both"
    """Below it on both sets."""
    INCOMPATIBLE = "incompatible"
    """The candidate cannot be loaded (format or label schema)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GateMargins:
    """How much worse than the model in service a candidate may be, per set."""

    site: float = field(
        default=0.0,
        metadata={"help": "allowed drop in site sentence accuracy (0-1)"},
    )
    general: float = field(
        default=0.01,
        metadata={"help": "allowed drop in general sentence accuracy (0-1)"},
    )

    def __post_init__(self) -> None:
        for name in ("site", "general"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                msg = f"margin {name}={value} must be between 0 and 1"
                raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetFigures:
    """One model's figures on one set."""

    sentences: int
    """Sentences scored."""
    sentence_accuracy: float
    """Share with every tag right."""
    clause_f1: float
    """Micro F1 over clauses."""
    slot_f1: float
    """Micro F1 over slot spans."""

    @classmethod
    def of(cls, m: TaggerMetrics) -> SetFigures:
        """Keep the headline figures of a full report."""
        return cls(
            sentences=m.sentences,
            sentence_accuracy=m.sentence_accuracy,
            clause_f1=m.clause_f1,
            slot_f1=m.slot_f1,
        )

    def as_dict(self) -> dict[str, float | int]:
        """Return a JSON-able copy."""
        return {
            "sentences": self.sentences,
            "sentence_accuracy": round(self.sentence_accuracy, 4),
            "clause_f1": round(self.clause_f1, 4),
            "slot_f1": round(self.slot_f1, 4),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class GateDecision:
    """The gate's verdict on a candidate."""

    accepted: bool
    """True when the candidate may replace the model in service."""
    reason: GateReason
    """Why."""
    message: str
    """The reason as a sentence, with the figures."""
    candidate: dict[str, SetFigures]
    """The candidate's figures, by set (``site``, ``general``)."""
    current: dict[str, SetFigures]
    """The in-service model's figures, by set (empty when none serves)."""
    margins: GateMargins
    """The margins applied."""

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able summary (kept in the version's metadata)."""
        return {
            "accepted": self.accepted,
            "reason": self.reason.value,
            "message": self.message,
            "candidate": {k: v.as_dict() for k, v in self.candidate.items()},
            "current": {k: v.as_dict() for k, v in self.current.items()},
            "margins": {"site": self.margins.site, "general": self.margins.general},
        }


@functools.cache
def _general(n: int, seed: int) -> tuple[TaggedExample, ...]:
    from thingmind.train._data import generate, generic_homes  # noqa: PLC0415

    homes = generic_homes()
    out: list[TaggedExample] = []
    per_home = max(1, n // max(1, len(homes)))
    for i, home in enumerate(homes):
        out.extend(generate(home, n=per_home, seed=seed + i, include_generic=False))
    return tuple(out[:n])


def general_test_set(
    *, n: int = 600, seed: int = GENERAL_SEED
) -> tuple[TaggedExample, ...]:
    """The fixed general test set: sentences from the generic homes, a fixed seed.

    Args:
        n: Sentences (shared evenly between the generic homes).
        seed: Leave the default so figures compare across runs.

    Returns:
        The sentences; the same on every call and every machine.
    """
    return _general(n, seed)


def site_heldout(
    home: Home, *, n: int = 300, seed: int = SITE_SEED
) -> list[TaggedExample]:
    """A site's held-out sentences: generated from its home file with a fixed seed.

    Args:
        home: The site.
        n: Sentences.
        seed: Leave the default so figures compare across runs.

    Returns:
        The sentences (a retrain keeps them out of its training data).
    """
    from thingmind.train._data import generate  # noqa: PLC0415

    return generate(home, n=n, seed=seed, include_generic=False)


def score_model(
    model: OnnxTagger | Path, examples: Sequence[TaggedExample]
) -> TaggerMetrics:
    """Score an exported model on labelled sentences, through the runtime.

    Args:
        model: A loaded tagger or a model folder.
        examples: The sentences.

    Returns:
        Its figures.
    """
    tagger = model if isinstance(model, OnnxTagger) else OnnxTagger(model)
    gold: list[tuple[list[str], list[str]]] = []
    pred: list[tuple[list[str], list[str]]] = []
    for ex in examples:
        c_p, s_p = tagger.logits(list(ex.words))  # (W, C), (W, S)
        pred.append(
            (
                [CLAUSE_TAGS[int(i)] for i in c_p.argmax(-1)],
                [SLOT_TAGS[int(i)] for i in s_p.argmax(-1)],
            )
        )
        gold.append((list(ex.clause_tags), list(ex.slot_tags)))
    return score_tags(gold, pred)


def _fmt(name: str, cand: SetFigures, cur: SetFigures, margin: float) -> str:
    delta = cand.sentence_accuracy - cur.sentence_accuracy
    return (
        f"{name} {cand.sentence_accuracy:.3f} vs {cur.sentence_accuracy:.3f} "
        f"({delta:+.3f}, margin {margin:.3f})"
    )


def gate(
    candidate: Path,
    current: Path | None,
    *,
    site: Sequence[TaggedExample],
    general: Sequence[TaggedExample] | None = None,
    margins: GateMargins | None = None,
) -> GateDecision:
    """Decide whether a candidate model may replace the one in service.

    Args:
        candidate: The candidate's model folder.
        current: The in-service model's folder (None: nothing serves the site).
        site: The site's held-out sentences (:func:`site_heldout` plus held-out
            corrections).
        general: The general test set (default :func:`general_test_set`).
        margins: Allowed drops (default :class:`GateMargins`).

    Returns:
        The decision, with both models' figures.
    """
    margins = margins or GateMargins()
    general = general_test_set() if general is None else general
    try:
        cand_tagger = OnnxTagger(candidate)
    except IncompatibleModelError as err:
        return GateDecision(
            accepted=False,
            reason=GateReason.INCOMPATIBLE,
            message=f"refused: the candidate cannot be loaded ({err})",
            candidate={},
            current={},
            margins=margins,
        )
    cand = {
        "site": SetFigures.of(score_model(cand_tagger, site)),
        "general": SetFigures.of(score_model(cand_tagger, general)),
    }
    if current is None:
        return GateDecision(
            accepted=True,
            reason=GateReason.NOTHING_IN_SERVICE,
            message=(
                "accepted: no model serves the site yet (site "
                f"{cand['site'].sentence_accuracy:.3f}, general "
                f"{cand['general'].sentence_accuracy:.3f})"
            ),
            candidate=cand,
            current={},
            margins=margins,
        )
    cur_tagger = OnnxTagger(current)
    cur = {
        "site": SetFigures.of(score_model(cur_tagger, site)),
        "general": SetFigures.of(score_model(cur_tagger, general)),
    }
    # a tiny tolerance so that equal figures never fail on float rounding
    eps = 1e-9
    worse_site = (
        cand["site"].sentence_accuracy
        < cur["site"].sentence_accuracy - margins.site - eps
    )
    worse_general = (
        cand["general"].sentence_accuracy
        < cur["general"].sentence_accuracy - margins.general - eps
    )
    figures = "; ".join(
        (
            _fmt("site", cand["site"], cur["site"], margins.site),
            _fmt("general", cand["general"], cur["general"], margins.general),
        )
    )
    if worse_site and worse_general:
        reason = GateReason.WORSE_ON_BOTH
    elif worse_site:
        reason = GateReason.WORSE_ON_SITE
    elif worse_general:
        reason = GateReason.WORSE_ON_GENERAL
    else:
        reason = GateReason.NOT_WORSE
    accepted = reason is GateReason.NOT_WORSE
    verdict = {
        GateReason.NOT_WORSE: "accepted: not worse on either set",
        GateReason.WORSE_ON_SITE: "refused: worse on the site's held-out sentences",
        GateReason.WORSE_ON_GENERAL: "refused: worse on the general test set",
        GateReason.WORSE_ON_BOTH: "refused: worse on both sets",
    }[reason]
    _LOGGER.info("gate: %s (%s)", verdict, figures)
    return GateDecision(
        accepted=accepted,
        reason=reason,
        message=f"{verdict} ({figures})",
        candidate=cand,
        current=cur,
        margins=margins,
    )
