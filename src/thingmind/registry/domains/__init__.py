"""Device types, one module each, and the table of them all."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.registry.domains import (
    alarm_control_panel,
    binary_sensor,
    climate,
    cover,
    fan,
    humidifier,
    light,
    lock,
    media_player,
    scene,
    sensor,
    switch,
    vacuum,
    valve,
    water_heater,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.registry._spec import DomainSpec

ALL_DOMAINS: Mapping[Domain, DomainSpec] = MappingProxyType(
    {
        module.SPEC.domain: module.SPEC
        for module in (
            light,
            switch,
            fan,
            climate,
            cover,
            valve,
            lock,
            media_player,
            vacuum,
            alarm_control_panel,
            humidifier,
            water_heater,
            sensor,
            binary_sensor,
            scene,
        )
    }
)
"""Every device type, in the spec's order."""

if set(ALL_DOMAINS) != set(Domain):  # pragma: no cover - a programming error
    _missing = sorted(set(Domain) - set(ALL_DOMAINS))
    _msg = f"device types without a spec: {_missing}"
    raise RuntimeError(_msg)


def domain_spec(domain: Domain | str) -> DomainSpec:
    """Return the spec of a device type.

    Args:
        domain: The type, as a Domain or its string ("light").

    Returns:
        Its DomainSpec.

    Raises:
        ValueError: When the string names no type.
    """
    spec = ALL_DOMAINS.get(domain)  # type: ignore[arg-type]  # a str finds its StrEnum
    return spec if spec is not None else ALL_DOMAINS[Domain(domain)]


__all__ = ["ALL_DOMAINS", "domain_spec"]
