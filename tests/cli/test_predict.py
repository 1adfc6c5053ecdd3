"""``thingmind predict`` end to end: a home file and cases in, one prediction per case out.

The tiny model of ``tiny_site`` (trained once per session) is served as the default
model, so the whole public path runs: generator -> fine-tuning -> int8 export ->
runtime -> resolver -> devices.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")

from thingmind.cli import app
from tiny_site import HOME_YAML

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.ml, pytest.mark.slow]

CASES: list[dict[str, Any]] = [
    {"id": "on", "utterance": "turn on the reading lamp", "context": {"area": None}},
    {"id": "joke", "utterance": "tell me a joke", "context": {"area": None}},
    {"id": "lock", "utterance": "unlock the front door", "context": {"area": None}},
    {
        "id": "setup",
        "utterance": "turn off the lights",
        "context": {"area": "kitchen"},
        "setup": [{"device": "light.kitchen_ceiling", "set": {"brightness": 40}}],
    },
]


def _run(
    tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    home = tmp_path / "home.yaml"
    home.write_text(HOME_YAML)
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in CASES))
    out = tmp_path / "pred.jsonl"
    monkeypatch.setenv("THINGMIND_MODEL", str(tiny_model_dir))
    result = CliRunner().invoke(
        app,
        [
            "predict",
            "--home",
            str(home),
            "--cases",
            str(cases),
            "--out",
            str(out),
            "--no-adapt",
        ],
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_predict_writes_the_contract(
    tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _run(tmp_path, tiny_model_dir, monkeypatch)
    assert [r["id"] for r in rows] == [c["id"] for c in CASES]
    for row in rows:
        assert set(row) == {
            "id",
            "changes",
            "reads",
            "answer",
            "refused",
            "clarify",
            "latency_ms",
        }
        assert isinstance(row["answer"], str)
        assert isinstance(row["latency_ms"], float)


def test_predict_acts_and_refuses(
    tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = {r["id"]: r for r in _run(tmp_path, tiny_model_dir, monkeypatch)}
    assert rows["on"]["changes"] == [
        {"device": "light.living_room_lamp", "set": {"on": True, "brightness": 100}}
    ]
    # (what a tiny model makes of chit-chat is not pinned here: refusing what is not
    # about the site is the resolver's and the decoder's, and tested there)
    assert rows["lock"]["changes"] == [
        {"device": "lock.front_door", "set": {"locked": False}}
    ]
    # each case starts from the file's state plus its own setup: the ceiling light's
    # brightness was 40 for this case only, and the lights are the speaker's room's
    assert sorted(rows["setup"]["changes"], key=lambda c: c["device"]) == [
        {"device": "light.kitchen_ceiling", "set": {"on": False, "brightness": 0}},
        {"device": "light.kitchen_counter", "set": {"on": False, "brightness": 0}},
    ]


def test_bad_cases_file_is_a_clear_error(
    tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home.yaml"
    home.write_text(HOME_YAML)
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": "a", "utterance": "hi"}\nnot json\n')
    monkeypatch.setenv("THINGMIND_MODEL", str(tiny_model_dir))
    result = CliRunner().invoke(
        app,
        [
            "predict",
            "--home",
            str(home),
            "--cases",
            str(cases),
            "--out",
            str(tmp_path / "o"),
            "--no-adapt",
        ],
    )
    assert result.exit_code == 2
    assert "line 2" in result.output
