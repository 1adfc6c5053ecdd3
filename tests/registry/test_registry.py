"""The live registry: state, snapshots, indexes and name lookup."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

import pytest

from thingmind.core import Domain
from thingmind.registry import Area, Device, NameMatch, Registry, normalize_name

if TYPE_CHECKING:
    from collections.abc import Iterable


def ids(items: Iterable[Area | Device | NameMatch]) -> list[str]:
    return [item.id for item in items]


def test_state_starts_as_declared(registry: Registry) -> None:
    assert dict(registry.state("lock.front_door")) == {"locked": True}


def test_state_is_read_only(registry: Registry) -> None:
    state = registry.state("lock.front_door")
    assert isinstance(state, MappingProxyType)


def test_state_of_unknown_device(registry: Registry) -> None:
    with pytest.raises(KeyError):
        registry.state("light.nowhere")


def test_set_state_returns_only_changes(registry: Registry) -> None:
    changed = registry.set_state(
        "light.living_room_ceiling", {"on": True, "brightness": 40}
    )
    assert changed == {"brightness": 40}
    assert registry.state("light.living_room_ceiling")["brightness"] == 40
    assert registry.set_state("light.living_room_ceiling", {"brightness": 40}) == {}


def test_set_state_accepts_sensor_readings(registry: Registry) -> None:
    changed = registry.set_state("sensor.garden_temperature", {"value": 13.0})
    assert changed == {"value": 13.0}


@pytest.mark.parametrize(
    ("device_id", "changes"),
    [
        ("light.floor_lamp", {"brightness": 50}),
        ("lock.front_door", {"on": True}),
        ("light.living_room_ceiling", {"brightness": 150}),
        ("light.living_room_ceiling", {"on": "yes"}),
    ],
    ids=["key-device-lacks", "key-type-lacks", "out-of-range", "wrong-type"],
)
def test_set_state_rejects(
    registry: Registry, device_id: str, changes: dict[str, object]
) -> None:
    before = registry.snapshot()
    with pytest.raises(ValueError, match=r"."):
        registry.set_state(device_id, changes)  # type: ignore[arg-type]
    assert registry.snapshot() == before


def test_snapshot_and_restore(registry: Registry) -> None:
    snap = registry.snapshot()
    registry.set_state("lock.front_door", {"locked": False})
    assert snap["lock.front_door"] == {"locked": True}
    registry.restore(snap)
    assert registry.state("lock.front_door")["locked"] is True


def test_restore_rejects_unknown_devices(registry: Registry) -> None:
    with pytest.raises(KeyError):
        registry.restore({"light.nowhere": {"on": True}})


def test_snapshot_is_a_deep_copy(registry: Registry) -> None:
    snap = registry.snapshot()
    snap["lock.front_door"]["locked"] = False
    assert registry.state("lock.front_door")["locked"] is True


def test_indexes(registry: Registry) -> None:
    assert ids(registry.devices_in_area("bathroom")) == ["light.bathroom"]
    assert ids(registry.devices_on_floor("first")) == [
        "light.bathroom",
        "light.kids_room",
        "fan.kids_room",
    ]
    assert ids(registry.devices_of_type(Domain.LOCK)) == ["lock.front_door"]
    assert ids(registry.devices_of_type("climate")) == ["climate.thermostat"]
    assert ids(registry.areas_on_floor("ground")) == ["living_room", "guest_bathroom"]
    assert ids(registry.outdoor_areas()) == ["garden"]
    assert ids(registry.indoor_areas()) == [
        "living_room",
        "guest_bathroom",
        "bathroom",
        "kids_room",
    ]
    assert len(registry.devices()) == len(registry.home.devices)


@pytest.mark.parametrize(
    "lookup",
    [
        lambda r: r.devices_in_area("attic"),
        lambda r: r.devices_on_floor("roof"),
        lambda r: r.devices_of_type("toaster"),
        lambda r: r.areas_on_floor("roof"),
    ],
    ids=["area", "floor", "type", "areas-on-floor"],
)
def test_unknown_index_keys_are_empty(registry: Registry, lookup: object) -> None:
    assert lookup(registry) == ()  # type: ignore[operator]


def test_apply_scene(registry: Registry) -> None:
    assert registry.apply_scene("scene.movie_night") == {
        "light.living_room_ceiling": {"on": True, "brightness": 20},
        "light.floor_lamp": {"on": False},
        "media_player.tv": {"playing": True},
    }


def test_apply_scene_rejects_other_devices(registry: Registry) -> None:
    with pytest.raises(ValueError, match=r"not a scene"):
        registry.apply_scene("lock.front_door")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kids' Room", "kids room"),
        ("kids room", "kids room"),
        ("Emma\u2019s room", "emmas room"),
        ("the  Living-Room!", "living room"),
        ("A lamp", "lamp"),
        ("a", "a"),
        ("line_1", "line 1"),
    ],
    ids=[
        "apostrophe",
        "plain",
        "curly-apostrophe",
        "article-punctuation",
        "leading-a",
        "only-a",
        "underscore",
    ],
)
def test_normalize_name(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected_id", "exact"),
    [
        ("LIVING ROOM CEILING LIGHT", "light.living_room_ceiling", True),
        ("the big light", "light.living_room_ceiling", True),
        ("telly", "media_player.tv", True),
        ("kids room light", "light.kids_room", True),
        ("thermostatt", "climate.thermostat", False),
        ("flor lamp", "light.floor_lamp", False),
    ],
    ids=["case", "alias-article", "alias", "apostrophe", "typo", "typo-2"],
)
def test_find_devices(
    registry: Registry, text: str, expected_id: str, exact: bool
) -> None:
    best = registry.find_devices(text)[0]
    assert best.id == expected_id
    assert best.exact is exact
    assert (best.score == 100.0) is exact


def test_duplicate_names_return_every_exact_match(registry: Registry) -> None:
    matches = registry.find_devices("bathroom light")
    exact = [m for m in matches if m.exact]
    assert sorted(m.id for m in exact) == ["light.bathroom", "light.guest_bathroom"]
    assert matches[: len(exact)] == exact


@pytest.mark.parametrize(
    ("text", "expected_id"),
    [
        ("kids' room", "kids_room"),
        ("kids room", "kids_room"),
        ("Emma's room", "kids_room"),
        ("kitchn", None),
        ("the lounge", "living_room"),
        ("guest bathrom", "guest_bathroom"),
    ],
    ids=["apostrophe", "no-apostrophe", "alias-possessive", "absent", "alias", "typo"],
)
def test_find_areas(registry: Registry, text: str, expected_id: str | None) -> None:
    matches = registry.find_areas(text)
    assert (matches[0].id if matches else None) == expected_id


def test_find_floors(registry: Registry) -> None:
    assert registry.find_floors("Upstairs") == [
        NameMatch(id="first", matched="upstairs", score=100.0, exact=True)
    ]


def test_typo_kitchn_finds_kitchen() -> None:
    from thingmind.registry import parse_home  # noqa: PLC0415 - a local home

    home = parse_home(
        """
areas: [{id: kitchen, name: Kitchen}]
devices:
  - {id: light.kitchen, name: Kitchen light, area: kitchen, type: light}
  - {id: light.kitchen_strip, name: Kitchen strip, area: kitchen, type: light}
"""
    )
    registry = Registry(home)
    assert registry.find_areas("kitchn")[0].id == "kitchen"
    assert registry.find_devices("kitchn light")[0].id == "light.kitchen"


def test_part_of_a_name_is_not_a_match(registry: Registry) -> None:
    assert [m.id for m in registry.find_devices("light") if m.score >= 90] == []


def test_lookup_limit_and_empty_query(registry: Registry) -> None:
    assert len(registry.find_devices("light", limit=2, score_cutoff=0)) == 2
    assert registry.find_devices("  the  ") == []


def test_lookup_returns_fresh_lists(registry: Registry) -> None:
    first = registry.find_devices("telly")
    first.clear()
    assert registry.find_devices("telly") != []
