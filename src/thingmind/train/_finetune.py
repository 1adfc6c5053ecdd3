"""Fine-tuning the joint tagger: AdamW, warm-up and linear decay, early stopping.

Run through the command line, e.g.::

    thingmind train --default            # the default model, from generic homes
    thingmind train --home home.yaml     # adapt the default model to one site
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import copy
from dataclasses import asdict, dataclass, field
import logging
import math
import random
import time
from typing import Any, Protocol

import torch
from torch import nn

from thingmind.nlu import CLAUSE_TAGS, SLOT_TAGS, TaggedExample
from thingmind.train._metrics import TaggerMetrics, score_tags
from thingmind.train._model import IGNORE, Freeze, JointTagger, apply_freeze

_LOGGER = logging.getLogger(__name__)

_CLAUSE_ID = {t: i for i, t in enumerate(CLAUSE_TAGS)}
_SLOT_ID = {t: i for i, t in enumerate(SLOT_TAGS)}


@dataclass(frozen=True, slots=True, kw_only=True)
class FinetuneConfig:
    """How to fine-tune."""

    epochs: float = field(
        default=2.0, metadata={"help": "passes over the training set"}
    )
    batch_size: int = field(default=32, metadata={"help": "sentences per step"})
    lr: float = field(
        default=5e-5, metadata={"help": "peak learning rate of the encoder"}
    )
    head_lr: float = field(
        default=1e-3, metadata={"help": "learning rate of the two heads"}
    )
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    warmup: float = field(
        default=0.06, metadata={"help": "share of steps spent warming up"}
    )
    dropout: float = field(default=0.1, metadata={"help": "dropout before the heads"})
    freeze: Freeze = field(
        default=Freeze.NONE, metadata={"help": "none, lower or encoder"}
    )
    lora_rank: int = field(
        default=0, metadata={"help": "LoRA rank; 0 trains weights in full"}
    )
    eval_every: int = field(default=200, metadata={"help": "steps between validations"})
    patience: int = field(
        default=4, metadata={"help": "validations without gain before stopping"}
    )
    max_minutes: float = field(
        default=0.0, metadata={"help": "wall-clock cap; 0 for none"}
    )
    max_steps: int = field(default=0, metadata={"help": "step cap; 0 for none"})
    seed: int = field(default=0, metadata={"help": "random seed"})
    threads: int = field(default=0, metadata={"help": "torch threads; 0 for all cores"})

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able copy."""
        d = asdict(self)
        d["freeze"] = self.freeze.value
        return d


class Progress(Protocol):
    """Receives training progress; the command line shows it as a rich progress bar."""

    def start(self, total_steps: int) -> None:
        """Training starts with at most this many steps."""

    def step(self, step: int, loss: float) -> None:
        """One optimisation step is done."""

    def validated(self, step: int, metrics: TaggerMetrics, *, best: bool) -> None:
        """A validation pass is done."""


class _Silent:
    def start(self, total_steps: int) -> None:
        pass

    def step(self, step: int, loss: float) -> None:
        pass

    def validated(self, step: int, metrics: TaggerMetrics, *, best: bool) -> None:
        pass


@dataclass(frozen=True, slots=True, kw_only=True)
class FinetuneResult:
    """What a fine-tuning run produced."""

    model: JointTagger
    """The best model (by validation sentence accuracy), in eval mode, LoRA merged."""
    metrics: TaggerMetrics
    """Its validation figures."""
    steps: int
    """Optimisation steps taken."""
    seconds: float
    """Wall time of the run."""
    stopped_early: bool
    """True when patience ran out before the planned steps."""


Encoder = Callable[[list[str]], tuple[list[int], list[int]]]
"""Tokenize words: returns (token ids with [CLS]/[SEP], index of each word's first piece)."""


