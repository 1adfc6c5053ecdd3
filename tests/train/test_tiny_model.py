"""A tiny encoder trains for a few CPU steps, exports to int8 ONNX, and parses as torch does."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from typing import TYPE_CHECKING

from thingmind.core import IncompatibleModelError
from thingmind.nlu import Intent, OnnxTagger, Slot, TaggedExample, read_model_info
from thingmind.train import (
    FinetuneConfig,
    FinetuneResult,
    TinyEncoderConfig,
    base_encoder_path,
    build_model,
    finetune,
    make_encoder,
    parity,
    write_model_folder,
)

if TYPE_CHECKING:
    from pathlib import Path

    from thingmind.train._finetune import Encoder

pytestmark = [pytest.mark.ml, pytest.mark.slow]


def _ex(words: str, clause: str, slot: str) -> TaggedExample:
    return TaggedExample(
        words=tuple(words.split()),
        clause_tags=tuple(clause.split()),
        slot_tags=tuple(slot.split()),
    )


_DATA = [
    _ex(
        f"turn {verb} the {name}",
        f"B-turn_{verb} I-turn_{verb} I-turn_{verb} "
        + " ".join([f"I-turn_{verb}"] * len(name.split())),
        "O O O B-target" + " I-target" * (len(name.split()) - 1),
    )
    for verb in ("on", "off")
    for name in ("lamp", "kitchen light", "fan", "big light", "porch light")
] + [
    _ex("tell me a joke", "O O O O", "O O O O"),
    _ex("what is the weather", "O O O O", "O O O O"),
]


@pytest.fixture(scope="module")
def trained(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, tuple[FinetuneResult, Encoder]]:
    tok = base_encoder_path() / "tokenizer.json"
    encode = make_encoder(str(tok))
    model = build_model(tiny=TinyEncoderConfig(hidden_size=32, layers=2, heads=2))
    result = finetune(
        model,
        _DATA * 8,
        _DATA,
        encode=encode,
        config=FinetuneConfig(
            epochs=1000,
            max_steps=300,
            eval_every=50,
            lr=5e-3,
            head_lr=1e-2,
            patience=10,
            warmup=0.05,
            dropout=0.0,
        ),
    )
    folder = write_model_folder(
        result.model,
        tmp_path_factory.mktemp("model") / "tiny",
        tokenizer_json=tok,
        train_config={"base": "tiny"},
        metrics=result.metrics.as_dict(),
    )
    return folder, (result, encode)


def test_tiny_model_learns_and_exports(
    trained: tuple[Path, tuple[FinetuneResult, Encoder]],
) -> None:
    folder, (result, encode) = trained
    tagger = OnnxTagger(folder)
    parsed = tagger.parse("turn off the kitchen light")
    assert [c.intent for c in parsed.clauses] == [Intent.TURN_OFF]
    assert [(s.slot, s.text) for s in parsed.clauses[0].spans] == [
        (Slot.TARGET, "kitchen light")
    ]
    assert tagger.parse("tell me a joke").clauses == ()
    assert parity(tagger, result.model, _DATA, encode) >= 0.99


def test_model_folder_describes_itself(
    trained: tuple[Path, tuple[FinetuneResult, Encoder]],
) -> None:
    folder, _ = trained
    for name in (
        "model.onnx",
        "tokenizer.json",
        "labels.json",
        "train_config.json",
        "metrics.json",
    ):
        assert (folder / name).is_file()
    assert read_model_info(folder).train_config["quantized"] == "int8"


def test_other_format_version_is_refused(
    trained: tuple[Path, tuple[FinetuneResult, Encoder]], tmp_path: Path
) -> None:
    folder, _ = trained
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    (copy / "format_version").write_text("99\n")
    with pytest.raises(IncompatibleModelError):
        OnnxTagger(copy)


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IncompatibleModelError):
        read_model_info(tmp_path)
