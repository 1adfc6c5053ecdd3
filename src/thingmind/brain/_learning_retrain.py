"""Retraining in the background: when it pays, and running it at the lowest priority.

:class:`RetrainScheduler` runs a retrain as a separate process (``thingmind retrain``;
this package never imports ``thingmind.train``) at ``nice 19`` with one compute thread
when enough corrections gathered or the site's names changed, and reports its progress
as :class:`RetrainEvent` values read from the child's JSON lines (docs/learning.md).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from thingmind.registry import Home

_LOGGER = logging.getLogger(__name__)

# ============================================================================ retraining


class RetrainTrigger(StrEnum):
    """Why a retrain is due."""

    CORRECTIONS = "corrections"
    """Enough corrections gathered since the model in service was trained."""
    SITE_CHANGED = "site_changed"
    """Devices, areas or names were added, removed or renamed."""


class RetrainPhase(StrEnum):
    """Where a background retrain is."""

    STARTED = "started"
    PROGRESS = "progress"
    """A training step (``step`` of ``total``)."""
    GATED = "gated"
    """The gate decided (``accepted``, ``message``)."""
    FINISHED = "finished"
    """The process ended well (``version``, ``accepted``)."""
    FAILED = "failed"
    """The process failed (``message`` holds the end of its output)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrainEvent:
    """Progress of a background retrain."""

    site: str
    """The site."""
    phase: RetrainPhase
    """Where it is."""
    step: int = 0
    """Training steps done."""
    total: int = 0
    """Training steps planned."""
    message: str = ""
    """A line for people."""
    version: str = ""
    """The candidate's version id, once added."""
    accepted: bool | None = None
    """The gate's verdict, once known."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrainPolicy:
    """When a retrain pays."""

    min_corrections: int = field(
        default=10, metadata={"help": "corrections that make a retrain worth it"}
    )
    on_site_change: bool = field(
        default=True, metadata={"help": "retrain when devices or names change"}
    )
    min_interval_s: float = field(
        default=600.0, metadata={"help": "seconds between two retrains of a site"}
    )


def names_fingerprint(home: Home) -> str:
    """A short id of what a model learns from a home: its devices, names and places."""
    parts = [
        f"d|{d.id}|{d.type}|{d.name}|{'/'.join(d.aliases)}|{d.area}"
        for d in sorted(home.devices, key=lambda d: d.id)
    ]
    parts.extend(
        f"a|{a.id}|{a.name}|{'/'.join(a.aliases)}|{a.floor}"
        for a in sorted(home.areas, key=lambda a: a.id)
    )
    parts.extend(
        f"f|{f.id}|{f.name}|{'/'.join(f.aliases)}"
        for f in sorted(home.floors, key=lambda f: f.id)
    )
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrainJob:
    """One retrain to run."""

    site: str
    """The site."""
    trigger: RetrainTrigger
    """Why."""
    args: tuple[str, ...] = ()
    """Extra arguments for the command (home file, corrections log, ...)."""


def default_command(job: RetrainJob) -> list[str]:
    """The ``thingmind retrain --site SITE --json-progress --threads 1 ARGS...`` argv.

    It runs the console script's entry point with this interpreter, so it works in a
    virtual environment whose ``bin`` is not on ``PATH``.
    """
    return [
        sys.executable,
        "-c",
        "from thingmind.cli import main; main()",
        "retrain",
        "--site",
        job.site,
        "--json-progress",
        "--threads",
        "1",
        *job.args,
    ]


class RetrainScheduler:
    """Runs retrains as low-priority child processes, one per site at a time.

    The child is ``nice 19`` with one compute thread, so on a small machine the
    serving process keeps a core and the scheduler of the operating system favours
    it. Its standard output carries JSON lines (docs/learning.md), turned into
    :class:`RetrainEvent` values for ``on_event``, which is called from a reader
    thread (hand it to the event loop with ``loop.call_soon_threadsafe``).
    """

    def __init__(
        self,
        *,
        command: Callable[[RetrainJob], Sequence[str]] = default_command,
        on_event: Callable[[RetrainEvent], None] | None = None,
        policy: RetrainPolicy | None = None,
        niceness: int = 19,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Set how retrains run.

        Args:
            command: The argv of a job's process.
            on_event: Receives progress.
            policy: When a retrain is due.
            niceness: The child's CPU priority (19: the lowest).
            env: Extra environment variables for the child.
            clock: Monotonic seconds.
        """
        self._command = command
        self._on_event = on_event
        self.policy = policy or RetrainPolicy()
        self._niceness = niceness
        self._env = dict(env or {})
        self._clock = clock
        self._lock = threading.Lock()
        self._procs: dict[str, subprocess.Popen[str]] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._last_start: dict[str, float] = {}
        self._status: dict[str, RetrainEvent] = {}

    def due(
        self,
        *,
        site: str,
        new_corrections: int,
        fingerprint: str,
        trained_fingerprint: str | None,
    ) -> RetrainTrigger | None:
        """Whether a retrain of a site pays now.

        Args:
            site: The site.
            new_corrections: Corrections since the model in service was trained.
            fingerprint: :func:`names_fingerprint` of the home now.
            trained_fingerprint: The one the model in service was trained on.

        Returns:
            The trigger, or None when nothing is due (or one ran too recently).
        """
        started = self._last_start.get(site)
        if started is not None and self._clock() - started < self.policy.min_interval_s:
            return None
        if (
            self.policy.on_site_change
            and trained_fingerprint is not None
            and fingerprint != trained_fingerprint
        ):
            return RetrainTrigger.SITE_CHANGED
        if new_corrections >= self.policy.min_corrections:
            return RetrainTrigger.CORRECTIONS
        return None

    def maybe_schedule(
        self,
        *,
        site: str,
        new_corrections: int,
        fingerprint: str,
        trained_fingerprint: str | None,
        args: Sequence[str] = (),
    ) -> RetrainJob | None:
        """Start a retrain when one is due (see :meth:`due`) and none runs for the site."""
        trigger = self.due(
            site=site,
            new_corrections=new_corrections,
            fingerprint=fingerprint,
            trained_fingerprint=trained_fingerprint,
        )
        if trigger is None:
            return None
        job = RetrainJob(site=site, trigger=trigger, args=tuple(args))
        return job if self.schedule(job) else None

    def running(self, site: str) -> bool:
        """True while a retrain of the site runs."""
        with self._lock:
            proc = self._procs.get(site)
        return proc is not None and proc.poll() is None

    def status(self, site: str) -> RetrainEvent | None:
        """The latest event of the site's latest retrain."""
        return self._status.get(site)

    def pid(self, site: str) -> int | None:
        """The process id of the site's running retrain."""
        with self._lock:
            proc = self._procs.get(site)
        return proc.pid if proc is not None and proc.poll() is None else None

    def schedule(self, job: RetrainJob) -> bool:
        """Start a job's process now, unless one runs for the site.

        Returns:
            True when it was started.
        """
        with self._lock:
            proc = self._procs.get(job.site)
            if proc is not None and proc.poll() is None:
                return False
            argv = list(self._command(job))
            env = {**os.environ, "OMP_NUM_THREADS": "1", **self._env}
            proc = subprocess.Popen(  # noqa: S603  (argv built here, no shell)
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                env=env,
            )
            try:
                # Before the child has imported anything: every thread it starts later
                # inherits the priority.
                os.setpriority(os.PRIO_PROCESS, proc.pid, self._niceness)
            except OSError:
                _LOGGER.warning("could not lower the priority of retrain %d", proc.pid)
            self._procs[job.site] = proc
            self._last_start[job.site] = self._clock()
            thread = threading.Thread(
                target=self._read,
                args=(job, proc),
                name=f"retrain-{job.site}",
                daemon=True,
            )
            self._threads[job.site] = thread
        self._emit(
            RetrainEvent(
                site=job.site,
                phase=RetrainPhase.STARTED,
                message=f"retrain ({job.trigger}) started as process {proc.pid}",
            )
        )
        thread.start()
        return True

    def wait(self, site: str, timeout: float | None = None) -> RetrainEvent | None:
        """Wait for the site's retrain to end; return its last event."""
        thread = self._threads.get(site)
        if thread is not None:
            thread.join(timeout)
        return self._status.get(site)

    def close(self) -> None:
        """Stop every running retrain (the candidate is simply not produced)."""
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for thread in list(self._threads.values()):
            thread.join(timeout=10)

    def _emit(self, event: RetrainEvent) -> None:
        self._status[event.site] = event
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                _LOGGER.exception("retrain event handler failed")

    def _read(self, job: RetrainJob, proc: subprocess.Popen[str]) -> None:
        tail: deque[str] = deque(maxlen=20)
        state: dict[str, Any] = {"version": "", "accepted": None, "total": 0}
        assert proc.stdout is not None  # noqa: S101  (PIPE was asked for)
        with proc.stdout:
            self._consume(job, proc, tail, state)
        self._finish(job, proc, tail, state)

    def _consume(
        self,
        job: RetrainJob,
        proc: subprocess.Popen[str],
        tail: deque[str],
        state: dict[str, Any],
    ) -> None:
        assert proc.stdout is not None  # noqa: S101  (PIPE was asked for)
        for line in proc.stdout:
            event = _parse_line(line)
            if event is None:
                tail.append(line.rstrip())
                continue
            kind = event.get("event")
            if kind == "start":
                state["total"] = int(event.get("total", 0))
            elif kind == "progress":
                state["total"] = int(event.get("total", state["total"]))
                self._emit(
                    RetrainEvent(
                        site=job.site,
                        phase=RetrainPhase.PROGRESS,
                        step=int(event.get("step", 0)),
                        total=state["total"],
                    )
                )
            elif kind == "gate":
                state["accepted"] = bool(event.get("accepted"))
                self._emit(
                    RetrainEvent(
                        site=job.site,
                        phase=RetrainPhase.GATED,
                        accepted=state["accepted"],
                        message=str(event.get("message", "")),
                        version=str(event.get("version", "")),
                    )
                )
            elif kind == "done":
                state["version"] = str(event.get("version", ""))
                if "accepted" in event:
                    state["accepted"] = bool(event["accepted"])

    def _finish(
        self,
        job: RetrainJob,
        proc: subprocess.Popen[str],
        tail: deque[str],
        state: dict[str, Any],
    ) -> None:
        code = proc.wait()
        if code == 0:
            self._emit(
                RetrainEvent(
                    site=job.site,
                    phase=RetrainPhase.FINISHED,
                    total=state["total"],
                    step=state["total"],
                    version=state["version"],
                    accepted=state["accepted"],
                    message=f"retrain finished: {state['version'] or 'no version'}",
                )
            )
        else:
            self._emit(
                RetrainEvent(
                    site=job.site,
                    phase=RetrainPhase.FAILED,
                    message=f"exit code {code}: " + " / ".join(tail),
                )
            )


def _parse_line(line: str) -> dict[str, Any] | None:
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
