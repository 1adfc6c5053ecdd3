"""Humidifiers: ``on`` and ``target_humidity`` (percent)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service

if TYPE_CHECKING:
    from collections.abc import Mapping


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    if service_name == "set_humidity":
        state["target_humidity"] = params["humidity"]
    else:
        state["on"] = service_name == "turn_on"


SPEC = domain(
    Domain.HUMIDIFIER,
    [
        key("on", KeyKind.BOOL, default=False),
        key("target_humidity", KeyKind.NUMBER, default=50, minimum=0, maximum=100),
    ],
    [
        service("turn_on", needs=("on",)),
        service("turn_off", needs=("on",)),
        service(
            "set_humidity",
            params=("humidity",),
            needs=("target_humidity",),
            param_keys={"humidity": "target_humidity"},
        ),
    ],
    _handle,
)
"""The humidifier type."""
