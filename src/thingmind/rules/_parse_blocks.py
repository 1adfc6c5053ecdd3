"""Reading the three parts of an automation: triggers, conditions and actions.

Each reader takes one entry of its section and returns what it read (none when the
entry is disabled or has problems, which go to the :class:`Reader`).
"""

from __future__ import annotations

from typing import Any

from thingmind.core import Domain, EventKind, StateValue
from thingmind.registry import domain_spec
from thingmind.rules._model import (
    Action,
    AndCondition,
    Condition,
    ConditionKind,
    DelayAction,
    EventTrigger,
    NotCondition,
    NotifyAction,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    SceneAction,
    ServiceAction,
    StateCondition,
    StateTrigger,
    SunCondition,
    SunTrigger,
    TimeCondition,
    TimeTrigger,
    Trigger,
    entity_domain,
)
from thingmind.rules._parse_values import (
    COMMON_KEYS,
    Reader,
    bounds,
    build,
    check_keys,
    duration,
    entity_ids,
    entity_list,
    opt_duration,
    opt_text,
    scalars,
    signed_duration,
    state_values,
    sun_event,
    time_of_day,
    unknown_keys,
    weekdays,
)

# ---------------------------------------------------------------- triggers


def read_trigger(reader: Reader, raw: object, path: str) -> list[Trigger]:
    if not isinstance(raw, dict):
        reader.add(path, "a trigger must be a mapping", raw)
        return []
    if raw.get("enabled") is False:
        return []
    platform = raw.get("platform", raw.get("trigger"))
    allowed: frozenset[str]
    trigger_id = opt_text(reader, raw, "id", path)
    before = len(reader.problems)
    result: Trigger | None = None
    if platform == "state":
        allowed = frozenset({"entity_id", "attribute", "from", "to", "for"})
        entities = entity_ids(reader, raw, path)
        attribute = opt_text(reader, raw, "attribute", path)
        keys = check_keys(reader, raw, path, entities, attribute)
        from_states = state_values(reader, raw, "from", path, keys)
        to_states = state_values(reader, raw, "to", path, keys)
        for_seconds = opt_duration(reader, raw, "for", path)
        if len(reader.problems) == before:
            result = StateTrigger(
                entity_ids=entities,
                attribute=attribute,
                from_states=from_states,
                to_states=to_states,
                for_seconds=for_seconds,
                id=trigger_id,
            )
    elif platform == "numeric_state":
        allowed = frozenset({"entity_id", "attribute", "above", "below", "for"})
        entities = entity_ids(reader, raw, path)
        attribute = opt_text(reader, raw, "attribute", path)
        check_keys(reader, raw, path, entities, attribute)
        above, below = bounds(reader, raw, path)
        for_seconds = opt_duration(reader, raw, "for", path)
        if len(reader.problems) == before:
            result = NumericStateTrigger(
                entity_ids=entities,
                attribute=attribute,
                above=above,
                below=below,
                for_seconds=for_seconds,
                id=trigger_id,
            )
    elif platform == "time":
        allowed = frozenset({"at"})
        raw_at = raw.get("at")
        values = raw_at if isinstance(raw_at, list) else [raw_at]
        times: list[float] = []
        for index, value in enumerate(values):
            where = (
                f"{path}.at" if not isinstance(raw_at, list) else f"{path}.at[{index}]"
            )
            seconds = time_of_day(reader, value, where, raw)
            if seconds is not None:
                times.append(seconds)
        if len(reader.problems) == before:
            result = TimeTrigger(at=tuple(times), id=trigger_id)
    elif platform == "sun":
        allowed = frozenset({"event", "offset"})
        event = sun_event(reader, raw, "event", f"{path}.event", required=True)
        offset = signed_duration(reader, raw.get("offset", 0), f"{path}.offset", raw)
        if len(reader.problems) == before and event is not None and offset is not None:
            result = build(
                reader,
                f"{path}.offset",
                raw,
                SunTrigger,
                event=event,
                offset_seconds=offset,
                id=trigger_id,
            )
    elif platform == "event":
        allowed = frozenset({"event_type", "event_data"})
        event_type = raw.get("event_type")
        if event_type not in {kind.value for kind in EventKind}:
            valid = ", ".join(EventKind)
            reader.add(
                f"{path}.event_type",
                f"{event_type!r} is not an event type ({valid})",
                raw,
            )
        data = scalars(reader, raw.get("event_data", {}), f"{path}.event_data", raw)
        if len(reader.problems) == before and isinstance(event_type, str):
            result = EventTrigger(event_type=event_type, event_data=data, id=trigger_id)
    else:
        valid = "state, numeric_state, time, sun, event"
        key = "platform" if "platform" in raw else "trigger"
        reader.add(f"{path}.{key}", f"{platform!r} is not a trigger ({valid})", raw)
        return []
    key = "platform" if "platform" in raw else "trigger"
    unknown_keys(reader, raw, path, allowed | {key} | COMMON_KEYS)
    return [result] if result is not None and len(reader.problems) == before else []


