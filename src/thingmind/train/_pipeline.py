"""Whole training runs: the default model, and adapting it to one site.

``train_default`` fine-tunes the pretrained encoder on generic and random homes;
``adapt`` continues from the default model on data generated from one home file
(mixed with generic data, so it does not forget). Both export an int8 model folder.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
import json
import logging
from pathlib import Path
import random
import shutil
import time
from typing import TYPE_CHECKING, Any

import torch

from thingmind.nlu import OnnxTagger, TaggedExample
from thingmind.train._export import parity, write_model_folder
from thingmind.train._finetune import FinetuneConfig, Progress, finetune, make_encoder
from thingmind.train._metrics import TaggerMetrics
from thingmind.train._model import (
    JointTagger,
    TinyEncoderConfig,
    base_encoder_path,
    build_model,
    load_checkpoint,
)

if TYPE_CHECKING:
    from thingmind.registry import Home

_LOGGER = logging.getLogger(__name__)

AUGMENT_SHARE = 0.35
"""Share of training sentences that get augmentation noise."""

CHECKPOINT = "checkpoint.pt"
"""The fp32 torch weights kept beside the ONNX graph, so a site can adapt from them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainReport:
    """What a training run did, for the command line to print."""

    folder: Path
    """The exported model folder."""
    metrics: TaggerMetrics
    """Validation figures of the best checkpoint (torch)."""
    test_metrics: TaggerMetrics
    """Figures on the held-out test split (torch)."""
    parity: float
    """Share of validation sentences the int8 export tags exactly as torch does."""
    examples: dict[str, int]
    """Sentences per split."""
    steps: int
    """Optimisation steps."""
    seconds: float
    """Total wall time, export included."""


def _run(
    *,
    model: JointTagger,
    examples: list[TaggedExample],
    out: Path,
    config: FinetuneConfig,
    progress: Progress | None,
    meta: dict[str, Any],
    keep_checkpoint: bool,
    tokenizer_json: Path,
) -> TrainReport:
    from thingmind.train._data import augment, split  # noqa: PLC0415

    t0 = time.monotonic()
    train, val, test = split(examples, seed=config.seed)
    # Typos, speech-recognition slips, fillers, casing and word order on a share of the
    # training sentences only: validation and test stay as generated, so their figures
    # say how well the labels are learned, not how lucky the noise was.
    rng = random.Random(config.seed)
    train = [augment(e, rng) if rng.random() < AUGMENT_SHARE else e for e in train]
    encode = make_encoder(str(tokenizer_json))
    result = finetune(
        model, train, val, encode=encode, config=config, progress=progress
    )
    from thingmind.train._finetune import evaluate  # noqa: PLC0415

    test_m = evaluate(result.model, test, encode)
    counts = {"train": len(train), "validation": len(val), "test": len(test)}
    kinds = Counter(e.kind for e in train)
    metrics = {
        "validation": result.metrics.as_dict(),
        "test": test_m.as_dict(),
        "examples": counts,
        "kinds": dict(sorted(kinds.items())),
    }
    folder = write_model_folder(
        result.model,
        out,
        tokenizer_json=tokenizer_json,
        train_config={**meta, "finetune": config.as_dict(), "steps": result.steps},
        metrics=metrics,
    )
    if keep_checkpoint:
        torch.save(result.model.state_dict(), folder / CHECKPOINT)
    tagger = OnnxTagger(folder)
    par = parity(tagger, result.model, val[:2000], encode)
    metrics["parity_int8_vs_torch"] = round(par, 4)
    (folder / "metrics.json").write_text(
        __import__("json").dumps(metrics, indent=1), encoding="utf-8"
    )
    return TrainReport(
        folder=folder,
        metrics=result.metrics,
        test_metrics=test_m,
        parity=par,
        examples=counts,
        steps=result.steps,
        seconds=time.monotonic() - t0,
    )


def train_default(
    out: Path,
    *,
    n: int = 80_000,
    config: FinetuneConfig | None = None,
    progress: Progress | None = None,
    tiny: TinyEncoderConfig | None = None,
    init: Path | None = None,
) -> TrainReport:
    """Train the default model from the pretrained encoder on generic and random homes.

    Args:
        out: The model folder to write.
        n: Sentences to generate (split 80/10/10).
        config: Fine-tuning settings.
        progress: Receives progress.
        tiny: Use a tiny random encoder instead (tests).
        init: A model folder with a checkpoint to continue from (more steps on
            fresh sentences) instead of the bare pretrained encoder.

    Returns:
        The run's report.
    """
    config = config or FinetuneConfig()
    tok = base_encoder_path() / "tokenizer.json"
    from thingmind.train._data import generate_default  # noqa: PLC0415

    examples = generate_default(n=n, seed=config.seed)
    model = build_model(tiny=tiny, dropout=config.dropout)
    meta: dict[str, Any] = {
        "kind": "default",
        "base": "all-MiniLM-L6-v2" if tiny is None else "tiny",
        "n": n,
    }
    if init is not None:
        load_checkpoint(model, init / CHECKPOINT)
        prior = json.loads((init / "train_config.json").read_text(encoding="utf-8"))
        meta["parent"] = prior.get("version", init.name)
        meta["steps_before"] = int(prior.get("steps", 0)) + int(
            prior.get("steps_before", 0)
        )
    return _run(
        model=model,
        examples=examples,
        out=out,
        config=config,
        progress=progress,
        meta=meta,
        keep_checkpoint=True,
        tokenizer_json=tok,
    )


