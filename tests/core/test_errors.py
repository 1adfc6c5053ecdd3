"""The shared error types."""

from __future__ import annotations

from thingmind.core import HomeFileError, Problem, ThingmindError


def test_problem_str_names_path_and_line() -> None:
    assert str(
        Problem(
            path="devices[3].state.brightness", message="150 is outside 0-100", line=12
        )
    ) == ("devices[3].state.brightness (line 12): 150 is outside 0-100")


def test_home_file_error_lists_every_problem() -> None:
    problems = [Problem(path="a", message="x"), Problem(path="b", message="y", line=2)]
    err = HomeFileError("home.yaml", problems)
    assert isinstance(err, ThingmindError)
    assert err.problems == tuple(problems)
    assert str(err).splitlines()[0] == "home.yaml: 2 problems"
