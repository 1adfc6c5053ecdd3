"""Short English sentences for answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.resolve._vocab import KIND_WORDS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from thingmind.registry import Device


def number(value: StateValue) -> str:
    """Write a number the way people say it: 20, not 20.0; 21.5 stays 21.5."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{round(float(value), 2):g}"


def label(device: Device) -> str:
    """Name a device inside a sentence ("the kitchen window", "Robbie")."""
    name = device.name
    words = name.split()
    common = name.casefold() in KIND_WORDS or len(words) > 1
    if not common:
        return name
    first = words[0]
    if (
        first[:1].isupper()
        and first[1:].islower()
        and (len(words) == 1 or not words[1][:1].isupper())
    ):
        name = first[:1].lower() + name[1:]
    return f"the {name}"


def join(items: Sequence[str]) -> str:
    """Join with commas and a final "and"."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def join_or(items: Sequence[str]) -> str:
    """Join with commas and a final "or"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def sentence(text: str) -> str:
    """Capitalize the first letter and end with a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    if text[-1] not in ".?!":
        text += "."
    return text


def temperature_unit(state: dict[str, StateValue] | None = None) -> str:
    """Return the degree sign and unit of a thermostat or water heater ("°C")."""
    unit = (state or {}).get("unit")
    if not isinstance(unit, str):
        unit = "C"
    return f"°{unit.upper()}"


def describe(device: Device, state: dict[str, StateValue]) -> str:
    """Say what a device is doing, with its values ("on at 50% brightness, blue")."""
    t = device.type
    if t is Domain.SENSOR:
        value = state.get("value")
        unit = state.get("unit")
        if value is None:
            return "has no reading"
        tail = f" {unit}" if isinstance(unit, str) and unit else ""
        return f"is {number(value)}{tail}"
    if t is Domain.CLIMATE:
        unit = temperature_unit(state)
        parts = []
        current = state.get("current_temperature")
        if current is not None:
            parts.append(f"reads {number(current)}{unit}")
        target = state.get("target_temperature")
        mode = state.get("hvac_mode")
        if target is not None:
            parts.append(f"is set to {number(target)}{unit}")
        if mode is not None:
            parts.append(f"in {str(mode).replace('_', ' ')} mode")
        return join(parts) if parts else "has no reading"
    if t is Domain.WATER_HEATER:
        parts = [f"is {'on' if state.get('on') else 'off'}"]
        if state.get("target_temperature") is not None:
            parts.append(f"set to {number(state.get('target_temperature'))}°C")
        return ", ".join(parts)
    if t is Domain.LIGHT:
        if not state.get("on"):
            return "is off"
        parts = ["is on"]
        if state.get("brightness") is not None:
            parts.append(f"at {number(state.get('brightness'))}% brightness")
        if state.get("color"):
            parts.append(f"and {state.get('color')}")
        return " ".join(parts)
    if t is Domain.FAN:
        if not state.get("on"):
            return "is off"
        pct = state.get("percentage")
        return f"is on at {number(pct)}%" if pct is not None else "is on"
    if t in {Domain.COVER, Domain.VALVE}:
        pos = state.get("position")
        is_open = state.get("open")
        if is_open is None and isinstance(pos, int | float):
            is_open = pos > 0
        if not is_open:
            return "is closed"
        if isinstance(pos, int | float) and pos < 100:
            return f"is {number(pos)}% open"
        return "is open"
    if t is Domain.MEDIA_PLAYER:
        parts = ["is playing" if state.get("playing") else "is not playing"]
        if state.get("volume") is not None:
            parts.append(f"at volume {number(state.get('volume'))}")
        if state.get("muted"):
            parts.append("(muted)")
        return " ".join(parts)
    return f"is {state_word(device, state)}"


def state_word(device: Device, state: dict[str, StateValue]) -> str:
    """Say a device's main state in a word or two ("locked", "open", "cleaning")."""
    t = device.type
    if t is Domain.LOCK:
        return "locked" if state.get("locked") else "unlocked"
    if t in {Domain.COVER, Domain.VALVE}:
        return "open" if state.get("open") else "closed"
    if t is Domain.VACUUM:
        return str(state.get("status") or "unknown")
    if t is Domain.ALARM_CONTROL_PANEL:
        return str(state.get("state") or "unknown").replace("_", " ")
    if t is Domain.CLIMATE:
        mode = state.get("hvac_mode")
        return "off" if mode in {"off", None} else f"on ({str(mode).replace('_', ' ')})"
    if t is Domain.MEDIA_PLAYER:
        return "playing" if state.get("playing") else "not playing"
    if t is Domain.BINARY_SENSOR:
        on = bool(state.get("on"))
        words = _BINARY_WORDS.get(device.device_class or "", ("on", "off"))
        return words[0] if on else words[1]
    if t is Domain.SENSOR:
        return describe(device, state).removeprefix("is ")
    return "on" if state.get("on") else "off"


_BINARY_WORDS: dict[str, tuple[str, str]] = {
    "door": ("open", "closed"),
    "window": ("open", "closed"),
    "opening": ("open", "closed"),
    "garage_door": ("open", "closed"),
    "motion": ("detecting motion", "clear"),
    "occupancy": ("occupied", "clear"),
    "presence": ("detecting someone", "clear"),
    "smoke": ("detecting smoke", "clear"),
    "moisture": ("detecting a leak", "dry"),
    "problem": ("reporting a fault", "OK"),
    "battery": ("low", "OK"),
    "gas": ("detecting gas", "clear"),
    "carbon_monoxide": ("detecting carbon monoxide", "clear"),
}
