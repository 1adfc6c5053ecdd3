"""``thingmind sim``: a scenario run, its events on the bus and in a SQLite store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from thingmind.cli import app
from thingmind.core import EventKind
from thingmind.store import open_store

if TYPE_CHECKING:
    from pathlib import Path

START = 1_705_276_800.0  # Monday 2024-01-15 00:00 UTC, the default start


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_sim_stores_its_events(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "events.db"

    result = runner.invoke(
        app, ["sim", "home", "--hours", "1", "--fast", "--db", str(db)]
    )

    assert result.exit_code == 0, result.output
    with open_store(f"sqlite:///{db}") as store:
        count = store.count_events()
        events = store.events(start=START, end=START + 3600.0 + 1)
        labels = store.events(
            start=START, end=START + 3601.0, kinds=[EventKind.ANOMALY_LABEL]
        )
    assert count > 100
    assert len(events) == count
    assert {e.kind for e in events} <= {
        EventKind.STATE_CHANGED,
        EventKind.ANOMALY_LABEL,
    }
    assert all(START <= e.time <= START + 3600.0 for e in events)
    assert labels  # the default run injects anomalies within the hour
    assert f"{count} events" in result.stdout


def test_sim_is_reproducible(runner: CliRunner, tmp_path: Path) -> None:
    counts = []
    for name in ("a.db", "b.db"):
        db = tmp_path / name
        args = ["sim", "factory", "--hours", "0.5", "--fast", "--seed", "7"]
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
        with open_store(f"sqlite:///{db}") as store:
            counts.append(store.count_events())

    assert counts[0] == counts[1] > 0


def test_sim_paced_without_a_store(runner: CliRunner) -> None:
    # 0.05 h = 180 simulated seconds at 2000x: about 0.1 s of wall time.
    result = runner.invoke(
        app, ["sim", "ward", "--hours", "0.05", "--speed", "2000", "--anomalies", "0"]
    )

    assert result.exit_code == 0, result.output
    assert "anomalies: 0 injected" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["sim", "mars"],
        ["sim", "home", "--hours", "0"],
        ["sim", "home", "--speed", "-1"],
        ["sim", "home", "--start", "yesterday"],
        ["sim", "home", "--start", "1969-12-31"],
    ],
    ids=[
        "unknown-scenario",
        "zero-hours",
        "negative-speed",
        "bad-start",
        "before-1970",
    ],
)
def test_sim_rejects_bad_options(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args)

    assert result.exit_code == 2
    assert "Traceback" not in result.output
