"""``thingmind models``: list, deploy, rollback (on fake model folders)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from learning.test_versions import fake_model
from thingmind.cli import app, register
from thingmind.train._versions import ModelRegistry

if TYPE_CHECKING:
    from pathlib import Path

if not any(c.name == "models" for c in app.registered_commands):
    register("thingmind.cli._learning")  # until cli/_app.py lists the module


@pytest.fixture
def runner(tmp_path: Path) -> CliRunner:
    return CliRunner(
        env={
            "COLUMNS": "200",
            "NO_COLOR": "1",
            "THINGMIND_REGISTRY": str(tmp_path / "reg"),
        }
    )


def test_models_list_deploy_rollback(runner: CliRunner, tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "reg")
    reg.add(fake_model(tmp_path / "a", "a-1"), site="home")
    reg.add(fake_model(tmp_path / "b", "b-1"), site="home")
    assert (
        runner.invoke(app, ["models", "deploy", "v1", "--site", "home"]).exit_code == 0
    )
    assert (
        runner.invoke(app, ["models", "deploy", "v2", "--site", "home"]).exit_code == 0
    )
    listed = runner.invoke(app, ["models", "--site", "home"])
    assert listed.exit_code == 0
    assert "v1" in listed.stdout
    assert "v2" in listed.stdout
    assert reg.site("home").current == "v2"
    back = runner.invoke(app, ["models", "rollback", "--site", "home"])
    assert back.exit_code == 0
    assert reg.site("home").current == "v1"
    again = runner.invoke(app, ["models", "rollback", "--site", "home"])
    assert again.exit_code == 1  # nothing earlier: a clean error, no traceback
