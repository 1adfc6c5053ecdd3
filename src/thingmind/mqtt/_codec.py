"""thingmind's side of Home Assistant MQTT: state payloads in, service calls out.

Pure functions, no I/O: :func:`decode_state` (a state payload -> state keys),
:func:`check_state` (those keys against the device's type) and
:func:`encode_command` (a service call -> command messages). The device's side,
which the simulator uses to behave like real hardware, is
:mod:`thingmind.mqtt._device_codec`; the table of channels both sides read
(``light.brightness`` <-> ``brightness_state_topic`` / ``brightness_command_topic``,
scaled by ``brightness_scale``) is :mod:`thingmind.mqtt._channels`. Types without a
Home Assistant MQTT platform (``media_player``) use a JSON convention documented in
``docs/mqtt.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import math
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue, same_value
from thingmind.mqtt._channels import (
    CHANNELS,
    SERVICE_PAYLOADS,
    Channel,
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
from thingmind.mqtt._color import WHITE_MIREDS, name_of_mireds, rgb_of
from thingmind.mqtt._errors import RejectedError, Rejection
from thingmind.mqtt._payload import JsonValue, is_number, parse_json
from thingmind.mqtt._template import MISSING, Missing, ValueTemplate
from thingmind.registry import BadValueError, ServiceCallError, domain_spec

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.mqtt._discovery import DiscoveredEntity
    from thingmind.registry import Device


@dataclass(frozen=True, slots=True, kw_only=True)
class Outgoing:
    """One message to publish."""

    topic: str
    """Where."""
    payload: str
    """What (text)."""
    retain: bool = False
    """Whether the broker keeps it for late subscribers."""
    device_id: str | None = None
    """The device a command is for, so its answer can wait for the device's echo."""
    correlation: bytes | None = None
    """MQTT 5 correlation data, for an answer to a request that carried some."""


_COMMAND_TEMPLATES = MappingProxyType(
    {
        "command_topic": "command_template",
        "brightness_command_topic": "brightness_command_template",
        "rgb_command_topic": "rgb_command_template",
        "color_temp_command_topic": "color_temp_command_template",
        "percentage_command_topic": "percentage_command_template",
        "mode_command_topic": "mode_command_template",
        "temperature_command_topic": "temperature_command_template",
        "set_position_topic": "set_position_template",
        "target_humidity_command_topic": "target_humidity_command_template",
        "power_command_topic": "power_command_template",
    }
)

_SERVICE_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "turn_on": ("on", "hvac_mode"),
        "turn_off": ("on", "hvac_mode"),
        "toggle": ("on",),
        "set_hvac_mode": ("hvac_mode",),
        "set_temperature": ("target_temperature",),
        "set_percentage": ("percentage",),
        "set_humidity": ("target_humidity",),
    }
)
"""State keys a service is about: they are sent even when they do not change."""

_UNKNOWN_TEXT = frozenset({"", "none", "unknown", "unavailable", "null"})


# ---------------------------------------------------------------- thingmind side: state


def state_topics(entity: DiscoveredEntity) -> dict[str, str]:
    """Return the state topics thingmind subscribes to for an entity.

    Returns:
        Topic option name (``state_topic``) by topic.
    """
    found: dict[str, str] = {}
    for channel in CHANNELS[entity.component]:
        if channel.state is not None and channel.state in entity.topics:
            found.setdefault(entity.topics[channel.state], channel.state)
    if (
        entity.component in {Domain.MEDIA_PLAYER, Domain.LIGHT}
        and "state_topic" in entity.topics
    ):
        found.setdefault(entity.topics["state_topic"], "state_topic")
    if entity.component is Domain.LIGHT and "color_temp_state_topic" in entity.topics:
        found.setdefault(
            entity.topics["color_temp_state_topic"], "color_temp_state_topic"
        )
    return found