def make_encoder(tokenizer_json: str) -> Encoder:
    """Return a word encoder built on the same fast tokenizer the runtime uses."""
    from tokenizers import Tokenizer  # noqa: PLC0415

    tok = Tokenizer.from_file(tokenizer_json)
    tok.no_padding()
    tok.no_truncation()

    def encode(words: list[str]) -> tuple[list[int], list[int]]:
        enc = tok.encode(words, is_pretokenized=True)
        first: list[int] = []
        seen: set[int] = set()
        for t, w in enumerate(enc.word_ids):
            if w is not None and w not in seen:
                seen.add(w)
                first.append(t)
        return list(enc.ids), first

    return encode


@dataclass(slots=True)
class _Encoded:
    ids: list[int]
    clause: list[int]
    slot: list[int]
    first: list[int]


def _encode_all(examples: Sequence[TaggedExample], encode: Encoder) -> list[_Encoded]:
    out = []
    for ex in examples:
        ids, first = encode(list(ex.words))
        clause = [IGNORE] * len(ids)
        slot = [IGNORE] * len(ids)
        for w, t in enumerate(first):
            clause[t] = _CLAUSE_ID[ex.clause_tags[w]]
            slot[t] = _SLOT_ID[ex.slot_tags[w]]
        out.append(_Encoded(ids, clause, slot, first))
    return out


def _batches(
    data: list[_Encoded], batch_size: int, rng: random.Random | None
) -> list[list[_Encoded]]:
    """Bucket by length (less padding), then shuffle the buckets when training."""
    order = sorted(range(len(data)), key=lambda i: len(data[i].ids))
    if rng is not None:
        # shuffle within windows of similar length, then shuffle the batches
        win = batch_size * 50
        for s in range(0, len(order), win):
            chunk = order[s : s + win]
            rng.shuffle(chunk)
            order[s : s + win] = sorted(chunk, key=lambda i: len(data[i].ids))
    batches = [
        [data[i] for i in order[s : s + batch_size]]
        for s in range(0, len(order), batch_size)
    ]
    if rng is not None:
        rng.shuffle(batches)
    return batches


def _collate(batch: list[_Encoded]) -> tuple[torch.Tensor, ...]:
    t = max(len(e.ids) for e in batch)
    ids = torch.zeros((len(batch), t), dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(batch), t), dtype=torch.long)
    clause = torch.full((len(batch), t), IGNORE, dtype=torch.long)
    slot = torch.full((len(batch), t), IGNORE, dtype=torch.long)
    for b, e in enumerate(batch):
        n = len(e.ids)
        ids[b, :n] = torch.tensor(e.ids)
        mask[b, :n] = 1
        clause[b, :n] = torch.tensor(e.clause)
        slot[b, :n] = torch.tensor(e.slot)
    return ids, mask, clause, slot


@torch.no_grad()
def predict_tags(
    model: JointTagger,
    examples: Sequence[TaggedExample],
    encode: Encoder,
    *,
    batch_size: int = 64,
) -> list[tuple[list[str], list[str]]]:
    """Tag sentences with a torch model; returns (clause tags, slot tags) per sentence."""
    model.eval()
    enc = _encode_all(examples, encode)
    out: list[tuple[list[str], list[str]] | None] = [None] * len(enc)
    index = {id(e): i for i, e in enumerate(enc)}
    for batch in _batches(enc, batch_size, None):
        ids, mask, _, _ = _collate(batch)
        c_logits, s_logits = model(ids, mask)
        c_best = c_logits.argmax(-1)  # (B, T)
        s_best = s_logits.argmax(-1)
        for b, e in enumerate(batch):
            ct = [CLAUSE_TAGS[int(c_best[b, t])] for t in e.first]
            st = [SLOT_TAGS[int(s_best[b, t])] for t in e.first]
            out[index[id(e)]] = (ct, st)
    return [o for o in out if o is not None]


def evaluate(
    model: JointTagger, examples: Sequence[TaggedExample], encode: Encoder
) -> TaggerMetrics:
    """Score a torch model on labelled sentences."""
    pred = predict_tags(model, examples, encode)
    gold = [(list(e.clause_tags), list(e.slot_tags)) for e in examples]
    return score_tags(gold, pred)


