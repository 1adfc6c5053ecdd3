"""Contract tests: every service of every device type, and every refusal."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from thingmind.core import Domain, ServiceError, StateValue
from thingmind.registry import (
    ALL_DOMAINS,
    KeyKind,
    ServiceCallError,
    ServiceFailure,
    domain_spec,
)

State = dict[str, StateValue]


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One service call and the state it must produce."""

    before: State
    expected: State
    params: State = field(default_factory=dict)


LIGHT_OFF: State = {"on": False, "brightness": 0, "color": "warm white"}
LIGHT_ON: State = {"on": True, "brightness": 60, "color": "warm white"}
FAN_OFF: State = {"on": False, "percentage": 0}
FAN_ON: State = {"on": True, "percentage": 40}
CLIMATE: State = {
    "hvac_mode": "heat",
    "target_temperature": 20,
    "current_temperature": 19.5,
    "unit": "C",
}
CLIMATE_OFF: State = {**CLIMATE, "hvac_mode": "off"}
HALF_OPEN: State = {"position": 50, "open": True}
MEDIA: State = {"playing": False, "volume": 30, "muted": False}
HUMIDIFIER: State = {"on": False, "target_humidity": 45}
WATER_HEATER: State = {"on": False, "target_temperature": 55}

# (domain, service) -> the call every domain must honour; a service missing here
# fails the contract test, so a new service cannot ship untested.
CASES: dict[tuple[Domain, str], Case] = {
    (Domain.LIGHT, "turn_on"): Case(
        before=LIGHT_OFF,
        expected={"on": True, "brightness": 100, "color": "warm white"},
    ),
    (Domain.LIGHT, "turn_off"): Case(
        before=LIGHT_ON, expected={"on": False, "brightness": 0, "color": "warm white"}
    ),
    (Domain.LIGHT, "toggle"): Case(
        before=LIGHT_ON, expected={"on": False, "brightness": 0, "color": "warm white"}
    ),
    (Domain.SWITCH, "turn_on"): Case(before={"on": False}, expected={"on": True}),
    (Domain.SWITCH, "turn_off"): Case(before={"on": True}, expected={"on": False}),
    (Domain.SWITCH, "toggle"): Case(before={"on": False}, expected={"on": True}),
    (Domain.FAN, "turn_on"): Case(
        before=FAN_OFF, expected={"on": True, "percentage": 100}
    ),
    (Domain.FAN, "turn_off"): Case(before=FAN_ON, expected=FAN_OFF),
    (Domain.FAN, "toggle"): Case(before=FAN_ON, expected=FAN_OFF),
    (Domain.FAN, "set_percentage"): Case(
        before=FAN_OFF,
        params={"percentage": 30},
        expected={"on": True, "percentage": 30},
    ),
    (Domain.CLIMATE, "set_temperature"): Case(
        before=CLIMATE,
        params={"temperature": 22.5},
        expected={**CLIMATE, "target_temperature": 22.5},
    ),
    (Domain.CLIMATE, "set_hvac_mode"): Case(
        before=CLIMATE,
        params={"hvac_mode": "cool"},
        expected={**CLIMATE, "hvac_mode": "cool"},
    ),
    (Domain.CLIMATE, "turn_on"): Case(before=CLIMATE_OFF, expected=CLIMATE),
    (Domain.CLIMATE, "turn_off"): Case(before=CLIMATE, expected=CLIMATE_OFF),
    (Domain.COVER, "open_cover"): Case(
        before=HALF_OPEN, expected={"position": 100, "open": True}
    ),
    (Domain.COVER, "close_cover"): Case(
        before=HALF_OPEN, expected={"position": 0, "open": False}
    ),
    (Domain.COVER, "set_cover_position"): Case(
        before=HALF_OPEN,
        params={"position": 0},
        expected={"position": 0, "open": False},
    ),
    (Domain.COVER, "stop_cover"): Case(before=HALF_OPEN, expected=HALF_OPEN),
    (Domain.VALVE, "open_valve"): Case(
        before=HALF_OPEN, expected={"position": 100, "open": True}
    ),
    (Domain.VALVE, "close_valve"): Case(
        before=HALF_OPEN, expected={"position": 0, "open": False}
    ),
    (Domain.VALVE, "set_valve_position"): Case(
        before={"position": 0, "open": False},
        params={"position": 25},
        expected={"position": 25, "open": True},
    ),
    (Domain.VALVE, "stop_valve"): Case(before=HALF_OPEN, expected=HALF_OPEN),
    (Domain.LOCK, "lock"): Case(before={"locked": False}, expected={"locked": True}),
    (Domain.LOCK, "unlock"): Case(before={"locked": True}, expected={"locked": False}),
    (Domain.MEDIA_PLAYER, "media_play"): Case(
        before=MEDIA, expected={**MEDIA, "playing": True}
    ),
    (Domain.MEDIA_PLAYER, "media_pause"): Case(
        before={**MEDIA, "playing": True}, expected=MEDIA
    ),
    (Domain.MEDIA_PLAYER, "media_next_track"): Case(before=MEDIA, expected=MEDIA),
    (Domain.MEDIA_PLAYER, "media_previous_track"): Case(before=MEDIA, expected=MEDIA),
    (Domain.MEDIA_PLAYER, "volume_set"): Case(
        before=MEDIA, params={"volume": 55}, expected={**MEDIA, "volume": 55}
    ),
    (Domain.MEDIA_PLAYER, "volume_mute"): Case(
        before=MEDIA,
        params={"is_volume_muted": True},
        expected={**MEDIA, "muted": True},
    ),
    (Domain.VACUUM, "start"): Case(
        before={"status": "docked"}, expected={"status": "cleaning"}
    ),
    (Domain.VACUUM, "pause"): Case(
        before={"status": "cleaning"}, expected={"status": "paused"}
    ),
    (Domain.VACUUM, "return_to_base"): Case(
        before={"status": "cleaning"}, expected={"status": "returning"}
    ),
    (Domain.ALARM_CONTROL_PANEL, "alarm_arm_home"): Case(
        before={"state": "disarmed"}, expected={"state": "armed_home"}
    ),
    (Domain.ALARM_CONTROL_PANEL, "alarm_arm_away"): Case(
        before={"state": "disarmed"}, expected={"state": "armed_away"}
    ),
    (Domain.ALARM_CONTROL_PANEL, "alarm_disarm"): Case(
        before={"state": "armed_away"}, expected={"state": "disarmed"}
    ),
    (Domain.HUMIDIFIER, "turn_on"): Case(
        before=HUMIDIFIER, expected={**HUMIDIFIER, "on": True}
    ),
    (Domain.HUMIDIFIER, "turn_off"): Case(
        before={**HUMIDIFIER, "on": True}, expected=HUMIDIFIER
    ),
    (Domain.HUMIDIFIER, "set_humidity"): Case(
        before=HUMIDIFIER,
        params={"humidity": 60},
        expected={**HUMIDIFIER, "target_humidity": 60},
    ),
    (Domain.WATER_HEATER, "turn_on"): Case(
        before=WATER_HEATER, expected={**WATER_HEATER, "on": True}
    ),
    (Domain.WATER_HEATER, "turn_off"): Case(
        before={**WATER_HEATER, "on": True}, expected=WATER_HEATER
    ),
    (Domain.WATER_HEATER, "set_temperature"): Case(
        before=WATER_HEATER,
        params={"temperature": 60},
        expected={**WATER_HEATER, "target_temperature": 60},
    ),
    (Domain.SCENE, "turn_on"): Case(before={}, expected={}),
}

