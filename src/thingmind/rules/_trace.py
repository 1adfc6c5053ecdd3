"""What each automation run did, kept so people can read why something happened."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from thingmind.core import utc_iso
from thingmind.rules._model import ActionKind, ConditionKind, TriggerKind


class RunOutcome(StrEnum):
    """How a run ended (or that it has not yet)."""

    RUNNING = "running"
    """Waiting on a delay."""
    FINISHED = "finished"
    """Every action ran."""
    CONDITIONS_FAILED = "conditions_failed"
    """A condition did not hold; nothing was done."""
    ACTION_FAILED = "action_failed"
    """An action was refused or failed; the rest were skipped."""
    ALREADY_RUNNING = "already_running"
    """Mode ``single`` and a run was still waiting: this trigger was dropped."""
    RATE_LIMITED = "rate_limited"
    """The loop guard refused the run: too many runs in the last minute."""
    CANCELLED = "cancelled"
    """Stopped by a restart (mode ``restart``), a disable or shutdown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConditionResult:
    """One condition's verdict in a run."""

    path: str
    """Where it is in the automation (``conditions[1].conditions[0]``)."""
    kind: ConditionKind
    """Which kind of condition."""
    held: bool
    """True when it held."""
    detail: str
    """What was seen ("binary_sensor.front_door is on").."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResult:
    """One action (one target) carried out in a run."""

    path: str
    """Where it is in the automation (``actions[0]``)."""
    kind: ActionKind
    """Which kind of action."""
    time: float
    """When it ran, Unix seconds."""
    ok: bool
    """False when it was refused or failed."""
    target: str | None = None
    """The device acted on, if any."""
    detail: str = ""
    """What happened ("on, brightness 40" or why it was refused)."""
    reason: str | None = None
    """The refusal's machine-readable reason (a ``ServiceFailure`` or resolver reason)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Trace:
    """One run of an automation: what triggered it, what held, what it did."""

    automation_id: str
    """The automation."""
    run: int
    """Run number, counting from 1, per engine."""
    time: float
    """When it was triggered, Unix seconds."""
    trigger_index: int | None
    """Which of its triggers fired (None for a restored or queued run's origin)."""
    trigger_kind: TriggerKind | None
    """That trigger's kind."""
    trigger: str
    """What happened, in words ("binary_sensor.front_door changed from off to on")."""
    conditions: tuple[ConditionResult, ...]
    """Conditions checked, in order, up to the first that failed."""
    actions: tuple[ActionResult, ...]
    """Actions carried out so far."""
    outcome: RunOutcome
    """How it ended, or RUNNING."""
    finished: float | None = None
    """When it ended, Unix seconds (None while running)."""

    def describe(self) -> str:
        """Return the trace as a few lines of text for people."""
        lines = [
            f"{utc_iso(self.time)} {self.automation_id} run {self.run}: {self.outcome}",
            f"  trigger: {self.trigger}",
        ]
        lines.extend(
            f"  {c.path}: {'held' if c.held else 'failed'} ({c.detail})"
            for c in self.conditions
        )
        for a in self.actions:
            target = f" {a.target}" if a.target else ""
            status = "ok" if a.ok else f"refused: {a.reason}"
            lines.append(f"  {a.path} {a.kind}{target}: {status} {a.detail}".rstrip())
        return "\n".join(lines)
