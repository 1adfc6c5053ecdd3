"""Commands: which service, with which parameters, each selected device gets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.nlu import Intent
from thingmind.registry import Device, domain_spec
from thingmind.resolve._model import FailReason
from thingmind.resolve._vocab import (
    ALARM_MODE_SERVICES,
    ATTRIBUTE_KEYS,
    DEFAULT_LEVEL_KEY,
    HVAC_MODE_WORDS,
)

if TYPE_CHECKING:
    from thingmind.resolve._values import Values

_D = Domain
_I = Intent


def _table(
    rows: dict[Intent, dict[Domain, str]],
) -> Mapping[Intent, Mapping[Domain, str]]:
    return MappingProxyType({k: MappingProxyType(v) for k, v in rows.items()})


SIMPLE_SERVICES: Mapping[Intent, Mapping[Domain, str]] = _table(
    {
        _I.TURN_ON: {
            _D.LIGHT: "turn_on",
            _D.SWITCH: "turn_on",
            _D.FAN: "turn_on",
            _D.CLIMATE: "turn_on",
            _D.MEDIA_PLAYER: "media_play",
            _D.VACUUM: "start",
            _D.HUMIDIFIER: "turn_on",
            _D.WATER_HEATER: "turn_on",
            _D.COVER: "open_cover",
            _D.VALVE: "open_valve",
            _D.SCENE: "turn_on",
        },
        _I.TURN_OFF: {
            _D.LIGHT: "turn_off",
            _D.SWITCH: "turn_off",
            _D.FAN: "turn_off",
            _D.CLIMATE: "turn_off",
            _D.MEDIA_PLAYER: "media_pause",
            _D.VACUUM: "pause",
            _D.HUMIDIFIER: "turn_off",
            _D.WATER_HEATER: "turn_off",
            _D.COVER: "close_cover",
            _D.VALVE: "close_valve",
        },
        _I.TOGGLE: {_D.LIGHT: "toggle", _D.SWITCH: "toggle", _D.FAN: "toggle"},
        _I.OPEN: {_D.COVER: "open_cover", _D.VALVE: "open_valve", _D.LOCK: "unlock"},
        _I.CLOSE: {_D.COVER: "close_cover", _D.VALVE: "close_valve", _D.LOCK: "lock"},
        _I.STOP: {
            _D.COVER: "stop_cover",
            _D.VALVE: "stop_valve",
            _D.MEDIA_PLAYER: "media_pause",
            _D.VACUUM: "pause",
            _D.SWITCH: "turn_off",
            _D.FAN: "turn_off",
            _D.LIGHT: "turn_off",
            _D.HUMIDIFIER: "turn_off",
        },
        _I.LOCK: {_D.LOCK: "lock"},
        _I.UNLOCK: {_D.LOCK: "unlock"},
        _I.PLAY: {_D.MEDIA_PLAYER: "media_play", _D.VACUUM: "start"},
        _I.PAUSE: {_D.MEDIA_PLAYER: "media_pause", _D.VACUUM: "pause"},
        _I.NEXT_TRACK: {_D.MEDIA_PLAYER: "media_next_track"},
        _I.PREVIOUS_TRACK: {_D.MEDIA_PLAYER: "media_previous_track"},
        _I.MUTE: {_D.MEDIA_PLAYER: "volume_mute"},
        _I.UNMUTE: {_D.MEDIA_PLAYER: "volume_mute"},
        _I.CLEAN: {_D.VACUUM: "start"},
        _I.RETURN_HOME: {_D.VACUUM: "return_to_base"},
        _I.DISARM: {_D.ALARM_CONTROL_PANEL: "alarm_disarm"},
        _I.ARM: {_D.ALARM_CONTROL_PANEL: "alarm_arm_away"},
    }
)
"""Intent -> type -> service, for intents that need no value."""

_FIXED_PARAMS: Mapping[Intent, Mapping[str, StateValue]] = MappingProxyType(
    {
        _I.MUTE: MappingProxyType({"is_volume_muted": True}),
        _I.UNMUTE: MappingProxyType({"is_volume_muted": False}),
    }
)

_TOGGLE_BY_STATE: Mapping[Domain, tuple[str, str, str]] = MappingProxyType(
    {
        # type: (state key meaning "on", service when on, service when off)
        _D.CLIMATE: ("hvac_mode", "turn_off", "turn_on"),
        _D.MEDIA_PLAYER: ("playing", "media_pause", "media_play"),
        _D.HUMIDIFIER: ("on", "turn_off", "turn_on"),
        _D.WATER_HEATER: ("on", "turn_off", "turn_on"),
        _D.COVER: ("open", "close_cover", "open_cover"),
        _D.VALVE: ("open", "close_valve", "open_valve"),
        _D.LOCK: ("locked", "unlock", "lock"),
    }
)

_SET_SERVICE: Mapping[tuple[Domain, str], tuple[str, str]] = MappingProxyType(
    {
        (_D.LIGHT, "brightness"): ("turn_on", "brightness"),
        (_D.FAN, "percentage"): ("set_percentage", "percentage"),
        (_D.COVER, "position"): ("set_cover_position", "position"),
        (_D.VALVE, "position"): ("set_valve_position", "position"),
        (_D.MEDIA_PLAYER, "volume"): ("volume_set", "volume"),
        (_D.HUMIDIFIER, "target_humidity"): ("set_humidity", "humidity"),
        (_D.CLIMATE, "target_temperature"): ("set_temperature", "temperature"),
        (_D.WATER_HEATER, "target_temperature"): ("set_temperature", "temperature"),
    }
)
"""(type, state key) -> (service, parameter) that sets a level."""

STEPS: Mapping[str, float] = MappingProxyType(
    {
        "brightness": 20,
        "percentage": 20,
        "position": 20,
        "volume": 10,
        "target_humidity": 10,
        "target_temperature": 1,
    }
)
"""Default relative step per key (spec: brightness 20, volume 10, position 20, 1 degree)."""

_TEMPERATURE_KEYS = frozenset({"target_temperature"})
_MIN_LEVEL = MappingProxyType({"brightness": 1.0, "percentage": 1.0, "volume": 1.0})
"""The lowest sensible level where 0 would mean off."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """A service call for one device."""

    service: str
    params: Mapping[str, StateValue]
    value: StateValue = None
    """The level it sets, for the answer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """Why a device cannot do what was asked."""

    reason: FailReason
    detail: str


