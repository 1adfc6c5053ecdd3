"""zigbee2mqtt's conventions: ``<base>/<friendly_name>`` JSON state, ``/set`` commands.

A zigbee2mqtt device is bound to the site's devices by name: the device whose object id
is the friendly name as an object id (``Kitchen Light`` -> ``light.kitchen_light``),
and, for a multi-sensor, the sensors named ``<name>_<property>``
(``sensor.hall_sensor_temperature``). A friendly name that matches nothing is counted
and ignored.
"""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.mqtt._codec import Outgoing
from thingmind.mqtt._color import WHITE_MIREDS, name_of_mireds, name_of_rgb, rgb_of
from thingmind.mqtt._discovery import object_id_of
from thingmind.mqtt._errors import RejectedError, Rejection
from thingmind.mqtt._payload import JsonValue, is_number
from thingmind.registry import BadValueError, domain_spec

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.registry import Device, Home

DEFAULT_BASE = "zigbee2mqtt"
"""zigbee2mqtt's default base topic."""
BRIGHTNESS_SCALE = 254
"""zigbee2mqtt's brightness range is 0-254."""

_BINARY_PROPERTY = MappingProxyType(
    {
        "door": ("contact", True),
        "window": ("contact", True),
        "garage_door": ("contact", True),
        "opening": ("contact", True),
        "motion": ("occupancy", False),
        "occupancy": ("occupancy", False),
        "presence": ("presence", False),
        "moisture": ("water_leak", False),
        "smoke": ("smoke", False),
        "battery": ("battery_low", False),
        "vibration": ("vibration", False),
        "gas": ("gas", False),
        "tamper": ("tamper", False),
    }
)
"""binary_sensor device class -> (zigbee2mqtt property, inverted). ``contact`` is
true when closed, so a door's ``on`` (open) is its negation."""

_FAN_MODES = MappingProxyType(
    {"off": 0, "low": 33, "medium": 66, "high": 100, "on": 100}
)


def _xy_to_rgb(x: float, y: float) -> tuple[float, float, float]:
    # CIE 1931 xy at full brightness -> linear sRGB -> gamma; good enough to name it.
    if y <= 0:
        return (255.0, 255.0, 255.0)
    z = 1.0 - x - y
    big_x, big_z = x / y, z / y
    r = big_x * 1.656492 - 0.354851 - big_z * 0.255038
    g = -big_x * 0.707196 + 1.655397 + big_z * 0.036152
    b = big_x * 0.051713 - 0.121364 + big_z * 1.011530
    top = max(r, g, b, 1e-9)
    out = []
    for channel in (r / top, g / top, b / top):
        linear = max(channel, 0.0)
        gamma = (
            12.92 * linear
            if linear <= 0.0031308
            else 1.055 * linear ** (1 / 2.4) - 0.055
        )
        out.append(255 * gamma)
    return out[0], out[1], out[2]


class Z2mIndex:
    """Finds the site's devices behind zigbee2mqtt friendly names."""

    def __init__(self, home: Home) -> None:
        """Index the site's devices by object id.

        Args:
            home: The site.
        """
        self._by_object: dict[str, list[Device]] = {}
        for device in home.devices:
            self._by_object.setdefault(device.id.split(".", 1)[1], []).append(device)

    def devices(self, friendly_name: str) -> list[Device]:
        """Return the devices whose object id is the friendly name's."""
        return list(self._by_object.get(object_id_of(friendly_name), ()))

    def sensor(self, friendly_name: str, prop: str) -> Device | None:
        """Return the sensor ``<name>_<property>``, when the site has one."""
        for device in self._by_object.get(
            f"{object_id_of(friendly_name)}_{object_id_of(prop)}", ()
        ):
            if device.type in {Domain.SENSOR, Domain.BINARY_SENSOR}:
                return device
        return None

    def knows(self, friendly_name: str) -> bool:
        """Return True when some device of the site is (part of) this name."""
        obj = object_id_of(friendly_name)
        return obj in self._by_object or any(
            k.startswith(f"{obj}_") for k in self._by_object
        )