# ---------------------------------------------------------------- conditions


def read_condition(reader: Reader, raw: object, path: str) -> list[Condition]:
    if not isinstance(raw, dict):
        reader.add(path, "a condition must be a mapping", raw)
        return []
    if raw.get("enabled") is False:
        return []
    for shorthand in ("and", "or", "not"):
        if shorthand in raw and "condition" not in raw:
            unknown_keys(reader, raw, path, frozenset({shorthand}) | COMMON_KEYS)
            raw = {"condition": shorthand, "conditions": raw[shorthand]}
            break
    kind = raw.get("condition")
    before = len(reader.problems)
    allowed: frozenset[str]
    result: Condition | None = None
    if kind in {"and", "or", "not"}:
        allowed = frozenset({"conditions"})
        parts_raw = raw.get("conditions")
        entries = parts_raw if isinstance(parts_raw, list) else [parts_raw]
        if parts_raw is None or not entries:
            reader.add(f"{path}.conditions", "at least one condition is needed", raw)
        parts: list[Condition] = []
        for index, entry in enumerate(entries if parts_raw is not None else []):
            parts.extend(read_condition(reader, entry, f"{path}.conditions[{index}]"))
        if len(reader.problems) == before:
            if kind == "and":
                result = AndCondition(conditions=tuple(parts))
            elif kind == "or":
                result = OrCondition(conditions=tuple(parts))
            else:
                result = NotCondition(conditions=tuple(parts))
    elif kind == "state":
        allowed = frozenset({"entity_id", "attribute", "state", "for"})
        entities = entity_ids(reader, raw, path)
        attribute = opt_text(reader, raw, "attribute", path)
        if "state" not in raw:
            reader.add(f"{path}.state", "a state condition needs state", raw)
        keys = check_keys(reader, raw, path, entities, attribute)
        states = state_values(reader, raw, "state", path, keys)
        for_seconds = opt_duration(reader, raw, "for", path)
        if len(reader.problems) == before and states is not None:
            result = StateCondition(
                entity_ids=entities,
                attribute=attribute,
                states=states,
                for_seconds=for_seconds,
            )
    elif kind == "numeric_state":
        allowed = frozenset({"entity_id", "attribute", "above", "below"})
        entities = entity_ids(reader, raw, path)
        attribute = opt_text(reader, raw, "attribute", path)
        check_keys(reader, raw, path, entities, attribute)
        above, below = bounds(reader, raw, path)
        if len(reader.problems) == before:
            result = NumericStateCondition(
                entity_ids=entities, attribute=attribute, above=above, below=below
            )
    elif kind == "time":
        allowed = frozenset({"after", "before", "weekday"})
        after = before_t = None
        if "after" in raw:
            after = time_of_day(reader, raw["after"], f"{path}.after", raw)
        if "before" in raw:
            before_t = time_of_day(reader, raw["before"], f"{path}.before", raw)
        days = weekdays(reader, raw.get("weekday"), f"{path}.weekday", raw)
        if len(reader.problems) == before:
            result = build(
                reader,
                path,
                raw,
                TimeCondition,
                after=after,
                before=before_t,
                weekdays=days,
            )
    elif kind == "sun":
        allowed = frozenset({"after", "before", "after_offset", "before_offset"})
        after_event = sun_event(reader, raw, "after", f"{path}.after")
        before_event = sun_event(reader, raw, "before", f"{path}.before")
        after_offset = signed_duration(
            reader, raw.get("after_offset", 0), f"{path}.after_offset", raw
        )
        before_offset = signed_duration(
            reader, raw.get("before_offset", 0), f"{path}.before_offset", raw
        )
        if len(reader.problems) == before:
            result = build(
                reader,
                path,
                raw,
                SunCondition,
                after=after_event,
                after_offset_seconds=after_offset or 0.0,
                before=before_event,
                before_offset_seconds=before_offset or 0.0,
            )
    else:
        valid = ", ".join(ConditionKind)
        reader.add(f"{path}.condition", f"{kind!r} is not a condition ({valid})", raw)
        return []
    unknown_keys(reader, raw, path, allowed | {"condition"} | COMMON_KEYS)
    return [result] if result is not None and len(reader.problems) == before else []


# ---------------------------------------------------------------- actions


