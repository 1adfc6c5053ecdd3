"""``thingmind state``: the device table of a scenario, a home file, and a short watch."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from thingmind.cli import app
from thingmind.cli._state import format_state
from thingmind.sim import load_scenario

if TYPE_CHECKING:
    from pathlib import Path

    from thingmind.core import StateValue

HOME = """
areas:
  - {id: kitchen, name: Kitchen}
devices:
  - {id: light.kitchen, name: Kitchen light, area: kitchen, type: light,
     state: {"on": true, brightness: 40}}
  - {id: lock.front_door, name: Front door, type: lock}
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.mark.parametrize(
    ("scenario", "devices"),
    [
        ("home", ("Living room ceiling light", "Freezer temperature")),
        ("factory", ()),
        ("ward", ()),
    ],
    ids=["home", "factory", "ward"],
)
def test_state_prints_the_scenario_table(
    runner: CliRunner, scenario: str, devices: tuple[str, ...]
) -> None:
    result = runner.invoke(app, ["state", "--scenario", scenario])

    assert result.exit_code == 0, result.output
    pack = load_scenario(scenario)
    for device in pack.home.devices:
        assert device.name in result.stdout
    for name in devices:
        assert name in result.stdout


def test_state_of_a_home_file(runner: CliRunner, tmp_path: Path) -> None:
    home = tmp_path / "home.yaml"
    home.write_text(HOME, encoding="utf-8")

    result = runner.invoke(app, ["state", "--home", str(home)])

    assert result.exit_code == 0, result.output
    assert "Kitchen light" in result.stdout
    assert "on, brightness 40" in result.stdout
    assert "(no area)" in result.stdout


def test_state_watch_runs_the_simulator_briefly(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [
            "state",
            "--scenario",
            "home",
            "--watch",
            "--speed",
            "3600",
            "--duration",
            "0.6",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "Living room ceiling light" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["state", "--home", "x.yaml", "--scenario", "home"],
        ["state", "--home", "x.yaml", "--watch"],
        ["state", "--scenario", "mars"],
        ["state", "--watch", "--speed", "0"],
    ],
    ids=["home-and-scenario", "watch-a-file", "unknown-scenario", "zero-speed"],
)
def test_state_rejects_bad_options(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args)

    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ({"on": True, "brightness": 40}, "on, brightness 40"),
        ({"on": False}, "off"),
        ({"value": 18.456, "unit": "°C"}, "18.46 °C"),
        ({"value": None, "unit": "W"}, "- W"),
        ({"open": True, "position": 100}, "open yes, position 100"),
        ({"hvac_mode": "heat"}, "hvac_mode heat"),
    ],
    ids=["light", "off", "reading", "no-reading", "cover", "text"],
)
def test_format_state(state: dict[str, StateValue], text: str) -> None:
    assert format_state(state) == text
