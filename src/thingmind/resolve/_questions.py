"""Questions: which devices can answer, and the answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from thingmind.core import Domain, StateValue
from thingmind.nlu import Intent
from thingmind.registry import Device
from thingmind.resolve._say import describe, join, label, number, sentence, state_word
from thingmind.resolve._text import tokens
from thingmind.resolve._vocab import ATTRIBUTE_KEYS

_D = Domain
State = Mapping[str, StateValue]

_OPENABLE_CLASSES = frozenset({"door", "window", "opening", "garage_door", "garage"})


def _is_on(device: Device, state: State) -> bool | None:
    t = device.type
    if t in {
        _D.LIGHT,
        _D.SWITCH,
        _D.FAN,
        _D.HUMIDIFIER,
        _D.WATER_HEATER,
        _D.BINARY_SENSOR,
    }:
        return bool(state.get("on"))
    if t is _D.MEDIA_PLAYER:
        return bool(state.get("playing"))
    if t is _D.CLIMATE:
        return state.get("hvac_mode") not in {"off", None}
    if t is _D.VACUUM:
        return state.get("status") == "cleaning"
    if t in {_D.COVER, _D.VALVE}:
        return bool(state.get("open"))
    if t is _D.LOCK:
        return bool(state.get("locked"))
    if t is _D.ALARM_CONTROL_PANEL:
        return str(state.get("state") or "disarmed") != "disarmed"
    return None


def _is_open(device: Device, state: State) -> bool | None:
    if device.type in {_D.COVER, _D.VALVE}:
        return bool(state.get("open"))
    if (
        device.type is _D.BINARY_SENSOR
        and (device.device_class or "") in _OPENABLE_CLASSES
    ):
        return bool(state.get("on"))
    return None


def _locked(device: Device, state: State) -> bool | None:
    return bool(state.get("locked")) if device.type is _D.LOCK else None


def _playing(device: Device, state: State) -> bool | None:
    return bool(state.get("playing")) if device.type is _D.MEDIA_PLAYER else None


def _status(value: str) -> Callable[[Device, State], bool | None]:
    def test(device: Device, state: State) -> bool | None:
        return state.get("status") == value if device.type is _D.VACUUM else None

    return test


def _armed(device: Device, state: State) -> bool | None:
    if device.type is not _D.ALARM_CONTROL_PANEL:
        return None
    return str(state.get("state") or "").startswith("armed")


def _detected(device: Device, state: State) -> bool | None:
    return bool(state.get("on")) if device.type is _D.BINARY_SENSOR else None


def _watered(device: Device, state: State) -> bool | None:
    return bool(state.get("open")) if device.type is _D.VALVE else None


Test = Callable[[Device, State], bool | None]

STATE_TESTS: Mapping[str, tuple[Test, bool]] = MappingProxyType(
    {
        # word: (test, the answer that counts as "yes")
        "on": (_is_on, True),
        "off": (_is_on, False),
        "running": (_is_on, True),
        "working": (_is_on, True),
        "going": (_is_on, True),
        "active": (_is_on, True),
        "switched on": (_is_on, True),
        "turned on": (_is_on, True),
        "stopped": (_is_on, False),
        "open": (_is_open, True),
        "opened": (_is_open, True),
        "ajar": (_is_open, True),
        "up": (_is_open, True),
        "closed": (_is_open, False),
        "shut": (_is_open, False),
        "close": (_is_open, False),
        "down": (_is_open, False),
        "locked": (_locked, True),
        "unlocked": (_locked, False),
        "secure": (_locked, True),
        "playing": (_playing, True),
        "paused": (_playing, False),
        "cleaning": (_status("cleaning"), True),
        "hoovering": (_status("cleaning"), True),
        "vacuuming": (_status("cleaning"), True),
        "docked": (_status("docked"), True),
        "charging": (_status("docked"), True),
        "returning": (_status("returning"), True),
        "armed": (_armed, True),
        "set": (_armed, True),
        "disarmed": (_armed, False),
        "detected": (_detected, True),
        "triggered": (_detected, True),
        "leaking": (_detected, True),
        "wet": (_detected, True),
        "dry": (_detected, False),
        "faulty": (_detected, True),
        "watered": (_watered, True),
        "watering": (_watered, True),
    }
)
"""State words of questions, to a test and the value that means "yes"."""


def state_test(words: Sequence[str]) -> tuple[str, Test, bool] | None:
    """Find the state a question asks about in its words (the state span first)."""
    for word in words:
        key = " ".join(tokens(word))
        found = STATE_TESTS.get(key)
        if found is not None:
            return key, found[0], found[1]
    return None


def can_answer_state(test: Test | None, device: Device, state: State) -> bool:
    """Return True when a device can say whether it is in the asked state."""
    if test is None:
        return _is_on(device, state) is not None
    return test(device, state) is not None


def can_answer_attribute(
    attribute: str, device: Device, state: State, sensor_kind: Callable[[Device], bool]
) -> bool:
    """Return True when a device can tell an attribute's value."""
    if attribute == "reading":
        return device.type in {_D.SENSOR, _D.BINARY_SENSOR}
    if attribute == "temperature" and device.type is _D.CLIMATE:
        return "current_temperature" in state
    if device.type is _D.SENSOR and sensor_kind(device):
        return True
    keys = ATTRIBUTE_KEYS.get(attribute, {})
    key = keys.get(device.type)
    return key is not None and key in state and device.type is not _D.CLIMATE


