"""The payload codec: every device type, both ways, on both sides."""

from __future__ import annotations

import json

import pytest

from thingmind.core import Domain, StateValue
from thingmind.mqtt.codec import (
    DiscoveredEntity,
    RejectedError,
    Rejection,
    bind_entity,
    build_config,
    check_state,
    command_topics,
    decode_command,
    decode_state,
    encode_command,
    encode_state,
    parse_discovery,
    state_topics,
)
from thingmind.registry import Device, Home, Registry, domain_spec
from thingmind.sim import load_scenario


def _entity(device: Device) -> DiscoveredEntity:
    config = build_config(device, base="sim/test", availability_topic="sim/test/status")
    topic = f"homeassistant/{device.type}/{device.id.split('.', 1)[1]}/config"
    update = parse_discovery(topic, json.dumps(config))
    return update.entities[0]


def _all_devices() -> list[Device]:
    devices: dict[tuple[Domain, frozenset[str]], Device] = {}
    for name in ("home", "factory", "ward"):
        for device in load_scenario(name).home.devices:
            devices.setdefault((device.type, frozenset(device.state)), device)
    for domain in Domain:
        state = domain_spec(domain).defaults()
        state.update(_FILL.get(domain, {}))
        devices.setdefault(
            (domain, frozenset(state)),
            Device(
                id=f"{domain}.every_{domain}",
                name=f"every {domain}",
                type=domain,
                state=state,
            ),
        )
    return list(devices.values())


_FILL: dict[Domain, dict[str, StateValue]] = {
    Domain.LIGHT: {"on": True, "brightness": 60, "color": "warm white"},
    Domain.SENSOR: {"value": 21.5, "unit": "°C"},
    Domain.CLIMATE: {
        "hvac_mode": "heat",
        "target_temperature": 21,
        "current_temperature": 19.5,
    },
    Domain.COVER: {"position": 40, "open": True},
}


DEVICES = _all_devices()


def test_every_type_is_covered() -> None:
    covered = {d.type for d in DEVICES}
    assert covered == set(Domain)


@pytest.mark.parametrize("device", DEVICES, ids=[f"{d.id}" for d in DEVICES])
def test_state_round_trip(device: Device) -> None:
    entity = _entity(device)
    assert bind_entity(entity, Home(devices=(device,))) == device.id
    state = dict(device.state)
    routes = state_topics(entity)
    decoded: dict[str, StateValue] = {}
    for message in encode_state(entity, state):
        decoded.update(decode_state(entity, routes[message.topic], message.payload))
    checked = check_state(device, decoded, state)
    expected = {k: v for k, v in state.items() if k in checked}
    assert checked == expected
    if domain_spec(device.type).keys and device.type is not Domain.SCENE:
        assert checked


def _services(device: Device) -> list[tuple[str, dict[str, StateValue]]]:
    spec = domain_spec(device.type)
    calls: list[tuple[str, dict[str, StateValue]]] = []
    for name, service in spec.services.items():
        params: dict[str, StateValue] = {}
        for param in service.params:
            key = service.key_for(param)
            if key not in device.state:
                continue
            key_spec = spec.keys[key]
            if key_spec.choices:
                params[param] = key_spec.choices[-1]
            elif key_spec.kind == "color":
                params[param] = "red"
            elif key_spec.kind == "bool":
                params[param] = True
            else:
                low, high = key_spec.limits(device.state)
                params[param] = round(((low or 0) + (high or 100)) / 2)
        try:
            spec.call(device.state, name, params)
        except Exception:  # noqa: BLE001, S112 - a service this device cannot take
            continue
        calls.append((name, params))
    return calls


CALLS = [(d, s, p) for d in DEVICES for s, p in _services(d)]


@pytest.mark.parametrize(
    ("device", "service", "params"), CALLS, ids=[f"{d.id}-{s}" for d, s, _ in CALLS]
)
def test_command_round_trip(
    device: Device, service: str, params: dict[str, StateValue]
) -> None:
    """thingmind encodes a call; the device decodes it; the new state is the same."""
    entity = _entity(device)
    spec = domain_spec(device.type)
    state = dict(device.state)
    expected = spec.call(state, service, params)
    messages = encode_command(entity, service, params, state)
    assert messages
    routes = command_topics(entity)
    got = dict(state)
    for message in messages:
        for name, args in decode_command(
            entity, routes[message.topic], message.payload, got
        ):
            got = spec.call(got, name, args)
    assert got == expected


