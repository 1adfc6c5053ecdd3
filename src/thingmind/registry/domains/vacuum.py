"""Robot vacuums: ``status``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service

if TYPE_CHECKING:
    from collections.abc import Mapping

STATUSES = ("docked", "cleaning", "returning", "paused")
"""What a vacuum can be doing."""
_AFTER = {"start": "cleaning", "pause": "paused", "return_to_base": "returning"}


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    del params
    state["status"] = _AFTER[service_name]


SPEC = domain(
    Domain.VACUUM,
    [key("status", KeyKind.ENUM, default="docked", choices=STATUSES)],
    [service(name, needs=("status",)) for name in _AFTER],
    _handle,
)
"""The vacuum type."""
