"""Who may do what: users, roles, access rules, dangerous actions and safe values.

A :class:`Policy` is plain data, built in code or read from a mapping (the
``security`` section of a config file) with :func:`policy_from_dict`. The
:class:`~thingmind.resolve.Gate` applies it. Rules are *deny-overrides, default deny*:
an action is allowed when at least one rule of the user's role (or of the user) allows
it and none denies it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
import datetime as dt
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue

if TYPE_CHECKING:
    from thingmind.registry import Device

_D = Domain


class Role(StrEnum):
    """What a user is to the site."""

    OWNER = "owner"
    """Everything, and manages users, tokens and the policy."""
    RESIDENT = "resident"
    """Everything in daily use; dangerous actions still need confirmation."""
    GUEST = "guest"
    """Lights, fans and media; reads what is not a security device."""
    CHILD = "child"
    """Like a resident, but never unlocks, disarms, opens outside or heats."""
    SERVICE = "service"
    """A service account (a dashboard, an exporter): reads only."""


class ActionKind(StrEnum):
    """What an action does, independent of the device type's service names."""

    READ = "read"
    TURN_ON = "turn_on"
    TURN_OFF = "turn_off"
    SET = "set"
    MEDIA = "media"
    OPEN = "open"
    CLOSE = "close"
    LOCK = "lock"
    UNLOCK = "unlock"
    ARM = "arm"
    DISARM = "disarm"
    SCENE = "scene"


class Effect(StrEnum):
    """What a matching rule decides."""

    ALLOW = "allow"
    DENY = "deny"


_SERVICE_KINDS: Mapping[str, ActionKind] = MappingProxyType(
    {
        "turn_on": ActionKind.TURN_ON,
        "toggle": ActionKind.TURN_ON,  # worst case: it may switch on
        "start": ActionKind.TURN_ON,
        "turn_off": ActionKind.TURN_OFF,
        "pause": ActionKind.TURN_OFF,
        "return_to_base": ActionKind.TURN_OFF,
        "media_play": ActionKind.MEDIA,
        "media_pause": ActionKind.MEDIA,
        "media_next_track": ActionKind.MEDIA,
        "media_previous_track": ActionKind.MEDIA,
        "volume_mute": ActionKind.MEDIA,
        "volume_set": ActionKind.SET,
        "set_temperature": ActionKind.SET,
        "set_hvac_mode": ActionKind.SET,
        "set_percentage": ActionKind.SET,
        "set_humidity": ActionKind.SET,
        "open_cover": ActionKind.OPEN,
        "open_valve": ActionKind.OPEN,
        "close_cover": ActionKind.CLOSE,
        "close_valve": ActionKind.CLOSE,
        "stop_cover": ActionKind.CLOSE,
        "stop_valve": ActionKind.CLOSE,
        "lock": ActionKind.LOCK,
        "unlock": ActionKind.UNLOCK,
        "alarm_disarm": ActionKind.DISARM,
    }
)
_LEVEL_PARAMS = frozenset({"brightness", "color", "percentage"})


def action_kind(
    device: Device, service: str, params: Mapping[str, StateValue]
) -> ActionKind:
    """Classify a service call.

    Unknown services count as the most sensitive kind the device type has, so that
    a new service name never slips past a rule.

    Args:
        device: The device.
        service: The service name.
        params: Its parameters.

    Returns:
        The action kind.
    """
    if device.type is _D.SCENE:
        return ActionKind.SCENE
    if service.startswith("alarm_arm"):
        return ActionKind.ARM
    if service in {"set_cover_position", "set_valve_position"}:
        position = params.get("position")
        closing = isinstance(position, int | float) and position <= 0
        return ActionKind.CLOSE if closing else ActionKind.OPEN
    kind = _SERVICE_KINDS.get(service)
    if kind is ActionKind.TURN_ON and device.type is _D.COVER:
        return ActionKind.OPEN
    if kind is ActionKind.TURN_ON and _LEVEL_PARAMS & set(params):
        return ActionKind.SET
    if kind is not None:
        return kind
    return _MOST_SENSITIVE.get(device.type, ActionKind.TURN_ON)