def adapt(
    home: Home,
    *,
    base: Path,
    out: Path,
    n: int = 12_000,
    config: FinetuneConfig | None = None,
    progress: Progress | None = None,
    home_id: str = "",
) -> TrainReport:
    """Adapt a trained model to one site.

    Args:
        home: The site.
        base: A model folder with a torch checkpoint (the default model).
        out: The model folder to write.
        n: Sentences to generate for the site (generic ones are mixed in).
        config: Fine-tuning settings (defaults suit a 10-minute budget on 2 cores).
        progress: Receives progress.
        home_id: Recorded in the model's configuration.

    Returns:
        The run's report.

    Raises:
        FileNotFoundError: When ``base`` has no checkpoint to start from.
    """
    ckpt = base / CHECKPOINT
    if not ckpt.is_file():
        msg = f"{base} has no {CHECKPOINT} to adapt from; train the default model first"
        raise FileNotFoundError(msg)
    config = config or FinetuneConfig(
        epochs=1.0, lr=3e-5, head_lr=3e-4, max_minutes=7.0
    )
    base_cfg = json.loads((base / "train_config.json").read_text(encoding="utf-8"))
    tiny = None
    if base_cfg.get("base") == "tiny":
        tiny = TinyEncoderConfig()
    model = build_model(tiny=tiny, dropout=config.dropout)
    load_checkpoint(model, ckpt)
    from thingmind.train._data import generate  # noqa: PLC0415

    examples = generate(home, n=n, seed=config.seed, include_generic=True)
    meta = {
        "kind": "site",
        "base": base_cfg.get("base", "all-MiniLM-L6-v2"),
        "parent": base_cfg.get("version", base.name),
        "home": home_id or home.source,
        "n": n,
    }
    return _run(
        model=model,
        examples=examples,
        out=out,
        config=replace(config),
        progress=progress,
        meta=meta,
        keep_checkpoint=False,
        tokenizer_json=base / "tokenizer.json",
    )


def reexport(
    folder: Path, *, out: Path | None = None, n_parity: int = 1000
) -> TrainReport:
    """Export a model folder again from its fp32 checkpoint (e.g. after an export change).

    The training configuration and figures are kept; the graph, the parity figure and
    the size are new.

    Args:
        folder: A model folder with ``checkpoint.pt``.
        out: Where to write (default: replace ``folder``).
        n_parity: Validation sentences (freshly generated) to measure parity on.

    Returns:
        A report with the recorded validation figures and the new parity.

    Raises:
        FileNotFoundError: When the folder has no checkpoint.
    """
    from thingmind.nlu import read_model_info  # noqa: PLC0415
    from thingmind.train._data import generate_default  # noqa: PLC0415

    t0 = time.monotonic()
    ckpt = folder / CHECKPOINT
    if not ckpt.is_file():
        msg = f"{folder} has no {CHECKPOINT} to export from"
        raise FileNotFoundError(msg)
    info = read_model_info(folder)
    tiny = TinyEncoderConfig() if info.train_config.get("base") == "tiny" else None
    model = build_model(tiny=tiny)
    load_checkpoint(model, ckpt)
    model.eval()
    encode = make_encoder(str(folder / "tokenizer.json"))
    val = generate_default(n=n_parity, seed=4242)
    target = out or folder
    staging = target.with_name(f".{target.name}.export")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(folder, staging)
    written = write_model_folder(
        model,
        target,
        tokenizer_json=staging / "tokenizer.json",
        train_config={
            k: v
            for k, v in info.train_config.items()
            if k not in {"version", "quantized"}
        }
        | {"version": info.version, "reexported": True},
        metrics=info.metrics,
    )
    shutil.copyfile(staging / CHECKPOINT, written / CHECKPOINT)
    shutil.rmtree(staging, ignore_errors=True)
    par = parity(OnnxTagger(written), model, val, encode)
    metrics = dict(info.metrics)
    metrics["parity_int8_vs_torch"] = round(par, 4)
    (written / "metrics.json").write_text(
        json.dumps(metrics, indent=1), encoding="utf-8"
    )
    from thingmind.train._metrics import score_tags  # noqa: PLC0415

    empty = score_tags([], [])
    return TrainReport(
        folder=written,
        metrics=empty,
        test_metrics=empty,
        parity=par,
        examples={"parity": len(val)},
        steps=0,
        seconds=time.monotonic() - t0,
    )
