"""Write automations back as plain data, in Home Assistant's current shape."""

from __future__ import annotations

from typing import Any

from thingmind.core import StateValue  # noqa: TC001 - used in annotations at run time
from thingmind.rules._model import (
    DEFAULT_MAX_RUNS_PER_MINUTE,
    Action,
    AndCondition,
    Automation,
    Condition,
    DelayAction,
    EventTrigger,
    NotCondition,
    NotifyAction,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    SceneAction,
    StateCondition,
    StateTrigger,
    SunTrigger,
    TimeCondition,
    TimeTrigger,
    Trigger,
)


def dump_automation(automation: Automation) -> dict[str, Any]:
    """Write an automation as plain data in Home Assistant's current shape.

    ``parse_automation_data([dump_automation(a)], source=...)`` gives ``a`` back.

    Args:
        automation: The automation.

    Returns:
        JSON- and YAML-ready data.
    """
    out: dict[str, Any] = {"id": automation.id}
    if automation.alias:
        out["alias"] = automation.alias
    if automation.description:
        out["description"] = automation.description
    out["mode"] = str(automation.mode)
    if not automation.enabled:
        out["enabled"] = False
    if automation.max_runs_per_minute != DEFAULT_MAX_RUNS_PER_MINUTE:
        out["max_runs_per_minute"] = automation.max_runs_per_minute
    if automation.once:
        out["once"] = True
    out["triggers"] = [_dump_trigger(t) for t in automation.triggers]
    if automation.conditions:
        out["conditions"] = [_dump_condition(c) for c in automation.conditions]
    out["actions"] = [_dump_action(a) for a in automation.actions]
    return out


def _hms(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    whole = abs(seconds)
    hours, rest = divmod(whole, 3600.0)
    minutes, secs = divmod(rest, 60.0)
    text = f"{sign}{int(hours):02d}:{int(minutes):02d}:{int(secs):02d}"
    fraction = secs - int(secs)
    if fraction:
        text += f"{fraction:.6f}".lstrip("0").rstrip("0")
    return text


def _states_out(values: tuple[StateValue, ...]) -> StateValue | list[StateValue]:
    return values[0] if len(values) == 1 else list(values)


def _dump_trigger(trigger: Trigger) -> dict[str, Any]:
    out: dict[str, Any] = {"trigger": str(trigger.kind)}
    if trigger.id is not None:
        out["id"] = trigger.id
    if isinstance(trigger, StateTrigger | NumericStateTrigger):
        out["entity_id"] = list(trigger.entity_ids)
        if trigger.attribute is not None:
            out["attribute"] = trigger.attribute
    if isinstance(trigger, StateTrigger):
        if trigger.from_states is not None:
            out["from"] = _states_out(trigger.from_states)
        if trigger.to_states is not None:
            out["to"] = _states_out(trigger.to_states)
    if isinstance(trigger, NumericStateTrigger):
        _dump_bounds(out, trigger.above, trigger.below)
    if (
        isinstance(trigger, StateTrigger | NumericStateTrigger)
        and trigger.for_seconds is not None
    ):
        out["for"] = _hms(trigger.for_seconds)
    if isinstance(trigger, TimeTrigger):
        out["at"] = [_hms(t) for t in trigger.at]
    if isinstance(trigger, SunTrigger):
        out["event"] = str(trigger.event)
        if trigger.offset_seconds:
            out["offset"] = _hms(trigger.offset_seconds)
    if isinstance(trigger, EventTrigger):
        out["event_type"] = trigger.event_type
        if trigger.event_data:
            out["event_data"] = dict(trigger.event_data)
    return out


def _dump_bounds(out: dict[str, Any], above: float | None, below: float | None) -> None:
    if above is not None:
        out["above"] = above
    if below is not None:
        out["below"] = below


def _dump_condition(condition: Condition) -> dict[str, Any]:
    out: dict[str, Any] = {"condition": str(condition.kind)}
    if isinstance(condition, AndCondition | OrCondition | NotCondition):
        out["conditions"] = [_dump_condition(c) for c in condition.conditions]
    elif isinstance(condition, StateCondition):
        out["entity_id"] = list(condition.entity_ids)
        if condition.attribute is not None:
            out["attribute"] = condition.attribute
        out["state"] = _states_out(condition.states)
        if condition.for_seconds is not None:
            out["for"] = _hms(condition.for_seconds)
    elif isinstance(condition, NumericStateCondition):
        out["entity_id"] = list(condition.entity_ids)
        if condition.attribute is not None:
            out["attribute"] = condition.attribute
        _dump_bounds(out, condition.above, condition.below)
    elif isinstance(condition, TimeCondition):
        if condition.after is not None:
            out["after"] = _hms(condition.after)
        if condition.before is not None:
            out["before"] = _hms(condition.before)
        if condition.weekdays:
            out["weekday"] = [str(d) for d in condition.weekdays]
    else:
        if condition.after is not None:
            out["after"] = str(condition.after)
            if condition.after_offset_seconds:
                out["after_offset"] = _hms(condition.after_offset_seconds)
        if condition.before is not None:
            out["before"] = str(condition.before)
            if condition.before_offset_seconds:
                out["before_offset"] = _hms(condition.before_offset_seconds)
    return out


def _dump_action(action: Action) -> dict[str, Any]:
    if isinstance(action, DelayAction):
        return {"delay": _hms(action.seconds)}
    if isinstance(action, SceneAction):
        return {"scene": action.scene_id}
    if isinstance(action, NotifyAction):
        data: dict[str, Any] = {"message": action.message}
        if action.title is not None:
            data["title"] = action.title
        return {"action": f"notify.{action.channel}", "data": data}
    out: dict[str, Any] = {
        "action": action.service,
        "target": {"entity_id": list(action.entity_ids)},
    }
    if action.data:
        out["data"] = dict(action.data)
    return out
