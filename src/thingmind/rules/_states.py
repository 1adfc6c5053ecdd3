"""How automations read device state: the main key of each type, and state words.

Home Assistant gives every entity one state string ("on", "locked", "heat"). Here a
device has several state keys, so a trigger or condition that names no ``attribute``
watches its type's main key (``on`` for lights, ``locked`` for locks, ``value`` for
sensors), and the words people write ("on", "open", "locked") are read as that key's
value.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TypeAlias

from thingmind.core import Domain, StateValue
from thingmind.registry import KeyKind, domain_spec

Canon: TypeAlias = bool | float | str | None
"""A state value in comparable form: numbers as float, text case-folded."""

MAIN_KEY = MappingProxyType(
    {
        Domain.LIGHT: "on",
        Domain.SWITCH: "on",
        Domain.FAN: "on",
        Domain.CLIMATE: "hvac_mode",
        Domain.COVER: "open",
        Domain.VALVE: "open",
        Domain.LOCK: "locked",
        Domain.MEDIA_PLAYER: "playing",
        Domain.VACUUM: "status",
        Domain.ALARM_CONTROL_PANEL: "state",
        Domain.HUMIDIFIER: "on",
        Domain.WATER_HEATER: "on",
        Domain.SENSOR: "value",
        Domain.BINARY_SENSOR: "on",
    }
)
"""The key a trigger or condition without ``attribute`` watches, per type."""

_BOOL_WORDS = {
    "on": ("on", "off"),
    "open": ("open", "closed"),
    "locked": ("locked", "unlocked"),
    "playing": ("playing", "paused"),
    "muted": ("muted", "unmuted"),
}
_TRUE = frozenset({"on", "true", "yes"})
_FALSE = frozenset({"off", "false", "no"})


def state_key(domain: Domain, attribute: str | None) -> str:
    """Return the state key a trigger or condition watches on a device type.

    Args:
        domain: The device's type.
        attribute: The key named in the automation, or None for the main key.

    Returns:
        The key.

    Raises:
        ValueError: When the type has no such key (or no main key: scenes).
    """
    spec = domain_spec(domain)
    if attribute is None:
        key = MAIN_KEY.get(domain)
        if key is None:
            msg = f"a {domain} has no state to watch"
            raise ValueError(msg)
        return key
    if attribute not in spec.keys:
        valid = ", ".join(spec.keys) or "none"
        msg = f"a {domain} has no state key {attribute!r} (valid: {valid})"
        raise ValueError(msg)
    return attribute


def canon(value: StateValue) -> Canon:
    """Return a reported value in comparable form."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    return value.casefold()


def as_number(value: StateValue) -> float | None:
    """Return a value as a number, or None when it is not one (unknown, text)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return None


def expected_value(domain: Domain, key: str, value: StateValue) -> Canon:
    """Read a state value written in an automation, for one key of a type.

    ``"on"``, ``"open"``, ``"locked"`` and YAML booleans are read as the key's
    boolean; enum choices are matched regardless of case; numbers may be written as
    text.

    Args:
        domain: The device's type.
        key: The state key.
        value: The value as written.

    Returns:
        The value in the form :func:`canon` gives reported values.

    Raises:
        ValueError: When the key cannot take that value.
    """
    if value is None:
        return None
    spec = domain_spec(domain).keys[key]
    kind = spec.kind
    if kind is KeyKind.BOOL:
        if isinstance(value, bool):
            return value
        yes, no = _BOOL_WORDS.get(key, ("on", "off"))
        word = str(value).strip().casefold()
        if word in _TRUE or word == yes:
            return True
        if word in _FALSE or word == no:
            return False
        msg = f"{value!r} is not a state of {key} ({yes} or {no})"
        raise ValueError(msg)
    if kind is KeyKind.NUMBER:
        number = as_number(value)
        if number is None:
            msg = f"{value!r} is not a number"
            raise ValueError(msg)
        return number
    if kind is KeyKind.ENUM:
        word = str(value).strip().casefold()
        if word not in {choice.casefold() for choice in spec.choices}:
            msg = f"{value!r} is not one of {', '.join(spec.choices)}"
            raise ValueError(msg)
        return word
    if kind is KeyKind.NUMBER_OR_TEXT and not isinstance(value, str):
        return canon(value)
    if isinstance(value, bool):
        msg = f"{value!r} is not a state of {key}; write text"
        raise ValueError(msg)  # noqa: TRY004 - callers catch ValueError
    return canon(str(value))


def state_text(key: str, value: StateValue) -> str:
    """Return a value the way people read it in a trace ("on", "locked", "21.5")."""
    if isinstance(value, bool):
        yes, no = _BOOL_WORDS.get(key, ("on", "off"))
        return yes if value else no
    if value is None:
        return "unknown"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
