"""``thingmind check``: a valid file, a file with several mistakes, a missing file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import typer
from typer.testing import CliRunner

from thingmind.cli import app
from thingmind.cli._app import EXIT_BAD_INPUT, EXIT_FAILURE, _guard
from thingmind.core import InvalidInputError, Problem, ServiceError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

VALID = """
floors:
  - {id: ground, name: Ground floor}
  - {id: first, name: First floor}
areas:
  - {id: kitchen, name: Kitchen, floor: ground}
  - {id: bedroom, name: Bedroom, floor: first}
  - {id: garden, name: Garden, outdoor: true}
devices:
  - {id: light.kitchen, name: Kitchen light, area: kitchen, type: light}
  - {id: light.bedroom, name: Bedroom light, area: bedroom, type: light}
  - {id: sensor.garden_temperature, name: Garden temperature, area: garden,
     type: sensor, device_class: temperature, state: {value: 12.5, unit: "°C"}}
  - {id: lock.front_door, name: Front door, type: lock}
"""

# Four mistakes on four lines: an unknown floor, a bad id, a value out of range and
# an unknown type.
BROKEN = """
floors:
  - {id: ground, name: Ground floor}
areas:
  - {id: kitchen, name: Kitchen, floor: cellar}
  - {id: Bad Id, name: Hall}
devices:
  - {id: light.kitchen, name: Kitchen light, area: kitchen, type: light,
     state: {"on": true, brightness: 150}}
  - {id: lamp.desk, name: Desk lamp, area: kitchen, type: lamp}
"""
BROKEN_PATHS = ("areas[0].floor", "areas[1].id", "devices[0].state.brightness")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_check_valid_file_summarises_it(runner: CliRunner, tmp_path: Path) -> None:
    home = tmp_path / "home.yaml"
    home.write_text(VALID, encoding="utf-8")

    result = runner.invoke(app, ["check", str(home)])

    assert result.exit_code == 0, result.output
    assert "2 floors, 3 areas, 4 devices" in result.stdout
    for row in ("Ground floor", "First floor", "(no floor)", "light", "sensor", "lock"):
        assert row in result.stdout
    assert result.stderr == ""


def test_check_lists_every_problem_and_exits_2(
    runner: CliRunner, tmp_path: Path
) -> None:
    home = tmp_path / "broken.yaml"
    home.write_text(BROKEN, encoding="utf-8")

    result = runner.invoke(app, ["check", str(home)])

    assert result.exit_code == EXIT_BAD_INPUT
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    problem_lines = [
        line for line in result.stderr.splitlines() if line.startswith(f"  {home}:")
    ]
    assert len(problem_lines) >= 4
    for path in BROKEN_PATHS:
        assert any(f": {path}: " in line for line in problem_lines), path
    # Each problem names its line: the unknown floor is on line 5 of the file.
    assert any(line.startswith(f"  {home}:5: areas[0].floor") for line in problem_lines)
    assert result.stdout == ""


def test_check_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"

    result = runner.invoke(app, ["check", str(missing)])

    assert result.exit_code == EXIT_BAD_INPUT
    assert "Traceback" not in result.output
    assert str(missing) in result.stderr


def _raise_service_error() -> None:
    msg = "the kettle cannot dim"
    raise ServiceError(msg)


def _raise_os_error() -> None:
    msg = "disk full"
    raise OSError(msg)


def _raise_bad_input() -> None:
    problems = [Problem(path="line 3", message="no utterance")]
    source = "cases.jsonl"
    raise InvalidInputError(source, problems)


@pytest.mark.parametrize(
    ("command", "exit_code"),
    [
        (_raise_service_error, EXIT_FAILURE),
        (_raise_os_error, EXIT_FAILURE),
        (_raise_bad_input, EXIT_BAD_INPUT),
    ],
    ids=["thingmind-error", "os-error", "bad-input"],
)
def test_errors_become_exit_codes(command: Callable[[], None], exit_code: int) -> None:
    with pytest.raises(typer.Exit) as info:
        _guard(command)()

    assert info.value.exit_code == exit_code


def test_unexpected_errors_keep_their_traceback() -> None:
    def bug() -> None:
        msg = "a bug"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError):
        _guard(bug)()
