"""The live site: every device's current state, indexes and name lookup."""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue, same_value
from thingmind.registry._names import DEFAULT_SCORE_CUTOFF, NameIndex, NameMatch
from thingmind.registry.domains import domain_spec

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.registry._home import Area, Device, Floor, Home

_LOGGER = logging.getLogger(__name__)


class Registry:
    """A home plus the live state of each of its devices.

    The home (floors, areas, devices, names) never changes; state does, through
    :meth:`set_state` (what a device reports) and :meth:`restore`.
    """

    def __init__(self, home: Home) -> None:
        """Start from the state the home file declared.

        Args:
            home: The loaded site.
        """
        self._home = home
        self._live: dict[str, dict[str, StateValue]] = {
            d.id: dict(d.state) for d in home.devices
        }
        self._views: dict[str, Mapping[str, StateValue]] = {
            device_id: MappingProxyType(state)
            for device_id, state in self._live.items()
        }
        floor_of_area = {a.id: a.floor for a in home.areas}
        by_area: dict[str, list[Device]] = {}
        by_floor: dict[str, list[Device]] = {}
        by_type: dict[Domain, list[Device]] = {}
        for device in home.devices:
            by_type.setdefault(device.type, []).append(device)
            if device.area is None:
                continue
            by_area.setdefault(device.area, []).append(device)
            floor = floor_of_area.get(device.area)
            if floor is not None:
                by_floor.setdefault(floor, []).append(device)
        areas_by_floor: dict[str, list[Area]] = {}
        for area in home.areas:
            if area.floor is not None:
                areas_by_floor.setdefault(area.floor, []).append(area)
        self._by_area = {k: tuple(v) for k, v in by_area.items()}
        self._by_floor = {k: tuple(v) for k, v in by_floor.items()}
        self._by_type = {k: tuple(v) for k, v in by_type.items()}
        self._areas_by_floor = {k: tuple(v) for k, v in areas_by_floor.items()}
        self._indoor = tuple(a for a in home.areas if not a.outdoor)
        self._outdoor = tuple(a for a in home.areas if a.outdoor)
        self._device_names = NameIndex((d.id, d.names) for d in home.devices)
        self._area_names = NameIndex((a.id, (a.name, *a.aliases)) for a in home.areas)
        self._floor_names = NameIndex((f.id, (f.name, *f.aliases)) for f in home.floors)

    @property
    def home(self) -> Home:
        """The site this registry holds."""
        return self._home

    # ---------------------------------------------------------------- state

    def state(self, device_id: str) -> Mapping[str, StateValue]:
        """Return a read-only live view of a device's state.

        Raises:
            KeyError: When there is no such device.
        """
        return self._views[device_id]

    def snapshot(self) -> dict[str, dict[str, StateValue]]:
        """Return a copy of every device's state, by device id."""
        return {device_id: dict(state) for device_id, state in self._live.items()}

    def restore(self, snapshot: Mapping[str, Mapping[str, StateValue]]) -> None:
        """Put back states taken with :meth:`snapshot`.

        Devices missing from ``snapshot`` keep their state.

        Raises:
            KeyError: When the snapshot names a device this home does not have.
        """
        unknown = [device_id for device_id in snapshot if device_id not in self._live]
        if unknown:
            msg = f"snapshot names unknown devices: {', '.join(sorted(unknown))}"
            raise KeyError(msg)
        for device_id, state in snapshot.items():
            live = self._live[device_id]
            live.clear()
            live.update(state)

    def set_state(
        self, device_id: str, changes: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        """Apply state a device reported.

        Read-only keys (sensor readings) may be set here: this is the device's word,
        not a command.

        Args:
            device_id: The device.
            changes: New values of some of its keys.

        Returns:
            The keys whose value actually changed, with their new values.

        Raises:
            KeyError: When there is no such device.
            ValueError: When a key is not one the device has, or a value does not fit.
        """
        live = self._live[device_id]
        spec = domain_spec(self._home.device(device_id).type)
        checked: dict[str, StateValue] = {}
        for key, value in changes.items():
            if key not in live:
                have = ", ".join(live) or "no state keys"
                msg = f"{device_id} has no state key {key!r} (it has {have})"
                raise ValueError(msg)
            if same_value(live[key], value):
                continue  # the value it has, checked when it was set: no change
            checked[key] = spec.validate_value(key, value, state=live)
        changed = {
            k: v
            for k, v in checked.items()
            if live[k] != v or _kind_changed(live[k], v)
        }
        live.update(changed)
        if changed:
            _LOGGER.debug("%s changed: %s", device_id, changed)
        return changed

    def apply_scene(self, scene_id: str) -> dict[str, dict[str, StateValue]]:
        """Return the states a scene sets, by device id (nothing is changed here).

        Raises:
            KeyError: When there is no such device.
            ValueError: When the device is not a scene.
        """
        scene = self._home.device(scene_id)
        if scene.type is not Domain.SCENE:
            msg = f"{scene_id} is a {scene.type}, not a scene"
            raise ValueError(msg)
        return {device_id: dict(state) for device_id, state in scene.applies.items()}

    # ---------------------------------------------------------------- indexes

    def devices(self) -> tuple[Device, ...]:
        """Return every device, in file order."""
        return self._home.devices

    def areas(self) -> tuple[Area, ...]:
        """Return every area, in file order."""
        return self._home.areas

    def floors(self) -> tuple[Floor, ...]:
        """Return every floor, in file order."""
        return self._home.floors

    def devices_in_area(self, area_id: str) -> tuple[Device, ...]:
        """Return the devices in an area (none for an unknown area)."""
        return self._by_area.get(area_id, ())

    def devices_on_floor(self, floor_id: str) -> tuple[Device, ...]:
        """Return the devices whose area is on a floor."""
        return self._by_floor.get(floor_id, ())

    def devices_of_type(self, domain: Domain | str) -> tuple[Device, ...]:
        """Return the devices of a type ("light" or ``Domain.LIGHT``)."""
        try:
            return self._by_type.get(Domain(domain), ())
        except ValueError:
            return ()

    def areas_on_floor(self, floor_id: str) -> tuple[Area, ...]:
        """Return the areas on a floor."""
        return self._areas_by_floor.get(floor_id, ())

    def indoor_areas(self) -> tuple[Area, ...]:
        """Return the areas that are not outdoor ("the house", "inside")."""
        return self._indoor

    def outdoor_areas(self) -> tuple[Area, ...]:
        """Return the outdoor areas ("outside")."""
        return self._outdoor

    # ---------------------------------------------------------------- names

    def find_devices(
        self, text: str, *, limit: int = 5, score_cutoff: float = DEFAULT_SCORE_CUTOFF
    ) -> list[NameMatch]:
        """Find devices by name or alias, tolerant of case, punctuation and typos.

        Args:
            text: The name as said ("the kitchn light").
            limit: The most matches to return; every exact match is returned.
            score_cutoff: The lowest fuzzy score (0-100) returned.

        Returns:
            Matches, exact ones first (score 100), then by score.
        """
        return self._device_names.find(text, limit=limit, score_cutoff=score_cutoff)

    def find_areas(
        self, text: str, *, limit: int = 5, score_cutoff: float = DEFAULT_SCORE_CUTOFF
    ) -> list[NameMatch]:
        """Find areas by name or alias; see :meth:`find_devices`."""
        return self._area_names.find(text, limit=limit, score_cutoff=score_cutoff)

    def find_floors(
        self, text: str, *, limit: int = 5, score_cutoff: float = DEFAULT_SCORE_CUTOFF
    ) -> list[NameMatch]:
        """Find floors by name or alias; see :meth:`find_devices`."""
        return self._floor_names.find(text, limit=limit, score_cutoff=score_cutoff)


def _kind_changed(old: StateValue, new: StateValue) -> bool:
    """True when equal values differ in kind (``1 == True``; 0 == False)."""
    return isinstance(old, bool) is not isinstance(new, bool)