def test_abbreviations_and_base_topic() -> None:
    config = {
        "~": "zigbee2mqtt/kitchen",
        "name": "Kitchen",
        "uniq_id": "0x1234_light",
        "def_ent_id": "light.kitchen",
        "schema": "json",
        "stat_t": "~",
        "cmd_t": "~/set",
        "bri_scl": 254,
        "avty": [
            {"t": "zigbee2mqtt/bridge/state", "val_tpl": "{{ value_json.state }}"}
        ],
        "dev": {"ids": ["zigbee2mqtt_0x1234"], "mf": "IKEA", "mdl": "LED1545G12"},
    }
    entity = parse_discovery(
        "homeassistant/light/0x1234/light/config", json.dumps(config)
    ).entities[0]
    assert entity.topics["state_topic"] == "zigbee2mqtt/kitchen"
    assert entity.topics["command_topic"] == "zigbee2mqtt/kitchen/set"
    assert entity.availability[0].topic == "zigbee2mqtt/bridge/state"
    assert entity.device.manufacturer == "IKEA"
    assert entity.candidates[0] == "light.kitchen"
    assert decode_state(entity, "state_topic", '{"state":"ON","brightness":127}') == {
        "on": True,
        "brightness": 50,
    }


def test_device_based_discovery_and_removal() -> None:
    config = {
        "dev": {"ids": "plug1", "name": "Plug"},
        "o": {"name": "tasmota"},
        "cmps": {
            "relay": {
                "p": "switch",
                "stat_t": "plug1/state",
                "cmd_t": "plug1/cmd",
                "obj_id": "plug",
            },
            "power": {
                "p": "sensor",
                "stat_t": "plug1/power",
                "unit_of_meas": "W",
                "val_tpl": "{{ value_json.power | float }}",
            },
            "old": {"p": "sensor"},
        },
    }
    update = parse_discovery("homeassistant/device/plug1/config", json.dumps(config))
    assert [e.component for e in update.entities] == [Domain.SWITCH, Domain.SENSOR]
    assert update.removed == ("homeassistant/device/plug1/config#old",)
    power = update.entities[1]
    assert decode_state(power, "state_topic", '{"power": 12.5}') == {
        "value": 12.5,
        "unit": "W",
    }
    assert parse_discovery("homeassistant/device/plug1/config", "").remove_all


@pytest.mark.parametrize(
    ("template", "payload", "expected"),
    [
        ("{{ value }}", "ON", {"on": True}),
        ("{{ value_json.state }}", '{"state": "OFF"}', {"on": False}),
        ("{{ value_json['st'] | upper }}", '{"st": "on"}', {"on": True}),
        ("{{ value_json.missing | default('ON') }}", "{}", {"on": True}),
        ("{{ value_json.missing }}", "{}", {}),
    ],
    ids=["value", "json-field", "bracket-upper", "default", "missing"],
)
def test_value_templates(
    template: str, payload: str, expected: dict[str, StateValue]
) -> None:
    config = {"stat_t": "s", "cmd_t": "c", "val_tpl": template}
    entity = parse_discovery(
        "homeassistant/switch/x/config", json.dumps(config)
    ).entities[0]
    assert decode_state(entity, "state_topic", payload) == expected