def decode_state(
    entity: DiscoveredEntity, role: str, text: str
) -> dict[str, StateValue]:
    """Turn a state payload into state keys (not yet checked against the device).

    Args:
        entity: The entity.
        role: The topic option the payload came on (``brightness_state_topic``).
        text: The payload text.

    Returns:
        State keys and values; ``{}`` when the payload carries nothing thingmind
        keeps (a transient ``opening``, a JSON field the template does not find).

    Raises:
        RejectedError: ``NOT_JSON``, ``WRONG_TYPE`` or ``BAD_VALUE``.
    """
    domain = entity.component
    if domain is Domain.MEDIA_PLAYER:
        return _media_state(text)
    if domain is Domain.LIGHT and entity.schema == "json":
        return _json_light_state(entity, text)
    if domain is Domain.LIGHT and role == "color_temp_state_topic":
        raw = _read(entity, "color_temp_value_template", text)
        if isinstance(raw, Missing):
            return {}
        return {"color": name_of_mireds(read_number(raw, "color"))}
    out: dict[str, StateValue] = {}
    data: JsonValue | object = MISSING
    for channel in CHANNELS[domain]:
        if channel.state != role:
            continue
        template = entity.templates.get(channel.template or "")
        if template is None and role == "state_topic" and domain is Domain.VACUUM:
            template = _VACUUM_STATE
        if template is not None and template.uses_json and data is MISSING:
            data = parse_json(text)
        raw = template.render(text, data) if template is not None else text  # type: ignore[arg-type]
        if raw is MISSING:
            continue
        out.update(_decode_key(entity, channel.key, raw))  # type: ignore[arg-type]
    return out


_VACUUM_STATE = ValueTemplate.parse("{{ value_json.state }}")


def _read(
    entity: DiscoveredEntity, template_key: str, text: str
) -> JsonValue | Missing:
    template = entity.templates.get(template_key)
    return template.render(text) if template is not None else text


def _decode_key(
    entity: DiscoveredEntity, key: str, raw: JsonValue
) -> dict[str, StateValue]:
    domain = entity.component
    text = as_text(raw).strip()
    if isinstance(raw, dict | list):
        msg = f"{key} must be a scalar, got a JSON {type(raw).__name__}"
        raise RejectedError(Rejection.WRONG_TYPE, msg, field=key)
    if key == "value":
        unit = entity.options.get("unit_of_measurement")
        out: dict[str, StateValue] = {}
        if text.lower() in _UNKNOWN_TEXT:
            out["value"] = None
        elif is_number(raw):
            out["value"] = tidy_number(float(raw))  # type: ignore[arg-type]
        else:
            try:
                out["value"] = tidy_number(read_number(text, key))
            except RejectedError:
                out["value"] = text[:256]
        if isinstance(unit, str):
            out["unit"] = unit
        return out
    if key == "on" and domain is Domain.WATER_HEATER:
        return {"on": text.lower() != "off"}
    if key == "on":
        on, off = on_off_payloads(entity, state=True)
        if text == on or raw is True:
            value = True
        elif text == off or raw is False:
            value = False
        elif text.lower() in _UNKNOWN_TEXT:
            return {"on": None}
        else:
            msg = f"{text[:40]!r} is neither {on!r} nor {off!r}"
            raise RejectedError(Rejection.BAD_VALUE, msg, field="on")
        if not value and domain is Domain.LIGHT:
            return {"on": False, "brightness": 0}
        if not value and domain is Domain.FAN:
            return {"on": False, "percentage": 0}
        return {"on": value}
    if key == "locked":
        if text == entity.text("state_locked", "LOCKED"):
            return {"locked": True}
        if text == entity.text("state_unlocked", "UNLOCKED"):
            return {"locked": False}
        transient = {
            entity.text(k, d)
            for k, d in (
                ("state_locking", "LOCKING"),
                ("state_unlocking", "UNLOCKING"),
                ("state_jammed", "JAMMED"),
            )
        }
        if text in transient:
            return {}
        msg = f"{text[:40]!r} is not a lock state"
        raise RejectedError(Rejection.BAD_VALUE, msg, field="locked")
    if key == "open":
        if domain is Domain.VALVE and has_position(entity):
            return _valve_position_state(entity, raw, text)
        if text == entity.text("state_open", "open"):
            return (
                {"open": True}
                if has_position(entity)
                else {"open": True, "position": 100}
            )
        if text == entity.text("state_closed", "closed"):
            return (
                {"open": False}
                if has_position(entity)
                else {"open": False, "position": 0}
            )
        transient = {
            entity.text(k, d)
            for k, d in (
                ("state_opening", "opening"),
                ("state_closing", "closing"),
                ("state_stopped", "stopped"),
            )
        }
        if text in transient:
            return {}
        msg = f"{text[:40]!r} is not a {domain} state"
        raise RejectedError(Rejection.BAD_VALUE, msg, field="open")
    if key == "position":
        low, high = position_range(entity)
        pct = to_percent(read_number(raw, key), low, high)
        return {"position": pct, "open": pct > 0}
    if key == "brightness":
        pct = to_percent(
            read_number(raw, key), 0, entity.number("brightness_scale", 255)
        )
        return {"brightness": pct}
    if key == "percentage":
        low, high = speed_range(entity)
        level = read_number(raw, key)
        pct = (
            0 if level < low else math.ceil((level - low + 1) * 100 / (high - low + 1))
        )
        return {"percentage": pct}
    if key == "color":
        return {"color": color_from(raw)}
    if key in {"target_temperature", "current_temperature", "target_humidity"}:
        if text.lower() in _UNKNOWN_TEXT:
            return {key: None}
        out = {key: tidy_number(read_number(raw, key))}
        unit = entity.options.get("temperature_unit")
        if key != "target_humidity" and isinstance(unit, str) and unit in {"C", "F"}:
            out["unit"] = unit
        return out
    return {key: text}  # hvac_mode, alarm state, vacuum status: checked by the spec


