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

from thingmind.core import InvalidInputError, Problem
from thingmind.rules._model import DEFAULT_MAX_RUNS_PER_MINUTE, Automation, RunMode
from thingmind.rules._parse_blocks import read_actions, read_condition, read_trigger
from thingmind.rules._parse_values import Reader
from thingmind.rules._yaml import load_yaml

if TYPE_CHECKING:
    from collections.abc import Callable

_SLUG_RE = re.compile(r"[^a-z0-9]+")
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
    reader = Reader(lines)
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


def _automation(reader: Reader, item: object, *, source: str) -> Automation | None:
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

    triggers = _section(
        reader, item, ("triggers", "trigger"), read_trigger, required=True
    )
    conditions = _section(reader, item, ("conditions", "condition"), read_condition)
    actions = _section(reader, item, ("actions", "action"), read_actions, required=True)
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
    reader: Reader,
    item: dict[Any, Any],
    names: tuple[str, str],
    read: Callable[[Reader, object, str], list[Any]],
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


def _text(reader: Reader, item: dict[Any, Any], key: str, *, default: str) -> str:
    value = item.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        reader.add(key, f"{value!r} is not text", item)
        return default
    return value
