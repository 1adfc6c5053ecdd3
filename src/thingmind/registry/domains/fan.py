"""Fans: ``on`` and ``percentage`` (speed) move together, like a light's brightness."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service, set_if_present

if TYPE_CHECKING:
    from collections.abc import Mapping

FULL = 100
"""Speed a fan turned on from 0 gets when no percentage is given."""


def _turn_on(state: dict[str, StateValue], percentage: StateValue) -> None:
    if isinstance(percentage, int | float):
        if percentage == 0:
            _turn_off(state)
            return
        state["percentage"] = percentage
    elif "percentage" in state:
        current = state["percentage"]
        if not isinstance(current, int | float) or current <= 0:
            state["percentage"] = FULL
    set_if_present(state, "on", value=True)


def _turn_off(state: dict[str, StateValue]) -> None:
    set_if_present(state, "on", value=False)
    set_if_present(state, "percentage", value=0)


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    if service_name == "toggle":
        service_name = "turn_off" if state.get("on") is True else "turn_on"
    if service_name in {"turn_on", "set_percentage"}:
        _turn_on(state, params.get("percentage"))
    else:
        _turn_off(state)


SPEC = domain(
    Domain.FAN,
    [
        key("on", KeyKind.BOOL, default=False),
        key("percentage", KeyKind.NUMBER, default=0, minimum=0, maximum=100),
    ],
    [
        service("turn_on", params=("percentage",)),
        service("turn_off"),
        service("toggle"),
        service("set_percentage", params=("percentage",), needs=("percentage",)),
    ],
    _handle,
)
"""The fan type."""
