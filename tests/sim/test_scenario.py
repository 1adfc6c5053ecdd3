"""Scenario packs: each ships a valid home file and anomaly targets that exist."""

from __future__ import annotations

import pytest

from thingmind.core import Domain
from thingmind.registry import parse_home
from thingmind.sim import (
    SCENARIOS,
    AnomalyKind,
    UnknownScenarioError,
    home_file_text,
    load_scenario,
)


def test_the_three_packs_are_listed() -> None:
    assert SCENARIOS == ("home", "factory", "ward")


@pytest.mark.parametrize("name", SCENARIOS, ids=SCENARIOS)
def test_pack_loads_and_validates(name: str) -> None:
    scenario = load_scenario(name)
    again = parse_home(home_file_text(name), source=name)
    assert scenario.name == name
    assert len(scenario.home.devices) == len(again.devices) > 50
    assert any(area.outdoor for area in scenario.home.areas)
    assert scenario.home.floors


@pytest.mark.parametrize("name", SCENARIOS, ids=SCENARIOS)
def test_anomaly_targets_exist(name: str) -> None:
    scenario = load_scenario(name)
    assert len(scenario.anomalies) >= 4
    for spec in scenario.anomalies:
        assert spec.devices
        for device_id in spec.devices:
            assert scenario.home.has_device(device_id)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("home", AnomalyKind.FREEZER_WARMING),
        ("home", AnomalyKind.DOOR_LEFT_OPEN),
        ("factory", AnomalyKind.PUMP_VIBRATION),
        ("ward", AnomalyKind.SPO2_FALLING),
    ],
    ids=["freezer", "door", "pump", "spo2"],
)
def test_required_anomalies_are_offered(name: str, kind: AnomalyKind) -> None:
    assert load_scenario(name).anomaly_spec(kind) is not None


def test_home_pack_has_what_the_brief_lists() -> None:
    home = load_scenario("home").home
    types = {d.type for d in home.devices}
    assert {
        Domain.LIGHT,
        Domain.SWITCH,
        Domain.FAN,
        Domain.CLIMATE,
        Domain.COVER,
        Domain.LOCK,
        Domain.MEDIA_PLAYER,
        Domain.VACUUM,
        Domain.ALARM_CONTROL_PANEL,
        Domain.SENSOR,
        Domain.BINARY_SENSOR,
    } <= types
    indoor = [a.id for a in home.areas if not a.outdoor]
    classes_by_area = {
        area: {d.device_class for d in home.devices if d.area == area}
        for area in indoor
    }
    for area, classes in classes_by_area.items():
        assert {"temperature", "humidity", "power"} <= classes, area


def test_unknown_pack_is_refused() -> None:
    with pytest.raises(UnknownScenarioError):
        load_scenario("spaceship")
