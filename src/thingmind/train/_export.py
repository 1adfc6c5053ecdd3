"""Export a trained tagger as a self-describing model folder for ONNX Runtime."""

from __future__ import annotations

import json
import logging
from pathlib import Path
import shutil
import tempfile
import time
from typing import TYPE_CHECKING, Any
import warnings

import torch
from torch import nn

from thingmind.nlu import (
    CLAUSE_TAGS,
    MODEL_FORMAT_VERSION,
    SCHEMA_VERSION,
    SLOT_TAGS,
    OnnxTagger,
    ParsedCommand,
    TaggedExample,
    decode,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import onnx

    from thingmind.train._finetune import Encoder
    from thingmind.train._model import JointTagger

_LOGGER = logging.getLogger(__name__)


class _Wrapper(nn.Module):
    def __init__(self, model: JointTagger) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model(input_ids, attention_mask)  # type: ignore[no-any-return]


def export_onnx(model: JointTagger, path: Path) -> None:
    """Write the fp32 ONNX graph with dynamic batch and sequence axes."""
    model.eval()
    ids = torch.tensor([[101, 2735, 2125, 1996, 4597, 102]], dtype=torch.long)  # (1, T)
    mask = torch.ones_like(ids)
    batch = torch.export.Dim("batch", min=1, max=64)
    seq = torch.export.Dim("seq", min=2, max=256)
    with warnings.catch_warnings():
        # the exporter's own deprecation noise says nothing about our graph
        warnings.simplefilter("ignore")
        _export(model, ids=ids, mask=mask, batch=batch, seq=seq, path=path)


def _export(
    model: JointTagger,
    *,
    ids: torch.Tensor,
    mask: torch.Tensor,
    batch: Any,
    seq: Any,
    path: Path,
) -> None:
    torch.onnx.export(
        _Wrapper(model).eval(),
        (ids, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["clause_logits", "slot_logits"],
        dynamic_shapes={
            "input_ids": {0: batch, 1: seq},
            "attention_mask": {0: batch, 1: seq},
        },
        dynamo=True,
        external_data=False,
    )


def head_matmuls(graph: onnx.GraphProto) -> list[str]:
    """Names of the MatMul nodes whose results are the graph's outputs (the two heads)."""
    outputs = {o.name for o in graph.output}
    feeds_output = {i for n in graph.node if set(n.output) & outputs for i in n.input}
    return [
        n.name
        for n in graph.node
        if n.op_type in {"MatMul", "Gemm"} and set(n.output) & (feeds_output | outputs)
    ]


def ffn_matmuls(graph: onnx.GraphProto) -> list[str]:
    """Names of the feed-forward MatMuls (weights ``(H, 4H)`` or ``(4H, H)``, not square).

    The heads' weights are not square either; they are left out here.
    """
    shapes = {i.name: tuple(i.dims) for i in graph.initializer}
    heads = set(head_matmuls(graph))
    return [
        n.name
        for n in graph.node
        if n.op_type == "MatMul"
        and n.name not in heads
        and len(shape := shapes.get(n.input[1], ())) == 2
        and shape[0] != shape[1]
    ]


def quantize_int8(src: Path, dst: Path, *, exclude: list[str] | None = None) -> None:
    """Dynamic int8 quantization of the attention weights; feed-forward and heads stay fp32.

    Measured on the default model (600 validation sentences, decisions compared after
    decoding): everything int8 agrees with torch on 98.7 %; keeping the feed-forward
    layers and the heads in fp32, with per-channel scales and 7-bit range, agrees on
    99.7 % at 45 MB and about 3.5 ms a sentence, against 4.8 ms for all fp32.
    Per-channel, because per-tensor scales drift on this encoder (cosine 0.93).

    Args:
        src: The fp32 graph.
        dst: Where to write the quantized graph.
        exclude: More node names to keep in fp32.
    """
    import onnx  # noqa: PLC0415
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    graph = onnx.load(str(src)).graph  # read once: the fp32 graph is ~90 MB
    keep = [*head_matmuls(graph), *ffn_matmuls(graph), *(exclude or [])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(
            str(src),
            str(dst),
            per_channel=True,
            reduce_range=True,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=keep,
        )


def _decisions(parsed: ParsedCommand) -> tuple[object, ...]:
    """What a parse decides: each clause's intent and words, each span's label and words."""
    return tuple(
        (c.intent, c.start, c.end, tuple((sp.slot, sp.start, sp.end) for sp in c.spans))
        for c in parsed.clauses
    )


def parity(
    tagger: OnnxTagger,
    model: JointTagger,
    examples: Sequence[TaggedExample],
    encode: Encoder,
) -> float:
    """Share of sentences on which the exported model decides what torch decides.

    A decision is the decoded parse: the clauses (intent and words) and their spans
    (label and words), which is all the resolver ever sees. Both sides go through the
    same decoder, from torch's and ONNX Runtime's probabilities.

    Args:
        tagger: The exported model.
        model: The torch model it was exported from.
        examples: Sentences to compare on (their labels are not used).
        encode: The word encoder of the model.

    Returns:
        The share, 0-1 (1.0 for no sentences).
    """
    if not examples:
        return 1.0
    model.eval()
    same = 0
    with torch.no_grad():
        for ex in examples:
            words = list(ex.words)
            ids, first = encode(words)
            t = torch.tensor([ids])
            c_logits, s_logits = model(t, torch.ones_like(t))
            c_ref = torch.softmax(c_logits[0, first], -1).numpy()  # (W, C)
            s_ref = torch.softmax(s_logits[0, first], -1).numpy()  # (W, S)
            c_p, s_p = tagger.logits(words)
            text = " ".join(words)
            same += int(
                _decisions(decode(text, words, c_ref, s_ref))
                == _decisions(decode(text, words, c_p, s_p))
            )
    return same / len(examples)


def write_model_folder(
    model: JointTagger,
    out: Path,
    *,
    tokenizer_json: Path,
    train_config: dict[str, Any],
    metrics: dict[str, Any],
    quantize: bool = True,
) -> Path:
    """Export, quantize and write a complete model folder atomically.

    Args:
        model: The trained torch model.
        out: The folder to create (replaced if it exists).
        tokenizer_json: The tokenizer the model was trained with.
        train_config: Recorded as ``train_config.json`` (``version`` is added).
        metrics: Recorded as ``metrics.json``.
        quantize: int8 (the default) or keep fp32.

    Returns:
        The folder.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        fp32 = tmp / "model.fp32.onnx"
        export_onnx(model, fp32)
        if quantize:
            quantize_int8(fp32, tmp / "model.onnx")
            fp32.unlink()
        else:
            fp32.rename(tmp / "model.onnx")
        shutil.copyfile(tokenizer_json, tmp / "tokenizer.json")
        (tmp / "labels.json").write_text(
            json.dumps(
                {
                    "schema_version": SCHEMA_VERSION,
                    "clause_tags": list(CLAUSE_TAGS),
                    "slot_tags": list(SLOT_TAGS),
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        cfg = dict(train_config)
        cfg.setdefault(
            "version", f"{out.name}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}"
        )
        cfg["quantized"] = "int8" if quantize else "fp32"
        (tmp / "train_config.json").write_text(
            json.dumps(cfg, indent=1), encoding="utf-8"
        )
        (tmp / "metrics.json").write_text(
            json.dumps(metrics, indent=1), encoding="utf-8"
        )
        (tmp / "format_version").write_text(
            f"{MODEL_FORMAT_VERSION}\n", encoding="utf-8"
        )
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
