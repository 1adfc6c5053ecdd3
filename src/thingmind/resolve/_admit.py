"""Admission: whether a speaker may see a device, and have an action carried out.

Every action a sentence asks for, a command or what a feeling calls for, passes
here: first the optional permission hook, then the security gate (users, roles,
confirmations, safe values). A refusal, or a confirmation to ask for, is recorded
with the clause it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import datetime as dt
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.resolve._gate import DenyReason, Verdict
from thingmind.resolve._model import FailReason, Failure, ResolvedAction
from thingmind.resolve._policy import ActionKind
from thingmind.resolve._say import label, sentence

if TYPE_CHECKING:
    from thingmind.core import Clock
    from thingmind.registry import Device
    from thingmind.resolve._clauses import Acc
    from thingmind.resolve._gate import Gate
    from thingmind.resolve._model import Context

Permission = Callable[[str, ResolvedAction], bool]
"""Decides whether a user may have an action carried out."""

_CONFIRM_VERBS: Mapping[ActionKind, str] = MappingProxyType(
    {
        ActionKind.UNLOCK: "unlock",
        ActionKind.DISARM: "disarm",
        ActionKind.OPEN: "open",
        ActionKind.TURN_ON: "switch on",
        ActionKind.SET: "change",
        ActionKind.SCENE: "start",
    }
)
"""The verb of a confirmation question, per kind of action."""


class Admission:
    """The resolver's checks of each device named and each action planned."""

    def __init__(
        self, *, permission: Permission | None, gate: Gate | None, clock: Clock
    ) -> None:
        """Hold the checks.

        Args:
            permission: An extra yes/no check per action (kept for simple callers).
            gate: The security gate; everything is allowed when None.
            clock: The site's clock, for limits that hold at some hours.
        """
        self._permission = permission
        self._gate = gate
        self._clock = clock

    def visible(self, ctx: Context, device: Device) -> bool:
        """Whether the speaker may see the device at all (else it is never named)."""
        return self._gate is None or self._gate.can_read(ctx.user, device.id)

    def admit(
        self,
        ctx: Context,
        action: ResolvedAction,
        device: Device,
        index: int,
        acc: Acc,
    ) -> bool:
        """Pass one action through the permission hook and the gate.

        Returns:
            True when it may be carried out now; otherwise the refusal, or the
            pending confirmation, is recorded in ``acc``.
        """
        if self._permission is not None and not self._permission(ctx.user, action):
            acc.fail(
                FailReason.NOT_PERMITTED,
                index,
                device.id,
                f"You are not allowed to control {label(device)}",
            )
            return False
        if self._gate is None:
            return True
        now = dt.datetime.fromtimestamp(self._clock.now(), tz=dt.UTC).astimezone()
        decision = self._gate.check(ctx.user, action, source=ctx.source, now=now)
        if decision.allowed:
            return True
        if decision.verdict is Verdict.CONFIRM:
            if acc.pending:
                acc.fail(
                    FailReason.NEEDS_CONFIRMATION,
                    index,
                    device.id,
                    f"{label(device)} was not included: ask for it on its own",
                )
                return False
            acc.pending.append(action)
            acc.pin_required = decision.pin_required
            acc.failures.append(
                Failure(
                    reason=FailReason.NEEDS_CONFIRMATION, clause=index, detail=device.id
                )
            )
            verb = _CONFIRM_VERBS.get(decision.kind or ActionKind.SET, "change")
            acc.said.append(
                sentence(f"Do you want me to {verb} {label(device)}?")
                + " "
                + decision.message
            )
            return False
        reason = (
            FailReason.UNSAFE_VALUE
            if decision.reason is DenyReason.UNSAFE_VALUE
            else FailReason.NOT_PERMITTED
        )
        readable = self._gate.can_read(ctx.user, device.id)
        text = decision.message
        if readable and reason is FailReason.NOT_PERMITTED:
            text = f"You are not allowed to control {label(device)}"
        acc.fail(reason, index, device.id if readable else "", text)
        return False
