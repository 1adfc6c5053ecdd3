"""Alarm panels: ``state``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service

if TYPE_CHECKING:
    from collections.abc import Mapping

STATES = ("disarmed", "armed_home", "armed_away", "triggered")
"""What an alarm panel can be in."""
_AFTER = {
    "alarm_arm_home": "armed_home",
    "alarm_arm_away": "armed_away",
    "alarm_disarm": "disarmed",
}


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    del params
    state["state"] = _AFTER[service_name]


SPEC = domain(
    Domain.ALARM_CONTROL_PANEL,
    [key("state", KeyKind.ENUM, default="disarmed", choices=STATES)],
    [service(name, needs=("state",)) for name in _AFTER],
    _handle,
)
"""The alarm_control_panel type."""
