"""The run-time tagger: an exported model folder run by ONNX Runtime, no torch.

A model folder holds::

    format_version      the folder format (an integer, see MODEL_FORMAT_VERSION)
    model.onnx          the int8 graph: (input_ids, attention_mask) -> clause/slot logits
    tokenizer.json      the fast tokenizer of the encoder
    labels.json         schema version, clause tags and slot tags, in logit order
    train_config.json   how it was trained
    metrics.json        validation figures at export time
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import logging
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from thingmind.core import IncompatibleModelError
from thingmind.nlu._decode import decode
from thingmind.nlu._schema import (
    CLAUSE_TAGS,
    SCHEMA_VERSION,
    SLOT_TAGS,
    ParsedCommand,
    words_of,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

_LOGGER = logging.getLogger(__name__)

MODEL_FORMAT_VERSION = 1
"""The model folder format this version reads and writes."""
MAX_WORDS = 64
"""Longer sentences are cut; a command to a home is never this long."""
MAX_CHARS = 512
"""Longer inputs are cut before splitting into words (oversized input is not an attack surface)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelInfo:
    """What a model folder says about itself."""

    path: Path
    """The folder."""
    version: str
    """A label for reports and the audit trail (folder name plus training time)."""
    train_config: dict[str, Any]
    """The training configuration, as written by ``thingmind.train``."""
    metrics: dict[str, Any]
    """Validation figures recorded at export."""


def read_model_info(path: str | Path) -> ModelInfo:
    """Read and check a model folder's metadata without loading the graph.

    Args:
        path: The model folder.

    Returns:
        Its metadata.

    Raises:
        IncompatibleModelError: When the folder is missing files, or was written in
            another format or label schema.
    """
    folder = Path(path)
    fv_file = folder / "format_version"
    if not fv_file.is_file():
        msg = f"{folder} is not a thingmind model folder (no format_version file)"
        raise IncompatibleModelError(msg)
    try:
        found = int(fv_file.read_text(encoding="utf-8").strip())
    except ValueError as err:
        msg = f"{fv_file}: format_version is not an integer"
        raise IncompatibleModelError(msg) from err
    if found != MODEL_FORMAT_VERSION:
        msg = (
            f"{folder} has model format {found}, this thingmind reads format "
            f"{MODEL_FORMAT_VERSION}; retrain it with `thingmind train`"
        )
        raise IncompatibleModelError(msg)
    for name in ("model.onnx", "tokenizer.json", "labels.json"):
        if not (folder / name).is_file():
            msg = f"{folder} is missing {name}"
            raise IncompatibleModelError(msg)
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    if (
        labels.get("schema_version") != SCHEMA_VERSION
        or tuple(labels.get("clause_tags", ())) != CLAUSE_TAGS
        or tuple(labels.get("slot_tags", ())) != SLOT_TAGS
    ):
        msg = (
            f"{folder} was trained on label schema {labels.get('schema_version')}, "
            f"this thingmind uses schema {SCHEMA_VERSION}; retrain it"
        )
        raise IncompatibleModelError(msg)

    def _json(name: str) -> dict[str, Any]:
        p = folder / name
        return dict(json.loads(p.read_text(encoding="utf-8"))) if p.is_file() else {}

    train_config = _json("train_config.json")
    metrics = _json("metrics.json")
    version = str(train_config.get("version") or folder.name)
    return ModelInfo(
        path=folder, version=version, train_config=train_config, metrics=metrics
    )


def _softmax(x: NDArray[np.float32]) -> NDArray[np.float32]:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    out: NDArray[np.float32] = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out


class OnnxTagger:
    """Parses sentences with an exported model; thread-safe for concurrent calls."""

    def __init__(self, path: str | Path, *, threads: int | None = None) -> None:
        """Load a model folder.

        Args:
            path: The model folder.
            threads: Intra-op threads for ONNX Runtime. Default 1: a sentence is a few
                dozen tokens, too small to pay for thread hand-offs, and one thread
                keeps latency steady when the CPU is busy with other work.

        Raises:
            IncompatibleModelError: When the folder is not in this version's format.
        """
        import onnxruntime as ort  # noqa: PLC0415  (slow import, only when a model is loaded)
        from tokenizers import Tokenizer  # noqa: PLC0415

        self.info = read_model_info(path)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or 1
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(self.info.path / "model.onnx"),
            sess_options=opts,
            providers=["CPUExecutionProvider"],
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(self.info.path / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()

    @property
    def version(self) -> str:
        """The model's version label."""
        return self.info.version

    def encode_words(self, words: list[str]) -> tuple[NDArray[np.int64], list[int]]:
        """Tokenize words; return ids ``(1, T)`` and the token index of each word's first piece."""
        enc = self._tokenizer.encode(words, is_pretokenized=True)
        ids = np.asarray([enc.ids], dtype=np.int64)  # (1, T)
        first: list[int] = []
        seen: set[int] = set()
        for t, w in enumerate(enc.word_ids):
            if w is not None and w not in seen:
                seen.add(w)
                first.append(t)
        return ids, first

    def logits(
        self, words: list[str]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Run the graph; return per-word clause and slot probabilities ``(W, C)``, ``(W, S)``."""
        ids, first = self.encode_words(words)
        feed: dict[str, NDArray[np.int64]] = {"input_ids": ids}
        if "attention_mask" in self._inputs:
            feed["attention_mask"] = np.ones_like(ids)
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        clause_logits, slot_logits = self._session.run(
            None, feed
        )  # (1, T, C), (1, T, S)
        return _softmax(clause_logits[0, first]), _softmax(slot_logits[0, first])

    def parse(self, text: str) -> ParsedCommand:
        """Understand one sentence.

        Args:
            text: What the person said or typed.

        Returns:
            The parsed command (no clauses when nothing was asked of the site).
        """
        t0 = time.perf_counter()
        clipped = text[:MAX_CHARS]
        spans = words_of(clipped)[:MAX_WORDS]
        words = [w for w, _, _ in spans]
        if not words:
            return decode(
                text,
                [],
                np.zeros((0, len(CLAUSE_TAGS)), np.float32),
                np.zeros((0, len(SLOT_TAGS)), np.float32),
                model_version=self.version,
            )
        clause_p, slot_p = self.logits(words)
        parsed = decode(text, words, clause_p, slot_p, model_version=self.version)
        _LOGGER.debug("parsed %r in %.2f ms", text, (time.perf_counter() - t0) * 1000)
        return parsed
