"""Training: data generation from a site, fine-tuning, evaluation and ONNX export.

Only this package imports torch and transformers; nothing at run time imports it.
"""

from thingmind.train._data import (
    HOMES_DIR,
    augment,
    generate,
    generate_default,
    generic_homes,
    random_home,
    read_jsonl,
    split,
    write_jsonl,
)
from thingmind.train._export import parity, write_model_folder
from thingmind.train._finetune import (
    FinetuneConfig,
    FinetuneResult,
    Progress,
    evaluate,
    finetune,
    make_encoder,
    predict_tags,
)
from thingmind.train._metrics import PRF, TaggerMetrics, score_tags
from thingmind.train._model import (
    Freeze,
    JointTagger,
    TinyEncoderConfig,
    base_encoder_path,
    build_model,
)
from thingmind.train._pipeline import CHECKPOINT, TrainReport, adapt, train_default

__all__ = [
    "CHECKPOINT",
    "HOMES_DIR",
    "PRF",
    "FinetuneConfig",
    "FinetuneResult",
    "Freeze",
    "JointTagger",
    "Progress",
    "TaggerMetrics",
    "TinyEncoderConfig",
    "TrainReport",
    "adapt",
    "augment",
    "base_encoder_path",
    "build_model",
    "evaluate",
    "finetune",
    "generate",
    "generate_default",
    "generic_homes",
    "make_encoder",
    "parity",
    "predict_tags",
    "random_home",
    "read_jsonl",
    "score_tags",
    "split",
    "train_default",
    "write_jsonl",
    "write_model_folder",
]
