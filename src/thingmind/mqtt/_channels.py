"""Home Assistant's topic options per device type, and the conversions both sides share.

:data:`CHANNELS` maps each type's state keys onto Home Assistant's topic options
(``light.brightness`` <-> ``brightness_state_topic`` / ``brightness_command_topic``).
The functions read numbers, percentages, colours and on/off payloads the way a
Home Assistant config says to, for thingmind's side (:mod:`thingmind.mqtt._codec`)
and the device's side (:mod:`thingmind.mqtt._device_codec`) alike.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import math
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.mqtt._color import name_of_mireds, name_of_rgb
from thingmind.mqtt._errors import RejectedError, Rejection
from thingmind.mqtt._payload import JsonValue, is_number

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.mqtt._discovery import DiscoveredEntity


@dataclass(frozen=True, slots=True)
class Channel:
    """One state key of a type: its state topic, command topic and template options."""

    key: str
    state: str | None
    command: str | None
    template: str | None


def _ch(
    key: str, state: str | None, command: str | None, template: str | None
) -> Channel:
    return Channel(key, state, command, template)


CHANNELS: Mapping[Domain, tuple[Channel, ...]] = MappingProxyType(
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

SERVICE_PAYLOADS: Mapping[Domain, Mapping[str, tuple[str, str]]] = MappingProxyType(
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


def as_text(value: JsonValue) -> str:
    """Return a JSON value as a payload writes it (``true``, ``21``, ``21.5``, ``None``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None:
        return "None"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if not isinstance(value, dict | list) else json.dumps(value)


def read_number(value: JsonValue, key: str) -> float:
    """Return a finite number from a JSON number or its text; else reject it (``key``)."""
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


def tidy_number(number: float) -> int | float:
    """Return a whole number as an int, any other rounded to three places."""
    return int(number) if float(number).is_integer() else round(number, 3)


def to_percent(value: float, low: float, high: float) -> int:
    """Return where ``value`` lies between ``low`` and ``high``, in percent."""
    return round((value - low) * 100 / (high - low))


def from_percent(pct: float, low: float, high: float) -> int | float:
    """Return the value ``pct`` percent of the way from ``low`` to ``high``."""
    return tidy_number(round(low + pct * (high - low) / 100))


def speed_range(entity: DiscoveredEntity) -> tuple[float, float]:
    """Return a fan's speed range (``speed_range_min``, ``speed_range_max``)."""
    return entity.number("speed_range_min", 1), entity.number("speed_range_max", 100)


def position_range(entity: DiscoveredEntity) -> tuple[float, float]:
    """Return a cover's or valve's positions when closed and when open."""
    return entity.number("position_closed", 0), entity.number("position_open", 100)


def on_off_payloads(entity: DiscoveredEntity, *, state: bool) -> tuple[str, str]:
    """Return the (on, off) payloads: state_* when reading, payload_* when sending."""
    on = entity.text("payload_on", "ON")
    off = entity.text("payload_off", "OFF")
    if state:
        return entity.text("state_on", on), entity.text("state_off", off)
    return on, off


def has_position(entity: DiscoveredEntity) -> bool:
    """Return True when the device reports a position (a cover, a valve that says so)."""
    if entity.component is Domain.VALVE:
        return entity.option("reports_position", default=False) is True
    return "position_topic" in entity.topics


def color_from(value: JsonValue) -> str:
    """Return the colour name of ``r,g,b`` text, or of an object (r, g, b or color_temp)."""
    if isinstance(value, dict):
        if {"r", "g", "b"} <= value.keys():
            r, g, b = (read_number(value[c], "color") for c in "rgb")
            return name_of_rgb(r, g, b)
        if "color_temp" in value:
            return name_of_mireds(read_number(value["color_temp"], "color"))
        msg = "color must have r, g and b"
        raise RejectedError(Rejection.WRONG_TYPE, msg, field="color")
    parts = as_text(value).split(",")
    if len(parts) != 3:
        msg = f"color {str(value)[:40]!r} is not r,g,b"
        raise RejectedError(Rejection.BAD_VALUE, msg, field="color")
    r, g, b = (read_number(p, "color") for p in parts)
    return name_of_rgb(r, g, b)
