"""Switches (plugs, relays, machines): ``on`` only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service

if TYPE_CHECKING:
    from collections.abc import Mapping


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    del params
    if service_name == "toggle":
        state["on"] = state.get("on") is not True
    else:
        state["on"] = service_name == "turn_on"


SPEC = domain(
    Domain.SWITCH,
    [key("on", KeyKind.BOOL, default=False)],
    [
        service("turn_on", needs=("on",)),
        service("turn_off", needs=("on",)),
        service("toggle", needs=("on",)),
    ],
    _handle,
)
"""The switch type."""
