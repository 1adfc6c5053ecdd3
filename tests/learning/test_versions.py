"""The model registry: versions with metadata, one in service per site, rollback."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

import pytest

from thingmind.core import IncompatibleModelError
from thingmind.nlu import CLAUSE_TAGS, MODEL_FORMAT_VERSION, SCHEMA_VERSION, SLOT_TAGS
from thingmind.train._versions import (
    ModelRegistry,
    NothingToRollBackError,
    UnknownVersionError,
    VersionError,
)

if TYPE_CHECKING:
    from pathlib import Path


def fake_model(folder: Path, label: str) -> Path:
    """A folder that passes ``read_model_info`` (the graph itself is not read)."""
    folder.mkdir(parents=True)
    (folder / "format_version").write_text(f"{MODEL_FORMAT_VERSION}\n")
    (folder / "model.onnx").write_bytes(b"not a graph")
    (folder / "tokenizer.json").write_text("{}")
    (folder / "labels.json").write_text(
        json.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "clause_tags": list(CLAUSE_TAGS),
                "slot_tags": list(SLOT_TAGS),
            }
        )
    )
    (folder / "train_config.json").write_text(
        json.dumps({"version": label, "kind": "retrain", "parent": "default"})
    )
    (folder / "metrics.json").write_text(
        json.dumps(
            {
                "validation": {"sentence_accuracy": 0.9},
                "examples": {"train": 80, "validation": 10},
            }
        )
    )
    return folder


def test_add_keeps_metadata(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "reg")
    v = reg.add(fake_model(tmp_path / "m", "m-1"), site="home")
    assert (v.id, v.site, v.kind, v.parent, v.label) == (
        "v1",
        "home",
        "retrain",
        "default",
        "m-1",
    )
    again = reg.get("v1")
    assert again.data == {"examples": {"train": 80, "validation": 10}}
    assert again.figures["validation"] == {"sentence_accuracy": 0.9}
    assert not (tmp_path / "m").exists()  # moved in
    assert reg.current("home") is None


def test_versions_are_numbered_and_filtered_by_site(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "reg")
    for i, site in enumerate(("home", "flat", "home")):
        reg.add(fake_model(tmp_path / f"m{i}", f"m-{i}"), site=site)
    assert [v.id for v in reg.versions()] == ["v1", "v2", "v3"]
    assert [v.id for v in reg.versions("home")] == ["v1", "v3"]


def test_deploy_and_rollback(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "reg")
    for i in range(3):
        reg.add(fake_model(tmp_path / f"m{i}", f"m-{i}"), site="home")
    reg.deploy("home", "v1")
    reg.deploy("home", "v2")
    reg.deploy("home", "v3")
    assert reg.site("home").history == ("v1", "v2")
    assert reg.current_path("home") == reg.get("v3").path
    assert reg.rollback("home").id == "v2"
    assert reg.rollback("home").id == "v1"
    with pytest.raises(NothingToRollBackError):
        reg.rollback("home")
    assert reg.site("home").current == "v1"


def test_unknown_version_and_bad_site(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "reg")
    with pytest.raises(UnknownVersionError):
        reg.deploy("home", "v9")
    with pytest.raises(VersionError):
        reg.add(fake_model(tmp_path / "m", "m"), site="../etc")


def test_incompatible_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(IncompatibleModelError):
        ModelRegistry(tmp_path / "reg").add(tmp_path / "empty", site="home")


def test_half_written_version_is_not_listed(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "reg")
    reg.add(fake_model(tmp_path / "m", "m"), site="home")
    (tmp_path / "reg" / "versions" / "v2").mkdir()  # claimed, never finished
    assert [v.id for v in reg.versions()] == ["v1"]
    assert reg.add(fake_model(tmp_path / "n", "n"), site="home").id == "v3"


def test_concurrent_adds_get_distinct_ids(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "reg")
    folders = [fake_model(tmp_path / f"m{i}", f"m{i}") for i in range(8)]
    ids: list[str] = []
    lock = threading.Lock()

    def add(folder: Path) -> None:
        v = reg.add(folder, site="home")
        with lock:
            ids.append(v.id)

    threads = [threading.Thread(target=add, args=(f,)) for f in folders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ids, key=lambda s: int(s[1:])) == [f"v{i}" for i in range(1, 9)]
