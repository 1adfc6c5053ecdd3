"""Sensors: a read-only ``value`` (number or text) and its ``unit``."""

from __future__ import annotations

from thingmind.core import Domain
from thingmind.registry._spec import KeyKind, domain, key

SPEC = domain(
    Domain.SENSOR,
    [
        key("value", KeyKind.NUMBER_OR_TEXT, default=None, read_only=True),
        key("unit", KeyKind.TEXT, default=None, read_only=True),
    ],
    [],
)
"""The sensor type: no services."""