@pytest.mark.parametrize(
    ("topic", "config", "reason"),
    [
        ("homeassistant/switch/x/config", "not json", Rejection.NOT_JSON),
        ("homeassistant/switch/x/config", "[1, 2]", Rejection.WRONG_TYPE),
        (
            "homeassistant/switch/x/config",
            '{"stat_t": "s/#", "cmd_t": "c"}',
            Rejection.BAD_CONFIG,
        ),
        ("homeassistant/switch/x/config", '{"stat_t": "s"}', Rejection.BAD_CONFIG),
        (
            "homeassistant/switch/x/config",
            '{"stat_t": 5, "cmd_t": "c"}',
            Rejection.BAD_CONFIG,
        ),
        (
            "homeassistant/light/x/config",
            '{"cmd_t": "c", "bri_scl": 0}',
            Rejection.BAD_CONFIG,
        ),
        (
            "homeassistant/switch/x/config",
            '{"cmd_t": "c", "val_tpl": "{{ value.__class__ }}"}',
            Rejection.UNSUPPORTED_TEMPLATE,
        ),
        (
            "homeassistant/switch/x/config",
            '{"cmd_t": "c", "val_tpl": "{% for x in y %}"}',
            Rejection.UNSUPPORTED_TEMPLATE,
        ),
        ("homeassistant/teapot/x/config", '{"cmd_t": "c"}', Rejection.BAD_CONFIG),
        ("homeassistant/switch/config", '{"cmd_t": "c"}', Rejection.UNKNOWN_TOPIC),
        (
            "homeassistant/cover/x/config",
            '{"cmd_t": "c", "pos_open": 5, "pos_clsd": 5}',
            Rejection.BAD_CONFIG,
        ),
    ],
    ids=[
        "not-json",
        "list",
        "wildcard",
        "no-command",
        "topic-type",
        "scale-zero",
        "dunder",
        "jinja-block",
        "component",
        "topic-shape",
        "positions",
    ],
)
def test_bad_configs_are_rejected(topic: str, config: str, reason: Rejection) -> None:
    with pytest.raises(RejectedError) as caught:
        parse_discovery(topic, config)
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    ("config_topic", "config", "reason"),
    [
        (
            "homeassistant/lock/front_door/config",
            {"cmd_t": "c", "def_ent_id": "light.front_door"},
            Rejection.TYPE_MISMATCH,
        ),
        (
            "homeassistant/switch/front_door/config",
            {"cmd_t": "c"},
            Rejection.TYPE_MISMATCH,
        ),
        (
            "homeassistant/switch/nowhere/config",
            {"cmd_t": "c"},
            Rejection.UNKNOWN_DEVICE,
        ),
    ],
    ids=["entity-id-type", "object-id-type", "unknown"],
)
def test_binding_refuses_lies(
    home: Home, config_topic: str, config: dict[str, object], reason: Rejection
) -> None:
    entity = parse_discovery(config_topic, json.dumps(config)).entities[0]
    with pytest.raises(RejectedError) as caught:
        bind_entity(entity, home)
    assert caught.value.reason is reason


def test_check_state_rejects_whole_message(registry: Registry) -> None:
    device = registry.home.device("light.living_room_ceiling")
    with pytest.raises(RejectedError) as caught:
        check_state(device, {"on": True, "brightness": 180}, registry.state(device.id))
    assert caught.value.reason is Rejection.BAD_VALUE


def test_check_state_drops_unlisted_features(registry: Registry) -> None:
    device = registry.home.device("light.floor_lamp")  # "on" only
    assert check_state(
        device, {"on": True, "brightness": 40}, registry.state(device.id)
    ) == {"on": True}


def test_a_held_value_in_a_new_unit_is_checked_again(registry: Registry) -> None:
    device = registry.home.device("climate.thermostat")
    held: dict[str, StateValue] = {
        **registry.state(device.id),
        "target_temperature": 90.0,
        "unit": "F",
    }
    same: dict[str, StateValue] = {"target_temperature": 90.0, "unit": "F"}
    assert check_state(device, same, held) == same  # what it holds: kept
    with pytest.raises(RejectedError) as caught:  # 90 degrees C is past 35
        check_state(device, {"target_temperature": 90.0, "unit": "C"}, held)
    assert caught.value.field == "target_temperature"


def test_a_value_unlike_the_held_one_in_kind_is_checked(registry: Registry) -> None:
    device = registry.home.device("climate.thermostat")
    held: dict[str, StateValue] = {**registry.state(device.id), "hvac_mode": "heat"}
    with pytest.raises(RejectedError):
        check_state(device, {"hvac_mode": True}, held)  # not the text "heat"


def test_default_schema_light_commands() -> None:
    config = {
        "cmd_t": "l/set",
        "stat_t": "l/state",
        "bri_cmd_t": "l/bri/set",
        "bri_stat_t": "l/bri",
        "bri_scl": 100,
        "rgb_cmd_t": "l/rgb/set",
        "rgb_stat_t": "l/rgb",
    }
    entity = parse_discovery(
        "homeassistant/light/l/config", json.dumps(config)
    ).entities[0]
    state: dict[str, StateValue] = {"on": False, "brightness": 0, "color": None}
    messages = encode_command(
        entity, "turn_on", {"brightness": 40, "color": "red"}, state
    )
    assert [(m.topic, m.payload) for m in messages] == [
        ("l/bri/set", "40"),
        ("l/rgb/set", "255,0,0"),
        ("l/set", "ON"),
    ]
    assert decode_state(entity, "rgb_state_topic", "250,10,5") == {"color": "red"}
    assert decode_state(entity, "state_topic", "OFF") == {"on": False, "brightness": 0}
