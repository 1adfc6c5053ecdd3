"""The automation model: triggers, conditions and actions as frozen values.

The shapes follow Home Assistant's automation YAML (``triggers`` / ``conditions`` /
``actions``), so an automation written for Home Assistant reads the same here. Every
value is immutable; :func:`~thingmind.rules.parse_automations` builds them from YAML
and :func:`~thingmind.rules.dump_automation` writes them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import math
import re
from types import MappingProxyType
from typing import TypeAlias

from thingmind.core import Domain, StateValue

_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_ENTITY_RE = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")
DAY_SECONDS = 86_400.0
"""Seconds in a (civil, non-DST) day; times of day are in ``[0, DAY_SECONDS)``."""


def _frozen_map() -> Mapping[str, StateValue]:
    return MappingProxyType({})


class TriggerKind(StrEnum):
    """What starts an automation (Home Assistant's trigger platforms)."""

    STATE = "state"
    NUMERIC_STATE = "numeric_state"
    TIME = "time"
    SUN = "sun"
    EVENT = "event"


class ConditionKind(StrEnum):
    """What must hold for an automation to act."""

    STATE = "state"
    NUMERIC_STATE = "numeric_state"
    TIME = "time"
    SUN = "sun"
    AND = "and"
    OR = "or"
    NOT = "not"


class ActionKind(StrEnum):
    """What an automation does."""

    SERVICE = "service"
    """Call a device service (``light.turn_on``) on one or more devices."""
    NOTIFY = "notify"
    """Send a message to people (``notify.notify``)."""
    DELAY = "delay"
    """Wait, then carry on with the next action."""
    SCENE = "scene"
    """Activate a scene."""


class SunEvent(StrEnum):
    """The two sun events triggers and conditions can name."""

    SUNRISE = "sunrise"
    SUNSET = "sunset"


class RunMode(StrEnum):
    """What happens when an automation triggers while a run is still waiting."""

    SINGLE = "single"
    """Ignore the new trigger (the default, as in Home Assistant)."""
    RESTART = "restart"
    """Cancel the waiting run and start again."""
    QUEUED = "queued"
    """Start the new run when the current one finishes."""
    PARALLEL = "parallel"
    """Run both."""


class Weekday(StrEnum):
    """Days of the week, as Home Assistant writes them."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as in :meth:`datetime.date.weekday`."""
        return _WEEKDAY_INDEX[self]


_WEEKDAY_INDEX = {day: i for i, day in enumerate(Weekday)}


def entity_domain(entity_id: str) -> Domain | None:
    """Return the device type an entity id names (``light.x`` is a light), if any."""
    head, _, _ = entity_id.partition(".")
    try:
        return Domain(head)
    except ValueError:
        return None


def _check_entities(entity_ids: tuple[str, ...], *, allow_empty: bool = False) -> None:
    if not entity_ids and not allow_empty:
        msg = "at least one entity_id is needed"
        raise ValueError(msg)
    for entity_id in entity_ids:
        if not _ENTITY_RE.match(entity_id):
            msg = f"{entity_id!r} is not an entity id like light.kitchen"
            raise ValueError(msg)


def _check_seconds(name: str, value: float | None, *, positive: bool = False) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        want = "> 0" if positive else ">= 0"
        msg = f"{name} must be a finite number of seconds {want}, got {value!r}"
        raise ValueError(msg)


def _check_time_of_day(name: str, value: float | None) -> None:
    if value is not None and not 0 <= value < DAY_SECONDS:
        msg = f"{name} must be seconds after midnight in [0, 86400), got {value!r}"
        raise ValueError(msg)


def _check_range(above: float | None, below: float | None) -> None:
    if above is None and below is None:
        msg = "numeric_state needs above, below or both"
        raise ValueError(msg)
    for value in (above, below):
        if value is not None and not math.isfinite(value):
            msg = f"above/below must be finite numbers, got {value!r}"
            raise ValueError(msg)


# ---------------------------------------------------------------- triggers


@dataclass(frozen=True, slots=True, kw_only=True)
class StateTrigger:
    """Fires when a device's state changes (from / to given values)."""

    entity_ids: tuple[str, ...]
    """The devices watched; any of them firing is enough."""
    attribute: str | None = None
    """The state key watched; None means the type's main key (``on``, ``locked``)."""
    from_states: tuple[StateValue, ...] | None = None
    """Values it must change from (any when None)."""
    to_states: tuple[StateValue, ...] | None = None
    """Values it must change to (any when None)."""
    for_seconds: float | None = None
    """How long the new state must hold before the trigger fires."""
    id: str | None = None
    """An optional name for the trigger, shown in traces (``trigger.id``)."""
    kind: TriggerKind = field(default=TriggerKind.STATE, init=False)

    def __post_init__(self) -> None:
        _check_entities(self.entity_ids)
        _check_seconds("for", self.for_seconds)


@dataclass(frozen=True, slots=True, kw_only=True)
class NumericStateTrigger:
    """Fires when a number crosses into a range (above and/or below)."""

    entity_ids: tuple[str, ...]
    """The devices watched."""
    attribute: str | None = None
    """The state key; None means the main key (a sensor's ``value``)."""
    above: float | None = None
    """Fires when the value goes strictly above this."""
    below: float | None = None
    """Fires when the value goes strictly below this."""
    for_seconds: float | None = None
    """How long the value must stay in range before the trigger fires."""
    id: str | None = None
    """An optional name for the trigger."""
    kind: TriggerKind = field(default=TriggerKind.NUMERIC_STATE, init=False)

    def __post_init__(self) -> None:
        _check_entities(self.entity_ids)
        _check_range(self.above, self.below)
        _check_seconds("for", self.for_seconds)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeTrigger:
    """Fires every day at given times of day, in the site's time zone."""

    at: tuple[float, ...]
    """Seconds after local midnight."""
    id: str | None = None
    """An optional name for the trigger."""
    kind: TriggerKind = field(default=TriggerKind.TIME, init=False)

    def __post_init__(self) -> None:
        if not self.at:
            msg = "a time trigger needs at least one time"
            raise ValueError(msg)
        for value in self.at:
            _check_time_of_day("at", value)


@dataclass(frozen=True, slots=True, kw_only=True)
class SunTrigger:
    """Fires at sunrise or sunset (plus an offset) at the site's location."""

    event: SunEvent
    """Sunrise or sunset."""
    offset_seconds: float = 0.0
    """Signed offset: ``-1800`` is half an hour before."""
    id: str | None = None
    """An optional name for the trigger."""
    kind: TriggerKind = field(default=TriggerKind.SUN, init=False)

    def __post_init__(self) -> None:
        if not math.isfinite(self.offset_seconds) or abs(self.offset_seconds) >= (
            DAY_SECONDS / 2
        ):
            msg = f"a sun offset must be under 12 hours, got {self.offset_seconds!r}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventTrigger:
    """Fires on an event of a kind (``alert``, ``action``) whose data matches."""

    event_type: str
    """An :class:`~thingmind.core.EventKind` value."""
    event_data: Mapping[str, StateValue] = field(default_factory=_frozen_map)
    """Keys the event's data must have with these values; ``device_id`` matches
    the event's device."""
    id: str | None = None
    """An optional name for the trigger."""
    kind: TriggerKind = field(default=TriggerKind.EVENT, init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_data", MappingProxyType(dict(self.event_data)))


Trigger: TypeAlias = (
    StateTrigger | NumericStateTrigger | TimeTrigger | SunTrigger | EventTrigger
)
"""Any trigger."""


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True, kw_only=True)
class StateCondition:
    """Holds when every named device is in one of the given states."""

    entity_ids: tuple[str, ...]
    """The devices; all must match."""
    states: tuple[StateValue, ...]
    """Accepted values."""
    attribute: str | None = None
    """The state key; None means the main key."""
    for_seconds: float | None = None
    """How long the state must have held already."""
    kind: ConditionKind = field(default=ConditionKind.STATE, init=False)

    def __post_init__(self) -> None:
        _check_entities(self.entity_ids)
        if not self.states:
            msg = "a state condition needs at least one state"
            raise ValueError(msg)
        _check_seconds("for", self.for_seconds)


@dataclass(frozen=True, slots=True, kw_only=True)
class NumericStateCondition:
    """Holds when every named device's number is in range."""

    entity_ids: tuple[str, ...]
    """The devices; all must match."""
    attribute: str | None = None
    """The state key; None means the main key."""
    above: float | None = None
    """Strict lower bound."""
    below: float | None = None
    """Strict upper bound."""
    kind: ConditionKind = field(default=ConditionKind.NUMERIC_STATE, init=False)

    def __post_init__(self) -> None:
        _check_entities(self.entity_ids)
        _check_range(self.above, self.below)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeCondition:
    """Holds between two local times of day, on some weekdays.

    ``after`` later than ``before`` wraps midnight (22:00 to 06:00).
    """

    after: float | None = None
    """Seconds after local midnight, inclusive."""
    before: float | None = None
    """Seconds after local midnight, exclusive."""
    weekdays: tuple[Weekday, ...] = ()
    """Days it may hold on; empty means every day."""
    kind: ConditionKind = field(default=ConditionKind.TIME, init=False)

    def __post_init__(self) -> None:
        if self.after is None and self.before is None and not self.weekdays:
            msg = "a time condition needs after, before or weekday"
            raise ValueError(msg)
        _check_time_of_day("after", self.after)
        _check_time_of_day("before", self.before)


@dataclass(frozen=True, slots=True, kw_only=True)
class SunCondition:
    """Holds after and/or before a sun event of the current local day.

    As in Home Assistant, ``after: sunset`` holds from sunset to midnight and
    ``before: sunrise`` from midnight to sunrise; both together never hold (use
    ``or`` for "at night").
    """

    after: SunEvent | None = None
    """Holds after this event (plus ``after_offset_seconds``)."""
    after_offset_seconds: float = 0.0
    """Signed offset of ``after``."""
    before: SunEvent | None = None
    """Holds before this event (plus ``before_offset_seconds``)."""
    before_offset_seconds: float = 0.0
    """Signed offset of ``before``."""
    kind: ConditionKind = field(default=ConditionKind.SUN, init=False)

    def __post_init__(self) -> None:
        if self.after is None and self.before is None:
            msg = "a sun condition needs after, before or both"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class AndCondition:
    """Holds when all of its conditions hold."""

    conditions: tuple[Condition, ...]
    """The parts."""
    kind: ConditionKind = field(default=ConditionKind.AND, init=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrCondition:
    """Holds when any of its conditions holds."""

    conditions: tuple[Condition, ...]
    """The parts."""
    kind: ConditionKind = field(default=ConditionKind.OR, init=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class NotCondition:
    """Holds when none of its conditions holds (Home Assistant's ``not``)."""

    conditions: tuple[Condition, ...]
    """The parts."""
    kind: ConditionKind = field(default=ConditionKind.NOT, init=False)


Condition: TypeAlias = (
    StateCondition
    | NumericStateCondition
    | TimeCondition
    | SunCondition
    | AndCondition
    | OrCondition
    | NotCondition
)
"""Any condition."""


# ---------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceAction:
    """Call a device service on each target, through the same gate as a command."""

    service: str
    """``<type>.<service>``, e.g. ``light.turn_on``."""
    entity_ids: tuple[str, ...]
    """The targets."""
    data: Mapping[str, StateValue] = field(default_factory=_frozen_map)
    """The service's parameters (``brightness: 40``)."""
    kind: ActionKind = field(default=ActionKind.SERVICE, init=False)

    def __post_init__(self) -> None:
        _check_entities(self.entity_ids)
        domain, _, name = self.service.partition(".")
        if not domain or not name:
            msg = f"{self.service!r} is not a service like light.turn_on"
            raise ValueError(msg)
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))

    @property
    def service_name(self) -> str:
        """The service without its type (``turn_on``)."""
        return self.service.partition(".")[2]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyAction:
    """Send a message to people."""

    message: str
    """The text."""
    title: str | None = None
    """An optional title."""
    channel: str = "notify"
    """Where to (``notify.<channel>``)."""
    kind: ActionKind = field(default=ActionKind.NOTIFY, init=False)

    def __post_init__(self) -> None:
        if not self.message.strip():
            msg = "a notification needs a message"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class DelayAction:
    """Wait before the next action."""

    seconds: float
    """How long."""
    kind: ActionKind = field(default=ActionKind.DELAY, init=False)

    def __post_init__(self) -> None:
        _check_seconds("delay", self.seconds)


@dataclass(frozen=True, slots=True, kw_only=True)
class SceneAction:
    """Activate a scene."""

    scene_id: str
    """The scene (``scene.movie_night``)."""
    kind: ActionKind = field(default=ActionKind.SCENE, init=False)

    def __post_init__(self) -> None:
        if entity_domain(self.scene_id) is not Domain.SCENE:
            msg = f"{self.scene_id!r} is not a scene id like scene.movie_night"
            raise ValueError(msg)


Action: TypeAlias = ServiceAction | NotifyAction | DelayAction | SceneAction
"""Any action."""


# ---------------------------------------------------------------- automation

DEFAULT_MAX_RUNS_PER_MINUTE = 30
"""The loop guard's default: more runs than this in 60 s pauses an automation."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Automation:
    """One automation: when (triggers), only if (conditions), do (actions)."""

    id: str
    """Unique id (letters, digits, ``_ . -``)."""
    alias: str = ""
    """The name people see."""
    description: str = ""
    """What it is for."""
    triggers: tuple[Trigger, ...]
    """Any one of these starts a run."""
    conditions: tuple[Condition, ...] = ()
    """All of these must hold for the actions to run."""
    actions: tuple[Action, ...]
    """What it does, in order."""
    mode: RunMode = RunMode.SINGLE
    """What a trigger does while a run is still waiting on a delay."""
    enabled: bool = True
    """Disabled automations keep their definition but never run."""
    max_runs_per_minute: int = DEFAULT_MAX_RUNS_PER_MINUTE
    """The loop guard: runs beyond this in a sliding minute are refused."""
    once: bool = False
    """A one-off ("turn off the porch light in 10 minutes"): removed after its first run.

    thingmind's own key; Home Assistant has no such field."""
    source: str = "<memory>"
    """Where it was loaded from, for messages."""

    def __post_init__(self) -> None:
        if not _ID_RE.match(self.id):
            msg = f"automation id {self.id!r} must be letters, digits, '_', '.' or '-'"
            raise ValueError(msg)
        if not self.triggers:
            msg = f"automation {self.id!r} needs at least one trigger"
            raise ValueError(msg)
        if not self.actions:
            msg = f"automation {self.id!r} needs at least one action"
            raise ValueError(msg)
        if self.max_runs_per_minute < 1:
            msg = f"max_runs_per_minute must be >= 1, got {self.max_runs_per_minute!r}"
            raise ValueError(msg)

    @property
    def name(self) -> str:
        """The alias, or the id when there is none."""
        return self.alias or self.id
