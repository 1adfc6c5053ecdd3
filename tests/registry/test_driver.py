"""The device interface and its in-process implementation."""

from __future__ import annotations

import pytest

from thingmind.core import ServiceError, StateValue
from thingmind.registry import (
    DeviceDriver,
    LocalDriver,
    Registry,
    ServiceCallError,
    ServiceFailure,
)


def test_local_driver_is_a_device_driver(registry: Registry) -> None:
    assert isinstance(LocalDriver(registry), DeviceDriver)


def test_call_changes_the_registry(registry: Registry) -> None:
    driver = LocalDriver(registry)
    changed = driver.call("light.bathroom", "turn_on", {"brightness": 30})
    assert changed == {"on": True, "brightness": 30}
    assert dict(registry.state("light.bathroom")) == {"on": True, "brightness": 30}


def test_call_without_change_returns_nothing(registry: Registry) -> None:
    assert LocalDriver(registry).call("lock.front_door", "lock", {}) == {}


def test_refused_call_changes_nothing(registry: Registry) -> None:
    before = registry.snapshot()
    with pytest.raises(ServiceError) as info:
        LocalDriver(registry).call("light.floor_lamp", "turn_on", {"brightness": 50})
    assert isinstance(info.value, ServiceCallError)
    assert info.value.reason is ServiceFailure.UNSUPPORTED_FEATURE
    assert registry.snapshot() == before


def test_unknown_device(registry: Registry) -> None:
    with pytest.raises(KeyError):
        LocalDriver(registry).call("light.nowhere", "turn_on", {})


def test_scene_sets_each_device(registry: Registry) -> None:
    seen: list[tuple[str, dict[str, StateValue]]] = []
    driver = LocalDriver(registry, on_change=lambda d, c: seen.append((d, c)))
    assert driver.call("scene.movie_night", "turn_on", {}) == {}
    assert registry.state("light.living_room_ceiling")["brightness"] == 20
    assert registry.state("media_player.tv")["playing"] is True
    # the floor lamp was already off: no change, no report
    assert seen == [
        ("light.living_room_ceiling", {"brightness": 20}),
        ("media_player.tv", {"playing": True}),
    ]


def test_activate_scene_returns_changes(registry: Registry) -> None:
    changed = LocalDriver(registry).activate_scene("scene.movie_night")
    assert changed == {
        "light.living_room_ceiling": {"brightness": 20},
        "media_player.tv": {"playing": True},
    }


def test_activate_non_scene(registry: Registry) -> None:
    with pytest.raises(ServiceCallError) as info:
        LocalDriver(registry).activate_scene("lock.front_door")
    assert info.value.reason is ServiceFailure.UNKNOWN_SERVICE


def test_on_change_reports_plain_calls(registry: Registry) -> None:
    seen: list[str] = []
    driver = LocalDriver(registry, on_change=lambda d, _: seen.append(d))
    driver.call("lock.front_door", "unlock", {})
    assert seen == ["lock.front_door"]
