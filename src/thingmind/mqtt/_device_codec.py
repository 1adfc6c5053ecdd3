"""The device's side of Home Assistant MQTT: what a device (the simulator) does.

:func:`decode_command` (a command payload -> service calls), :func:`encode_state`
(state keys -> state messages) and :func:`build_config` (the discovery config a
device announces). Pure functions, no I/O; thingmind's own side is
:mod:`thingmind.mqtt._codec`.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.mqtt._channels import (
    CHANNELS,
    SERVICE_PAYLOADS,
    as_text,
    color_from,
    from_percent,
    has_position,
    on_off_payloads,
    position_range,
    read_number,
    speed_range,
    tidy_number,
    to_percent,
)
from thingmind.mqtt._codec import Outgoing
from thingmind.mqtt._color import name_of_mireds, rgb_of
from thingmind.mqtt._errors import RejectedError, Rejection
from thingmind.mqtt._payload import JsonValue, parse_json
from thingmind.registry import domain_spec

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.mqtt._discovery import DiscoveredEntity
    from thingmind.registry import Device


def command_topics(entity: DiscoveredEntity) -> dict[str, str]:
    """Return the command topics a device listens on: option name by topic."""
    found: dict[str, str] = {}
    options = {c.command for c in CHANNELS[entity.component] if c.command} | {
        "command_topic",
        "power_command_topic",
        "color_temp_command_topic",
    }
    for option in options:
        if option in entity.topics:
            found.setdefault(entity.topics[option], option)
    return found


def decode_command(
    entity: DiscoveredEntity, role: str, text: str, state: Mapping[str, StateValue]
) -> list[tuple[str, dict[str, StateValue]]]:
    """Turn a command message into the service calls it asks of the device.

    Args:
        entity: The device's own config.
        role: The command topic option it came on.
        text: The payload text.
        state: The device's current state.

    Returns:
        ``(service, params)`` pairs, in order.

    Raises:
        RejectedError: When the payload is not a command this config defines.
    """
    del state  # today's types need only the payload; kept for stateful ones
    domain = entity.component
    if domain is Domain.MEDIA_PLAYER:
        data = parse_json(text)
        if not isinstance(data, dict) or not isinstance(data.get("service"), str):
            msg = 'a media_player command is {"service": ..., params}'
            raise RejectedError(Rejection.WRONG_TYPE, msg)
        params = {
            k: v
            for k, v in data.items()
            if k != "service" and not isinstance(v, dict | list)
        }
        return [(str(data["service"]), params)]
    payloads = SERVICE_PAYLOADS.get(domain, {})
    if role == "command_topic":
        for service, (option, default) in payloads.items():
            if text == entity.text(option, default):
                return [(service, {})]
    if domain is Domain.LIGHT and entity.schema == "json":
        return _json_light_calls(entity, text)
    if domain in {Domain.COVER, Domain.VALVE} and role in {
        "set_position_topic",
        "command_topic",
    }:
        low, high = position_range(entity)
        pct = to_percent(read_number(text, "position"), low, high)
        return [(f"set_{domain}_position", {"position": pct})]
    if domain is Domain.WATER_HEATER and role in {
        "power_command_topic",
        "mode_command_topic",
    }:
        on, _ = on_off_payloads(entity, state=False)
        is_on = text == on if role == "power_command_topic" else text.lower() != "off"
        return [("turn_on" if is_on else "turn_off", {})]
    if role == "color_temp_command_topic":
        return [("turn_on", {"color": name_of_mireds(read_number(text, "color"))})]
    channel = next((c for c in CHANNELS[domain] if c.command == role), None)
    if channel is None:
        msg = f"{role} is not a command topic of a {domain}"
        raise RejectedError(Rejection.UNKNOWN_TOPIC, msg)
    if channel.key == "on":
        on, off = on_off_payloads(entity, state=False)
        if text not in {on, off}:
            msg = f"{text[:40]!r} is neither {on!r} nor {off!r}"
            raise RejectedError(Rejection.BAD_VALUE, msg)
        return [("turn_on" if text == on else "turn_off", {})]
    if channel.key == "brightness":
        pct = to_percent(
            read_number(text, "brightness"), 0, entity.number("brightness_scale", 255)
        )
        return [("turn_on", {"brightness": pct})]
    if channel.key == "percentage":
        low, high = speed_range(entity)
        value = read_number(text, "percentage")
        pct = (
            0 if value < low else math.ceil((value - low + 1) * 100 / (high - low + 1))
        )
        return [("set_percentage", {"percentage": pct})]
    if channel.key == "color":
        return [("turn_on", {"color": color_from(text)})]
    if channel.key == "hvac_mode":
        return [("set_hvac_mode", {"hvac_mode": text})]
    if channel.key == "target_temperature":
        return [
            (
                "set_temperature",
                {"temperature": tidy_number(read_number(text, "temperature"))},
            )
        ]
    if channel.key == "target_humidity":
        return [
            ("set_humidity", {"humidity": tidy_number(read_number(text, "humidity"))})
        ]
    msg = f"{text[:40]!r} is not a command of this {domain}"
    raise RejectedError(Rejection.BAD_VALUE, msg)


def _json_light_calls(
    entity: DiscoveredEntity, text: str
) -> list[tuple[str, dict[str, StateValue]]]:
    data = parse_json(text)
    if not isinstance(data, dict):
        msg = "a JSON light command must be an object"
        raise RejectedError(Rejection.WRONG_TYPE, msg)
    on, off = on_off_payloads(entity, state=False)
    if data.get("state") == off:
        return [("turn_off", {})]
    params: dict[str, StateValue] = {}
    if "brightness" in data:
        params["brightness"] = to_percent(
            read_number(data["brightness"], "brightness"),
            0,
            entity.number("brightness_scale", 255),
        )
    if isinstance(data.get("color"), dict):
        params["color"] = color_from(data["color"])
    elif data.get("color_temp") is not None:
        params["color"] = name_of_mireds(read_number(data["color_temp"], "color_temp"))
    if data.get("state") not in {on, None} and not params:
        msg = f"state {str(data.get('state'))[:40]!r} is neither {on!r} nor {off!r}"
        raise RejectedError(Rejection.BAD_VALUE, msg)
    return [("turn_on", params)]


def encode_state(
    entity: DiscoveredEntity, state: Mapping[str, StateValue]
) -> list[Outgoing]:
    """Return the state messages a device publishes for its state (retained).

    Args:
        entity: The device's own config.
        state: The keys to report (all of them, or those that changed).

    Returns:
        One message per state topic concerned.
    """
    domain = entity.component
    if domain is Domain.MEDIA_PLAYER or (
        domain is Domain.LIGHT and entity.schema == "json"
    ):
        if "state_topic" not in entity.topics:
            return []
        if domain is Domain.MEDIA_PLAYER:
            body: dict[str, JsonValue] = dict(state)
        else:
            body = _json_light_body(entity, state)
        return [
            Outgoing(
                topic=entity.topics["state_topic"],
                payload=json.dumps(body, separators=(",", ":")),
                retain=True,
            )
        ]
    out: list[Outgoing] = []
    for channel in CHANNELS[domain]:
        if channel.key not in state or channel.state not in entity.topics:
            continue
        if domain is Domain.VALVE and has_position(entity) and "position" in state:
            payload: JsonValue = from_percent(
                read_number(state["position"], "position"), *position_range(entity)
            )
        else:
            payload = _state_payload(entity, channel.key, state[channel.key])
        if domain is Domain.VACUUM:
            payload = json.dumps({"state": payload})
        out.append(
            Outgoing(
                topic=entity.topics[channel.state or ""],
                payload=as_text(payload),
                retain=True,
            )
        )
    if (
        domain is Domain.VALVE
        and has_position(entity)
        and "position" in state
        and not out
    ):
        value = from_percent(
            read_number(state["position"], "position"), *position_range(entity)
        )
        out.append(
            Outgoing(
                topic=entity.topics["state_topic"], payload=as_text(value), retain=True
            )
        )
    return out


def _state_payload(entity: DiscoveredEntity, key: str, value: StateValue) -> JsonValue:
    domain = entity.component
    if value is None:
        return "None"
    if key == "on" and domain is Domain.WATER_HEATER:
        modes = [m for m in entity.modes if m != "off"]
        return (modes[0] if modes else "eco") if value else "off"
    if key == "on":
        on, off = on_off_payloads(entity, state=True)
        return on if value else off
    if key == "locked":
        return (
            entity.text("state_locked", "LOCKED")
            if value
            else entity.text("state_unlocked", "UNLOCKED")
        )
    if key == "open":
        return (
            entity.text("state_open", "open")
            if value
            else entity.text("state_closed", "closed")
        )
    if key == "position":
        return from_percent(read_number(value, key), *position_range(entity))
    if key == "brightness":
        return from_percent(
            read_number(value, key), 0, entity.number("brightness_scale", 255)
        )
    if key == "percentage":
        low, high = speed_range(entity)
        pct = read_number(value, key)
        return 0 if pct <= 0 else math.ceil(pct * (high - low + 1) / 100) + low - 1
    if key == "color":
        rgb = rgb_of(str(value)) or (255, 255, 255)
        return ",".join(map(str, rgb))
    return value


def _json_light_body(
    entity: DiscoveredEntity, state: Mapping[str, StateValue]
) -> dict[str, JsonValue]:
    on, off = on_off_payloads(entity, state=True)
    body: dict[str, JsonValue] = {}
    if "on" in state:
        body["state"] = on if state["on"] else off
    if isinstance(state.get("brightness"), int | float):
        scale = entity.number("brightness_scale", 255)
        body["brightness"] = from_percent(
            read_number(state["brightness"], "brightness"), 0, scale
        )
    color = state.get("color")
    if isinstance(color, str):
        rgb = rgb_of(color) or (255, 255, 255)
        body["color_mode"] = "rgb"
        body["color"] = {"r": rgb[0], "g": rgb[1], "b": rgb[2]}
    return body


def build_config(
    device: Device, *, base: str, availability_topic: str | None = None
) -> dict[str, JsonValue]:
    """Return the discovery config a device announces (full keys, not abbreviated).

    Lights use the JSON schema (as zigbee2mqtt does); other types one topic per state
    key, ``<base>/<object id>/<key>``, with ``/set`` for commands.

    Args:
        device: The device.
        base: The device's own topic root (``thingmind-sim/home``).
        availability_topic: Where it says ``online`` / ``offline``.

    Returns:
        The config payload.
    """
    object_id = device.id.split(".", 1)[1]
    root = f"{base}/{object_id}"
    config: dict[str, JsonValue] = {
        "name": device.name,
        "unique_id": f"{base.replace('/', '_')}_{object_id}",
        "default_entity_id": device.id,
        "device": {
            "identifiers": [f"{base}/{object_id}"],
            "name": device.name,
            "manufacturer": "thingmind",
            "model": f"simulated {device.type}",
        },
        "qos": 1,
    }
    if device.device_class:
        config["device_class"] = device.device_class
    if availability_topic is not None:
        config["availability_topic"] = availability_topic
    domain = device.type
    if domain is Domain.MEDIA_PLAYER or domain is Domain.LIGHT:
        config["state_topic"] = root
        config["command_topic"] = f"{root}/set"
        if domain is Domain.LIGHT:
            config["schema"] = "json"
            config["brightness"] = "brightness" in device.state
            config["supported_color_modes"] = (
                ["rgb"]
                if "color" in device.state
                else (["brightness"] if "brightness" in device.state else ["onoff"])
            )
        return config
    if domain is Domain.SCENE:
        config["command_topic"] = f"{root}/set"
        return config
    if domain is Domain.VALVE:
        config["state_topic"] = f"{root}/position"
        config["command_topic"] = f"{root}/set"
        config["reports_position"] = True
        return config
    for channel in CHANNELS[domain]:
        if channel.key not in device.state and not (
            domain is Domain.COVER and channel.key == "open"
        ):
            continue
        if channel.state is not None:
            config[channel.state] = f"{root}/{channel.key}"
        if channel.command is not None:
            config[channel.command] = f"{root}/{channel.key}/set"
    if domain is Domain.WATER_HEATER:
        config["modes"] = ["off", "eco"]
    if domain is Domain.CLIMATE:
        config["temperature_unit"] = str(device.state.get("unit") or "C")
        config["modes"] = list(domain_spec(domain).keys["hvac_mode"].choices)
    if domain is Domain.SENSOR and isinstance(device.state.get("unit"), str):
        config["unit_of_measurement"] = device.state["unit"]
    if domain is Domain.VACUUM:
        config["value_template"] = "{{ value_json.state }}"
    return config
