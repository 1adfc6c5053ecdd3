"""What the composer says: its refusals, each action in words, the summary.

Everything here is for the user to read: a :class:`ComposeError` message says which
part of the sentence could not be settled, and a draft's summary says back the
automation ("When the front door opens, only after sunset: turn on the hall light.").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from thingmind.resolve import label
from thingmind.rules._model import Condition, Trigger

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from thingmind.core import StateValue
    from thingmind.nlu import Clause, ParsedCommand
    from thingmind.registry import Device


class ComposeError(Exception):
    """A part of the sentence could not be settled; the message is for the user."""


@dataclass(slots=True)
class Parts:
    """What the rule parts of a sentence became so far, and how to say them."""

    triggers: list[Trigger] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    when: list[str] = field(default_factory=list)
    only: list[str] = field(default_factory=list)
    once: bool = False


_SERVICE_VERBS = {
    "turn_on": "turn on", "turn_off": "turn off", "toggle": "toggle",
    "open_cover": "open", "close_cover": "close", "stop_cover": "stop",
    "open_valve": "open", "close_valve": "close", "lock": "lock", "unlock": "unlock",
    "media_play": "play", "media_pause": "pause", "media_next_track": "skip a track on",
    "media_previous_track": "go back a track on", "start": "start",
    "pause": "pause", "return_to_base": "send home", "alarm_arm_home": "arm (home)",
    "alarm_arm_away": "arm (away)", "alarm_disarm": "disarm",
}  # fmt: skip
_PARAM_WORDS = {
    "brightness": "{}%", "percentage": "{}%", "position": "{}%", "volume": "volume {}",
    "temperature": "{}°", "target_temperature": "{}°", "humidity": "{}%",
    "hvac_mode": "{}", "color": "{}", "is_volume_muted": "muted",
}  # fmt: skip


def action_text(device: Device, service: str, params: Mapping[str, StateValue]) -> str:
    """Say a service call in words: "turn on the hall light at 40%"."""
    values = [
        _PARAM_WORDS.get(k, f"{k} {{}}").format(number_text(v))
        for k, v in params.items()
    ]
    name = label(device)
    if service in _SERVICE_VERBS:
        text = f"{_SERVICE_VERBS[service]} {name}"
        return f"{text} at {', '.join(values)}" if values else text
    if values:
        return f"set {name} to {', '.join(values)}"
    return f"{service.replace('_', ' ')} {name}"


def summary_text(parts: Parts, did: Sequence[str]) -> str:
    """Say the automation: when, only if, and what it does (``did``)."""
    head = "; or ".join(parts.when)
    if parts.once:
        text = head[:1].upper() + head[1:]
    else:
        text = (
            "When " + head
            if not head.startswith("every")
            else head[:1].upper() + head[1:]
        )
    if parts.only:
        text += ", only " + " and ".join(parts.only)
    acts = did[0] if len(did) == 1 else ", ".join(did[:-1]) + " and " + did[-1]
    return f"{text}: {acts}."


def alias_text(text: str) -> str:
    """The automation's name: the sentence, tidied and at most 80 characters."""
    text = " ".join(text.split()).strip(" .!?")
    text = text[:1].upper() + text[1:]
    return text if len(text) <= 80 else text[:77].rstrip() + "..."


def clause_words(parsed: ParsedCommand, clause: Clause) -> str:
    """The words of a clause, as said."""
    return " ".join(parsed.words[clause.start : clause.end])


def number_text(value: StateValue) -> str:
    """A value as said: ``21.0`` as ``21``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unit_text(device: Device) -> str:
    """A device's unit as written after a number: ``°C`` or `` kWh``."""
    unit = str(device.state.get("unit", "") or "")
    if not unit:
        return ""
    return unit if unit in {"%", "°C", "°F"} else f" {unit}"