_MOST_SENSITIVE: Mapping[Domain, ActionKind] = MappingProxyType(
    {
        _D.LOCK: ActionKind.UNLOCK,
        _D.ALARM_CONTROL_PANEL: ActionKind.DISARM,
        _D.COVER: ActionKind.OPEN,
        _D.VALVE: ActionKind.OPEN,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One access rule; a field left empty matches anything."""

    effect: Effect
    """Allow or deny what matches."""
    kinds: frozenset[ActionKind] = frozenset()
    """Action kinds it covers."""
    types: frozenset[Domain] = frozenset()
    """Device types it covers."""
    areas: frozenset[str] = frozenset()
    """Area ids it covers."""
    devices: frozenset[str] = frozenset()
    """Device ids it covers."""
    outdoor: bool | None = None
    """Only outdoor (True) or only indoor (False) devices; None for both."""

    def matches(self, device: Device, kind: ActionKind, *, outdoor: bool) -> bool:
        """Return True when the rule covers this action on this device."""
        return (
            (not self.kinds or kind in self.kinds)
            and (not self.types or device.type in self.types)
            and (not self.areas or device.area in self.areas)
            and (not self.devices or device.id in self.devices)
            and (self.outdoor is None or self.outdoor == outdoor)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A person or service account the site knows."""

    id: str
    """The user's id ("owner", "anna", "grafana")."""
    role: Role
    """Their role, which brings its rules."""
    name: str = ""
    """A display name (personal data: redacted from logs)."""
    rules: tuple[Rule, ...] = ()
    """Rules of this user only, applied with the role's."""

    def __post_init__(self) -> None:
        if not self.id or not self.id.isascii() or not self.id.isprintable():
            msg = f"a user id must be printable ASCII, got {self.id!r}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class Limit:
    """A safe range for one state key, per type or per device, maybe at some hours."""

    key: str
    """The state key ("target_temperature", "volume")."""
    low: float | None = None
    """The lowest allowed value."""
    high: float | None = None
    """The highest allowed value."""
    unit: str | None = None
    """For temperatures, "C" or "F": converted to each device's own unit."""
    types: frozenset[Domain] = frozenset()
    """Types it applies to (empty: any)."""
    devices: frozenset[str] = frozenset()
    """Devices it applies to (empty: any)."""
    hours: tuple[dt.time, dt.time] | None = None
    """Local start and end time when it applies (may wrap midnight); None: always."""

    def __post_init__(self) -> None:
        if self.low is not None and self.high is not None and self.low > self.high:
            msg = f"limit on {self.key}: low {self.low} is above high {self.high}"
            raise ValueError(msg)

    def applies(self, device: Device, now: dt.datetime) -> bool:
        """Return True when the limit covers this device at this time."""
        if self.types and device.type not in self.types:
            return False
        if self.devices and device.id not in self.devices:
            return False
        if self.hours is None:
            return True
        start, end = self.hours
        t = now.timetz().replace(tzinfo=None)
        return start <= t < end if start <= end else (t >= start or t < end)


_A = ActionKind
_EVERYDAY_TYPES = frozenset({_D.LIGHT, _D.FAN, _D.MEDIA_PLAYER})
_SECURITY_TYPES = frozenset({_D.LOCK, _D.ALARM_CONTROL_PANEL})
_USE = frozenset({_A.TURN_ON, _A.TURN_OFF, _A.SET, _A.MEDIA})

DEFAULT_ROLE_RULES: Mapping[Role, tuple[Rule, ...]] = MappingProxyType(
    {
        Role.OWNER: (Rule(effect=Effect.ALLOW),),
        Role.RESIDENT: (Rule(effect=Effect.ALLOW),),
        Role.GUEST: (
            Rule(effect=Effect.ALLOW, kinds=_USE, types=_EVERYDAY_TYPES),
            Rule(effect=Effect.ALLOW, kinds=frozenset({_A.READ})),
            Rule(effect=Effect.DENY, kinds=frozenset({_A.READ}), types=_SECURITY_TYPES),
        ),
        Role.CHILD: (
            Rule(effect=Effect.ALLOW),
            Rule(effect=Effect.DENY, kinds=frozenset({_A.UNLOCK, _A.DISARM})),
            Rule(effect=Effect.DENY, kinds=frozenset({_A.OPEN}), outdoor=True),
        ),
        Role.SERVICE: (Rule(effect=Effect.ALLOW, kinds=frozenset({_A.READ})),),
    }
)
"""The rules each role starts with; a policy may replace a role's list."""

DEFAULT_DANGEROUS_CLASSES = frozenset(
    {"garage", "gate", "door", "heater", "oven", "stove", "cooker", "space_heater"}
)
"""Device classes whose switching on or opening needs confirmation."""

DEFAULT_LIMITS: tuple[Limit, ...] = (
    Limit(
        key="target_temperature",
        low=7,
        high=30,
        unit="C",
        types=frozenset({_D.CLIMATE}),
    ),
    Limit(
        key="target_temperature",
        low=30,
        high=60,
        unit="C",
        types=frozenset({_D.WATER_HEATER}),
    ),
    Limit(
        key="volume",
        high=40,
        types=frozenset({_D.MEDIA_PLAYER}),
        hours=(dt.time(22, 0), dt.time(7, 0)),
    ),
)
"""Safe values until the owner changes them: 7-30 C, no more than 40% volume at night."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """The whole security policy of a site."""

    users: Mapping[str, User] = field(
        default_factory=lambda: MappingProxyType(
            {"owner": User(id="owner", role=Role.OWNER)}
        )
    )
    """Known users by id; anyone else is refused everything."""
    role_rules: Mapping[Role, tuple[Rule, ...]] = field(
        default_factory=lambda: DEFAULT_ROLE_RULES
    )
    """Rules per role."""
    confirm_types: frozenset[Domain] = frozenset()
    """Types the owner marked: switching them on or opening them needs confirmation."""
    confirm_devices: frozenset[str] = frozenset()
    """Devices the owner marked the same way."""
    dangerous_classes: frozenset[str] = DEFAULT_DANGEROUS_CLASSES
    """Device classes treated as dangerous to switch on or open."""
    limits: tuple[Limit, ...] = DEFAULT_LIMITS
    """Safe values."""
    may_confirm: frozenset[Role] = frozenset({Role.OWNER, Role.RESIDENT})
    """Roles that may confirm a dangerous action; for the others it is refused."""
    confirm_seconds: float = 60.0
    """How long a pending confirmation lives (seconds)."""

    def __post_init__(self) -> None:
        if not isinstance(self.users, MappingProxyType):
            object.__setattr__(self, "users", MappingProxyType(dict(self.users)))
        if not isinstance(self.role_rules, MappingProxyType):
            rules = {**DEFAULT_ROLE_RULES, **self.role_rules}
            object.__setattr__(self, "role_rules", MappingProxyType(rules))
        for key, user in self.users.items():
            if key != user.id:
                msg = f"user listed under {key!r} has id {user.id!r}"
                raise ValueError(msg)
        if not self.confirm_seconds > 0:
            msg = f"confirm_seconds must be > 0, got {self.confirm_seconds}"
            raise ValueError(msg)

    def rules_for(self, user: User) -> tuple[Rule, ...]:
        """Return the role's rules followed by the user's own."""
        return (*self.role_rules.get(user.role, ()), *user.rules)


def policy_from_dict(data: Mapping[str, object]) -> Policy:
    """Build a policy from plain data (a parsed ``security:`` config section).

    The shape::

        users: [{id: anna, role: resident, name: Anna}, {id: sam, role: guest}]
        roles: {guest: [{effect: allow, kinds: [turn_on, turn_off], types: [light],
                         areas: [living_room]}]}
        confirm_types: [switch]
        confirm_devices: [switch.oven]
        limits: [{key: target_temperature, low: 7, high: 28, unit: C, types: [climate]}]
        confirm_seconds: 60

    Args:
        data: The section.

    Returns:
        The policy; the defaults fill what is not given.

    Raises:
        ValueError: Naming the first bad entry.
        TypeError: When an entry has the wrong shape.
    """
    users: dict[str, User] = {"owner": User(id="owner", role=Role.OWNER)}
    for i, raw in enumerate(_list(data.get("users"), "users")):
        entry = _map(raw, f"users[{i}]")
        user = User(
            id=str(entry.get("id", "")),
            role=Role(str(entry.get("role", ""))),
            name=str(entry.get("name", "")),
            rules=tuple(
                _rule_of(r, f"users[{i}].rules[{j}]")
                for j, r in enumerate(_list(entry.get("rules"), "rules"))
            ),
        )
        users[user.id] = user
    roles: dict[Role, tuple[Rule, ...]] = {}
    for name, raw_rules in _map(data.get("roles") or {}, "roles").items():
        roles[Role(name)] = tuple(
            _rule_of(r, f"roles.{name}[{j}]")
            for j, r in enumerate(_list(raw_rules, f"roles.{name}"))
        )
    limits = tuple(
        _limit_of(raw, f"limits[{i}]")
        for i, raw in enumerate(_list(data.get("limits"), "limits"))
    )
    seconds = data.get("confirm_seconds", 60.0)
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        msg = f"confirm_seconds must be a number, got {seconds!r}"
        raise TypeError(msg)
    return Policy(
        users=users,
        role_rules=roles,
        confirm_types=frozenset(
            Domain(t) for t in _strings(data.get("confirm_types"), "confirm_types")
        ),
        confirm_devices=frozenset(
            _strings(data.get("confirm_devices"), "confirm_devices")
        ),
        limits=limits or DEFAULT_LIMITS,
        confirm_seconds=float(seconds),
    )


def _list(value: object, where: str) -> Sequence[object]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        msg = f"{where} must be a list, got {type(value).__name__}"
        raise TypeError(msg)
    return value


def _map(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        msg = f"{where} must be a mapping, got {type(value).__name__}"
        raise TypeError(msg)
    return {str(k): v for k, v in value.items()}


def _strings(value: object, where: str) -> list[str]:
    return [str(v) for v in _list(value, where)]


def _rule_of(raw: object, where: str) -> Rule:
    entry = _map(raw, where)
    outdoor = entry.get("outdoor")
    return Rule(
        effect=Effect(str(entry.get("effect", ""))),
        kinds=frozenset(ActionKind(k) for k in _strings(entry.get("kinds"), where)),
        types=frozenset(Domain(t) for t in _strings(entry.get("types"), where)),
        areas=frozenset(_strings(entry.get("areas"), where)),
        devices=frozenset(_strings(entry.get("devices"), where)),
        outdoor=outdoor if isinstance(outdoor, bool) else None,
    )


def _limit_of(raw: object, where: str) -> Limit:
    entry = _map(raw, where)
    hours = entry.get("hours")
    span: tuple[dt.time, dt.time] | None = None
    if hours is not None:
        parts = _strings(hours, f"{where}.hours")
        if len(parts) != 2:  # a start and an end
            msg = f"{where}.hours must be [start, end], got {parts}"
            raise ValueError(msg)
        span = (dt.time.fromisoformat(parts[0]), dt.time.fromisoformat(parts[1]))
    return Limit(
        key=str(entry.get("key", "")),
        low=_number(entry.get("low"), where),
        high=_number(entry.get("high"), where),
        unit=str(entry["unit"]) if entry.get("unit") is not None else None,
        types=frozenset(Domain(t) for t in _strings(entry.get("types"), where)),
        devices=frozenset(_strings(entry.get("devices"), where)),
        hours=span,
    )


def _number(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{where}: a limit must be a number, got {value!r}"
        raise TypeError(msg)
    return float(value)
