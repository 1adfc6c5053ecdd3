"""Water heaters and boilers: ``on`` and ``target_temperature`` (degrees C)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service

if TYPE_CHECKING:
    from collections.abc import Mapping


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    if service_name == "set_temperature":
        state["target_temperature"] = params["temperature"]
    else:
        state["on"] = service_name == "turn_on"


SPEC = domain(
    Domain.WATER_HEATER,
    [
        key("on", KeyKind.BOOL, default=False),
        key("target_temperature", KeyKind.NUMBER, default=50, minimum=30, maximum=80),
    ],
    [
        service("turn_on", needs=("on",)),
        service("turn_off", needs=("on",)),
        service(
            "set_temperature",
            params=("temperature",),
            needs=("target_temperature",),
            param_keys={"temperature": "target_temperature"},
        ),
    ],
    _handle,
)
"""The water_heater type."""
