"""The one gate every action passes: who asks, may they, must it be confirmed, is it safe.

``Gate(home, policy).check(user, action, source=..., now=...)`` returns a
:class:`GateDecision`. It is pure: it reads the home's declared devices and the policy,
never live state, and changes nothing. Messages never name a device, so a refusal
reveals nothing the user may not see; callers add names only for devices the user
may read (:meth:`Gate.can_read`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import logging
import math
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry import domain_spec
from thingmind.resolve._confirm import Danger, danger_of, danger_text
from thingmind.resolve._policy import (
    ActionKind,
    Effect,
    Limit,
    Policy,
    Role,
    User,
    action_kind,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    import datetime as dt

    from thingmind.registry import Device, Home
    from thingmind.resolve._model import ResolvedAction

_LOGGER = logging.getLogger(__name__)

MAX_PARAMS = 16
"""Most parameters one service call may carry."""
MAX_TEXT = 256
"""Longest text parameter value (characters)."""


class Source(StrEnum):
    """Where a request comes from; it decides how a confirmation is given."""

    SPEECH = "speech"
    """A sentence typed or said at the site (a yes/no turn confirms)."""
    API = "api"
    """The HTTP API (remote: a PIN confirms)."""
    MQTT = "mqtt"
    """A command topic (remote: a PIN confirms)."""
    AUTOMATION = "automation"
    """A rule; nobody is there to confirm, so dangerous actions are refused."""
    CLI = "cli"
    """The command line on the site's machine."""

    @classmethod
    def of(cls, text: str) -> Source:
        """Read a source label ("rule:porch" is an automation; unknown is remote)."""
        head = text.partition(":")[0].casefold()
        if head in {"rule", "automation"}:
            return cls.AUTOMATION
        try:
            return cls(head)
        except ValueError:
            return cls.API  # the strictest interactive source

    @property
    def remote(self) -> bool:
        """True when confirmation takes a PIN rather than a spoken yes."""
        return self in {Source.API, Source.MQTT}


class Verdict(StrEnum):
    """What the gate decides."""

    ALLOW = "allow"
    CONFIRM = "confirm"
    """Allowed once the same user confirms (yes/no, or a PIN when remote)."""
    DENY = "deny"


class DenyReason(StrEnum):
    """Why the gate refused."""

    UNKNOWN_USER = "unknown_user"
    NOT_PERMITTED = "not_permitted"
    UNSAFE_VALUE = "unsafe_value"
    BAD_REQUEST = "bad_request"
    """Malformed parameters (too many, too long, not finite)."""
    CANNOT_CONFIRM = "cannot_confirm"
    """Dangerous, and the user's role or the source cannot confirm it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GateDecision:
    """The gate's answer for one action."""

    verdict: Verdict
    """Allow, confirm first, or deny."""
    reason: DenyReason | None = None
    """Why it was denied (None unless denied)."""
    danger: Danger | None = None
    """Why a confirmation is (or would be) needed."""
    kind: ActionKind | None = None
    """What the action does."""
    pin_required: bool = False
    """For CONFIRM: a PIN, not a yes, confirms (remote sources)."""
    message: str = ""
    """A short sentence safe to show the user (names no device)."""

    @property
    def allowed(self) -> bool:
        """True when the action may be carried out now."""
        return self.verdict is Verdict.ALLOW


_DENIED = "You are not allowed to do that."