ALL_SERVICES = [(d, s) for d, spec in ALL_DOMAINS.items() for s in spec.services]


def test_every_domain_has_a_spec() -> None:
    assert set(ALL_DOMAINS) == set(Domain)
    assert all(domain_spec(d).domain is d for d in Domain)


def test_domain_spec_accepts_strings() -> None:
    assert domain_spec("light") is ALL_DOMAINS[Domain.LIGHT]


@pytest.mark.parametrize(
    ("domain", "service"), ALL_SERVICES, ids=[f"{d}.{s}" for d, s in ALL_SERVICES]
)
def test_service_contract(domain: Domain, service: str) -> None:
    case = CASES[domain, service]
    before = dict(case.before)
    after = domain_spec(domain).call(before, service, case.params)
    assert after == case.expected
    assert before == case.before  # the input is never mutated


@pytest.mark.parametrize("domain", list(ALL_DOMAINS), ids=[str(d) for d in ALL_DOMAINS])
def test_defaults_are_valid(domain: Domain) -> None:
    spec = domain_spec(domain)
    defaults = spec.defaults()
    assert list(defaults) == list(spec.keys)
    for key, value in defaults.items():
        assert spec.validate_value(key, value, state=defaults) == value


@pytest.mark.parametrize(
    ("before", "params", "expected"),
    [
        (LIGHT_OFF, {"brightness": 40}, {"on": True, "brightness": 40}),
        (LIGHT_ON, {"brightness": 0}, {"on": False, "brightness": 0}),
        (LIGHT_ON, {}, {"on": True, "brightness": 60}),
        (LIGHT_OFF, {"color": "Red"}, {"on": True, "brightness": 100, "color": "red"}),
        ({"on": False}, {}, {"on": True}),
        ({"on": None, "brightness": None}, {}, {"on": True, "brightness": 100}),
    ],
    ids=[
        "brightness-turns-on",
        "brightness-0-turns-off",
        "keeps-level",
        "color-implies-on",
        "on-only",
        "unknown-state",
    ],
)
def test_light_turn_on_rules(before: State, params: State, expected: State) -> None:
    after = domain_spec(Domain.LIGHT).call(before, "turn_on", params)
    assert {k: after[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (FAN_OFF, {"on": True, "percentage": 100}),
        (FAN_ON, {"on": True, "percentage": 40}),
    ],
    ids=["from-off", "keeps-speed"],
)
def test_fan_turn_on_rules(before: State, expected: State) -> None:
    assert domain_spec(Domain.FAN).call(before, "turn_on", {}) == expected


