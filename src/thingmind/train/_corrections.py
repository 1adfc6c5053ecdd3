"""Corrections as training data, and retraining a site's model on them.

A correction (written by ``thingmind.brain.CorrectionLog``, one JSON object per line;
the format is in docs/learning.md) holds the sentence (personal data already redacted),
the tags of what was understood, and what was meant: an intent, a target phrase and
the device ids it came to. :func:`label_correction` turns it into a
:class:`TaggedExample`:

* the understood clause and slot spans are the starting point (the model was right
  about most of the sentence);
* a meant intent relabels the clause the correction is about (or, when nothing was
  understood, makes the whole sentence one clause);
* a meant device relabels the words of the sentence that name it (its name, an alias,
  or the phrase the user said) as the ``target`` span. When no words of the sentence
  name it, the understood target span was right as a span: the mistake was the
  site's vocabulary, not the tagger's, and an :class:`AliasSuggestion` says so.

:func:`expand` writes variants of a labelled correction with the target replaced by
other devices of the same type, so the lesson ("nix" means turn off) is learned as a
pattern rather than as ten sentences. :func:`retrain` continues from a checkpoint on
the site's generated sentences plus the corrections, holding out the gate's sentences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
import json
import logging
from pathlib import Path
import random
import re
import time
from typing import TYPE_CHECKING, Any

from thingmind.nlu import O_TAG, Intent, TaggedExample
from thingmind.registry import normalize_name
from thingmind.train._metrics import TaggerMetrics

if TYPE_CHECKING:
    from thingmind.registry import Device, Home
    from thingmind.train._finetune import FinetuneConfig, Progress

_LOGGER = logging.getLogger(__name__)

CORRECTION_KIND = "correction"
"""The ``kind`` of examples made from corrections (for splits and reports)."""
REDACTED = re.compile(r"^\[(name|phone|email|number)\]$")
"""A word the redactor put in place of personal data."""
_FILLERS = {
    "name": ("Alex", "Sam", "Priya", "Jo", "Noah", "Maya", "Tom", "Zara"),
    "phone": ("07700900123", "5550142", "0123456789"),
    "email": ("someone@example.com", "me@example.org"),
    "number": ("1234", "42", "987"),
}
"""Stand-ins for redacted words, so training sentences read naturally."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Meant:
    """What the user meant instead (any part may be unknown)."""

    intent: Intent | None = None
    """The intended command, when it differs from (or confirms) the understood one."""
    target: str = ""
    """The phrase that names the intended device ("porch light")."""
    device_ids: tuple[str, ...] = ()
    """The devices it came to, once resolved."""
    clause: int = 0
    """Index of the understood clause the correction is about."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Correction:
    """One correction, as read from a site's corrections log."""

    site: str
    """The site."""
    words: tuple[str, ...]
    """The sentence's words (redacted)."""
    clause_tags: tuple[str, ...]
    """Clause tags of what was understood."""
    slot_tags: tuple[str, ...]
    """Slot tags of what was understood."""
    meant: Meant
    """What was meant."""
    time: str = ""
    """When, ISO 8601 UTC."""
    model_version: str = ""
    """The model that got it wrong."""
    source: str = ""
    """``spoken`` (a follow-up turn) or ``api``."""

    def __post_init__(self) -> None:
        if not len(self.words) == len(self.clause_tags) == len(self.slot_tags):
            msg = "a correction needs one clause tag and one slot tag per word"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class AliasSuggestion:
    """A name the site uses for a device that its home file does not list."""

    device_id: str
    """The device meant."""
    alias: str
    """The phrase used for it."""


def read_corrections(path: str | Path, *, site: str | None = None) -> list[Correction]:
    """Read a corrections log (JSON lines written by ``thingmind.brain``).

    Lines that cannot be read are skipped with a warning: the log is append-only and a
    crash can cut its last line.

    Args:
        path: The log; a missing file has no corrections.
        site: Keep only this site's corrections.

    Returns:
        The corrections, in log order.
    """
    p = Path(path)
    if not p.is_file():
        return []
    out: list[Correction] = []
    for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            m = rec.get("meant") or {}
            c = Correction(
                site=str(rec.get("site", "")),
                words=tuple(rec["words"]),
                clause_tags=tuple(rec["clause_tags"]),
                slot_tags=tuple(rec["slot_tags"]),
                meant=Meant(
                    intent=Intent(m["intent"]) if m.get("intent") else None,
                    target=str(m.get("target") or ""),
                    device_ids=tuple(m.get("device_ids") or ()),
                    clause=int(m.get("clause") or 0),
                ),
                time=str(rec.get("time", "")),
                model_version=str(rec.get("model_version", "")),
                source=str(rec.get("source", "")),
            )
        except (KeyError, TypeError, ValueError) as err:
            _LOGGER.warning("%s:%d: skipped, not a correction (%s)", p, lineno, err)
            continue
        if site is None or c.site == site:
            out.append(c)
    return out


