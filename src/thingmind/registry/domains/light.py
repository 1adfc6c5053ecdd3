"""Lights: ``on``, ``brightness`` (percent) and ``color`` move together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service, set_if_present

if TYPE_CHECKING:
    from collections.abc import Mapping

FULL = 100
"""Brightness a light turned on from off gets when no level is given (percent)."""


def _turn_on(state: dict[str, StateValue], params: Mapping[str, StateValue]) -> None:
    brightness = params.get("brightness")
    if "color" in params:
        state["color"] = params["color"]
    if isinstance(brightness, int | float):
        if brightness == 0:  # HA: brightness 0 turns the light off
            _turn_off(state)
            return
        state["brightness"] = brightness
    elif "brightness" in state:
        current = state["brightness"]
        if not isinstance(current, int | float) or current <= 0:
            state["brightness"] = FULL
    set_if_present(state, "on", value=True)


def _turn_off(state: dict[str, StateValue]) -> None:
    set_if_present(state, "on", value=False)
    set_if_present(state, "brightness", value=0)


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    if service_name == "toggle":
        service_name = "turn_off" if state.get("on") is True else "turn_on"
    if service_name == "turn_on":
        _turn_on(state, params)
    else:
        _turn_off(state)


SPEC = domain(
    Domain.LIGHT,
    [
        key("on", KeyKind.BOOL, default=False),
        key("brightness", KeyKind.NUMBER, default=0, minimum=0, maximum=100),
        key("color", KeyKind.COLOR, default=None),
    ],
    [
        service("turn_on", params=("brightness", "color")),
        service("turn_off"),
        service("toggle"),
    ],
    _handle,
)
"""The light type."""
