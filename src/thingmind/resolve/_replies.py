"""The sentences a resolution says back for commands and failures."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.nlu import Intent
from thingmind.resolve._model import FailReason
from thingmind.resolve._say import join, label, number, sentence

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from thingmind.registry import Device
    from thingmind.resolve._commands import Plan, Refusal
    from thingmind.resolve._values import Values

_I = Intent
_D = Domain

_VERBS: Mapping[Intent, str] = MappingProxyType(
    {
        _I.TURN_ON: "turned on",
        _I.TURN_OFF: "turned off",
        _I.TOGGLE: "toggled",
        _I.OPEN: "opened",
        _I.CLOSE: "closed",
        _I.STOP: "stopped",
        _I.LOCK: "locked",
        _I.UNLOCK: "unlocked",
        _I.PLAY: "started playing on",
        _I.PAUSE: "paused",
        _I.NEXT_TRACK: "skipped to the next track on",
        _I.PREVIOUS_TRACK: "went back a track on",
        _I.MUTE: "muted",
        _I.UNMUTE: "unmuted",
        _I.CLEAN: "started cleaning with",
        _I.RETURN_HOME: "sent home",
        _I.DISARM: "disarmed",
        _I.INCREASE: "turned up",
        _I.DECREASE: "turned down",
    }
)

_UNIT_SUFFIX: Mapping[str, str] = MappingProxyType(
    {"brightness": "%", "percentage": "%", "position": "%", "humidity": "%"}
)


def feeling_verb(intent: Intent, plans: Sequence[tuple[Device, Plan]]) -> Intent:
    if all(p.service == "turn_on" and not p.params for _, p in plans):
        return _I.TURN_ON
    if intent in {_I.TOO_DARK, _I.TOO_COLD}:
        return _I.INCREASE
    return _I.DECREASE


def command_text(
    intent: Intent,
    plans: Sequence[tuple[Device, Plan]],
    values: Values,
    states: Mapping[str, Mapping[str, StateValue]],
) -> str:
    del values
    names = [label(d) for d, _ in plans]
    if (
        intent in {_I.SET_VALUE, _I.SET_COLOR, _I.SET_MODE, _I.INCREASE, _I.DECREASE}
        or intent is _I.ARM
    ):
        groups: dict[str, list[str]] = {}
        for device, plan in plans:
            groups.setdefault(value_text(device, plan, states[device.id]), []).append(
                label(device)
            )
        if intent is _I.ARM:
            return sentence(" ".join(f"Armed {join(n)}{v}." for v, n in groups.items()))
        parts = [
            f"set {join(n)} to {v}" if v else f"changed {join(n)}"
            for v, n in groups.items()
        ]
        return sentence("; ".join(parts))
    verb = _VERBS.get(intent, "done:")
    return sentence(f"{verb} {join(names)}")


def value_text(device: Device, plan: Plan, state: Mapping[str, StateValue]) -> str:
    if plan.service.startswith("alarm_arm"):
        return " in away mode" if plan.service.endswith("away") else " in home mode"
    if plan.value is None:
        if plan.service == "turn_on":
            return "on"
        return ""
    if isinstance(plan.value, str):
        return plan.value.replace("_", " ") + (
            " mode" if plan.service == "set_hvac_mode" else ""
        )
    param = next(iter(plan.params), "")
    if param == "temperature":
        unit = state.get("unit") if device.type is _D.CLIMATE else "C"
        return f"{number(plan.value)}°{unit or 'C'}"
    return f"{number(plan.value)}{_UNIT_SUFFIX.get(param, '')}"


def nothing_to_do(intent: Intent, devices: Sequence[Device]) -> str:
    if intent is _I.DECREASE:
        return f"{join([label(d) for d in devices])} {'is' if len(devices) == 1 else 'are'} already off"
    return "There was nothing to change"


def failure_text(reason: FailReason, what: str) -> str:
    if reason is FailReason.NO_SUCH_AREA:
        return f"I can't find a place called '{what}'"
    if reason is FailReason.NO_SUCH_DEVICE:
        return f"I can't find a device called '{what}'"
    if reason is FailReason.NOTHING_IN_SCOPE:
        # "no lights there": the nouns are plural
        return f"There are {what}" if what.startswith("no ") else f"There is {what}"
    return f"I couldn't do that ({what})"


def refusal_text(device: Device, refusal: Refusal) -> str:
    name = label(device)
    if refusal.reason is FailReason.OUT_OF_RANGE:
        return f"I can't set {name} to that: {refusal.detail}"
    if refusal.reason is FailReason.READ_ONLY:
        return f"I can't change {name}: {refusal.detail}"
    if refusal.reason is FailReason.NO_VALUE:
        return f"I can't change {name}: {refusal.detail}"
    return f"{name[0].upper() + name[1:]} {refusal.detail}"


def feeling_reason(
    intent: Intent,
    admitted: Sequence[tuple[Device, Plan]],
    states: Mapping[str, Mapping[str, StateValue]],
    *,
    area_devices: Sequence[Device],
    area_states: Mapping[str, Mapping[str, StateValue]],
) -> str:
    """Say why a feeling ("it's too dark", "I'm cold") led to what was done.

    The live state the decision rested on comes first: the reading of a thermometer
    or light sensor in the room, which lights were off, what was playing and how loud.

    Args:
        intent: The feeling.
        admitted: The devices acted on and their plans.
        states: Their states before the action.
        area_devices: Every device of the room(s) the feeling was about.
        area_states: Their live states.

    Returns:
        A clause ending in ", so" (empty when there is nothing to add).
    """
    readings: list[str] = []
    if intent in {_I.TOO_COLD, _I.TOO_HOT}:
        for device in area_devices:
            state = area_states.get(device.id, {})
            if device.type is _D.SENSOR and device.device_class == "temperature":
                value = state.get("value")
                if isinstance(value, int | float) and not isinstance(value, bool):
                    unit = str(state.get("unit", "°C") or "°C")
                    readings.append(f"{label(device)} reads {number(value)}{unit}")
        said = readings[:1]
        for device, plan in admitted:
            state = states[device.id]
            unit = f"°{state.get('unit') or 'C'}"
            target = state.get("target_temperature")
            current = state.get("current_temperature")
            if device.type is _D.FAN:
                said.append(f"{label(device)} was off")
            elif isinstance(target, int | float) and not isinstance(target, bool):
                if not readings and isinstance(current, int | float):
                    said.append(
                        f"{label(device)} reads {number(current)}{unit} and was set to "
                        f"{number(target)}{unit}"
                    )
                else:
                    said.append(f"{label(device)} was set to {number(target)}{unit}")
            del plan
        return f"{sentence(join(said))[:-1]}, so " if said else ""
    if intent is _I.TOO_DARK or intent is _I.TOO_BRIGHT:
        for device in area_devices:
            state = area_states.get(device.id, {})
            if device.type is _D.SENSOR and device.device_class == "illuminance":
                value = state.get("value")
                if isinstance(value, int | float) and not isinstance(value, bool):
                    readings.append(f"the light level is {number(value)} lux")
        off = [label(d) for d, p in admitted if p.service == "turn_on" and not p.params]
        if off:
            were = "was" if len(off) == 1 else "were"
            said = [*readings[:1], f"{join(off)} {were} off"]
        else:
            lit = [
                f"{label(d)} was at {number(states[d.id].get('brightness'))}%"
                for d, _ in admitted
                if isinstance(states[d.id].get("brightness"), int | float)
            ]
            said = [*readings[:1], *lit]
        return f"{sentence(join(said))[:-1]}, so " if said else ""
    loud = [
        f"{label(d)} was at volume {number(states[d.id].get('volume'))}"
        for d, _ in admitted
        if isinstance(states[d.id].get("volume"), int | float)
    ]
    return f"{sentence(join(loud))[:-1]}, so " if loud else ""