def has_service(device: Device, service: str, state: Mapping[str, StateValue]) -> bool:
    """Return True when the device's type has the service and the keys it needs."""
    spec = domain_spec(device.type).services.get(service)
    return spec is not None and all(k in state for k in spec.needs)


def plan_simple(
    intent: Intent, device: Device, state: Mapping[str, StateValue], values: Values
) -> Plan | Refusal:
    """Plan a command that takes no level (on, off, open, lock, play, arm ...)."""
    if device.type in {_D.SENSOR, _D.BINARY_SENSOR}:
        return Refusal(
            reason=FailReason.READ_ONLY, detail="it is a sensor, it only reports"
        )
    if intent is _I.TOGGLE and device.type in _TOGGLE_BY_STATE:
        key, when_on, when_off = _TOGGLE_BY_STATE[device.type]
        value = state.get(key)
        is_on = value not in {None, False, "off"}
        service = when_on if is_on else when_off
        return Plan(service=service, params={})
    if intent is _I.ARM and device.type is _D.ALARM_CONTROL_PANEL:
        service = ALARM_MODE_SERVICES.get(values.mode or "", "alarm_arm_away")
        return Plan(service=service, params={})
    simple = SIMPLE_SERVICES.get(intent, {}).get(device.type)
    if simple is None or not has_service(device, simple, state):
        return Refusal(reason=FailReason.UNSUPPORTED, detail=f"cannot {_verb(intent)}")
    return Plan(service=simple, params=dict(_FIXED_PARAMS.get(intent, {})))


def plan_mode(
    device: Device, state: Mapping[str, StateValue], values: Values
) -> Plan | Refusal:
    """Plan a mode change: a climate hvac_mode, or an alarm arming mode."""
    mode = values.mode
    if device.type is _D.ALARM_CONTROL_PANEL:
        service = ALARM_MODE_SERVICES.get(mode or "", "alarm_arm_away")
        if mode in {"off", "disarmed", "disarm"}:
            service = "alarm_disarm"
        return Plan(service=service, params={})
    if device.type is not _D.CLIMATE or "hvac_mode" not in state:
        return Refusal(reason=FailReason.UNSUPPORTED, detail="has no modes")
    if mode is None:
        return Refusal(reason=FailReason.NO_VALUE, detail="no mode was said")
    hvac = HVAC_MODE_WORDS.get(mode)
    if hvac is None:
        return Refusal(reason=FailReason.UNSUPPORTED, detail=f"has no {mode} mode")
    return Plan(service="set_hvac_mode", params={"hvac_mode": hvac}, value=hvac)


def plan_color(
    device: Device, state: Mapping[str, StateValue], values: Values
) -> Plan | Refusal:
    """Plan a colour change (which turns the light on)."""
    if device.type is not _D.LIGHT or "color" not in state:
        return Refusal(reason=FailReason.UNSUPPORTED, detail="cannot change colour")
    if not values.color:
        return Refusal(reason=FailReason.NO_VALUE, detail="no colour was said")
    return Plan(service="turn_on", params={"color": values.color}, value=values.color)