def read_actions(reader: Reader, raw: object, path: str) -> list[Action]:
    if not isinstance(raw, dict):
        reader.add(path, "an action must be a mapping", raw)
        return []
    if raw.get("enabled") is False:
        return []
    before = len(reader.problems)
    if "delay" in raw:
        unknown_keys(reader, raw, path, frozenset({"delay"}) | COMMON_KEYS)
        seconds = duration(reader, raw["delay"], f"{path}.delay", raw)
        if seconds is None or len(reader.problems) > before:
            return []
        return [DelayAction(seconds=seconds)]
    if "scene" in raw:
        unknown_keys(reader, raw, path, frozenset({"scene"}) | COMMON_KEYS)
        scene = raw["scene"]
        if not isinstance(scene, str) or entity_domain(scene) is not Domain.SCENE:
            reader.add(
                f"{path}.scene",
                f"{scene!r} is not a scene id like scene.movie_night",
                raw,
            )
            return []
        return [SceneAction(scene_id=scene)]
    key = "service" if "service" in raw else "action"
    name = raw.get(key)
    if name is None:
        reader.add(path, "an action needs service/action, delay or scene", raw)
        return []
    unknown_keys(
        reader,
        raw,
        path,
        frozenset({key, "target", "data", "service_data", "entity_id"}) | COMMON_KEYS,
    )
    if not isinstance(name, str) or "." not in name:
        reader.add(
            f"{path}.{key}", f"{name!r} is not a service like light.turn_on", raw
        )
        return []
    domain_name, _, service = name.partition(".")
    data_key = "service_data" if "service_data" in raw else "data"
    data = scalars(reader, raw.get(data_key, {}), f"{path}.{data_key}", raw)
    targets = _targets(reader, raw, data, path)
    if domain_name == "notify":
        message = data.pop("message", None)
        title = data.pop("title", None)
        if not isinstance(message, str) or not message.strip():
            reader.add(
                f"{path}.{data_key}.message", "a notification needs a message", raw
            )
        if title is not None and not isinstance(title, str):
            reader.add(f"{path}.{data_key}.title", f"{title!r} is not text", raw)
        if len(reader.problems) > before or not isinstance(message, str):
            return []
        return [
            NotifyAction(
                message=message,
                title=title if isinstance(title, str) else None,
                channel=service,
            )
        ]
    try:
        domain = Domain(domain_name)
    except ValueError:
        reader.add(
            f"{path}.{key}", f"{name!r}: {domain_name!r} is not a device type", raw
        )
        return []
    spec = domain_spec(domain)
    service_spec = spec.services.get(service)
    if service_spec is None:
        valid = ", ".join(spec.services) or "none"
        reader.add(
            f"{path}.{key}",
            f"{domain} has no service {service!r} (valid: {valid})",
            raw,
        )
        return []
    for param in data:
        if param not in service_spec.params:
            valid = ", ".join(service_spec.params) or "none"
            reader.add(
                f"{path}.{data_key}.{param}",
                f"{name} takes no parameter {param!r} (valid: {valid})",
                raw,
            )
    if not targets:
        reader.add(
            f"{path}.target.entity_id",
            "a service action needs at least one entity_id",
            raw,
        )
    for index, entity_id in enumerate(targets):
        if entity_domain(entity_id) is not domain:
            reader.add(
                f"{path}.target.entity_id[{index}]",
                f"{entity_id!r} is not a {domain}; {name} cannot act on it",
                raw,
            )
    if len(reader.problems) > before:
        return []
    if domain is Domain.SCENE:
        return [SceneAction(scene_id=target) for target in targets]
    return [ServiceAction(service=name, entity_ids=targets, data=data)]


def _targets(
    reader: Reader, raw: dict[Any, Any], data: dict[str, StateValue], path: str
) -> tuple[str, ...]:
    target = raw.get("target")
    found: list[str] = []
    if target is not None:
        if not isinstance(target, dict):
            reader.add(f"{path}.target", "target must be a mapping", raw)
        else:
            for key in target:
                if key != "entity_id":
                    reader.add(
                        f"{path}.target.{key}",
                        "only entity_id targets are supported",
                        raw,
                    )
            found.extend(
                entity_list(
                    reader, target.get("entity_id"), f"{path}.target.entity_id", raw
                )
            )
    if "entity_id" in raw:
        found.extend(entity_list(reader, raw["entity_id"], f"{path}.entity_id", raw))
    if "entity_id" in data:
        legacy = data.pop("entity_id")
        found.extend(entity_list(reader, legacy, f"{path}.data.entity_id", raw))
    return tuple(dict.fromkeys(found))
