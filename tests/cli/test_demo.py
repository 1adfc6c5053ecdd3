"""``thingmind demo`` runs the home scenario in-process and stores what happens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.testing import CliRunner

from thingmind.cli import app
from thingmind.store import SqliteStore

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_demo_runs_the_site_and_stores_its_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THINGMIND_CACHE", str(tmp_path / "cache"))  # no model built
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--duration",
            "2",
            "--speed",
            "3000",
            "--db",
            str(db),
            "--say",
            "hello",
            "--port",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "thingmind train --default" in result.output  # says how to get understanding
    with SqliteStore(db) as store:
        assert store.count_events() > 0
