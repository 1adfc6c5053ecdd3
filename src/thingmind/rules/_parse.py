"""Read automations from YAML (Home Assistant's shapes) and write them back.

Everything is checked before anything is raised: :class:`~thingmind.core.InvalidInputError`
lists every problem, each with a path that names the automation
(``automations[2] "Porch at sunset": triggers[0].at``), a message (``"25:00" is not a
time``) and the line where the enclosing block starts.

Both Home Assistant spellings are accepted: ``trigger:``/``triggers:`` with
``platform:``/``trigger:`` keys, ``condition:``/``conditions:``, ``action:``/``actions:``,
``service: light.turn_on`` or ``action: light.turn_on`` with ``target: {entity_id: ...}``
and ``data:``; ``entity_id`` as text or a list; durations as ``"HH:MM:SS"``, seconds or
``{minutes: 5}``.
"""

from __future__ import annotations

from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

import yaml

from thingmind.core import Domain, EventKind, InvalidInputError, Problem, StateValue
from thingmind.registry import domain_spec
from thingmind.rules._model import (
    DEFAULT_MAX_RUNS_PER_MINUTE,
    Action,
    AndCondition,
    Automation,
    Condition,
    ConditionKind,
    DelayAction,
    EventTrigger,
    NotCondition,
    NotifyAction,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    RunMode,
    SceneAction,
    ServiceAction,
    StateCondition,
    StateTrigger,
    SunCondition,
    SunEvent,
    SunTrigger,
    TimeCondition,
    TimeTrigger,
    Trigger,
    Weekday,
    entity_domain,
)
from thingmind.rules._states import expected_value, state_key
from thingmind.rules._yaml import load_yaml

if TYPE_CHECKING:
    from collections.abc import Callable

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$")
_DURATION_RE = re.compile(r"^([-+])?(\d+):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$")
_DURATION_UNITS = {
    "days": 86_400.0,
    "hours": 3_600.0,
    "minutes": 60.0,
    "seconds": 1.0,
    "milliseconds": 0.001,
}
_SLUG_RE = re.compile(r"[^a-z0-9]+")
_COMMON_KEYS = frozenset({"id", "alias", "enabled"})

_AUTOMATION_KEYS = frozenset(
    {
        "id",
        "alias",
        "description",
        "mode",
        "enabled",
        "initial_state",
        "max_runs_per_minute",
        "once",
        "max",
        "max_exceeded",
        "trigger",
        "triggers",
        "condition",
        "conditions",
        "action",
        "actions",
        "variables",
        "trace",
    }
)


class _Reader:
    """Collects problems while reading one document."""

    def __init__(self, lines: dict[int, int]) -> None:
        self.problems: list[Problem] = []
        self._lines = lines
        self.prefix = ""

    def line(self, node: object) -> int | None:
        return self._lines.get(id(node))

    def add(self, path: str, message: str, node: object = None) -> None:
        where = (
            f"{self.prefix}: {path}" if self.prefix and path else self.prefix or path
        )
        self.problems.append(Problem(path=where, message=message, line=self.line(node)))


# ---------------------------------------------------------------- public API


