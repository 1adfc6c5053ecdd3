"""Fixtures of the learning tests: the tiny site, and a tiny model with a checkpoint.

``tiny_model_dir`` (tests/conftest.py) has no torch checkpoint, and a retrain continues
from one, so these tests train their own tiny base once per session (about a minute on
two cores). ``THINGMIND_TEST_BASE`` names a folder trained before, to iterate quickly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from thingmind.registry import Home, parse_home
from tiny_site import HOME_YAML

BASE_STEPS = 400
"""Steps of the tiny base model."""


@pytest.fixture
def site_home() -> Home:
    """The tiny site of the end-to-end tests (tests/tiny_site.py)."""
    return parse_home(HOME_YAML, source="tiny-site")


def train_base(out: Path) -> Path:
    """Train a tiny model on the tiny site and keep its checkpoint.

    Args:
        out: The model folder to write.

    Returns:
        The folder.
    """
    import torch  # noqa: PLC0415

    from thingmind.train import (  # noqa: PLC0415
        CHECKPOINT,
        FinetuneConfig,
        TinyEncoderConfig,
        base_encoder_path,
        build_model,
        finetune,
        make_encoder,
        write_model_folder,
    )
    from thingmind.train._data import generate, split  # noqa: PLC0415

    home = parse_home(HOME_YAML, source="tiny-site")
    examples = generate(home, n=1500, seed=0, include_generic=False)
    train, val, _ = split(examples, seed=0)
    tok = base_encoder_path() / "tokenizer.json"
    shape = TinyEncoderConfig(hidden_size=64, layers=2, heads=2)
    model = build_model(tiny=shape)
    result = finetune(
        model,
        train,
        val[:200],
        encode=make_encoder(str(tok)),
        config=FinetuneConfig(
            epochs=20,
            max_steps=BASE_STEPS,
            eval_every=200,
            lr=3e-3,
            head_lr=1e-2,
            dropout=0.0,
            threads=1,
        ),
    )
    folder = write_model_folder(
        result.model,
        out,
        tokenizer_json=tok,
        train_config={
            "base": "tiny",
            "kind": "site",
            "tiny": {"hidden_size": 64, "layers": 2, "heads": 2},
        },
        metrics={"validation": result.metrics.as_dict()},
    )
    torch.save(result.model.state_dict(), folder / CHECKPOINT)
    return folder


@pytest.fixture(scope="session")
def base_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model of the tiny site, with its checkpoint, once per session."""
    reuse = os.environ.get("THINGMIND_TEST_BASE")
    if reuse and (Path(reuse) / "checkpoint.pt").is_file():
        return Path(reuse)
    pytest.importorskip("torch", reason="the training stack ([train] extra) is missing")
    return train_base(tmp_path_factory.mktemp("learning-base") / "base")