def _with_lora(model: JointTagger, rank: int) -> JointTagger:
    from peft import LoraConfig, get_peft_model  # noqa: PLC0415

    cfg = LoraConfig(
        r=rank,
        lora_alpha=2 * rank,
        lora_dropout=0.1,
        target_modules=["query", "key", "value", "dense"],
    )
    model.encoder = get_peft_model(model.encoder, cfg)
    return model


def _merge_lora(model: JointTagger) -> JointTagger:
    enc: Any = model.encoder
    if hasattr(enc, "merge_and_unload"):
        model.encoder = enc.merge_and_unload()
    return model


def finetune(
    model: JointTagger,
    train: Sequence[TaggedExample],
    val: Sequence[TaggedExample],
    *,
    encode: Encoder,
    config: FinetuneConfig,
    progress: Progress | None = None,
) -> FinetuneResult:
    """Fine-tune a tagger and keep the best checkpoint by validation sentence accuracy.

    Args:
        model: The model to train (modified in place).
        train: Training sentences.
        val: Validation sentences for early stopping and the final figures.
        encode: The word encoder (:func:`make_encoder`).
        config: Hyper-parameters.
        progress: Receives progress; silent when None.

    Returns:
        The best model and its figures.
    """
    progress = progress or _Silent()
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    t0 = time.monotonic()

    apply_freeze(model, config.freeze)
    if config.lora_rank > 0:
        model = _with_lora(model, config.lora_rank)
    model.dropout.p = config.dropout

    data = _encode_all(train, encode)
    steps_per_epoch = math.ceil(len(data) / config.batch_size)
    total = max(1, int(steps_per_epoch * config.epochs))
    if config.max_steps:
        total = min(total, config.max_steps)

    head_params = [*model.clause_head.parameters(), *model.slot_head.parameters()]
    head_ids = {id(p) for p in head_params}
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for name, p in model.named_parameters():
        if not p.requires_grad or id(p) in head_ids:
            continue
        (no_decay if p.ndim < 2 or "LayerNorm" in name else decay).append(p)
    optim = torch.optim.AdamW(
        [
            {"params": decay, "lr": config.lr, "weight_decay": config.weight_decay},
            {"params": no_decay, "lr": config.lr, "weight_decay": 0.0},
            {
                "params": head_params,
                "lr": config.head_lr,
                "weight_decay": config.weight_decay,
            },
        ]
    )
    warm = max(1, int(total * config.warmup))

    def lr_factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(optim, lr_factor)
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)

    progress.start(total)
    best_acc = -1.0
    best_state: dict[str, torch.Tensor] | None = None
    best_metrics: TaggerMetrics | None = None
    bad = 0
    step = 0
    stopped = False
    while step < total and not stopped:
        for batch in _batches(data, config.batch_size, rng):
            model.train()
            ids, mask, clause, slot = _collate(batch)
            c_logits, s_logits = model(ids, mask)  # (B, T, C), (B, T, S)
            loss = loss_fn(
                c_logits.reshape(-1, c_logits.shape[-1]), clause.reshape(-1)
            ) + loss_fn(s_logits.reshape(-1, s_logits.shape[-1]), slot.reshape(-1))
            optim.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            sched.step()
            step += 1
            progress.step(step, float(loss.detach()))
            out_of_time = (
                config.max_minutes and (time.monotonic() - t0) > config.max_minutes * 60
            )
            if step % config.eval_every == 0 or step >= total or out_of_time:
                m = evaluate(model, val, encode)
                better = m.sentence_accuracy > best_acc
                if better:
                    best_acc = m.sentence_accuracy
                    best_metrics = m
                    best_state = copy.deepcopy(model.state_dict())
                    bad = 0
                else:
                    bad += 1
                progress.validated(step, m, best=better)
                if bad >= config.patience or out_of_time:
                    stopped = True
            if step >= total or stopped:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model = _merge_lora(model)
    model.eval()
    metrics = best_metrics or evaluate(model, val, encode)
    return FinetuneResult(
        model=model,
        metrics=metrics,
        steps=step,
        seconds=time.monotonic() - t0,
        stopped_early=stopped and step < total,
    )
