"""Binary sensors: a read-only ``on`` whose meaning comes from ``device_class``."""

from __future__ import annotations

from thingmind.core import Domain
from thingmind.registry._spec import KeyKind, domain, key

SPEC = domain(
    Domain.BINARY_SENSOR,
    [key("on", KeyKind.BOOL, default=False, read_only=True)],
    [],
)
"""The binary_sensor type: no services."""
