"""Home Assistant MQTT payloads <-> thingmind state keys and services, per device type.

Pure functions, no I/O. Both directions of both sides are here:

* thingmind's side: :func:`decode_state` (a state payload -> state keys) and
  :func:`encode_command` (a service call -> command messages);
* the device's side, which the simulator uses to behave like real hardware:
  :func:`decode_command` and :func:`encode_state`, and :func:`build_config`, the
  discovery config a device announces.

Each device type maps its state keys onto Home Assistant's topic options with a table
of channels (``light.brightness`` <-> ``brightness_state_topic`` /
``brightness_command_topic``, scaled by ``brightness_scale``). Types without a Home
Assistant MQTT platform (``media_player``) use a JSON convention documented in
``docs/mqtt.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import math
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue, same_value
from thingmind.mqtt._color import WHITE_MIREDS, name_of_mireds, name_of_rgb, rgb_of
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


@dataclass(frozen=True, slots=True)
class _Channel:
    key: str
    state: str | None
    command: str | None
    template: str | None


def _ch(
    key: str, state: str | None, command: str | None, template: str | None
) -> _Channel:
    return _Channel(key, state, command, template)


CHANNELS: Mapping[Domain, tuple[_Channel, ...]] = MappingProxyType(
    {
        Domain.LIGHT: (
            _ch("on", "state_topic", "command_topic", "state_value_template"),
            _ch(
                "brightness",
                "brightness_state_topic",
                "brightness_command_topic",
                "brightness_value_template",
            ),
            _ch("color", "rgb_state_topic", "rgb_command_topic", "rgb_value_template"),
        ),
        Domain.SWITCH: (_ch("on", "state_topic", "command_topic", "value_template"),),
        Domain.FAN: (
            _ch("on", "state_topic", "command_topic", "state_value_template"),
            _ch(
                "percentage",
                "percentage_state_topic",
                "percentage_command_topic",
                "percentage_value_template",
            ),
        ),
        Domain.CLIMATE: (
            _ch(
                "hvac_mode",
                "mode_state_topic",
                "mode_command_topic",
                "mode_state_template",
            ),
            _ch(
                "target_temperature",
                "temperature_state_topic",
                "temperature_command_topic",
                "temperature_state_template",
            ),
            _ch(
                "current_temperature",
                "current_temperature_topic",
                None,
                "current_temperature_template",
            ),
        ),
        Domain.COVER: (
            _ch("open", "state_topic", "command_topic", "value_template"),
            _ch(
                "position", "position_topic", "set_position_topic", "position_template"
            ),
        ),
        Domain.VALVE: (_ch("open", "state_topic", "command_topic", "value_template"),),
        Domain.LOCK: (_ch("locked", "state_topic", "command_topic", "value_template"),),
        Domain.MEDIA_PLAYER: (),
        Domain.VACUUM: (
            _ch("status", "state_topic", "command_topic", "value_template"),
        ),
        Domain.ALARM_CONTROL_PANEL: (
            _ch("state", "state_topic", "command_topic", "value_template"),
        ),
        Domain.HUMIDIFIER: (
            _ch("on", "state_topic", "command_topic", "state_value_template"),
            _ch(
                "target_humidity",
                "target_humidity_state_topic",
                "target_humidity_command_topic",
                "target_humidity_state_template",
            ),
        ),
        Domain.WATER_HEATER: (
            _ch("on", "mode_state_topic", "mode_command_topic", "mode_state_template"),
            _ch(
                "target_temperature",
                "temperature_state_topic",
                "temperature_command_topic",
                "temperature_state_template",
            ),
        ),
        Domain.SENSOR: (_ch("value", "state_topic", None, "value_template"),),
        Domain.BINARY_SENSOR: (_ch("on", "state_topic", None, "value_template"),),
        Domain.SCENE: (),
    }
)
"""Per type: state key <-> (state topic option, command topic option, value template)."""

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

_SERVICE_PAYLOADS: Mapping[Domain, Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        Domain.COVER: {
            "open_cover": ("payload_open", "OPEN"),
            "close_cover": ("payload_close", "CLOSE"),
            "stop_cover": ("payload_stop", "STOP"),
        },
        Domain.VALVE: {
            "open_valve": ("payload_open", "OPEN"),
            "close_valve": ("payload_close", "CLOSE"),
            "stop_valve": ("payload_stop", "STOP"),
        },
        Domain.LOCK: {
            "lock": ("payload_lock", "LOCK"),
            "unlock": ("payload_unlock", "UNLOCK"),
        },
        Domain.ALARM_CONTROL_PANEL: {
            "alarm_arm_home": ("payload_arm_home", "ARM_HOME"),
            "alarm_arm_away": ("payload_arm_away", "ARM_AWAY"),
            "alarm_disarm": ("payload_disarm", "DISARM"),
        },
        Domain.VACUUM: {
            "start": ("payload_start", "start"),
            "pause": ("payload_pause", "pause"),
            "return_to_base": ("payload_return_to_base", "return_to_base"),
        },
        Domain.SCENE: {"turn_on": ("payload_on", "ON")},
    }
)
"""Types whose services are payloads on ``command_topic``, not state changes."""

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


# ---------------------------------------------------------------- shared helpers


def _as_text(value: JsonValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None:
        return "None"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if not isinstance(value, dict | list) else json.dumps(value)


def _number(value: JsonValue, key: str) -> float:
    if is_number(value):
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    msg = f"{key}: {str(value)[:40]!r} is not a number"
    raise RejectedError(Rejection.BAD_VALUE, msg, field=key)


def _tidy(number: float) -> int | float:
    return int(number) if float(number).is_integer() else round(number, 3)


def _percent(value: float, low: float, high: float) -> int:
    return round((value - low) * 100 / (high - low))


def _from_percent(pct: float, low: float, high: float) -> int | float:
    return _tidy(round(low + pct * (high - low) / 100))


def _speed_range(entity: DiscoveredEntity) -> tuple[float, float]:
    return entity.number("speed_range_min", 1), entity.number("speed_range_max", 100)


def _position_range(entity: DiscoveredEntity) -> tuple[float, float]:
    return entity.number("position_closed", 0), entity.number("position_open", 100)


def _on_off(entity: DiscoveredEntity, *, state: bool) -> tuple[str, str]:
    """Return the (on, off) payloads: state_* when reading, payload_* when sending."""
    on = entity.text("payload_on", "ON")
    off = entity.text("payload_off", "OFF")
    if state:
        return entity.text("state_on", on), entity.text("state_off", off)
    return on, off


def _has_position(entity: DiscoveredEntity) -> bool:
    if entity.component is Domain.VALVE:
        return entity.option("reports_position", default=False) is True
    return "position_topic" in entity.topics


def _color_from(value: JsonValue) -> str:
    if isinstance(value, dict):
        if {"r", "g", "b"} <= value.keys():
            r, g, b = (_number(value[c], "color") for c in "rgb")
            return name_of_rgb(r, g, b)
        if "color_temp" in value:
            return name_of_mireds(_number(value["color_temp"], "color"))
        msg = "color must have r, g and b"
        raise RejectedError(Rejection.WRONG_TYPE, msg, field="color")
    parts = _as_text(value).split(",")
    if len(parts) != 3:
        msg = f"color {str(value)[:40]!r} is not r,g,b"
        raise RejectedError(Rejection.BAD_VALUE, msg, field="color")
    r, g, b = (_number(p, "color") for p in parts)
    return name_of_rgb(r, g, b)


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
        return {"color": name_of_mireds(_number(raw, "color"))}
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
    text = _as_text(raw).strip()
    if isinstance(raw, dict | list):
        msg = f"{key} must be a scalar, got a JSON {type(raw).__name__}"
        raise RejectedError(Rejection.WRONG_TYPE, msg, field=key)
    if key == "value":
        unit = entity.options.get("unit_of_measurement")
        out: dict[str, StateValue] = {}
        if text.lower() in _UNKNOWN_TEXT:
            out["value"] = None
        elif is_number(raw):
            out["value"] = _tidy(float(raw))  # type: ignore[arg-type]
        else:
            try:
                out["value"] = _tidy(_number(text, key))
            except RejectedError:
                out["value"] = text[:256]
        if isinstance(unit, str):
            out["unit"] = unit
        return out
    if key == "on" and domain is Domain.WATER_HEATER:
        return {"on": text.lower() != "off"}
    if key == "on":
        on, off = _on_off(entity, state=True)
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
        if domain is Domain.VALVE and _has_position(entity):
            return _valve_position_state(entity, raw, text)
        if text == entity.text("state_open", "open"):
            return (
                {"open": True}
                if _has_position(entity)
                else {"open": True, "position": 100}
            )
        if text == entity.text("state_closed", "closed"):
            return (
                {"open": False}
                if _has_position(entity)
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
        low, high = _position_range(entity)
        pct = _percent(_number(raw, key), low, high)
        return {"position": pct, "open": pct > 0}
    if key == "brightness":
        pct = _percent(_number(raw, key), 0, entity.number("brightness_scale", 255))
        return {"brightness": pct}
    if key == "percentage":
        low, high = _speed_range(entity)
        level = _number(raw, key)
        pct = (
            0 if level < low else math.ceil((level - low + 1) * 100 / (high - low + 1))
        )
        return {"percentage": pct}
    if key == "color":
        return {"color": _color_from(raw)}
    if key in {"target_temperature", "current_temperature", "target_humidity"}:
        if text.lower() in _UNKNOWN_TEXT:
            return {key: None}
        out = {key: _tidy(_number(raw, key))}
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
    low, high = _position_range(entity)
    pct = _percent(_number(data, "position"), low, high)
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
        out["color"] = name_of_mireds(_number(data["color_temp"], "color_temp"))
    elif isinstance(color, dict) and {"r", "g", "b"} <= color.keys():
        out["color"] = _color_from(color)
    elif color is not None and not isinstance(color, dict):
        msg = "color must be an object"
        raise RejectedError(Rejection.WRONG_TYPE, msg, field="color")
    elif data.get("color_temp") is not None and mode is None:
        out["color"] = name_of_mireds(_number(data["color_temp"], "color_temp"))
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
    payloads = _SERVICE_PAYLOADS.get(domain, {})
    if service in payloads:
        option, default = payloads[service]
        return [_send(entity, "command_topic", entity.text(option, default))]
    new_state = domain_spec(domain).call(state, service, params)
    if domain in {Domain.COVER, Domain.VALVE}:
        pct = new_state.get("position", params.get("position"))
        low, high = _position_range(entity)
        option = "command_topic" if domain is Domain.VALVE else "set_position_topic"
        return [
            _send(entity, option, _from_percent(_number(pct, "position"), low, high))
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
    payload = template.render(value) if template is not None else _as_text(value)
    return Outgoing(topic=topic, payload=payload, retain=entity.retain)


def _encode_key(
    entity: DiscoveredEntity, channel: _Channel, value: StateValue
) -> Outgoing | None:
    key, option = channel.key, channel.command or ""
    domain = entity.component
    if key == "on" and domain is Domain.WATER_HEATER:
        if "power_command_topic" in entity.topics:
            on, off = _on_off(entity, state=False)
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
        on, off = _on_off(entity, state=False)
        return _send(entity, option, on if value else off)
    if key == "brightness":
        scale = entity.number("brightness_scale", 255)
        return _send(entity, option, _from_percent(_number(value, key), 0, scale))
    if key == "percentage":
        low, high = _speed_range(entity)
        pct = _number(value, key)
        ranged = 0 if pct <= 0 else math.ceil(pct * (high - low + 1) / 100) + low - 1
        return _send(entity, option, _tidy(ranged))
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
    on, off = _on_off(entity, state=False)
    body: dict[str, JsonValue] = {"state": on if new_state.get("on", True) else off}
    if body["state"] == on:
        if "brightness" in params:
            scale = entity.number("brightness_scale", 255)
            body["brightness"] = _from_percent(
                _number(params["brightness"], "brightness"), 0, scale
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


# ---------------------------------------------------------------- the device's side


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
    payloads = _SERVICE_PAYLOADS.get(domain, {})
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
        low, high = _position_range(entity)
        pct = _percent(_number(text, "position"), low, high)
        return [(f"set_{domain}_position", {"position": pct})]
    if domain is Domain.WATER_HEATER and role in {
        "power_command_topic",
        "mode_command_topic",
    }:
        on, _ = _on_off(entity, state=False)
        is_on = text == on if role == "power_command_topic" else text.lower() != "off"
        return [("turn_on" if is_on else "turn_off", {})]
    if role == "color_temp_command_topic":
        return [("turn_on", {"color": name_of_mireds(_number(text, "color"))})]
    channel = next((c for c in CHANNELS[domain] if c.command == role), None)
    if channel is None:
        msg = f"{role} is not a command topic of a {domain}"
        raise RejectedError(Rejection.UNKNOWN_TOPIC, msg)
    if channel.key == "on":
        on, off = _on_off(entity, state=False)
        if text not in {on, off}:
            msg = f"{text[:40]!r} is neither {on!r} nor {off!r}"
            raise RejectedError(Rejection.BAD_VALUE, msg)
        return [("turn_on" if text == on else "turn_off", {})]
    if channel.key == "brightness":
        pct = _percent(
            _number(text, "brightness"), 0, entity.number("brightness_scale", 255)
        )
        return [("turn_on", {"brightness": pct})]
    if channel.key == "percentage":
        low, high = _speed_range(entity)
        value = _number(text, "percentage")
        pct = (
            0 if value < low else math.ceil((value - low + 1) * 100 / (high - low + 1))
        )
        return [("set_percentage", {"percentage": pct})]
    if channel.key == "color":
        return [("turn_on", {"color": _color_from(text)})]
    if channel.key == "hvac_mode":
        return [("set_hvac_mode", {"hvac_mode": text})]
    if channel.key == "target_temperature":
        return [
            ("set_temperature", {"temperature": _tidy(_number(text, "temperature"))})
        ]
    if channel.key == "target_humidity":
        return [("set_humidity", {"humidity": _tidy(_number(text, "humidity"))})]
    msg = f"{text[:40]!r} is not a command of this {domain}"
    raise RejectedError(Rejection.BAD_VALUE, msg)


def _json_light_calls(
    entity: DiscoveredEntity, text: str
) -> list[tuple[str, dict[str, StateValue]]]:
    data = parse_json(text)
    if not isinstance(data, dict):
        msg = "a JSON light command must be an object"
        raise RejectedError(Rejection.WRONG_TYPE, msg)
    on, off = _on_off(entity, state=False)
    if data.get("state") == off:
        return [("turn_off", {})]
    params: dict[str, StateValue] = {}
    if "brightness" in data:
        params["brightness"] = _percent(
            _number(data["brightness"], "brightness"),
            0,
            entity.number("brightness_scale", 255),
        )
    if isinstance(data.get("color"), dict):
        params["color"] = _color_from(data["color"])
    elif data.get("color_temp") is not None:
        params["color"] = name_of_mireds(_number(data["color_temp"], "color_temp"))
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
        if domain is Domain.VALVE and _has_position(entity) and "position" in state:
            payload: JsonValue = _from_percent(
                _number(state["position"], "position"), *_position_range(entity)
            )
        else:
            payload = _state_payload(entity, channel.key, state[channel.key])
        if domain is Domain.VACUUM:
            payload = json.dumps({"state": payload})
        out.append(
            Outgoing(
                topic=entity.topics[channel.state or ""],
                payload=_as_text(payload),
                retain=True,
            )
        )
    if (
        domain is Domain.VALVE
        and _has_position(entity)
        and "position" in state
        and not out
    ):
        value = _from_percent(
            _number(state["position"], "position"), *_position_range(entity)
        )
        out.append(
            Outgoing(
                topic=entity.topics["state_topic"], payload=_as_text(value), retain=True
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
        on, off = _on_off(entity, state=True)
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
        return _from_percent(_number(value, key), *_position_range(entity))
    if key == "brightness":
        return _from_percent(
            _number(value, key), 0, entity.number("brightness_scale", 255)
        )
    if key == "percentage":
        low, high = _speed_range(entity)
        pct = _number(value, key)
        return 0 if pct <= 0 else math.ceil(pct * (high - low + 1) / 100) + low - 1
    if key == "color":
        rgb = rgb_of(str(value)) or (255, 255, 255)
        return ",".join(map(str, rgb))
    return value


def _json_light_body(
    entity: DiscoveredEntity, state: Mapping[str, StateValue]
) -> dict[str, JsonValue]:
    on, off = _on_off(entity, state=True)
    body: dict[str, JsonValue] = {}
    if "on" in state:
        body["state"] = on if state["on"] else off
    if isinstance(state.get("brightness"), int | float):
        scale = entity.number("brightness_scale", 255)
        body["brightness"] = _from_percent(
            _number(state["brightness"], "brightness"), 0, scale
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
