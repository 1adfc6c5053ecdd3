"""``serve`` with learning starts retrains in the background when they pay.

The retrain process here is a short Python child that speaks the JSON-lines protocol
of ``thingmind retrain --json-progress`` (docs/learning.md) and reports the argv,
environment and priority it was started with; the real retrain trains a model, which
the learning suite does (tests/learning).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from typing import TYPE_CHECKING

from thingmind.brain import (
    CorrectionLog,
    CorrectionRecord,
    CorrectionSource,
    MeantCommand,
    RetrainEvent,
    RetrainJob,
    RetrainPhase,
    RetrainPolicy,
    RetrainTrigger,
    RetrainWatch,
    default_command,
    names_fingerprint,
)
from thingmind.cli._serve import retrain_watch
from thingmind.nlu import Intent
from thingmind.sim import home_file_text, load_scenario

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from thingmind.registry import Home

CHILD = """
import json, os, sys
print(json.dumps({"event": "start", "total": 2}), flush=True)
print(json.dumps({"event": "progress", "step": 2, "total": 2}), flush=True)
seen = {"argv": sys.argv[1:], "registry": os.environ.get("THINGMIND_REGISTRY"),
        "nice": os.nice(0), "threads": os.environ.get("OMP_NUM_THREADS")}
print(json.dumps({"event": "gate", "accepted": True, "message": json.dumps(seen),
                  "version": "v2"}), flush=True)
print(json.dumps({"event": "done", "version": "v2", "accepted": True}), flush=True)
"""


def reporting_child(job: RetrainJob) -> list[str]:
    """Runs CHILD with the arguments ``thingmind retrain`` would get."""
    return [sys.executable, "-c", CHILD, *default_command(job)[3:]]


def failing_child(job: RetrainJob) -> list[str]:
    return [sys.executable, "-c", "raise SystemExit(3)", job.site]


def correct(log: CorrectionLog, n: int, *, site: str = "home", at: str) -> None:
    for _ in range(n):
        log.append(
            CorrectionRecord(
                site=site,
                time=at,
                source=CorrectionSource.SPOKEN,
                sentence="flick the floor lamp",
                words=("flick", "the", "floor", "lamp"),
                clause_tags=("B-toggle", "I-toggle", "I-toggle", "I-toggle"),
                slot_tags=("O", "O", "B-target", "I-target"),
                understood="toggle target='floor lamp'",
                meant=MeantCommand(intent=Intent.TURN_OFF, target="floor lamp"),
                model_version="v1",
            )
        )


def watch_of(
    tmp_path: Path,
    home: Home,
    log: CorrectionLog,
    *,
    command: Callable[[RetrainJob], Sequence[str]] = reporting_child,
    events: list[RetrainEvent] | None = None,
) -> RetrainWatch:
    return RetrainWatch(
        site="home",
        home=home,
        log=log,
        state_file=tmp_path / "retrain" / "home.json",
        args=("--home", "home.yaml"),
        policy=RetrainPolicy(min_corrections=10, min_interval_s=0.0),
        command=command,
        env={"THINGMIND_REGISTRY": str(tmp_path / "models")},
        on_event=None if events is None else events.append,
    )


def test_ten_corrections_start_a_low_priority_retrain(
    tmp_path: Path, home: Home
) -> None:
    log = CorrectionLog(tmp_path / "corrections.jsonl")
    events: list[RetrainEvent] = []
    watch = watch_of(tmp_path, home, log, events=events)
    first = watch.baseline()
    correct(log, 9, at="2020-01-01T00:00:00+00:00")
    assert watch.check() is None
    correct(log, 1, at="2020-01-01T00:00:01+00:00")
    job = watch.check()
    assert job is not None
    assert job.trigger is RetrainTrigger.CORRECTIONS
    last = watch.scheduler.wait("home", timeout=60)
    assert last is not None
    assert last.phase is RetrainPhase.FINISHED
    gated = next(e for e in events if e.phase is RetrainPhase.GATED)
    seen = json.loads(gated.message)
    assert seen["argv"] == [
        "retrain",
        "--site",
        "home",
        "--json-progress",
        "--threads",
        "1",
        "--home",
        "home.yaml",
    ]
    assert (seen["registry"], seen["nice"], seen["threads"]) == (
        str(tmp_path / "models"),
        19,
        "1",
    )
    # those corrections are used: the next look starts nothing
    assert watch.baseline().since > first.since
    assert watch.check() is None


def test_a_failed_retrain_gives_its_corrections_back(
    tmp_path: Path, home: Home
) -> None:
    log = CorrectionLog(tmp_path / "corrections.jsonl")
    watch = watch_of(tmp_path, home, log, command=failing_child)
    first = watch.baseline()
    correct(log, 10, at="2020-01-01T00:00:00+00:00")
    assert watch.check() is not None
    last = watch.scheduler.wait("home", timeout=60)
    assert last is not None
    assert last.phase is RetrainPhase.FAILED
    assert watch.baseline() == first
    assert watch.check() is not None
    watch.scheduler.wait("home", timeout=60)


def test_renamed_devices_start_a_retrain_after_a_restart(
    tmp_path: Path, home: Home
) -> None:
    log = CorrectionLog(tmp_path / "corrections.jsonl")
    watch_of(tmp_path, home, log).baseline()  # the service ran on this home before
    renamed = load_scenario("home").home
    assert names_fingerprint(renamed) != names_fingerprint(home)
    watch = watch_of(tmp_path, renamed, log)
    job = watch.check()
    assert job is not None
    assert job.trigger is RetrainTrigger.SITE_CHANGED
    watch.scheduler.wait("home", timeout=60)


def test_serve_watches_its_registry_and_corrections(tmp_path: Path) -> None:
    scenario = load_scenario("home")
    log = CorrectionLog(tmp_path / "corrections.jsonl")
    watch = retrain_watch(
        tmp_path / "models",
        "home",
        scenario.home,
        log=log,
        home_text=home_file_text("home"),
    )
    home_file = tmp_path / "models" / "retrain" / "home.home.yaml"
    assert watch.args == ("--home", str(home_file), "--corrections", str(log.path))
    assert home_file.read_text(encoding="utf-8") == home_file_text("home")
    assert watch.state_file == tmp_path / "models" / "retrain" / "home.json"
    assert watch.baseline().since == ""  # no model in service: every correction counts
    assert watch.fingerprint == names_fingerprint(scenario.home)


class Ended(list[RetrainEvent]):
    """Keeps the events; ``done`` is set when a retrain ends."""

    def __init__(self) -> None:
        super().__init__()
        self.done = threading.Event()

    def append(self, event: RetrainEvent) -> None:
        super().append(event)
        if event.phase in {RetrainPhase.FINISHED, RetrainPhase.FAILED}:
            self.done.set()


async def test_the_watch_task_looks_until_cancelled(tmp_path: Path, home: Home) -> None:
    log = CorrectionLog(tmp_path / "corrections.jsonl")
    events = Ended()
    watch = watch_of(tmp_path, home, log, events=events)
    watch.baseline()
    correct(log, 10, at="2020-01-01T00:00:00+00:00")
    task = asyncio.create_task(watch.run(), name="retrain")
    loop = asyncio.get_running_loop()
    ended = await loop.run_in_executor(None, events.done.wait, 60.0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert ended
    assert events[0].phase is RetrainPhase.STARTED
    assert events[-1].phase is RetrainPhase.FINISHED
    assert not watch.scheduler.running("home")
    assert watch.state_file.is_file()
