"""The home file loader: valid files, defaults, and one test per kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from thingmind.core import Domain, HomeFileError, InvalidInputError, Problem
from thingmind.registry import Home, domain_spec, load_home, parse_home

BENCH = Path(__file__).resolve().parents[3] / "shared" / "bench"
BENCH_HOMES = sorted(BENCH.glob("*/home.yaml")) if BENCH.is_dir() else []

MINIMAL = """
areas:
  - {id: kitchen, name: Kitchen}
devices:
  - {id: light.kitchen, name: Kitchen light, area: kitchen, type: light}
"""


def problems_of(text: str) -> tuple[Problem, ...]:
    with pytest.raises(HomeFileError) as info:
        parse_home(text, source="test.yaml")
    assert info.value.source == "test.yaml"
    return info.value.problems


def paths_of(text: str) -> list[str]:
    return [p.path for p in problems_of(text)]


def test_fixture_home_loads(home: Home) -> None:
    assert [f.id for f in home.floors] == ["ground", "first"]
    assert len(home.areas) == 5
    assert home.area("kids_room").name == "Kids' Room"
    assert home.area("garden").outdoor is True
    assert home.area("living_room").outdoor is False
    device = home.device("light.living_room_ceiling")
    assert device.type is Domain.LIGHT
    assert device.aliases == ("big light",)
    assert dict(device.state) == {"on": True, "brightness": 80, "color": "warm white"}
    assert home.device("binary_sensor.front_door").device_class == "door"


def test_device_without_state_gets_defaults(home: Home) -> None:
    assert (
        dict(home.device("fan.kids_room").state) == domain_spec(Domain.FAN).defaults()
    )


def test_listed_keys_are_the_features(home: Home) -> None:
    assert dict(home.device("light.floor_lamp").state) == {"on": False}


def test_null_is_kept_as_unknown(home: Home) -> None:
    assert home.device("light.kids_room").state["color"] is None


def test_scene_applies(home: Home) -> None:
    scene = home.device("scene.movie_night")
    assert dict(scene.state) == {}
    assert dict(scene.applies["light.living_room_ceiling"]) == {
        "on": True,
        "brightness": 20,
    }


def test_bare_on_key_is_tolerated() -> None:
    home = parse_home(
        MINIMAL.replace("type: light}", "type: light, state: {on: true}}")
    )
    assert dict(home.device("light.kitchen").state) == {"on": True}


def test_floors_are_optional() -> None:
    home = parse_home(MINIMAL)
    assert home.floors == ()
    assert home.device("light.kitchen").area == "kitchen"


def test_load_home_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "home.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_home(path).source == str(path)


def test_missing_file_is_a_home_file_error(tmp_path: Path) -> None:
    with pytest.raises(HomeFileError) as info:
        load_home(tmp_path / "absent.yaml")
    assert info.value.problems[0].path == "document"


def test_home_file_error_is_an_input_error() -> None:
    with pytest.raises(InvalidInputError):
        parse_home("")


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        ("", "document", None),
        ("# nothing but a comment\n", "document", None),
        ("- just\n- a list\n", "document", 1),
        ("devices: [\n  {id: x\n", "document", 3),
        ("devices: []\nrooms: []\n", "rooms", 2),
        ("areas: []\n", "devices", 1),
        (
            MINIMAL.replace("type: light}", "type: lamp}"),
            "devices[0].type",
            5,
        ),
        (
            MINIMAL + "  - {id: light.kitchen, name: Again, type: light}\n",
            "devices[1].id",
            6,
        ),
        (MINIMAL.replace("area: kitchen", "area: kitchn"), "devices[0].area", 5),
        (
            MINIMAL.replace("type: light}", "type: light, state: {dim: 3}}"),
            "devices[0].state.dim",
            5,
        ),
        (
            MINIMAL.replace("type: light}", "type: light, state: {brightness: 150}}"),
            "devices[0].state.brightness",
            5,
        ),
        (
            MINIMAL.replace(
                "type: light}", 'type: light, state: {"on": "yes please"}}'
            ),
            "devices[0].state.on",
            5,
        ),
        (
            MINIMAL.replace("id: kitchen,", "id: Kitchen,").replace(
                "area: kitchen", "area: Kitchen"
            ),
            "areas[0].id",
            3,
        ),
        (MINIMAL.replace("light.kitchen,", "kitchen_light,"), "devices[0].id", 5),
        (MINIMAL.replace("light.kitchen,", "switch.kitchen,"), "devices[0].id", 5),
        (MINIMAL.replace("name: Kitchen light, ", ""), "devices[0].name", 5),
        (
            MINIMAL.replace(
                "{id: kitchen, name: Kitchen}",
                "{id: kitchen, name: Kitchen, floor: up}",
            ),
            "areas[0].floor",
            3,
        ),
        (
            MINIMAL + "  - {id: light.x, name: X, type: light, aliases: lounge}\n",
            "devices[1].aliases",
            6,
        ),
        (
            MINIMAL + "  - {id: light.x, name: X, type: light, aliases: [3]}\n",
            "devices[1].aliases[0]",
            6,
        ),
        (
            MINIMAL + "  - {id: light.x, name: X, type: light, colour: red}\n",
            "devices[1].colour",
            6,
        ),
        (
            MINIMAL + "  - {id: light.x, name: X, type: light, applies: {}}\n",
            "devices[1].applies",
            6,
        ),
        (
            MINIMAL
            + "  - {id: scene.s, name: S, type: scene, applies: {light.nope: {on: true}}}\n",
            "devices[1].applies[light.nope]",
            6,
        ),
        (
            MINIMAL
            + "  - {id: scene.s, name: S, type: scene, applies: {light.kitchen: {speed: 1}}}\n",
            "devices[1].applies[light.kitchen].speed",
            6,
        ),
        (
            MINIMAL
            + "  - {id: sensor.t, name: T, type: sensor, state: {value: [1, 2]}}\n",
            "devices[1].state.value",
            6,
        ),
        (
            MINIMAL
            + "  - {id: climate.t, name: T, type: climate, state: {unit: F, target_temperature: 20}}\n",
            "devices[1].state.target_temperature",
            6,
        ),
    ],
    ids=[
        "empty-file",
        "only-comments",
        "top-level-list",
        "yaml-syntax",
        "unknown-top-level-key",
        "missing-devices",
        "unknown-type",
        "duplicate-device-id",
        "unknown-area",
        "state-key-type-lacks",
        "out-of-range",
        "wrong-value-type",
        "bad-area-id",
        "device-id-without-type",
        "device-id-prefix-mismatch",
        "missing-name",
        "unknown-floor",
        "aliases-not-a-list",
        "alias-not-a-string",
        "unknown-device-field",
        "applies-on-non-scene",
        "scene-unknown-device",
        "scene-bad-key",
        "list-value",
        "fahrenheit-range",
    ],
)
def test_each_mistake_is_reported(text: str, path: str, line: int | None) -> None:
    problems = problems_of(text)
    assert [p.path for p in problems] == [path]
    assert problems[0].line == line


def test_duplicate_floor_and_area_ids() -> None:
    text = """