def decode_z2m_state(
    index: Z2mIndex, friendly_name: str, data: Mapping[str, JsonValue]
) -> dict[str, dict[str, StateValue]]:
    """Turn a zigbee2mqtt state object into state keys per device (not yet checked).

    Args:
        index: The site's devices by name.
        friendly_name: The device's zigbee2mqtt name.
        data: The state object.

    Returns:
        State keys by device id.

    Raises:
        RejectedError: ``UNKNOWN_DEVICE`` when no device matches the name; ``BAD_VALUE``
            or ``WRONG_TYPE`` for a value of the wrong kind.
    """
    out: dict[str, dict[str, StateValue]] = {}
    for device in index.devices(friendly_name):
        changes = _main_state(device, data)
        if changes:
            out[device.id] = changes
    for prop, value in data.items():
        sensor = index.sensor(friendly_name, prop)
        if sensor is None:
            continue
        out[sensor.id] = _sensor_value(sensor, prop, value)
    if not out and not index.knows(friendly_name):
        msg = f"no device of the site is called {friendly_name!r}"
        raise RejectedError(Rejection.UNKNOWN_DEVICE, msg)
    return out


def _switch(value: JsonValue, prop: str) -> bool:
    if value in {"ON", "on", True, "OPEN", "LOCK"}:
        return True
    if value in {"OFF", "off", False, "CLOSE", "UNLOCK"}:
        return False
    msg = f"{prop}: {str(value)[:40]!r} is not ON or OFF"
    raise RejectedError(Rejection.BAD_VALUE, msg, field=prop)


def _num(value: JsonValue, prop: str) -> float:
    if is_number(value):
        return float(value)  # type: ignore[arg-type]
    msg = f"{prop}: {str(value)[:40]!r} is not a number"
    raise RejectedError(Rejection.WRONG_TYPE, msg, field=prop)


def _tidy(number: float) -> int | float:
    return int(number) if float(number).is_integer() else round(number, 3)


def _main_state(device: Device, data: Mapping[str, JsonValue]) -> dict[str, StateValue]:
    t = device.type
    out: dict[str, StateValue] = {}
    if (
        t in {Domain.LIGHT, Domain.SWITCH, Domain.HUMIDIFIER, Domain.WATER_HEATER}
        and "state" in data
    ):
        out["on"] = _switch(data["state"], "state")
    if t is Domain.LIGHT:
        if out.get("on") is False:
            out["brightness"] = 0
        elif data.get("brightness") is not None:
            out["brightness"] = round(
                _num(data["brightness"], "brightness") * 100 / BRIGHTNESS_SCALE
            )
        color, mode = data.get("color"), data.get("color_mode")
        if mode == "color_temp" and data.get("color_temp") is not None:
            out["color"] = name_of_mireds(_num(data["color_temp"], "color_temp"))
        elif isinstance(color, dict) and {"r", "g", "b"} <= color.keys():
            out["color"] = name_of_rgb(*(_num(color[c], "color") for c in "rgb"))
        elif isinstance(color, dict) and {"x", "y"} <= color.keys():
            out["color"] = name_of_rgb(
                *_xy_to_rgb(_num(color["x"], "color"), _num(color["y"], "color"))
            )
    elif t is Domain.FAN:
        mode = data.get("fan_mode", data.get("fan_state"))
        if isinstance(mode, str) and mode.lower() in _FAN_MODES:
            pct = _FAN_MODES[mode.lower()]
            out.update({"on": pct > 0, "percentage": pct})
        elif mode is not None:
            msg = f"fan_mode {str(mode)[:40]!r} is not off/low/medium/high/on"
            raise RejectedError(Rejection.BAD_VALUE, msg, field="fan_mode")
    elif t in {Domain.COVER, Domain.VALVE}:
        if data.get("position") is not None:
            pct = round(_num(data["position"], "position"))
            out.update({"position": pct, "open": pct > 0})
        elif data.get("state") in {"OPEN", "CLOSE", "ON", "OFF"}:
            opened = data["state"] in {"OPEN", "ON"}
            out.update({"open": opened, "position": 100 if opened else 0})
    elif t is Domain.LOCK:
        state = data.get("lock_state", data.get("state"))
        if state in {"locked", "LOCK"}:
            out["locked"] = True
        elif state in {"unlocked", "UNLOCK"}:
            out["locked"] = False
    elif t is Domain.CLIMATE:
        if data.get("system_mode") is not None:
            out["hvac_mode"] = str(data["system_mode"])
        for prop in ("occupied_heating_setpoint", "current_heating_setpoint"):
            if data.get(prop) is not None:
                out["target_temperature"] = _tidy(_num(data[prop], prop))
                break
        if data.get("local_temperature") is not None:
            out["current_temperature"] = _tidy(
                _num(data["local_temperature"], "local_temperature")
            )
    elif t is Domain.BINARY_SENSOR:
        prop, inverted = _BINARY_PROPERTY.get(
            device.device_class or "", ("occupancy", False)
        )
        if prop in data:
            value = data[prop]
            if not isinstance(value, bool):
                msg = f"{prop} must be true or false"
                raise RejectedError(Rejection.WRONG_TYPE, msg, field=prop)
            out["on"] = not value if inverted else value
    elif t is Domain.SENSOR and device.device_class and device.device_class in data:
        out.update(
            _sensor_value(device, device.device_class, data[device.device_class])
        )
    return out