def level_key(
    device: Device,
    state: Mapping[str, StateValue],
    values: Values,
    attribute: str | None,
) -> str | Refusal:
    """Pick the state key a level command changes on this device."""
    if attribute is not None and attribute in ATTRIBUTE_KEYS:
        key = ATTRIBUTE_KEYS[attribute].get(device.type)
        if key is None or key not in state:
            return Refusal(reason=FailReason.UNSUPPORTED, detail=f"has no {attribute}")
        return key
    if values.unit in {"C", "F", "degrees"}:
        if "target_temperature" not in state:
            return Refusal(
                reason=FailReason.UNSUPPORTED, detail="has no temperature setting"
            )
        return "target_temperature"
    key = DEFAULT_LEVEL_KEY.get(device.type)
    if key is None or key not in state:
        if device.type in {_D.SENSOR, _D.BINARY_SENSOR}:
            return Refusal(
                reason=FailReason.READ_ONLY, detail="it is a sensor, it only reports"
            )
        return Refusal(reason=FailReason.UNSUPPORTED, detail="has no level to set")
    return key


def device_unit(state: Mapping[str, StateValue]) -> str:
    """Return the temperature unit of a device, "C" or "F"."""
    unit = state.get("unit")
    return unit.upper() if isinstance(unit, str) and unit.upper() in {"C", "F"} else "C"


def convert(value: float, said: str | None, own: str) -> float:
    """Convert a temperature said in one unit into the device's own unit."""
    if said == "C" and own == "F":
        return round(value * 9 / 5 + 32, 1)
    if said == "F" and own == "C":
        return round((value - 32) * 5 / 9, 1)
    return value


def convert_delta(delta: float, said: str | None, own: str) -> float:
    """Convert a temperature difference said in one unit into the device's own unit."""
    if said == "C" and own == "F":
        return round(delta * 9 / 5, 1)
    if said == "F" and own == "C":
        return round(delta * 5 / 9, 1)
    return delta


def plan_set(
    device: Device,
    state: Mapping[str, StateValue],
    values: Values,
    attribute: str | None,
) -> Plan | Refusal:
    """Plan an absolute level ("to 50 percent", "to 21 degrees", "max")."""
    key = level_key(device, state, values, attribute)
    if isinstance(key, Refusal):
        return key
    spec = domain_spec(device.type).keys[key]
    low, high = spec.limits(state)
    if values.level is not None:
        if values.level == "max":
            target = high if high is not None else 100.0
        elif values.level == "half":
            target = (
                (low + high) / 2
                if low is not None and high is not None and key in _TEMPERATURE_KEYS
                else 50.0
            )
        else:
            target = _MIN_LEVEL.get(key, low if low is not None else 0.0)
    elif values.number is not None:
        target = values.number
        if key in _TEMPERATURE_KEYS:
            target = convert(target, values.unit, device_unit(state))
    else:
        return Refusal(reason=FailReason.NO_VALUE, detail="no value was said")
    if (low is not None and target < low) or (high is not None and target > high):
        shown = values.value_text or _num(target)
        return Refusal(
            reason=FailReason.OUT_OF_RANGE,
            detail=f"{shown} is outside {_num(low)}-{_num(high)}",
        )
    return _set_plan(device, key, target)


def plan_step(
    device: Device,
    state: Mapping[str, StateValue],
    values: Values,
    attribute: str | None,
    *,
    up: bool,
    any_light_on: bool,
) -> Plan | Refusal | None:
    """Plan a relative change; None when the device is rightly left alone.

    Lights that are off are left alone unless no light of the group is on, in which
    case "up" switches them on at the step level and "down" does nothing.
    """
    key = level_key(device, state, values, attribute)
    if isinstance(key, Refusal):
        return key
    spec = domain_spec(device.type).keys[key]
    low, high = spec.limits(state)
    step = STEPS.get(key, 10.0)
    if values.number is not None and not values.absolute:
        step = values.number
        if key in _TEMPERATURE_KEYS:
            step = convert_delta(step, values.unit, device_unit(state))
    elif key not in _TEMPERATURE_KEYS:
        step = step * values.amount
    current = state.get(key)
    is_on = state.get("on")
    if device.type in {_D.LIGHT, _D.FAN} and is_on is False:
        if any_light_on or not up:
            return None
        return _set_plan(device, key, step)
    if not isinstance(current, int | float) or isinstance(current, bool):
        return Refusal(reason=FailReason.NO_VALUE, detail=f"its {key} is unknown")
    target = current + step if up else current - step
    floor_ = _MIN_LEVEL.get(key, low)
    if device.type in {_D.COVER, _D.VALVE}:
        floor_ = low
    if floor_ is not None:
        target = max(floor_, target)
    if high is not None:
        target = min(high, target)
    return _set_plan(device, key, round(target, 1))


def _set_plan(device: Device, key: str, target: float) -> Plan | Refusal:
    found = _SET_SERVICE.get((device.type, key))
    if found is None:
        return Refusal(reason=FailReason.UNSUPPORTED, detail=f"cannot set {key}")
    service, param = found
    value: StateValue = int(target) if float(target).is_integer() else target
    return Plan(service=service, params={param: value}, value=value)


def _num(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value)


def _verb(intent: Intent) -> str:
    return intent.value.replace("_", " ")
