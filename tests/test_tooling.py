"""The developer and CI entry points stay consistent with each other."""

from __future__ import annotations

import os
from pathlib import Path
import re
import shutil
import subprocess
import tomllib

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ["scripts/test", "scripts/check", "scripts/services.sh", ".ci/run"]


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


def _pin(requirements: list[str], name: str) -> str:
    for req in requirements:
        match = re.fullmatch(rf"{re.escape(name)}==(\S+)", req)
        if match:
            return match.group(1)
    msg = f"{name} is not pinned with == in {requirements}"
    raise AssertionError(msg)


@pytest.mark.parametrize("script", SCRIPTS, ids=SCRIPTS)
def test_scripts_are_executable_bash(script: str) -> None:
    path = ROOT / script
    bash = shutil.which("bash")
    assert bash is not None

    assert os.access(path, os.X_OK)
    assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in path.read_text(encoding="utf-8")
    subprocess.run([bash, "-n", str(path)], check=True)  # noqa: S603


def test_ci_runs_make_test() -> None:
    lines = (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()

    assert lines[-1] == "make test"


def test_makefile_has_the_documented_targets() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z-]+):", text, flags=re.MULTILINE))

    assert {"install", "model", "demo", "test", "lint", "fmt", "clean"} <= targets


def test_makefile_torch_pin_matches_the_train_extra() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    train = project["optional-dependencies"]["train"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")

    assert f"TORCH := torch=={_pin(train, 'torch')}\n" in makefile


def test_pre_commit_ruff_matches_the_dev_pin() -> None:
    groups = _pyproject()["dependency-groups"]
    assert isinstance(groups, dict)
    ruff = _pin(groups["dev"], "ruff")
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")

    assert f"rev: v{ruff}" in config