def _sensor_value(device: Device, prop: str, value: JsonValue) -> dict[str, StateValue]:
    if device.type is Domain.BINARY_SENSOR:
        if not isinstance(value, bool):
            msg = f"{prop} must be true or false"
            raise RejectedError(Rejection.WRONG_TYPE, msg, field=prop)
        inverted = prop == "contact"
        return {"on": not value if inverted else value}
    if value is None or is_number(value):
        return {"value": None if value is None else _tidy(float(value))}  # type: ignore[arg-type]
    if isinstance(value, str) and len(value) <= 256:
        return {"value": value}
    msg = f"{prop} must be a number or short text"
    raise RejectedError(Rejection.WRONG_TYPE, msg, field=prop)


def encode_z2m_command(
    base: str,
    friendly_name: str,
    device: Device,
    *,
    service: str,
    params: Mapping[str, StateValue],
    state: Mapping[str, StateValue],
) -> Outgoing:
    """Turn a service call into a zigbee2mqtt ``/set`` message.

    Args:
        base: zigbee2mqtt's base topic.
        friendly_name: The device's zigbee2mqtt name.
        device: The device.
        service: The service.
        params: Its checked parameters.
        state: The device's current state.

    Returns:
        The message.

    Raises:
        ServiceCallError: When zigbee2mqtt has no way to do it.
    """
    t = device.type
    new = domain_spec(t).call(state, service, params)
    body: dict[str, JsonValue] = {}
    if t is Domain.LIGHT:
        body["state"] = "ON" if new.get("on", True) else "OFF"
        if body["state"] == "ON" and "brightness" in params:
            level = params["brightness"]
            if isinstance(level, int | float):
                body["brightness"] = round(float(level) * BRIGHTNESS_SCALE / 100)
        color = params.get("color")
        if isinstance(color, str) and body["state"] == "ON":
            if color in WHITE_MIREDS:
                body["color_temp"] = WHITE_MIREDS[color]
            else:
                rgb = rgb_of(color)
                if rgb is None:
                    msg = f"{color!r} is not a colour this light can be sent"
                    raise BadValueError(msg, key="color")
                body["color"] = {"r": rgb[0], "g": rgb[1], "b": rgb[2]}
    elif t in {Domain.SWITCH, Domain.HUMIDIFIER, Domain.WATER_HEATER}:
        body["state"] = "ON" if new.get("on") else "OFF"
    elif t is Domain.FAN:
        pct = new.get("percentage", 100 if new.get("on") else 0)
        pct_f = float(pct) if isinstance(pct, int | float) else 0.0
        body["fan_mode"] = (
            "off"
            if not new.get("on") or pct_f <= 0
            else "low"
            if pct_f <= 33
            else "medium"
            if pct_f <= 66
            else "high"
        )
    elif t in {Domain.COVER, Domain.VALVE}:
        if service.startswith("stop"):
            body["state"] = "STOP"
        elif service.startswith("set_"):
            body["position"] = new.get("position")
        else:
            body["state"] = "OPEN" if new.get("open") else "CLOSE"
    elif t is Domain.LOCK:
        body["state"] = "LOCK" if new.get("locked") else "UNLOCK"
    elif t is Domain.CLIMATE:
        if service == "set_temperature":
            body["occupied_heating_setpoint"] = new.get("target_temperature")
        if new.get("hvac_mode") != state.get("hvac_mode") or service in {
            "set_hvac_mode",
            "turn_on",
            "turn_off",
        }:
            body["system_mode"] = new.get("hvac_mode")
    else:
        msg = f"zigbee2mqtt has no {t} commands"
        raise BadValueError(msg)
    return Outgoing(
        topic=f"{base}/{friendly_name}/set",
        payload=json.dumps(body, separators=(",", ":")),
    )