class Gate:
    """Applies a :class:`Policy` to the actions of one site."""

    def __init__(self, home: Home, policy: Policy | None = None) -> None:
        """Prepare the gate.

        Args:
            home: The site's declared devices and areas.
            policy: Users, rules, dangerous actions and limits (defaults when None).
        """
        self._home = home
        self._policy = policy or Policy()
        self._by_id: dict[str, Device] = {d.id: d for d in home.devices}
        self._outdoor = {a.id for a in home.areas if a.outdoor}

    @property
    def policy(self) -> Policy:
        """The policy in force."""
        return self._policy

    def user(self, user_id: str) -> User | None:
        """Return a known user, or None."""
        return self._policy.users.get(user_id)

    def can_read(self, user_id: str, device_id: str) -> bool:
        """Return True when the user may see this device and its state."""
        user = self.user(user_id)
        device = self._by_id.get(device_id)
        if user is None or device is None:
            return False
        return self._permitted(user, device, ActionKind.READ)

    def check(
        self,
        user: str,
        action: ResolvedAction,
        *,
        source: Source | str,
        now: dt.datetime,
        confirmed: bool = False,
    ) -> GateDecision:
        """Decide one action.

        Args:
            user: Who asks (a user id; unknown users are refused everything).
            action: The service call.
            source: Where the request comes from.
            now: The site's local time (for limits with hours).
            confirmed: True when the same user has confirmed this very action.

        Returns:
            The decision.
        """
        src = source if isinstance(source, Source) else Source.of(source)
        who = self.user(user)
        if who is None:
            return _deny(DenyReason.UNKNOWN_USER, "I don't know who you are.")
        device = self._by_id.get(action.device_id)
        if device is None:
            return _deny(DenyReason.NOT_PERMITTED, _DENIED)
        bad = _malformed(action.params)
        if bad:
            return _deny(DenyReason.BAD_REQUEST, bad)
        kind = action_kind(device, action.service, action.params)
        effects = [(device, kind, dict(action.params), action.service)]
        if device.type is Domain.SCENE:
            effects.extend(self._scene_effects(device))
        danger: Danger | None = None
        for target, target_kind, values, service in effects:
            if not self._permitted(who, target, target_kind):
                return _deny(DenyReason.NOT_PERMITTED, _DENIED, kind=kind)
            unsafe = self._unsafe(target, service, values, now)
            if unsafe:
                return _deny(DenyReason.UNSAFE_VALUE, unsafe, kind=kind)
            outdoor = target.area in self._outdoor
            danger = danger or danger_of(
                target, target_kind, outdoor=outdoor, policy=self._policy
            )
        if danger is None or confirmed:
            return GateDecision(verdict=Verdict.ALLOW, kind=kind, danger=danger)
        if who.role not in self._policy.may_confirm:
            return _deny(DenyReason.NOT_PERMITTED, _DENIED, kind=kind, danger=danger)
        if src is Source.AUTOMATION:
            return _deny(
                DenyReason.CANNOT_CONFIRM,
                "An automation cannot do that: it needs a person to confirm.",
                kind=kind,
                danger=danger,
            )
        how = "give your PIN" if src.remote else "say yes or no"
        return GateDecision(
            verdict=Verdict.CONFIRM,
            kind=kind,
            danger=danger,
            pin_required=src.remote,
            message=f"{danger_text(danger).capitalize()}: {how}.",
        )

    # ------------------------------------------------------------------ parts

    def _permitted(self, user: User, device: Device, kind: ActionKind) -> bool:
        outdoor = device.area in self._outdoor
        allowed = False
        for rule in self._policy.rules_for(user):
            if not rule.matches(device, kind, outdoor=outdoor):
                continue
            if rule.effect is Effect.DENY:
                return False
            allowed = True
        if kind is not ActionKind.READ and user.role is Role.SERVICE:
            return False  # a service account never acts, whatever a rule says
        return allowed

    def _scene_effects(
        self, scene: Device
    ) -> list[tuple[Device, ActionKind, dict[str, StateValue], str]]:
        found: list[tuple[Device, ActionKind, dict[str, StateValue], str]] = []
        for device_id, state in scene.applies.items():
            target = self._by_id.get(device_id)
            if target is None:
                continue
            found.extend(
                (target, kind, dict(state), "")
                for kind in _implied_kinds(target, state)
            )
        return found

    def _unsafe(
        self,
        device: Device,
        service: str,
        values: Mapping[str, StateValue],
        now: dt.datetime,
    ) -> str:
        keyed = _state_values(device, service, values)
        for limit in self._policy.limits:
            if limit.key not in keyed or not limit.applies(device, now):
                continue
            value = keyed[limit.key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            low, high = _bounds(limit, device)
            if (low is not None and value < low) or (high is not None and value > high):
                return f"That is outside the safe range ({_range(low, high)})."
        return ""


def _deny(
    reason: DenyReason,
    message: str,
    *,
    kind: ActionKind | None = None,
    danger: Danger | None = None,
) -> GateDecision:
    return GateDecision(
        verdict=Verdict.DENY, reason=reason, message=message, kind=kind, danger=danger
    )


def _malformed(params: Mapping[str, StateValue]) -> str:
    if len(params) > MAX_PARAMS:
        return "Too many parameters."
    for key, value in params.items():
        name: object = key
        raw: object = value  # from the network: trust no annotation
        if not isinstance(name, str) or len(name) > MAX_TEXT // 4:
            return "A parameter name is not valid."
        if raw is not None and not isinstance(raw, bool | int | float | str):
            return "A value is not valid."
        if isinstance(value, float) and not math.isfinite(value):
            return "A value is not a finite number."
        if isinstance(value, str) and len(value) > MAX_TEXT:
            return "A value is too long."
    return ""


def _state_values(
    device: Device, service: str, values: Mapping[str, StateValue]
) -> dict[str, StateValue]:
    """Map service parameters (or a scene's state) to the state keys they set."""
    if not service:
        return dict(values)
    spec = domain_spec(device.type).services.get(service)
    param_keys = spec.param_keys if spec is not None else {}
    return {param_keys.get(k, k): v for k, v in values.items()}


def _bounds(limit: Limit, device: Device) -> tuple[float | None, float | None]:
    unit = device.state.get("unit")
    own = unit.upper() if isinstance(unit, str) else "C"
    if limit.unit == "C" and own == "F":
        return _c_to_f(limit.low), _c_to_f(limit.high)
    if limit.unit == "F" and own == "C":
        return _f_to_c(limit.low), _f_to_c(limit.high)
    return limit.low, limit.high


def _c_to_f(value: float | None) -> float | None:
    return None if value is None else round(value * 9 / 5 + 32, 1)


def _f_to_c(value: float | None) -> float | None:
    return None if value is None else round((value - 32) * 5 / 9, 1)


def _range(low: float | None, high: float | None) -> str:
    def num(v: float | None) -> str:
        if v is None:
            return "?"
        return str(int(v)) if float(v).is_integer() else str(v)

    if low is None:
        return f"at most {num(high)}"
    if high is None:
        return f"at least {num(low)}"
    return f"{num(low)} to {num(high)}"


def _implied_kinds(device: Device, state: Mapping[str, StateValue]) -> list[ActionKind]:
    """What a scene's state for one device amounts to, as action kinds."""
    kinds: list[ActionKind] = []
    if state.get("locked") is False:
        kinds.append(ActionKind.UNLOCK)
    elif state.get("locked") is True:
        kinds.append(ActionKind.LOCK)
    alarm = state.get("state")
    if device.type is Domain.ALARM_CONTROL_PANEL and alarm is not None:
        kinds.append(ActionKind.DISARM if alarm == "disarmed" else ActionKind.ARM)
    position = state.get("position")
    if state.get("open") is True or (
        isinstance(position, int | float) and position > 0
    ):
        kinds.append(ActionKind.OPEN)
    if state.get("on") is True or state.get("playing") is True:
        kinds.append(ActionKind.TURN_ON)
    elif state.get("on") is False:
        kinds.append(ActionKind.TURN_OFF)
    if {"target_temperature", "volume", "brightness", "hvac_mode"} & set(state):
        kinds.append(ActionKind.SET)
    return kinds or [ActionKind.SET]