def value_sentence(
    device: Device, state: State, attribute: str | None, set_asked: bool
) -> str:
    """Answer "what is X" for one device."""
    name = label(device)
    if device.type is _D.CLIMATE and attribute == "temperature" and not set_asked:
        current = state.get("current_temperature")
        unit = "°" + str(state.get("unit") or "C")
        if current is not None:
            target = state.get("target_temperature")
            tail = f", set to {number(target)}{unit}" if target is not None else ""
            return sentence(f"{name} reads {number(current)}{unit}{tail}")
    return sentence(f"{name} {describe(device, dict(state))}")


def yes_no_sentence(
    intent: Intent,
    *,
    devices: Sequence[Device],
    states: Mapping[str, State],
    test: Test | None,
    yes_value: bool,
    word: str | None,
    noun: str,
) -> str:
    """Answer an ask_state / ask_any / ask_all / ask_which / ask_count question."""
    fn = test or _is_on
    word = word or "on"
    results: list[tuple[Device, bool]] = []
    for device in devices:
        got = fn(device, states[device.id])
        if got is None:
            continue
        results.append((device, got == yes_value))
    matching = [d for d, ok in results if ok]
    others = [d for d, ok in results if not ok]
    total = len(results)

    def names(items: Sequence[Device]) -> str:
        return join([label(d) for d in items])

    def are(items: Sequence[Device]) -> str:
        return "is" if len(items) == 1 and not label(items[0]).endswith("s") else "are"

    if total == 0:
        return "I couldn't find anything that can tell."
    if intent is Intent.ASK_COUNT:
        return sentence(
            f"{len(matching)} of {total} {noun} {'is' if len(matching) == 1 else 'are'} {word}"
        )
    if intent is Intent.ASK_WHICH:
        if not matching:
            return sentence(f"None of the {total} {noun} are {word}")
        return sentence(f"{names(matching)} {are(matching)} {word}")
    if intent is Intent.ASK_ALL:
        if not others:
            return sentence(
                f"Yes, {'it is' if total == 1 else f'all {total} are'} {word}"
            )
        return sentence(
            f"No: {join([f'{label(d)} is {state_word(d, dict(states[d.id]))}' for d in others])}"
        )
    if intent is Intent.ASK_ANY or total > 1:
        if matching:
            return sentence(f"Yes: {names(matching)} {are(matching)} {word}")
        return sentence(f"No, none of the {total} {noun} are {word}")
    device, ok = results[0]
    actual = state_word(device, dict(states[device.id]))
    return sentence(f"{'Yes' if ok else 'No'}, {label(device)} is {actual}")