def parse_automations(text: str, *, source: str) -> list[Automation]:
    """Read automations from YAML text.

    The document is a list of automations (Home Assistant's ``automations.yaml``), a
    mapping with an ``automations:`` (or ``automation:``) list, or one automation.

    Args:
        text: The YAML.
        source: Where it came from (a file name), for messages.

    Returns:
        The automations, in document order.

    Raises:
        InvalidInputError: Listing every problem found, each with its path.
    """
    try:
        data, lines = load_yaml(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = Problem(path="document", message=f"not valid YAML: {err}", line=line)
        raise InvalidInputError(source, [problem]) from err
    return _parse_document(data, source=source, lines=lines)


def parse_automation_data(data: object, *, source: str) -> list[Automation]:
    """Read automations from already-loaded data (JSON from the store, say).

    Args:
        data: A list of automation mappings, in the YAML's shapes.
        source: Where it came from, for messages.

    Returns:
        The automations.

    Raises:
        InvalidInputError: Listing every problem found.
    """
    return _parse_document(data, source=source, lines={})


def load_automations(path: str | Path) -> list[Automation]:
    """Read an automations YAML file.

    Args:
        path: The file.

    Returns:
        The automations.

    Raises:
        InvalidInputError: Listing every problem found.
        OSError: When the file cannot be read.
    """
    file = Path(path)
    return parse_automations(file.read_text(encoding="utf-8"), source=str(file))


def _parse_document(
    data: object, *, source: str, lines: dict[int, int]
) -> list[Automation]:
    reader = _Reader(lines)
    items: object = data
    if isinstance(data, dict):
        if "automations" in data or "automation" in data:
            items = data.get("automations", data.get("automation"))
        else:
            items = [data]
    if items is None:
        items = []
    if not isinstance(items, list):
        reader.add("document", "expected a list of automations", data)
        raise InvalidInputError(source, reader.problems)
    automations: list[Automation] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        label = f"automations[{index}]"
        if isinstance(item, dict) and isinstance(item.get("alias"), str):
            label += f' "{item["alias"]}"'
        reader.prefix = label
        automation = _automation(reader, item, source=source)
        raw_id = item.get("id") if isinstance(item, dict) else None
        key = str(raw_id) if raw_id is not None else None
        if automation is not None:
            key = automation.id
        if key is not None and key in seen:
            where = f"automations[{seen[key]}]"
            reader.add("id", f"{key!r} is already used by {where}", item)
            continue
        if key is not None:
            seen[key] = index
        if automation is not None:
            automations.append(automation)
    if reader.problems:
        raise InvalidInputError(source, reader.problems)
    return automations


# ---------------------------------------------------------------- automation


def _automation(reader: _Reader, item: object, *, source: str) -> Automation | None:
    if not isinstance(item, dict):
        reader.add("", "an automation must be a mapping", item)
        return None
    before = len(reader.problems)
    for key in item:
        if key not in _AUTOMATION_KEYS:
            reader.add(str(key), "unknown key", item)
    alias = _text(reader, item, "alias", default="")
    description = _text(reader, item, "description", default="")
    raw_id = item.get("id")
    if raw_id is None:
        automation_id = _SLUG_RE.sub("_", alias.casefold()).strip("_")
        if not automation_id:
            reader.add("id", "an automation needs an id or an alias", item)
    elif isinstance(raw_id, str | int) and not isinstance(raw_id, bool):
        automation_id = str(raw_id)
    else:
        reader.add("id", f"{raw_id!r} is not an id", item)
        automation_id = ""
    mode = RunMode.SINGLE
    raw_mode = item.get("mode", "single")
    try:
        mode = RunMode(raw_mode)
    except ValueError:
        valid = ", ".join(RunMode)
        reader.add("mode", f"{raw_mode!r} is not a mode ({valid})", item)
    enabled = True
    for key in ("enabled", "initial_state"):
        if key in item:
            if isinstance(item[key], bool):
                enabled = enabled and item[key]
            else:
                reader.add(key, f"{item[key]!r} is not true or false", item)
    max_runs = item.get("max_runs_per_minute", DEFAULT_MAX_RUNS_PER_MINUTE)
    if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
        reader.add(
            "max_runs_per_minute", f"{max_runs!r} is not a whole number >= 1", item
        )
        max_runs = DEFAULT_MAX_RUNS_PER_MINUTE
    once = item.get("once", False)
    if not isinstance(once, bool):
        reader.add("once", f"{once!r} is not true or false", item)
        once = False

    triggers = _section(reader, item, ("triggers", "trigger"), _trigger, required=True)
    conditions = _section(reader, item, ("conditions", "condition"), _condition)
    actions = _section(reader, item, ("actions", "action"), _actions, required=True)
    if len(reader.problems) > before:
        return None
    try:
        return Automation(
            id=automation_id,
            alias=alias,
            description=description,
            triggers=tuple(triggers),
            conditions=tuple(conditions),
            actions=tuple(actions),
            mode=mode,
            enabled=enabled,
            max_runs_per_minute=max_runs,
            once=once,
            source=source,
        )
    except ValueError as err:
        reader.add("id", str(err), item)
        return None


def _section(
    reader: _Reader,
    item: dict[Any, Any],
    names: tuple[str, str],
    read: Callable[[_Reader, object, str], list[Any]],
    *,
    required: bool = False,
) -> list[Any]:
    plural, singular = names
    if plural in item and singular in item:
        reader.add(singular, f"use either {plural} or {singular}, not both", item)
        return []
    name = plural if plural in item else singular
    raw = item.get(name)
    if raw is None:
        if required:
            reader.add(plural, "at least one is needed", item)
        return []
    entries = raw if isinstance(raw, list) else [raw]
    if required and not entries:
        reader.add(plural, "at least one is needed", item)
    out: list[Any] = []
    for index, entry in enumerate(entries):
        out.extend(read(reader, entry, f"{plural}[{index}]"))
    return out


# ---------------------------------------------------------------- triggers


def _trigger(reader: _Reader, raw: object, path: str) -> list[Trigger]:
    if not isinstance(raw, dict):
        reader.add(path, "a trigger must be a mapping", raw)
        return []
    if raw.get("enabled") is False:
        return []
    platform = raw.get("platform", raw.get("trigger"))
    allowed: frozenset[str]
    trigger_id = _opt_text(reader, raw, "id", path)
    before = len(reader.problems)
    result: Trigger | None = None
    if platform == "state":
        allowed = frozenset({"entity_id", "attribute", "from", "to", "for"})
        entities = _entities(reader, raw, path)
        attribute = _opt_text(reader, raw, "attribute", path)
        keys = _check_keys(reader, raw, path, entities, attribute)
        from_states = _state_values(reader, raw, "from", path, keys)
        to_states = _state_values(reader, raw, "to", path, keys)
        for_seconds = _opt_duration(reader, raw, "for", path)
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
        entities = _entities(reader, raw, path)
        attribute = _opt_text(reader, raw, "attribute", path)
        _check_keys(reader, raw, path, entities, attribute)
        above, below = _bounds(reader, raw, path)
        for_seconds = _opt_duration(reader, raw, "for", path)
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
            seconds = _time_of_day(reader, value, where, raw)
            if seconds is not None:
                times.append(seconds)
        if len(reader.problems) == before:
            result = TimeTrigger(at=tuple(times), id=trigger_id)
    elif platform == "sun":
        allowed = frozenset({"event", "offset"})
        event = _sun_event(reader, raw, "event", f"{path}.event", required=True)
        offset = _signed_duration(reader, raw.get("offset", 0), f"{path}.offset", raw)
        if len(reader.problems) == before and event is not None and offset is not None:
            result = _build(
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
        data = _scalars(reader, raw.get("event_data", {}), f"{path}.event_data", raw)
        if len(reader.problems) == before and isinstance(event_type, str):
            result = EventTrigger(event_type=event_type, event_data=data, id=trigger_id)
    else:
        valid = "state, numeric_state, time, sun, event"
        key = "platform" if "platform" in raw else "trigger"
        reader.add(f"{path}.{key}", f"{platform!r} is not a trigger ({valid})", raw)
        return []
    key = "platform" if "platform" in raw else "trigger"
    _unknown_keys(reader, raw, path, allowed | {key} | _COMMON_KEYS)
    return [result] if result is not None and len(reader.problems) == before else []


# ---------------------------------------------------------------- conditions


def _condition(reader: _Reader, raw: object, path: str) -> list[Condition]:
    if not isinstance(raw, dict):
        reader.add(path, "a condition must be a mapping", raw)
        return []
    if raw.get("enabled") is False:
        return []
    for shorthand in ("and", "or", "not"):
        if shorthand in raw and "condition" not in raw:
            _unknown_keys(reader, raw, path, frozenset({shorthand}) | _COMMON_KEYS)
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
            parts.extend(_condition(reader, entry, f"{path}.conditions[{index}]"))
        if len(reader.problems) == before:
            if kind == "and":
                result = AndCondition(conditions=tuple(parts))
            elif kind == "or":
                result = OrCondition(conditions=tuple(parts))
            else:
                result = NotCondition(conditions=tuple(parts))
    elif kind == "state":
        allowed = frozenset({"entity_id", "attribute", "state", "for"})
        entities = _entities(reader, raw, path)
        attribute = _opt_text(reader, raw, "attribute", path)
        if "state" not in raw:
            reader.add(f"{path}.state", "a state condition needs state", raw)
        keys = _check_keys(reader, raw, path, entities, attribute)
        states = _state_values(reader, raw, "state", path, keys)
        for_seconds = _opt_duration(reader, raw, "for", path)
        if len(reader.problems) == before and states is not None:
            result = StateCondition(
                entity_ids=entities,
                attribute=attribute,
                states=states,
                for_seconds=for_seconds,
            )
    elif kind == "numeric_state":
        allowed = frozenset({"entity_id", "attribute", "above", "below"})
        entities = _entities(reader, raw, path)
        attribute = _opt_text(reader, raw, "attribute", path)
        _check_keys(reader, raw, path, entities, attribute)
        above, below = _bounds(reader, raw, path)
        if len(reader.problems) == before:
            result = NumericStateCondition(
                entity_ids=entities, attribute=attribute, above=above, below=below
            )
    elif kind == "time":
        allowed = frozenset({"after", "before", "weekday"})
        after = before_t = None
        if "after" in raw:
            after = _time_of_day(reader, raw["after"], f"{path}.after", raw)
        if "before" in raw:
            before_t = _time_of_day(reader, raw["before"], f"{path}.before", raw)
        days = _weekdays(reader, raw.get("weekday"), f"{path}.weekday", raw)
        if len(reader.problems) == before:
            result = _build(
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
        after_event = _sun_event(reader, raw, "after", f"{path}.after")
        before_event = _sun_event(reader, raw, "before", f"{path}.before")
        after_offset = _signed_duration(
            reader, raw.get("after_offset", 0), f"{path}.after_offset", raw
        )
        before_offset = _signed_duration(
            reader, raw.get("before_offset", 0), f"{path}.before_offset", raw
        )
        if len(reader.problems) == before:
            result = _build(
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
    _unknown_keys(reader, raw, path, allowed | {"condition"} | _COMMON_KEYS)
    return [result] if result is not None and len(reader.problems) == before else []


# ---------------------------------------------------------------- actions


def _actions(reader: _Reader, raw: object, path: str) -> list[Action]:
    if not isinstance(raw, dict):
        reader.add(path, "an action must be a mapping", raw)
        return []
    if raw.get("enabled") is False:
        return []
    before = len(reader.problems)
    if "delay" in raw:
        _unknown_keys(reader, raw, path, frozenset({"delay"}) | _COMMON_KEYS)
        seconds = _duration(reader, raw["delay"], f"{path}.delay", raw)
        if seconds is None or len(reader.problems) > before:
            return []
        return [DelayAction(seconds=seconds)]
    if "scene" in raw:
        _unknown_keys(reader, raw, path, frozenset({"scene"}) | _COMMON_KEYS)
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
    _unknown_keys(
        reader,
        raw,
        path,
        frozenset({key, "target", "data", "service_data", "entity_id"}) | _COMMON_KEYS,
    )
    if not isinstance(name, str) or "." not in name:
        reader.add(
            f"{path}.{key}", f"{name!r} is not a service like light.turn_on", raw
        )
        return []
    domain_name, _, service = name.partition(".")
    data_key = "service_data" if "service_data" in raw else "data"
    data = _scalars(reader, raw.get(data_key, {}), f"{path}.{data_key}", raw)
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
    reader: _Reader, raw: dict[Any, Any], data: dict[str, StateValue], path: str
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
                _entity_list(
                    reader, target.get("entity_id"), f"{path}.target.entity_id", raw
                )
            )
    if "entity_id" in raw:
        found.extend(_entity_list(reader, raw["entity_id"], f"{path}.entity_id", raw))
    if "entity_id" in data:
        legacy = data.pop("entity_id")
        found.extend(_entity_list(reader, legacy, f"{path}.data.entity_id", raw))
    return tuple(dict.fromkeys(found))


# ---------------------------------------------------------------- values


def _unknown_keys(
    reader: _Reader, raw: dict[Any, Any], path: str, allowed: frozenset[str]
) -> None:
    for key in raw:
        if key not in allowed:
            reader.add(f"{path}.{key}", "unknown key", raw)


def _build(reader: _Reader, path: str, raw: object, cls: Any, **kwargs: Any) -> Any:
    try:
        return cls(**kwargs)
    except ValueError as err:
        reader.add(path, str(err), raw)
        return None


def _text(reader: _Reader, item: dict[Any, Any], key: str, *, default: str) -> str:
    value = item.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        reader.add(key, f"{value!r} is not text", item)
        return default
    return value


def _opt_text(reader: _Reader, raw: dict[Any, Any], key: str, path: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        reader.add(f"{path}.{key}", f"{value!r} is not text", raw)
        return None
    return str(value)


def _entity_list(
    reader: _Reader, value: object, path: str, node: object
) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[object] = [part.strip() for part in value.split(",")]
    elif isinstance(value, list):
        items = list(value)
    else:
        reader.add(path, f"{value!r} is not an entity id or a list of them", node)
        return ()
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or entity_domain(item) is None or "." not in item:
            reader.add(path, f"{item!r} is not an entity id like light.kitchen", node)
            continue
        out.append(item)
    return tuple(out)


def _entities(reader: _Reader, raw: dict[Any, Any], path: str) -> tuple[str, ...]:
    if "entity_id" not in raw:
        reader.add(f"{path}.entity_id", "entity_id is needed", raw)
        return ()
    entities = _entity_list(reader, raw["entity_id"], f"{path}.entity_id", raw)
    if not entities and isinstance(raw["entity_id"], list):
        reader.add(f"{path}.entity_id", "at least one entity_id is needed", raw)
    return entities


def _check_keys(
    reader: _Reader,
    raw: dict[Any, Any],
    path: str,
    entities: tuple[str, ...],
    attribute: str | None,
) -> list[tuple[Domain, str]]:
    keys: list[tuple[Domain, str]] = []
    for entity_id in entities:
        domain = entity_domain(entity_id)
        if domain is None:
            continue
        try:
            keys.append((domain, state_key(domain, attribute)))
        except ValueError as err:
            where = (
                f"{path}.attribute" if attribute is not None else f"{path}.entity_id"
            )
            reader.add(where, f"{entity_id}: {err}", raw)
    return keys


def _state_values(
    reader: _Reader,
    raw: dict[Any, Any],
    key: str,
    path: str,
    keys: list[tuple[Domain, str]],
) -> tuple[StateValue, ...] | None:
    if key not in raw:
        return None
    value = raw[key]
    values = value if isinstance(value, list) else [value]
    out: list[StateValue] = []
    for index, item in enumerate(values):
        where = (
            f"{path}.{key}" if not isinstance(value, list) else f"{path}.{key}[{index}]"
        )
        if isinstance(item, dict | list):
            reader.add(where, f"{item!r} is not a state value", raw)
            continue
        for domain, state in keys:
            try:
                expected_value(domain, state, item)
            except ValueError as err:
                reader.add(where, str(err), raw)
                break
        out.append(item)
    return tuple(out)


def _bounds(
    reader: _Reader, raw: dict[Any, Any], path: str
) -> tuple[float | None, float | None]:
    out: list[float | None] = []
    for key in ("above", "below"):
        value = raw.get(key)
        if value is None:
            out.append(None)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            reader.add(f"{path}.{key}", f"{value!r} is not a number", raw)
            out.append(None)
        else:
            out.append(float(value))
    above, below = out
    if "above" not in raw and "below" not in raw:
        reader.add(path, "numeric_state needs above, below or both", raw)
    elif above is not None and below is not None and above >= below:
        reader.add(path, f"above ({above:g}) must be less than below ({below:g})", raw)
    return above, below


def _scalars(
    reader: _Reader, value: object, path: str, node: object
) -> dict[str, StateValue]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        reader.add(path, "expected a mapping", node)
        return {}
    out: dict[str, StateValue] = {}
    for key, item in value.items():
        if not isinstance(item, bool | int | float | str) and item is not None:
            reader.add(f"{path}.{key}", f"{item!r} is not a plain value", node)
            continue
        out[str(key)] = item
    return out


def _time_of_day(
    reader: _Reader, value: object, path: str, node: object
) -> float | None:
    if isinstance(value, str):
        match = _TIME_RE.match(value.strip())
        if match is not None:
            hours, minutes = int(match[1]), int(match[2])
            seconds = int(match[3] or 0)
            if hours < 24 and minutes < 60 and seconds < 60:
                return hours * 3600.0 + minutes * 60.0 + seconds
    reader.add(path, f"{_show(value)} is not a time (HH:MM or HH:MM:SS)", node)
    return None


def _duration(reader: _Reader, value: object, path: str, node: object) -> float | None:
    seconds = _signed_duration(reader, value, path, node)
    if seconds is not None and seconds < 0:
        reader.add(path, f"{_show(value)} is negative", node)
        return None
    return seconds


def _opt_duration(
    reader: _Reader, raw: dict[Any, Any], key: str, path: str
) -> float | None:
    if key not in raw or raw[key] is None:
        return None
    return _duration(reader, raw[key], f"{path}.{key}", raw)


def _signed_duration(
    reader: _Reader, value: object, path: str, node: object
) -> float | None:
    if isinstance(value, bool):
        reader.add(path, f"{value!r} is not a duration", node)
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _DURATION_RE.match(value.strip())
        if match is not None:
            sign = -1.0 if match[1] == "-" else 1.0
            if match[4] is None:  # "HH:MM"
                total = int(match[2]) * 3600.0 + int(match[3]) * 60.0
            else:
                total = int(match[2]) * 3600.0 + int(match[3]) * 60.0 + int(match[4])
                if match[5]:
                    total += float(f"0.{match[5]}")
            if int(match[3]) < 60 and int(match[4] or 0) < 60:
                return sign * total
        reader.add(path, f"{_show(value)} is not a duration (HH:MM:SS)", node)
        return None
    if isinstance(value, dict):
        total = 0.0
        ok = True
        for unit, amount in value.items():
            factor = _DURATION_UNITS.get(str(unit))
            if factor is None:
                reader.add(
                    f"{path}.{unit}",
                    f"unknown unit (use {', '.join(_DURATION_UNITS)})",
                    node,
                )
                ok = False
            elif isinstance(amount, bool) or not isinstance(amount, int | float):
                reader.add(f"{path}.{unit}", f"{amount!r} is not a number", node)
                ok = False
            else:
                total += factor * amount
        return total if ok else None
    reader.add(path, f"{_show(value)} is not a duration", node)
    return None


def _sun_event(
    reader: _Reader, raw: dict[Any, Any], key: str, path: str, *, required: bool = False
) -> SunEvent | None:
    value = raw.get(key)
    if value is None:
        if required:
            reader.add(path, "sunrise or sunset is needed", raw)
        return None
    try:
        return SunEvent(value)
    except ValueError:
        reader.add(path, f"{_show(value)} is not sunrise or sunset", raw)
        return None


def _weekdays(
    reader: _Reader, value: object, path: str, node: object
) -> tuple[Weekday, ...]:
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    out: list[Weekday] = []
    for item in values:
        try:
            out.append(Weekday(str(item).casefold()[:3]))
        except ValueError:
            reader.add(
                path, f"{_show(item)} is not a weekday ({', '.join(Weekday)})", node
            )
    return tuple(out)


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
