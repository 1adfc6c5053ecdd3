"""The background retrain: when it is due, its priority, and its progress events."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from thingmind.brain._learning_retrain import (
    RetrainEvent,
    RetrainJob,
    RetrainPhase,
    RetrainPolicy,
    RetrainScheduler,
    RetrainTrigger,
    names_fingerprint,
)
from thingmind.registry import parse_home

if TYPE_CHECKING:
    from collections.abc import Callable

    from thingmind.registry import Home

CHILD = """
import json, os, sys
print(json.dumps({"event": "start", "total": 3}), flush=True)
for step in (1, 2, 3):
    print(json.dumps({"event": "progress", "step": step, "total": 3}), flush=True)
print("some log line", flush=True)
print(json.dumps({"event": "gate", "accepted": True, "message": "ok", "version": "v2"}))
print(json.dumps({"event": "done", "version": "v2", "accepted": True, "nice": os.nice(0)}))
"""


def fake_child(job: RetrainJob) -> list[str]:
    return [sys.executable, "-c", CHILD, job.site]


def running(code: str) -> Callable[[RetrainJob], list[str]]:
    """A command that runs a line of Python, whatever the job."""

    def argv(job: RetrainJob) -> list[str]:
        return [sys.executable, "-c", code, job.site]

    return argv


def test_retrain_runs_at_lowest_priority_and_reports_progress() -> None:
    events: list[RetrainEvent] = []
    sched = RetrainScheduler(command=fake_child, on_event=events.append)
    assert sched.schedule(RetrainJob(site="home", trigger=RetrainTrigger.CORRECTIONS))
    last = sched.wait("home", timeout=30)
    assert last is not None
    assert last.phase is RetrainPhase.FINISHED
    assert (last.version, last.accepted) == ("v2", True)
    assert [e.phase for e in events] == [
        RetrainPhase.STARTED,
        RetrainPhase.PROGRESS,
        RetrainPhase.PROGRESS,
        RetrainPhase.PROGRESS,
        RetrainPhase.GATED,
        RetrainPhase.FINISHED,
    ]
    assert [e.step for e in events if e.phase is RetrainPhase.PROGRESS] == [1, 2, 3]


def test_child_niceness_is_19() -> None:
    child = "import os, time; print(os.nice(0), flush=True); time.sleep(0.2)"
    sched = RetrainScheduler(command=running(child))
    sched.schedule(RetrainJob(site="home", trigger=RetrainTrigger.CORRECTIONS))
    last = sched.wait("home", timeout=30)
    assert last is not None
    assert last.phase is RetrainPhase.FINISHED
    # the reader keeps non-JSON lines for failure messages only; ask the OS instead
    sched2 = RetrainScheduler(command=running("import time; time.sleep(2)"))
    sched2.schedule(RetrainJob(site="s", trigger=RetrainTrigger.CORRECTIONS))
    pid = sched2.pid("s")
    assert pid is not None
    import os  # noqa: PLC0415

    assert os.getpriority(os.PRIO_PROCESS, pid) == 19
    sched2.close()


def test_failure_is_reported() -> None:
    sched = RetrainScheduler(command=running("print('boom'); raise SystemExit(3)"))
    sched.schedule(RetrainJob(site="home", trigger=RetrainTrigger.CORRECTIONS))
    last = sched.wait("home", timeout=30)
    assert last is not None
    assert last.phase is RetrainPhase.FAILED


def test_one_retrain_per_site_at_a_time() -> None:
    sched = RetrainScheduler(command=running("import time; time.sleep(1)"))
    job = RetrainJob(site="home", trigger=RetrainTrigger.CORRECTIONS)
    assert sched.schedule(job)
    assert not sched.schedule(job)
    sched.close()


def test_due(home: Home) -> None:
    clock = [0.0]
    sched = RetrainScheduler(
        command=fake_child,
        policy=RetrainPolicy(min_corrections=10, min_interval_s=60),
        clock=lambda: clock[0],
    )
    fp = names_fingerprint(home)
    assert (
        sched.due(site="h", new_corrections=9, fingerprint=fp, trained_fingerprint=fp)
        is None
    )
    assert (
        sched.due(site="h", new_corrections=10, fingerprint=fp, trained_fingerprint=fp)
        is RetrainTrigger.CORRECTIONS
    )
    renamed = parse_home(
        home.source
        and """
devices:
  - {id: light.porch, name: Porch light, type: light}
""",
        source="renamed",
    )
    assert (
        sched.due(
            site="h",
            new_corrections=0,
            fingerprint=names_fingerprint(renamed),
            trained_fingerprint=fp,
        )
        is RetrainTrigger.SITE_CHANGED
    )
    job = sched.maybe_schedule(
        site="h", new_corrections=10, fingerprint=fp, trained_fingerprint=fp
    )
    assert job is not None
    sched.wait("h", timeout=30)
    clock[0] = 30.0  # too soon after the last one
    assert (
        sched.due(site="h", new_corrections=50, fingerprint=fp, trained_fingerprint=fp)
        is None
    )