def _valve_position_state(
    entity: DiscoveredEntity, raw: JsonValue, text: str
) -> dict[str, StateValue]:
    data: JsonValue = raw
    if isinstance(raw, str) and text.startswith("{"):
        data = parse_json(text)
    if isinstance(data, dict):
        if "position" in data:
            data = data["position"]
        elif "state" in data:
            return _decode_key(_without_position(entity), "open", data["state"])
        else:
            msg = "a valve state needs position or state"
            raise RejectedError(Rejection.WRONG_TYPE, msg, field="position")
    if isinstance(data, str) and not _looks_numeric(data):
        return _decode_key(_without_position(entity), "open", data)
    low, high = position_range(entity)
    pct = to_percent(read_number(data, "position"), low, high)
    return {"position": pct, "open": pct > 0}


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _without_position(entity: DiscoveredEntity) -> DiscoveredEntity:
    from dataclasses import replace  # noqa: PLC0415 - rare path

    options = dict(entity.options)
    options["reports_position"] = False
    return replace(entity, options=MappingProxyType(options), component=Domain.COVER)


def _json_light_state(entity: DiscoveredEntity, text: str) -> dict[str, StateValue]:
    data = parse_json(text)
    if not isinstance(data, dict):
        msg = "a JSON light state must be an object"
        raise RejectedError(Rejection.WRONG_TYPE, msg)
    out: dict[str, StateValue] = {}
    if "state" in data:
        out.update(_decode_key(entity, "on", data["state"]))
    if (
        "brightness" in data
        and out.get("on") is not False
        and data["brightness"] is not None
    ):
        out.update(_decode_key(entity, "brightness", data["brightness"]))
    color = data.get("color")
    mode = data.get("color_mode")
    if mode == "color_temp" and data.get("color_temp") is not None:
        out["color"] = name_of_mireds(read_number(data["color_temp"], "color_temp"))
    elif isinstance(color, dict) and {"r", "g", "b"} <= color.keys():
        out["color"] = color_from(color)
    elif color is not None and not isinstance(color, dict):
        msg = "color must be an object"
        raise RejectedError(Rejection.WRONG_TYPE, msg, field="color")
    elif data.get("color_temp") is not None and mode is None:
        out["color"] = name_of_mireds(read_number(data["color_temp"], "color_temp"))
    return out


