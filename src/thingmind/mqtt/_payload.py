"""Payload checks every incoming message goes through: size, text, JSON."""

from __future__ import annotations

import json
import math
from typing import Any, TypeAlias

from thingmind.mqtt._errors import RejectedError, Rejection

JsonValue: TypeAlias = (
    "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
)
"""A value decoded from JSON."""

DEFAULT_MAX_PAYLOAD = 64 * 1024
"""Largest payload accepted, bytes; bigger ones are rejected unread."""
MAX_DEPTH = 32
"""Deepest JSON nesting accepted (lists and objects)."""


def payload_text(payload: bytes | bytearray | str | float | None, *, limit: int) -> str:
    """Return a payload as text, checking its size and encoding.

    Args:
        payload: The raw payload, as aiomqtt gives it.
        limit: The largest accepted size, bytes.

    Returns:
        The text (``""`` for an empty payload).

    Raises:
        RejectedError: ``TOO_LARGE`` or ``NOT_UTF8``.
    """
    if payload is None:
        return ""
    if isinstance(payload, str):
        raw = payload.encode("utf-8", "surrogatepass")
    elif isinstance(payload, bytes | bytearray):
        raw = bytes(payload)
    else:
        return str(payload)
    if len(raw) > limit:
        msg = f"{len(raw)} bytes, the limit is {limit}"
        raise RejectedError(Rejection.TOO_LARGE, msg)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        msg = f"not UTF-8 at byte {err.start}"
        raise RejectedError(Rejection.NOT_UTF8, msg) from err


def _no_constants(name: str) -> Any:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def parse_json(text: str) -> JsonValue:
    """Parse JSON strictly: no NaN or Infinity, nesting at most :data:`MAX_DEPTH`.

    Args:
        text: The payload text.

    Returns:
        The value.

    Raises:
        RejectedError: ``NOT_JSON`` when it is not (strict) JSON.
    """
    try:
        value: JsonValue = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as err:
        msg = f"not JSON: {str(err)[:80]}"
        raise RejectedError(Rejection.NOT_JSON, msg) from err
    if _depth(value) > MAX_DEPTH:
        msg = f"JSON nested deeper than {MAX_DEPTH}"
        raise RejectedError(Rejection.NOT_JSON, msg)
    return value


def _depth(value: JsonValue) -> int:
    # Iterative, so a hostile nesting cannot exhaust the stack.
    deepest = 0
    stack: list[tuple[JsonValue, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
    return deepest


def json_object(value: JsonValue, *, what: str = "payload") -> dict[str, JsonValue]:
    """Return a JSON value as an object, or reject it.

    Raises:
        RejectedError: ``WRONG_TYPE`` when it is not an object.
    """
    if not isinstance(value, dict):
        msg = f"{what} must be a JSON object, got {type(value).__name__}"
        raise RejectedError(Rejection.WRONG_TYPE, msg)
    return value


def is_number(value: object) -> bool:
    """Return True for a finite int or float that is not a bool."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def topic_is_plain(topic: str) -> bool:
    """Return True for a topic one can publish to: no wildcards, no NUL, not empty."""
    return bool(topic) and len(topic) <= 1024 and not any(c in topic for c in "#+\x00")
