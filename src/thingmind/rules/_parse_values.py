"""Reading the values inside an automation: texts, entity ids, states, times.

Every reader takes the :class:`Reader` of the document, adds a problem (with its path
and line) for a value it cannot read, and returns what it could read, so that one
pass lists every problem in the document.
"""

from __future__ import annotations

import re
from typing import Any

from thingmind.core import Domain, Problem, StateValue
from thingmind.rules._model import SunEvent, Weekday, entity_domain
from thingmind.rules._states import expected_value, state_key

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$")
_DURATION_RE = re.compile(r"^([-+])?(\d+):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$")
_DURATION_UNITS = {
    "days": 86_400.0,
    "hours": 3_600.0,
    "minutes": 60.0,
    "seconds": 1.0,
    "milliseconds": 0.001,
}
COMMON_KEYS = frozenset({"id", "alias", "enabled"})
"""Keys every trigger, condition and action may have."""


class Reader:
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


# ---------------------------------------------------------------- values


def unknown_keys(
    reader: Reader, raw: dict[Any, Any], path: str, allowed: frozenset[str]
) -> None:
    for key in raw:
        if key not in allowed:
            reader.add(f"{path}.{key}", "unknown key", raw)


def build(reader: Reader, path: str, raw: object, cls: Any, **kwargs: Any) -> Any:
    try:
        return cls(**kwargs)
    except ValueError as err:
        reader.add(path, str(err), raw)
        return None


def opt_text(reader: Reader, raw: dict[Any, Any], key: str, path: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        reader.add(f"{path}.{key}", f"{value!r} is not text", raw)
        return None
    return str(value)


def entity_list(
    reader: Reader, value: object, path: str, node: object
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


def entity_ids(reader: Reader, raw: dict[Any, Any], path: str) -> tuple[str, ...]:
    if "entity_id" not in raw:
        reader.add(f"{path}.entity_id", "entity_id is needed", raw)
        return ()
    entities = entity_list(reader, raw["entity_id"], f"{path}.entity_id", raw)
    if not entities and isinstance(raw["entity_id"], list):
        reader.add(f"{path}.entity_id", "at least one entity_id is needed", raw)
    return entities


def check_keys(
    reader: Reader,
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


def state_values(
    reader: Reader,
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


def bounds(
    reader: Reader, raw: dict[Any, Any], path: str
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


def scalars(
    reader: Reader, value: object, path: str, node: object
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


def time_of_day(reader: Reader, value: object, path: str, node: object) -> float | None:
    if isinstance(value, str):
        match = _TIME_RE.match(value.strip())
        if match is not None:
            hours, minutes = int(match[1]), int(match[2])
            seconds = int(match[3] or 0)
            if hours < 24 and minutes < 60 and seconds < 60:
                return hours * 3600.0 + minutes * 60.0 + seconds
    reader.add(path, f"{_show(value)} is not a time (HH:MM or HH:MM:SS)", node)
    return None


def duration(reader: Reader, value: object, path: str, node: object) -> float | None:
    seconds = signed_duration(reader, value, path, node)
    if seconds is not None and seconds < 0:
        reader.add(path, f"{_show(value)} is negative", node)
        return None
    return seconds


def opt_duration(
    reader: Reader, raw: dict[Any, Any], key: str, path: str
) -> float | None:
    if key not in raw or raw[key] is None:
        return None
    return duration(reader, raw[key], f"{path}.{key}", raw)


def signed_duration(
    reader: Reader, value: object, path: str, node: object
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


def sun_event(
    reader: Reader, raw: dict[Any, Any], key: str, path: str, *, required: bool = False
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


def weekdays(
    reader: Reader, value: object, path: str, node: object
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
