"""Thermostats: ``hvac_mode``, ``target_temperature`` in the device's own ``unit``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service

if TYPE_CHECKING:
    from collections.abc import Mapping

HVAC_MODES = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")
"""Home Assistant's HVAC modes."""
ON_MODE = "heat"
"""The mode ``turn_on`` picks for a thermostat that is off."""
TARGET_RANGES = {"C": (5.0, 35.0), "F": (41.0, 95.0)}
"""Allowed target temperatures per unit (degrees)."""


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    if service_name == "set_temperature":
        state["target_temperature"] = params["temperature"]
        if "hvac_mode" in params:
            state["hvac_mode"] = params["hvac_mode"]
    elif service_name == "set_hvac_mode":
        state["hvac_mode"] = params["hvac_mode"]
    elif service_name == "turn_on":
        if state.get("hvac_mode") in {"off", None}:
            state["hvac_mode"] = ON_MODE
    else:
        state["hvac_mode"] = "off"


SPEC = domain(
    Domain.CLIMATE,
    [
        key("hvac_mode", KeyKind.ENUM, default="off", choices=HVAC_MODES),
        key(
            "target_temperature",
            KeyKind.NUMBER,
            default=20,
            minimum=5,
            maximum=95,
            unit_ranges=TARGET_RANGES,
        ),
        key("current_temperature", KeyKind.NUMBER, default=None, read_only=True),
        key("unit", KeyKind.ENUM, default="C", choices=("C", "F"), read_only=True),
    ],
    [
        service(
            "set_temperature",
            params=("temperature", "hvac_mode"),
            needs=("target_temperature",),
            param_keys={"temperature": "target_temperature"},
        ),
        service("set_hvac_mode", params=("hvac_mode",), needs=("hvac_mode",)),
        service("turn_on", needs=("hvac_mode",)),
        service("turn_off", needs=("hvac_mode",)),
    ],
    _handle,
)
"""The climate (thermostat) type."""
