"""The site model: floors, areas and devices, as read from a home file.

These are immutable values. Live state lives in :class:`~thingmind.registry.Registry`;
``Device.state`` here is the state the file declared (with the type's defaults filled in).
"""

from __future__ import annotations

# Imported at run time, not under TYPE_CHECKING: typing.get_type_hints (pydantic,
# the API's models) must be able to resolve these public dataclasses' fields.
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from thingmind.core import Domain, StateValue

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    # A factory, not a default: mappingproxy is unhashable, which dataclasses
    # reject as a mutable default on Python 3.11.
    return _EMPTY


@dataclass(frozen=True, slots=True, kw_only=True)
class Floor:
    """A floor of a building."""

    id: str
    """Unique id, ``[a-z0-9_]+``."""
    name: str
    """The name people use."""
    aliases: tuple[str, ...] = ()
    """Other names for it ("downstairs")."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Area:
    """A room or place of the site."""

    id: str
    """Unique id, ``[a-z0-9_]+``."""
    name: str
    """The name people use."""
    aliases: tuple[str, ...] = ()
    """Other names for it ("lounge")."""
    floor: str | None = None
    """The floor id it is on, if any."""
    outdoor: bool = False
    """True for gardens, porches, garages and sheds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """One device (a Home Assistant entity) of the site."""

    id: str
    """``<type>.<object id>``, unique."""
    name: str
    """The name people use."""
    type: Domain
    """Its type, which fixes its state keys and services."""
    aliases: tuple[str, ...] = ()
    """Other names for it ("big light")."""
    area: str | None = None
    """The area id it is in, or None."""
    device_class: str | None = None
    """Home Assistant device class (door, window, motion, temperature, ...)."""
    state: Mapping[str, StateValue] = field(default_factory=_empty)
    """Declared state: exactly the keys this device has (its features)."""
    applies: Mapping[str, Mapping[str, StateValue]] = field(default_factory=_empty)
    """For scenes: the states it sets, by device id."""

    def __hash__(self) -> int:
        # By id: the state mappings are unhashable, and ids are unique in a home.
        return hash((Device, self.id))

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by every alias."""
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True, kw_only=True)
class Home:
    """A whole site, as loaded and validated from a home file."""

    floors: tuple[Floor, ...] = ()
    """Floors, in file order."""
    areas: tuple[Area, ...] = ()
    """Areas, in file order."""
    devices: tuple[Device, ...] = ()
    """Devices, in file order."""
    source: str = "<memory>"
    """Where it was loaded from, for messages."""
    _areas_by_id: Mapping[str, Area] = field(
        default_factory=_empty, init=False, repr=False, compare=False
    )
    _devices_by_id: Mapping[str, Device] = field(
        default_factory=_empty, init=False, repr=False, compare=False
    )
    _floors_by_id: Mapping[str, Floor] = field(
        default_factory=_empty, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_areas_by_id", MappingProxyType({a.id: a for a in self.areas})
        )
        object.__setattr__(
            self, "_devices_by_id", MappingProxyType({d.id: d for d in self.devices})
        )
        object.__setattr__(
            self, "_floors_by_id", MappingProxyType({f.id: f for f in self.floors})
        )

    def area(self, area_id: str) -> Area:
        """Return the area with this id.

        Raises:
            KeyError: When there is none.
        """
        return self._areas_by_id[area_id]

    def floor(self, floor_id: str) -> Floor:
        """Return the floor with this id.

        Raises:
            KeyError: When there is none.
        """
        return self._floors_by_id[floor_id]

    def device(self, device_id: str) -> Device:
        """Return the device with this id.

        Raises:
            KeyError: When there is none.
        """
        return self._devices_by_id[device_id]

    def has_area(self, area_id: str) -> bool:
        """Return True when an area has this id."""
        return area_id in self._areas_by_id

    def has_device(self, device_id: str) -> bool:
        """Return True when a device has this id."""
        return device_id in self._devices_by_id