floors: [{id: g, name: G}, {id: g, name: G2}]
areas: [{id: a, name: A}, {id: a, name: A2}]
devices: []
"""
    assert paths_of(text) == ["floors[1].id", "areas[1].id"]


def test_out_of_range_message() -> None:
    text = MINIMAL.replace("type: light}", "type: light, state: {brightness: 150}}")
    assert problems_of(text)[0].message == "150 is outside 0-100"


def test_unknown_type_lists_the_valid_ones() -> None:
    problem = problems_of(MINIMAL.replace("type: light}", "type: lamp}"))[0]
    assert all(d.value in problem.message for d in Domain)


FIVE_MISTAKES = """\
floors:
  - {id: ground, name: Ground}
areas:
  - {id: kitchen, name: Kitchen, floor: basement}
devices:
  - {id: light.kitchen, name: Kitchen light, area: kitchen, type: light,
     state: {"on": true, brightness: 150}}
  - {id: light.kitchen, name: Kitchen light again, type: light}
  - {id: toaster.one, name: Toaster, type: toaster}
  - {id: lock.door, name: Door, type: lock, area: hall}
"""


def test_one_file_five_mistakes_names_all_five() -> None:
    problems = problems_of(FIVE_MISTAKES)
    assert [(p.path, p.line) for p in problems] == [
        ("areas[0].floor", 4),
        ("devices[0].state.brightness", 7),
        ("devices[1].id", 8),
        ("devices[2].type", 9),
        ("devices[3].area", 10),
    ]
    with pytest.raises(HomeFileError) as info:
        parse_home(FIVE_MISTAKES, source="five.yaml")
    assert str(info.value).startswith("five.yaml: 5 problems")


@pytest.mark.skipif(not BENCH_HOMES, reason="../shared/bench is absent")
@pytest.mark.parametrize("path", BENCH_HOMES, ids=[p.parent.name for p in BENCH_HOMES])
def test_bench_homes_load(path: Path) -> None:
    home = load_home(path)
    assert home.devices
