"""A serving process's look-out for retrains: it starts one when it pays.

:class:`RetrainWatch` looks every ``every_s`` seconds (in an executor, off the event
loop) at the corrections gathered since the last retrain and at the site's names, asks
its :class:`~thingmind.brain.RetrainScheduler` whether a retrain is due, and starts one
in the background (``nice 19``, one thread) when it is. What the last retrain started
from is kept in a small JSON file, so a restart neither forgets the corrections already
used nor retrains on them again::

    {"site": "home", "fingerprint": "3f0c...", "since": "2025-01-01T10:00:00+00:00"}

A retrain that fails gives its corrections back: the next look may start another one
(after the policy's ``min_interval_s``). One that the gate refuses does not: the same
corrections would make the same candidate.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from thingmind.brain._learning_log import utc_now
from thingmind.brain._learning_retrain import (
    RetrainPhase,
    RetrainScheduler,
    default_command,
    names_fingerprint,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from thingmind.brain._learning_log import CorrectionLog
    from thingmind.brain._learning_retrain import (
        RetrainEvent,
        RetrainJob,
        RetrainPolicy,
    )
    from thingmind.registry import Home

_LOGGER = logging.getLogger(__name__)

DEFAULT_EVERY_S = 60.0
"""Seconds between two looks."""
_PROGRESS_STEP = 0.1  # share of the steps between two progress lines in the log


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrainBaseline:
    """What the model in service (or the last retrain) learnt from."""

    fingerprint: str
    """:func:`~thingmind.brain.names_fingerprint` of the home it was trained on."""
    since: str
    """ISO 8601 UTC time; corrections after it are new ("": all are)."""


class RetrainWatch:
    """Starts background retrains of one site when corrections or names call for it."""

    def __init__(
        self,
        *,
        site: str,
        home: Home,
        log: CorrectionLog,
        state_file: Path,
        args: Sequence[str] = (),
        policy: RetrainPolicy | None = None,
        command: Callable[[RetrainJob], Sequence[str]] = default_command,
        env: Mapping[str, str] | None = None,
        in_service_since: Callable[[], str] = lambda: "",
        on_event: Callable[[RetrainEvent], None] | None = None,
        every_s: float = DEFAULT_EVERY_S,
    ) -> None:
        """Watch a site.

        Args:
            site: The site's name.
            home: The site as served now.
            log: Its corrections.
            state_file: Where the last retrain's baseline is kept.
            args: Extra arguments of ``thingmind retrain`` (``--home``, ...).
            policy: When a retrain pays (default: :class:`RetrainPolicy`).
            command: The argv of a retrain process.
            env: Extra environment of the retrain process.
            in_service_since: The creation time of the model in service, the
                baseline before any retrain was started here ("": none).
            on_event: Receives each retrain's progress (from a reader thread).
            every_s: Seconds between two looks.

        Raises:
            ValueError: When ``every_s`` is not positive.
        """
        if not every_s > 0:
            msg = f"every_s must be > 0 seconds, got {every_s}"
            raise ValueError(msg)
        self.site = site
        self.fingerprint = names_fingerprint(home)
        """The names of the home as served now."""
        self._log = log
        self.state_file = Path(state_file)
        self.args = tuple(args)
        self._since = in_service_since
        self._on_event = on_event
        self.every_s = every_s
        self._previous: RetrainBaseline | None = None
        self._reported = 0.0
        self.scheduler = RetrainScheduler(
            command=command, on_event=self._event, policy=policy, env=env
        )

    # ------------------------------------------------------------------ state

    def baseline(self) -> RetrainBaseline:
        """What the last retrain started from; the model in service's before one ran.

        Returns:
            The baseline (written on first use: the home as served now, and the
            creation time of the model in service).
        """
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("site") == self.site:
                return RetrainBaseline(
                    fingerprint=str(data["fingerprint"]), since=str(data["since"])
                )
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError) as err:
            _LOGGER.warning(
                "%s cannot be read (%s); starting afresh", self.state_file, err
            )
        first = RetrainBaseline(fingerprint=self.fingerprint, since=self._since())
        self._write(first)
        return first

    def _write(self, baseline: RetrainBaseline) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_name(f".{self.state_file.name}.{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps(
                {
                    "site": self.site,
                    "fingerprint": baseline.fingerprint,
                    "since": baseline.since,
                }
            ),
            encoding="utf-8",
        )
        tmp.replace(self.state_file)

    # ------------------------------------------------------------------ looks

    def check(self) -> RetrainJob | None:
        """Look once: start a retrain when one is due and none runs.

        Returns:
            The job started, or None.
        """
        base = self.baseline()
        new = self._log.count(self.site, since=base.since)
        now = utc_now()
        job = self.scheduler.maybe_schedule(
            site=self.site,
            new_corrections=new,
            fingerprint=self.fingerprint,
            trained_fingerprint=base.fingerprint,
            args=self.args,
        )
        if job is not None:
            self._previous = base
            self._write(RetrainBaseline(fingerprint=self.fingerprint, since=now))
            _LOGGER.info(
                "retrain of %s started (%s, %d new corrections)",
                self.site,
                job.trigger.value,
                new,
            )
        return job

    async def run(self) -> None:
        """Look now and every ``every_s`` seconds until cancelled; stop the retrain then."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    await loop.run_in_executor(None, self.check)
                except Exception:  # a failed look must not stop the service
                    _LOGGER.exception(
                        "could not check whether %s needs a retrain", self.site
                    )
                await asyncio.sleep(self.every_s)
        finally:
            await loop.run_in_executor(None, self.scheduler.close)

    def _event(self, event: RetrainEvent) -> None:
        if event.phase is RetrainPhase.FAILED and self._previous is not None:
            # its corrections were not learnt: the next look counts them again
            self._write(self._previous)
            self._previous = None
            _LOGGER.warning("retrain of %s failed: %s", event.site, event.message)
        elif event.phase is RetrainPhase.PROGRESS and event.total:
            done = event.step / event.total
            if done - self._reported >= _PROGRESS_STEP or event.step == event.total:
                self._reported = done
                _LOGGER.info(
                    "retrain of %s: step %d of %d", event.site, event.step, event.total
                )
        elif event.phase is not RetrainPhase.PROGRESS:
            self._reported = 0.0
            _LOGGER.info(
                "retrain of %s: %s %s", event.site, event.phase.value, event.message
            )
        if self._on_event is not None:
            self._on_event(event)