def test_fan_percentage_zero_turns_off() -> None:
    after = domain_spec(Domain.FAN).call(FAN_ON, "set_percentage", {"percentage": 0})
    assert after == FAN_OFF


def test_climate_fahrenheit_range() -> None:
    state = {**CLIMATE, "unit": "F"}
    after = domain_spec(Domain.CLIMATE).call(
        state, "set_temperature", {"temperature": 72}
    )
    assert after["target_temperature"] == 72


def test_climate_without_unit_is_celsius() -> None:
    state: State = {"hvac_mode": "heat", "target_temperature": 21}
    with pytest.raises(ServiceCallError) as info:
        domain_spec(Domain.CLIMATE).call(state, "set_temperature", {"temperature": 72})
    assert info.value.reason is ServiceFailure.OUT_OF_RANGE


@pytest.mark.parametrize(
    ("domain", "state", "service", "params", "reason"),
    [
        (
            Domain.LIGHT,
            LIGHT_ON,
            "turn_on",
            {"brightness": 150},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (
            Domain.LIGHT,
            LIGHT_ON,
            "turn_on",
            {"brightness": -1},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (
            Domain.LIGHT,
            {"on": True},
            "turn_on",
            {"brightness": 50},
            ServiceFailure.UNSUPPORTED_FEATURE,
        ),
        (
            Domain.LIGHT,
            {"on": True, "brightness": 50},
            "turn_on",
            {"color": "red"},
            ServiceFailure.UNSUPPORTED_FEATURE,
        ),
        (Domain.LIGHT, LIGHT_ON, "set_brightness", {}, ServiceFailure.UNKNOWN_SERVICE),
        (
            Domain.LIGHT,
            LIGHT_ON,
            "turn_on",
            {"brightness": "high"},
            ServiceFailure.BAD_VALUE,
        ),
        (
            Domain.LIGHT,
            LIGHT_ON,
            "turn_on",
            {"brightness": True},
            ServiceFailure.BAD_VALUE,
        ),
        (
            Domain.LIGHT,
            LIGHT_ON,
            "turn_on",
            {"flash": "long"},
            ServiceFailure.BAD_VALUE,
        ),
        (
            Domain.LIGHT,
            LIGHT_ON,
            "turn_on",
            {"brightness": None},
            ServiceFailure.BAD_VALUE,
        ),
        (
            Domain.FAN,
            FAN_ON,
            "set_percentage",
            {"percentage": 101},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (
            Domain.FAN,
            {"on": True},
            "set_percentage",
            {"percentage": 50},
            ServiceFailure.UNSUPPORTED_FEATURE,
        ),
        (
            Domain.CLIMATE,
            CLIMATE,
            "set_temperature",
            {"temperature": 40},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (
            Domain.CLIMATE,
            {**CLIMATE, "unit": "F"},
            "set_temperature",
            {"temperature": 20},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (
            Domain.CLIMATE,
            CLIMATE,
            "set_hvac_mode",
            {"hvac_mode": "turbo"},
            ServiceFailure.BAD_VALUE,
        ),
        (
            Domain.CLIMATE,
            CLIMATE,
            "set_temperature",
            {"current_temperature": 25},
            ServiceFailure.READ_ONLY,
        ),
        (
            Domain.COVER,
            {"open": True},
            "set_cover_position",
            {"position": 50},
            ServiceFailure.UNSUPPORTED_FEATURE,
        ),
        (
            Domain.COVER,
            HALF_OPEN,
            "set_cover_position",
            {"position": 120},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (
            Domain.MEDIA_PLAYER,
            MEDIA,
            "volume_set",
            {"volume": 200},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (
            Domain.MEDIA_PLAYER,
            MEDIA,
            "volume_mute",
            {"is_volume_muted": "yes"},
            ServiceFailure.BAD_VALUE,
        ),
        (
            Domain.HUMIDIFIER,
            HUMIDIFIER,
            "set_humidity",
            {"humidity": 101},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (
            Domain.WATER_HEATER,
            WATER_HEATER,
            "set_temperature",
            {"temperature": 95},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (
            Domain.WATER_HEATER,
            WATER_HEATER,
            "set_temperature",
            {"temperature": 20},
            ServiceFailure.OUT_OF_RANGE,
        ),
        (Domain.LOCK, {"locked": True}, "open", {}, ServiceFailure.UNKNOWN_SERVICE),
        (
            Domain.SENSOR,
            {"value": 3, "unit": "W"},
            "turn_on",
            {},
            ServiceFailure.READ_ONLY,
        ),
        (Domain.BINARY_SENSOR, {"on": False}, "turn_on", {}, ServiceFailure.READ_ONLY),
        (Domain.SWITCH, {}, "turn_on", {}, ServiceFailure.UNSUPPORTED_FEATURE),
    ],
    ids=[
        "light-over-100",
        "light-negative",
        "on-only-light-cannot-dim",
        "light-without-color",
        "light-unknown-service",
        "light-text-brightness",
        "light-bool-brightness",
        "light-unknown-param",
        "light-null-param",
        "fan-over-100",
        "fan-without-speed",
        "climate-celsius-40",
        "climate-fahrenheit-20",
        "climate-bad-mode",
        "climate-current-read-only",
        "cover-without-position",
        "cover-over-100",
        "volume-over-100",
        "mute-not-bool",
        "humidity-over-100",
        "water-heater-too-hot",
        "water-heater-too-cold",
        "lock-no-open",
        "sensor-read-only",
        "binary-sensor-read-only",
        "switch-without-on",
    ],
)
def test_refusals(
    domain: Domain, state: State, service: str, params: State, reason: ServiceFailure
) -> None:
    before = dict(state)
    with pytest.raises(ServiceError) as info:
        domain_spec(domain).call(before, service, params)
    assert isinstance(info.value, ServiceCallError)
    assert info.value.reason is reason
    assert before == state


def test_out_of_range_message_names_value_and_range() -> None:
    with pytest.raises(ServiceCallError) as info:
        domain_spec(Domain.LIGHT).call(LIGHT_ON, "turn_on", {"brightness": 150})
    assert "150 is outside 0-100" in str(info.value)
    assert info.value.key == "brightness"


@pytest.mark.parametrize(
    ("domain", "key", "value", "expected"),
    [
        (Domain.LIGHT, "color", "  Warm  White ", "warm white"),
        (Domain.CLIMATE, "unit", "f", "F"),
        (Domain.CLIMATE, "hvac_mode", "HEAT", "heat"),
        (Domain.SENSOR, "value", "idle", "idle"),
        (Domain.SENSOR, "value", 4.2, 4.2),
        (Domain.LIGHT, "brightness", None, None),
    ],
    ids=[
        "color-lowered",
        "unit-upper",
        "mode-lower",
        "text-value",
        "number-value",
        "null",
    ],
)
def test_validate_value_normalizes(
    domain: Domain, key: str, value: StateValue, expected: StateValue
) -> None:
    assert domain_spec(domain).validate_value(key, value) == expected


@pytest.mark.parametrize(
    ("domain", "key", "value"),
    [
        (Domain.LIGHT, "brightness", 101),
        (Domain.LIGHT, "brightness", float("nan")),
        (Domain.LIGHT, "on", 1),
        (Domain.LIGHT, "dim", 1),
        (Domain.VACUUM, "status", "flying"),
        (Domain.LIGHT, "color", ""),
    ],
    ids=["range", "nan", "int-as-bool", "unknown-key", "bad-choice", "empty-color"],
)
def test_validate_value_rejects(domain: Domain, key: str, value: StateValue) -> None:
    with pytest.raises(ValueError, match=r"."):
        domain_spec(domain).validate_value(key, value)


def test_key_kinds_cover_the_spec() -> None:
    kinds = {spec.kind for d in ALL_DOMAINS.values() for spec in d.keys.values()}
    assert kinds == set(KeyKind)