def _media_state(text: str) -> dict[str, StateValue]:
    data = parse_json(text)
    if not isinstance(data, dict):
        msg = "a media_player state must be an object"
        raise RejectedError(Rejection.WRONG_TYPE, msg)
    out: dict[str, StateValue] = {}
    for key in ("playing", "volume", "muted"):
        if key in data:
            value = data[key]
            if isinstance(value, dict | list):
                msg = f"{key} must be a scalar"
                raise RejectedError(Rejection.WRONG_TYPE, msg, field=key)
            out[key] = value
    return out


def check_state(
    device: Device,
    changes: Mapping[str, StateValue],
    current: Mapping[str, StateValue],
) -> dict[str, StateValue]:
    """Keep the keys the device has and check every value against its type.

    Keys the site file does not list for the device (a feature it does not model) are
    dropped; one bad value rejects the whole message, so state never half-changes.

    Args:
        device: The device.
        changes: Decoded state keys.
        current: Its current state (for unit-dependent ranges).

    Returns:
        The normalized values.

    Raises:
        RejectedError: ``BAD_VALUE`` when a value does not fit.
    """
    spec = domain_spec(device.type)
    # Ranges may depend on the unit: the one this message brings, if it brings one.
    unit = changes.get("unit")
    merged = (
        current
        if unit is None or current.get("unit") == unit
        else {**current, "unit": unit}
    )
    out: dict[str, StateValue] = {}
    for key, value in changes.items():
        if key not in current:
            continue
        if merged is current and same_value(current[key], value):
            out[key] = value  # what it holds, checked when it was set
            continue
        try:
            out[key] = spec.validate_value(key, value, state=merged)
        except ValueError as err:
            raise RejectedError(
                Rejection.BAD_VALUE, f"{device.id}: {err}", field=key
            ) from err
    return out


# ---------------------------------------------------------------- thingmind side: commands


def encode_command(
    entity: DiscoveredEntity,
    service: str,
    params: Mapping[str, StateValue],
    state: Mapping[str, StateValue],
) -> list[Outgoing]:
    """Turn a service call into the messages the device expects.

    Args:
        entity: The device's entity.
        service: The service ("turn_on").
        params: Its checked parameters.
        state: The device's current state.

    Returns:
        The messages, in the order to send them.

    Raises:
        ServiceCallError: When the device's config gives no way to do it (a colour
            outside the palette, a feature without a command topic).
    """
    domain = entity.component
    retain = entity.retain
    if domain is Domain.MEDIA_PLAYER:
        payload = json.dumps({"service": service, **params}, separators=(",", ":"))
        return [
            Outgoing(
                topic=_command_topic(entity, "command_topic"),
                payload=payload,
                retain=retain,
            )
        ]
    payloads = SERVICE_PAYLOADS.get(domain, {})
    if service in payloads:
        option, default = payloads[service]
        return [_send(entity, "command_topic", entity.text(option, default))]
    new_state = domain_spec(domain).call(state, service, params)
    if domain in {Domain.COVER, Domain.VALVE}:
        pct = new_state.get("position", params.get("position"))
        low, high = position_range(entity)
        option = "command_topic" if domain is Domain.VALVE else "set_position_topic"
        return [
            _send(entity, option, from_percent(read_number(pct, "position"), low, high))
        ]
    if domain is Domain.LIGHT and entity.schema == "json":
        return [_json_light_command(entity, new_state, params)]
    wanted = set(_SERVICE_KEYS.get(service, ()))
    spec = domain_spec(domain).services[service]
    wanted.update(spec.key_for(p) for p in params)
    keys = [k for k in new_state if k in wanted or new_state.get(k) != state.get(k)]
    turning_off = new_state.get("on") is False or new_state.get("hvac_mode") == "off"
    out: list[Outgoing] = []
    last: list[Outgoing] = []
    for channel in CHANNELS[domain]:
        if channel.key not in keys or channel.command is None:
            continue
        value = new_state[channel.key]
        if turning_off and channel.key in {"brightness", "percentage"}:
            continue  # OFF says it all; 0 on the level topic would be redundant
        message = _encode_key(entity, channel, value)
        if message is None:
            continue
        (last if channel.key in {"on", "hvac_mode"} else out).append(message)
    return out + last  # levels first, then ON (Home Assistant's on_command_type "last")


