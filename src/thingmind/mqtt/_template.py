"""The safe subset of Home Assistant's Jinja templates that discovery configs use.

thingmind never runs a template engine on text from the network. It understands the
forms the common integrations (zigbee2mqtt, Tasmota, ESPHome, Shelly) publish::

    {{ value }}                          {{ value_json.state }}
    {{ value_json['temperature'] }}      {{ value_json.color.r }}
    {{ value_json.brightness | int }}    {{ value | float | round(1) }}
    {{ value_json.state | default('OFF') }}   {{ value | lower }}

and, for command templates, literal text around such placeholders
(``{"brightness": {{ value }}}``). Anything else is rejected with
``Rejection.UNSUPPORTED_TEMPLATE`` when the config is read, never evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import math
import re
from typing import Final

from thingmind.mqtt._errors import RejectedError, Rejection
from thingmind.mqtt._payload import JsonValue, is_number, parse_json

MAX_TEMPLATE = 512
"""Longest template accepted, characters."""


class Missing:
    """The value of a path that is not in the payload (the channel is skipped)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()
"""Returned by :meth:`ValueTemplate.render` when the path is not in the payload."""

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_ACCESSOR = re.compile(
    rf"\s*(?:\.({_IDENT})|\[\s*'([^'\\]*)'\s*\]|\[\s*\"([^\"\\]*)\"\s*\]|\[\s*(\d+)\s*\])"
)
_ROOT = re.compile(r"\s*(value_json|value)\b")
_FILTER = re.compile(rf"\s*\|\s*({_IDENT})\s*(?:\(\s*([^()]*?)\s*\))?")
_PLACEHOLDER = re.compile(r"\{\{-?(.*?)-?\}\}", re.DOTALL)
_FILTERS = frozenset(
    {"int", "float", "string", "lower", "upper", "trim", "round", "default", "tojson"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Expr:
    use_json: bool
    path: tuple[str | int, ...]
    filters: tuple[tuple[str, JsonValue], ...]


def _literal(text: str, template: str) -> JsonValue:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    try:
        return parse_json(text)
    except RejectedError:
        msg = f"unsupported filter argument {text!r} in {template!r}"
        raise RejectedError(Rejection.UNSUPPORTED_TEMPLATE, msg) from None


def _parse_expr(source: str, template: str) -> _Expr:
    root = _ROOT.match(source)
    if root is None:
        msg = f"a template must start with value or value_json: {template!r}"
        raise RejectedError(Rejection.UNSUPPORTED_TEMPLATE, msg)
    use_json = root.group(1) == "value_json"
    pos = root.end()
    path: list[str | int] = []
    while (m := _ACCESSOR.match(source, pos)) is not None:
        if not use_json:
            msg = f"only value_json has fields: {template!r}"
            raise RejectedError(Rejection.UNSUPPORTED_TEMPLATE, msg)
        ident, single, double, index = m.groups()
        path.append(
            int(index) if index is not None else ident or single or double or ""
        )
        pos = m.end()
    filters: list[tuple[str, JsonValue]] = []
    while (m := _FILTER.match(source, pos)) is not None:
        name, arg = m.group(1), m.group(2)
        if name not in _FILTERS:
            msg = f"unsupported filter {name!r} in {template!r}"
            raise RejectedError(Rejection.UNSUPPORTED_TEMPLATE, msg)
        filters.append((name, _literal(arg, template) if arg else None))
        pos = m.end()
    if source[pos:].strip():
        msg = f"unsupported template {template!r}"
        raise RejectedError(Rejection.UNSUPPORTED_TEMPLATE, msg)
    return _Expr(use_json=use_json, path=tuple(path), filters=tuple(filters))


def _apply(
    value: JsonValue | Missing, filters: tuple[tuple[str, JsonValue], ...]
) -> JsonValue | Missing:
    for name, arg in filters:
        if name == "default":
            if isinstance(value, Missing):
                value = arg
            continue
        if isinstance(value, Missing):
            return value
        value = _filter(name, arg, value)
    return value


def _filter(name: str, arg: JsonValue, value: JsonValue) -> JsonValue:
    if name in {"int", "float"}:
        number = _to_number(value)
        if number is None:
            msg = f"{value!r} is not a number"
            raise RejectedError(Rejection.BAD_VALUE, msg)
        return int(number) if name == "int" else float(number)
    if name == "round":
        number = _to_number(value)
        if number is None:
            msg = f"{value!r} is not a number"
            raise RejectedError(Rejection.BAD_VALUE, msg)
        digits = arg if isinstance(arg, int) and not isinstance(arg, bool) else 0
        return round(float(number), max(0, min(digits, 10)))
    if name == "tojson":
        return json.dumps(value)
    text = value if isinstance(value, str) else _to_text(value)
    if name == "lower":
        return text.lower()
    if name == "upper":
        return text.upper()
    if name == "trim":
        return text.strip()
    return text  # string


def _to_number(value: JsonValue) -> float | None:
    if is_number(value):
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _to_text(value: JsonValue) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return "None"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _check_length(template: str) -> None:
    if len(template) > MAX_TEMPLATE:
        msg = f"templates are text of at most {MAX_TEMPLATE} characters"
        raise RejectedError(Rejection.UNSUPPORTED_TEMPLATE, msg)


@dataclass(frozen=True, slots=True)
class ValueTemplate:
    """A parsed value template: reads one value out of a payload."""

    source: str
    """The template as written in the config."""
    _expr: _Expr

    @classmethod
    def parse(cls, template: str) -> ValueTemplate:
        """Parse a value template.

        Raises:
            RejectedError: ``UNSUPPORTED_TEMPLATE`` outside the safe subset.
        """
        _check_length(template)
        match = re.fullmatch(r"\s*\{\{-?(.*?)-?\}\}\s*", template, re.DOTALL)
        if match is None:
            msg = f"a value template is one {{{{ ... }}}} expression: {template!r}"
            raise RejectedError(Rejection.UNSUPPORTED_TEMPLATE, msg)
        return cls(template, _parse_expr(match.group(1), template))

    @property
    def uses_json(self) -> bool:
        """True when the template reads ``value_json``."""
        return self._expr.use_json

    def render(
        self, text: str, data: JsonValue | Missing = MISSING
    ) -> JsonValue | Missing:
        """Read the value out of a payload.

        Args:
            text: The payload text (``value``).
            data: The payload parsed as JSON (``value_json``), when it was.

        Returns:
            The value, or :data:`MISSING` when the path is not in the payload.

        Raises:
            RejectedError: ``NOT_JSON`` when ``value_json`` is used on non-JSON text,
                ``BAD_VALUE`` when a filter cannot convert the value.
        """
        expr = self._expr
        value: JsonValue | Missing
        if expr.use_json:
            if isinstance(data, Missing):
                data = parse_json(text)
            value = data
            for step in expr.path:
                if isinstance(step, int) and isinstance(value, list):
                    if step >= len(value):
                        value = MISSING
                        break
                    value = value[step]
                elif (
                    isinstance(step, str) and isinstance(value, dict) and step in value
                ):
                    value = value[step]
                else:
                    value = MISSING
                    break
        else:
            value = text
        return _apply(value, expr.filters)


@dataclass(frozen=True, slots=True)
class CommandTemplate:
    """A parsed command template: text with ``{{ value }}`` placeholders."""

    source: str
    """The template as written in the config."""
    _parts: tuple[str | _Expr, ...]

    @classmethod
    def parse(cls, template: str) -> CommandTemplate:
        """Parse a command template.

        Raises:
            RejectedError: ``UNSUPPORTED_TEMPLATE`` outside the safe subset.
        """
        _check_length(template)
        parts: list[str | _Expr] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(template):
            parts.append(template[pos : m.start()])
            expr = _parse_expr(m.group(1), template)
            if expr.use_json:
                msg = f"a command template can only use value: {template!r}"
                raise RejectedError(Rejection.UNSUPPORTED_TEMPLATE, msg)
            parts.append(expr)
            pos = m.end()
        rest = template[pos:]
        if "{%" in template or "{{" in rest or "{#" in template:
            msg = f"unsupported template {template!r}"
            raise RejectedError(Rejection.UNSUPPORTED_TEMPLATE, msg)
        parts.append(rest)
        return cls(template, tuple(p for p in parts if p != ""))

    def render(self, value: JsonValue) -> str:
        """Return the payload for a value."""
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
                continue
            rendered = _apply(value, part.filters)
            out.append(_to_text(rendered) if not isinstance(rendered, Missing) else "")
        return "".join(out)
