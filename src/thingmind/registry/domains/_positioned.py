"""Shared rules of covers and valves: ``position`` (percent open) and ``open``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.registry._spec import (
    DomainSpec,
    KeyKind,
    domain,
    key,
    service,
    set_if_present,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.core import Domain, StateValue


def positioned(domain_: Domain, suffix: str) -> DomainSpec:
    """Build the spec of a cover-like type whose services end in ``suffix``."""
    open_s, close_s = f"open_{suffix}", f"close_{suffix}"
    set_s, stop_s = f"set_{suffix}_position", f"stop_{suffix}"

    def handle(
        state: dict[str, StateValue],
        service_name: str,
        params: Mapping[str, StateValue],
    ) -> None:
        if service_name == open_s:
            set_if_present(state, "position", value=100)
            set_if_present(state, "open", value=True)
        elif service_name == close_s:
            set_if_present(state, "position", value=0)
            set_if_present(state, "open", value=False)
        elif service_name == set_s:
            position = params["position"]
            state["position"] = position
            set_if_present(
                state, "open", value=isinstance(position, int | float) and position > 0
            )
        # stop: a simulated device is never between positions, so nothing changes

    return domain(
        domain_,
        [
            key("position", KeyKind.NUMBER, default=0, minimum=0, maximum=100),
            key("open", KeyKind.BOOL, default=False),
        ],
        [
            service(open_s),
            service(close_s),
            service(set_s, params=("position",), needs=("position",)),
            service(stop_s),
        ],
        handle,
    )