def _command_topic(entity: DiscoveredEntity, option: str) -> str:
    topic = entity.topics.get(option)
    if topic is None:
        msg = f"{entity.component} config has no {option}"
        raise ServiceCallError(msg)
    return topic


def _send(entity: DiscoveredEntity, option: str, value: JsonValue) -> Outgoing:
    topic = _command_topic(entity, option)
    template = entity.command_templates.get(_COMMAND_TEMPLATES.get(option, ""))
    payload = template.render(value) if template is not None else as_text(value)
    return Outgoing(topic=topic, payload=payload, retain=entity.retain)


def _encode_key(
    entity: DiscoveredEntity, channel: Channel, value: StateValue
) -> Outgoing | None:
    key, option = channel.key, channel.command or ""
    domain = entity.component
    if key == "on" and domain is Domain.WATER_HEATER:
        if "power_command_topic" in entity.topics:
            on, off = on_off_payloads(entity, state=False)
            return _send(entity, "power_command_topic", on if value else off)
        modes = [m for m in entity.modes if m != "off"]
        return _send(entity, option, (modes[0] if modes else "eco") if value else "off")
    if option not in entity.topics:
        if (
            key == "color"
            and isinstance(value, str)
            and value in WHITE_MIREDS
            and "color_temp_command_topic" in entity.topics
        ):
            return _send(entity, "color_temp_command_topic", WHITE_MIREDS[value])
        if key in {"on", "hvac_mode"}:
            msg = f"{entity.component} config has no {option}"
            raise ServiceCallError(msg)
        msg = f"this {entity.component} cannot set {key} over MQTT (no {option})"
        raise BadValueError(msg, key=key)
    if key == "on":
        on, off = on_off_payloads(entity, state=False)
        return _send(entity, option, on if value else off)
    if key == "brightness":
        scale = entity.number("brightness_scale", 255)
        return _send(entity, option, from_percent(read_number(value, key), 0, scale))
    if key == "percentage":
        low, high = speed_range(entity)
        pct = read_number(value, key)
        ranged = 0 if pct <= 0 else math.ceil(pct * (high - low + 1) / 100) + low - 1
        return _send(entity, option, tidy_number(ranged))
    if key == "color":
        rgb = rgb_of(str(value))
        if rgb is None:
            msg = f"{value!r} is not a colour this light can be sent"
            raise BadValueError(msg, key="color")
        return _send(entity, option, ",".join(map(str, rgb)))
    return _send(entity, option, value)


def _json_light_command(
    entity: DiscoveredEntity,
    new_state: Mapping[str, StateValue],
    params: Mapping[str, StateValue],
) -> Outgoing:
    on, off = on_off_payloads(entity, state=False)
    body: dict[str, JsonValue] = {"state": on if new_state.get("on", True) else off}
    if body["state"] == on:
        if "brightness" in params:
            scale = entity.number("brightness_scale", 255)
            body["brightness"] = from_percent(
                read_number(params["brightness"], "brightness"), 0, scale
            )
        color = params.get("color")
        if isinstance(color, str):
            if color in WHITE_MIREDS and "color_temp" in str(
                entity.options.get("color_mode", "")
            ):
                body["color_temp"] = WHITE_MIREDS[color]
            else:
                rgb = rgb_of(color)
                if rgb is None:
                    msg = f"{color!r} is not a colour this light can be sent"
                    raise BadValueError(msg, key="color")
                body["color"] = {"r": rgb[0], "g": rgb[1], "b": rgb[2]}
    return Outgoing(
        topic=_command_topic(entity, "command_topic"),
        payload=json.dumps(body, separators=(",", ":")),
        retain=entity.retain,
    )