# --------------------------------------------------------------------- labelling


def _clauses(tags: Sequence[str]) -> list[tuple[int, int]]:
    """Word ranges ``[start, end)`` of the clauses in BIO clause tags."""
    out: list[tuple[int, int]] = []
    start = -1
    name = ""
    for i, tag in enumerate([*tags, O_TAG]):
        prefix, _, label = tag.partition("-")
        if start >= 0 and (prefix != "I" or label != name):
            out.append((start, i))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, name = i, label
    return out


def _find_run(words: Sequence[str], phrases: Iterable[str]) -> tuple[int, int] | None:
    """The longest run of words whose normalized form equals one of the phrases."""
    wanted = {normalize_name(p) for p in phrases if normalize_name(p)}
    best: tuple[int, int] | None = None
    for i in range(len(words)):
        for j in range(len(words), i, -1):
            if best is not None and j - i <= best[1] - best[0]:
                break
            if words[i].lower() == "the":
                break  # a span never starts with the article
            if normalize_name(" ".join(words[i:j])) in wanted:
                best = (i, j)
                break
    return best


def _spans(tags: Sequence[str], label: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = -1
    for i, tag in enumerate([*tags, O_TAG]):
        if start >= 0 and tag != f"I-{label}":
            out.append((start, i))
            start = -1
        if tag == f"B-{label}":
            start = i
    return out


def _unredact(words: Sequence[str], rng: random.Random) -> tuple[str, ...]:
    out = []
    for w in words:
        m = REDACTED.match(w)
        out.append(rng.choice(_FILLERS[m.group(1)]) if m else w)
    return tuple(out)


def label_correction(
    correction: Correction, home: Home | None = None, *, seed: int = 0
) -> tuple[TaggedExample | None, AliasSuggestion | None]:
    """Turn a correction into a correctly labelled sentence.

    Args:
        correction: The correction.
        home: The site, to find the words that name the meant device.
        seed: Chooses stand-ins for redacted words.

    Returns:
        The labelled example (None when the correction says too little to label the
        sentence: no intent and no target, or nothing understood and no intent), and
        an alias suggestion when the sentence names the meant device in a way the
        site does not know.
    """
    words = list(_unredact(correction.words, random.Random(seed)))
    clause = list(correction.clause_tags)
    slot = list(correction.slot_tags)
    meant = correction.meant
    if meant.intent is None and not meant.target and not meant.device_ids:
        return None, None
    ranges = _clauses(clause)
    if not ranges:
        if meant.intent is None:
            return None, None
        # Nothing was understood: the sentence is one command, minus end punctuation.
        end = len(words)
        while end > 0 and not any(ch.isalnum() for ch in words[end - 1]):
            end -= 1
        if end == 0:
            return None, None
        ranges = [(0, end)]
        slot = [O_TAG] * len(words)
    k = min(max(meant.clause, 0), len(ranges) - 1)
    c_start, c_end = ranges[k]
    if meant.intent is not None:
        for i in range(c_start, c_end):
            clause[i] = f"{'B' if i == c_start else 'I'}-{meant.intent.value}"
    alias: AliasSuggestion | None = None
    if meant.target or meant.device_ids:
        phrases = [meant.target] if meant.target else []
        if home is not None:
            for did in meant.device_ids:
                try:
                    phrases.extend(home.device(did).names)
                except KeyError:
                    continue
        run = _find_run(words[c_start:c_end], phrases)
        if run is not None:
            s, e = run[0] + c_start, run[1] + c_start
            # clear every span the new target overlaps, then label it
            for label in ("target", "location", "except", "value", "attribute"):
                for a, b in _spans(slot, label):
                    if a < e and s < b:
                        for i in range(a, b):
                            slot[i] = O_TAG
            for i in range(s, e):
                slot[i] = "B-target" if i == s else "I-target"
        else:
            targets = [
                (a, b) for a, b in _spans(slot, "target") if c_start <= a < c_end
            ]
            if targets and len(meant.device_ids) == 1:
                a, b = targets[0]
                alias = AliasSuggestion(
                    device_id=meant.device_ids[0], alias=" ".join(words[a:b]).lower()
                )
    example = TaggedExample(
        words=tuple(words),
        clause_tags=tuple(clause),
        slot_tags=tuple(slot),
        kind=CORRECTION_KIND,
    )
    return example, alias


def _same_type(home: Home, device_ids: Sequence[str]) -> list[Device]:
    types = set()
    for did in device_ids:
        try:
            types.add(home.device(did).type)
        except KeyError:
            continue
    return [d for d in home.devices if d.type in types]


def expand(
    example: TaggedExample,
    home: Home,
    *,
    device_ids: Sequence[str],
    count: int,
    rng: random.Random,
) -> list[TaggedExample]:
    """Variants of a labelled correction with its target named as other devices.

    The target span is replaced by a name or alias of another device of the same
    type as the meant ones, so the correction teaches the phrasing, not one name.

    Args:
        example: A labelled correction (:func:`label_correction`).
        home: The site.
        device_ids: The devices meant (their type chooses the substitutes).
        count: Variants to write.
        rng: The random source.

    Returns:
        Up to ``count`` variants (none when the sentence has no target span).
    """
    spans = _spans(example.slot_tags, "target")
    pool = [n for d in _same_type(home, device_ids) for n in d.names]
    if not spans or not pool:
        return []
    a, b = spans[0]
    out: list[TaggedExample] = []
    for _ in range(count):
        name = rng.choice(pool).lower().split()
        clause_tag = example.clause_tags[a]
        inner = "I-" + clause_tag[2:] if clause_tag != O_TAG else O_TAG
        new_clause = [clause_tag] + [inner] * (len(name) - 1)
        new_slot = ["B-target"] + ["I-target"] * (len(name) - 1)
        out.append(
            TaggedExample(
                words=(*example.words[:a], *name, *example.words[b:]),
                clause_tags=(
                    *example.clause_tags[:a],
                    *new_clause,
                    *example.clause_tags[b:],
                ),
                slot_tags=(*example.slot_tags[:a], *new_slot, *example.slot_tags[b:]),
                kind=example.kind,
            )
        )
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionSet:
    """A site's corrections, labelled, split for training and for the gate."""

    train: tuple[TaggedExample, ...]
    """Labelled corrections and their variants, for training."""
    heldout: tuple[TaggedExample, ...]
    """Labelled corrections kept out of training, for the gate."""
    aliases: tuple[AliasSuggestion, ...] = ()
    """Names the site uses that its home file lacks (for the home file, not the model)."""
    skipped: int = 0
    """Corrections that said too little to label."""
    summary: Mapping[str, Any] = field(default_factory=dict)
    """Counts for the version's data summary."""


def correction_set(
    corrections: Sequence[Correction],
    home: Home,
    *,
    holdout_every: int = 5,
    variants: int = 8,
    repeat: int = 3,
    seed: int = 0,
) -> CorrectionSet:
    """Label corrections, hold every n-th out for the gate, expand the rest.

    Args:
        corrections: The site's corrections.
        home: The site.
        holdout_every: Every n-th labelled correction goes to the gate (0: none).
        variants: Variants per training correction (:func:`expand`).
        repeat: Copies of each training correction itself.
        seed: The random seed.

    Returns:
        The labelled corrections.
    """
    rng = random.Random(seed)
    train: list[TaggedExample] = []
    heldout: list[TaggedExample] = []
    aliases: dict[tuple[str, str], AliasSuggestion] = {}
    skipped = 0
    labelled = 0
    for c in corrections:
        ex, alias = label_correction(c, home, seed=rng.randrange(1 << 30))
        if alias is not None:
            aliases[(alias.device_id, alias.alias)] = alias
        if ex is None:
            skipped += 1
            continue
        labelled += 1
        if holdout_every and labelled % holdout_every == 0:
            heldout.append(ex)
            continue
        train.extend([ex] * repeat)
        train.extend(
            expand(ex, home, device_ids=c.meant.device_ids, count=variants, rng=rng)
        )
    return CorrectionSet(
        train=tuple(train),
        heldout=tuple(heldout),
        aliases=tuple(aliases.values()),
        skipped=skipped,
        summary={
            "corrections": len(corrections),
            "labelled": labelled,
            "heldout": len(heldout),
            "train_examples": len(train),
            "skipped": skipped,
            "aliases": len(aliases),
        },
    )


# --------------------------------------------------------------------- retraining


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrainReport:
    """What a retrain produced (before the gate)."""

    folder: Path
    """The candidate model folder (with its checkpoint)."""
    metrics: TaggerMetrics
    """Validation figures (torch)."""
    examples: Mapping[str, int]
    """Sentences used, by part."""
    corrections: CorrectionSet
    """The labelled corrections."""
    steps: int
    """Optimisation steps."""
    seconds: float
    """Wall time, export included."""


def _tiny_shape(base: Path, state: Mapping[str, Any]) -> Any:
    from thingmind.train._model import TinyEncoderConfig  # noqa: PLC0415

    cfg = json.loads((base / "train_config.json").read_text(encoding="utf-8"))
    if cfg.get("base") != "tiny":
        return None
    shape = cfg.get("tiny") or {}
    hidden = int(state["clause_head.weight"].shape[1])
    layers = len(
        {k.split(".")[3] for k in state if k.startswith("encoder.encoder.layer.")}
    )
    return TinyEncoderConfig(
        hidden_size=int(shape.get("hidden_size", hidden)),
        layers=int(shape.get("layers", layers)),
        heads=int(shape.get("heads", 2)),
    )


def retrain(
    home: Home,
    *,
    base: Path,
    out: Path,
    corrections: Sequence[Correction],
    heldout: Iterable[TaggedExample] = (),
    n: int = 12_000,
    config: FinetuneConfig | None = None,
    progress: Progress | None = None,
    include_generic: bool = True,
    site: str = "",
    seed: int = 0,
) -> RetrainReport:
    """Continue training a model on a site's sentences and its corrections.

    Args:
        home: The site (its current devices and names).
        base: A model folder with a torch checkpoint to start from.
        out: The candidate folder to write (with a checkpoint, for the next retrain).
        corrections: The site's corrections.
        heldout: Sentences the gate scores on; kept out of training.
        n: Sentences to generate for the site.
        config: Fine-tuning settings (default: one epoch, low learning rates, one
            thread, seven minutes at most).
        progress: Receives progress.
        include_generic: Mix in sentences from other homes so it does not forget.
        site: Recorded in the training configuration.
        seed: The random seed of the data.

    Returns:
        The run's report.

    Raises:
        FileNotFoundError: When ``base`` has no checkpoint.
    """
    import torch  # noqa: PLC0415

    from thingmind.train._data import augment, generate, split  # noqa: PLC0415
    from thingmind.train._export import write_model_folder  # noqa: PLC0415
    from thingmind.train._finetune import (  # noqa: PLC0415
        FinetuneConfig,
        finetune,
        make_encoder,
    )
    from thingmind.train._model import build_model  # noqa: PLC0415
    from thingmind.train._pipeline import AUGMENT_SHARE, CHECKPOINT  # noqa: PLC0415

    t0 = time.monotonic()
    ckpt = base / CHECKPOINT
    if not ckpt.is_file():
        msg = f"{base} has no {CHECKPOINT} to retrain from"
        raise FileNotFoundError(msg)
    config = config or FinetuneConfig(
        epochs=1.0, lr=3e-5, head_lr=3e-4, max_minutes=7.0, threads=1
    )
    state = torch.load(ckpt, map_location="cpu", weights_only=True)
    tiny = _tiny_shape(base, state)
    model = build_model(tiny=tiny, dropout=config.dropout)
    model.load_state_dict(state)

    corr = correction_set(corrections, home, seed=seed)
    gate_keys = {tuple(w.lower() for w in e.words) for e in heldout}
    gate_keys |= {tuple(w.lower() for w in e.words) for e in corr.heldout}
    generated = [
        e
        for e in generate(home, n=n, seed=seed, include_generic=include_generic)
        if tuple(w.lower() for w in e.words) not in gate_keys
    ]
    train, val, _ = split(generated, seed=seed, test=0.0)
    rng = random.Random(seed)
    train = [augment(e, rng) if rng.random() < AUGMENT_SHARE else e for e in train]
    train.extend(corr.train)
    rng.shuffle(train)
    # the corrections judge the checkpoint kept too: a model that forgets them loses
    val = [*val, *corr.train[: max(1, len(val) // 10)]] if corr.train else val
    encode = make_encoder(str(base / "tokenizer.json"))
    result = finetune(
        model, train, val, encode=encode, config=config, progress=progress
    )
    base_cfg = json.loads((base / "train_config.json").read_text(encoding="utf-8"))
    kinds = Counter(e.kind for e in train)
    examples = {"train": len(train), "validation": len(val)}
    meta: dict[str, Any] = {
        "kind": "retrain",
        "base": base_cfg.get("base", "all-MiniLM-L6-v2"),
        "parent": base_cfg.get("version", base.name),
        "home": home.source,
        "site": site,
        "n": n,
        "finetune": config.as_dict(),
        "steps": result.steps,
    }
    if tiny is not None:
        meta["tiny"] = {
            "hidden_size": tiny.hidden_size,
            "layers": tiny.layers,
            "heads": tiny.heads,
        }
    folder = write_model_folder(
        result.model,
        out,
        tokenizer_json=base / "tokenizer.json",
        train_config=meta,
        metrics={
            "validation": result.metrics.as_dict(),
            "examples": examples,
            "kinds": dict(sorted(kinds.items())),
            "corrections": dict(corr.summary),
        },
    )
    torch.save(result.model.state_dict(), folder / CHECKPOINT)
    return RetrainReport(
        folder=folder,
        metrics=result.metrics,
        examples=examples,
        corrections=replace(corr),
        steps=result.steps,
        seconds=time.monotonic() - t0,
    )
