"""Natural-language understanding: text in, a typed :class:`ParsedCommand` out.

The run-time path is ONNX Runtime and a fast tokenizer; it never imports torch.
"""

from thingmind.nlu._decode import decode
from thingmind.nlu._runtime import (
    MAX_WORDS,
    MODEL_FORMAT_VERSION,
    ModelInfo,
    OnnxTagger,
    read_model_info,
)
from thingmind.nlu._schema import (
    CLAUSE_TAGS,
    O_TAG,
    SCHEMA_VERSION,
    SLOT_TAGS,
    Clause,
    Intent,
    ParsedCommand,
    Slot,
    Span,
    TaggedExample,
    words_of,
)

__all__ = [
    "CLAUSE_TAGS",
    "MAX_WORDS",
    "MODEL_FORMAT_VERSION",
    "O_TAG",
    "SCHEMA_VERSION",
    "SLOT_TAGS",
    "Clause",
    "Intent",
    "ModelInfo",
    "OnnxTagger",
    "ParsedCommand",
    "Slot",
    "Span",
    "TaggedExample",
    "decode",
    "read_model_info",
    "words_of",
]
