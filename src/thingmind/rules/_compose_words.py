"""State words of automation sentences: "opens", "goes off", "is locked".

A trigger or condition part names a device and says a state of it in everyday words;
:func:`state_value` reads those words as the value an automation writes for the
device's main key, and :func:`became` / :func:`is_state` say a value back in words.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.nlu import Slot
from thingmind.rules._states import MAIN_KEY

if TYPE_CHECKING:
    from thingmind.nlu import Clause, ParsedCommand
    from thingmind.registry import Device

_OPEN = frozenset({"open", "opens", "opened", "ajar", "up", "swings open", "goes open"})
_CLOSE = frozenset({"close", "closes", "closed", "shut", "shuts", "down"})
_ON = frozenset({
    "on", "starts", "start", "started", "running", "runs", "active", "triggered",
    "trips", "tripped", "detected", "detects motion", "motion", "moves", "detect motion",
    "sees motion", "see motion", "detecting motion", "detects someone", "occupied",
    "detects presence", "detects water", "detect water", "wet", "detects a leak",
    "goes off", "go off", "sounds", "detects smoke", "smoke", "comes on", "come on",
    "turn on", "turns on", "powered", "lit", "trigger", "seen", "sees", "spotted",
    "senses", "picks up", "sensed",
})  # fmt: skip
_OFF = frozenset({
    "off", "stops", "stop", "stopped", "finishes", "finished", "finish", "done",
    "clear", "clears", "stops detecting motion", "dry", "idle", "turn off", "turns off",
    "switch off",
})  # fmt: skip
_LOCKED = frozenset({"locked", "locks", "lock", "secured"})
_UNLOCKED = frozenset({"unlocked", "unlocks", "unlock", "open", "opens", "opened"})
_PLAYING = frozenset({"playing", "starts playing", "play", "plays", "on", "starts"})
_PAUSED = frozenset({"paused", "pauses", "stops playing", "stops", "off", "stopped"})
_CLEANING = frozenset(
    {"cleaning", "starts cleaning", "clean", "starts", "running", "run"}
)
_DOCKED = frozenset({
    "docked", "dock", "finishes cleaning", "finishes", "home", "returns", "charging",
    "returned",
})  # fmt: skip
_ARMED = frozenset({"armed", "arm", "set", "on"})
_DISARMED = frozenset({"disarmed", "disarm", "off", "unset"})
_ALARM_TRIGGERED = frozenset({"triggered", "goes off", "go off", "sounds", "trigger"})
_DETECTORS = frozenset(
    {"motion", "occupancy", "moisture", "smoke", "gas", "carbon_monoxide", "vibration"}
)


def _state_phrase(text: str) -> str:
    words = re.sub(r"[^a-z ]+", " ", text.casefold()).split()
    return " ".join(
        w for w in words if w not in {"is", "are", "gets", "the", "a", "its"}
    )


_WORDS_BY_TYPE: dict[
    Domain, tuple[tuple[frozenset[str], StateValue | tuple[StateValue, ...]], ...]
] = {
    Domain.LOCK: ((_UNLOCKED, "unlocked"), (_LOCKED, "locked")),
    Domain.MEDIA_PLAYER: ((_PLAYING, "playing"), (_PAUSED, "paused")),
    Domain.VACUUM: ((_CLEANING, "cleaning"), (_DOCKED, "docked")),
    Domain.ALARM_CONTROL_PANEL: (
        (_ALARM_TRIGGERED, "triggered"),
        (_DISARMED, "disarmed"),
        (_ARMED, ("armed_home", "armed_away")),
    ),
    Domain.CLIMATE: ((_OFF, "off"),),
}
"""State words per type, in the order they are tried (first match wins)."""


def state_value(
    device: Device, text: str
) -> StateValue | tuple[StateValue, ...] | None:
    """Read a state word of a trigger or condition for a device's main key.

    Args:
        device: The device watched.
        text: The STATE span's words ("opens", "is unlocked", "goes off").

    Returns:
        The value as an automation writes it ("on", "locked", "cleaning", or several),
        or None when the word says no state of this device.
    """
    phrase = _state_phrase(text)
    last = phrase.split()[-1] if phrase else ""
    cands = (phrase, last)

    def has(words: frozenset[str]) -> bool:
        return any(c in words for c in cands)

    t = device.type
    if t is Domain.BINARY_SENSOR:
        if has(_OPEN) and device.device_class not in _DETECTORS:
            return "on"
        if has(_CLOSE) and device.device_class not in _DETECTORS:
            return "off"
        if has(_ON):
            return "on"
        if has(_OFF) or has(_CLOSE):
            return "off"
        return None
    if t in {Domain.COVER, Domain.VALVE}:
        if has(_OPEN) or phrase in {"on", "turns on"}:
            return "open"
        if has(_CLOSE) or phrase in {"off", "turns off"}:
            return "closed"
        return None
    table = _WORDS_BY_TYPE.get(t)
    if table is not None:
        return next((value for words, value in table if has(words)), None)
    if MAIN_KEY.get(t) == "on":
        if (
            "off" in phrase.split()
        ):  # "goes off", "is switched off": a lamp, not an alarm
            return "off"
        if has(_ON) or has(_OPEN):
            return "on"
        if has(_OFF) or has(_CLOSE):
            return "off"
    return None


def became(device: Device, value: StateValue | tuple[StateValue, ...] | None) -> str:
    """Say what a device's change to ``value`` is, as a verb phrase."""
    if value is None:
        return "changes"
    if isinstance(value, tuple):
        return "is armed"
    word = str(value)
    cls = device.device_class or ""
    if device.type is Domain.BINARY_SENSOR:
        if cls in {"door", "window", "garage_door", "opening"}:
            return "opens" if word == "on" else "closes"
        if cls in {"motion", "occupancy"}:
            return "detects someone" if word == "on" else "clears"
        if cls in _DETECTORS:
            return "goes off" if word == "on" else "clears"
        return "turns on" if word == "on" else "turns off"
    verbs = {
        "open": "opens", "closed": "closes", "locked": "is locked",
        "unlocked": "is unlocked", "playing": "starts playing", "paused": "is paused",
        "cleaning": "starts cleaning", "docked": "is docked", "disarmed": "is disarmed",
        "triggered": "is triggered", "on": "turns on", "off": "turns off",
    }  # fmt: skip
    return verbs.get(word, f"becomes {word}")


def is_state(device: Device, value: StateValue | tuple[StateValue, ...]) -> str:
    """Say that a device holds ``value``, as a verb phrase."""
    if isinstance(value, tuple):
        return "is armed"
    word = str(value)
    if device.type is Domain.BINARY_SENSOR:
        cls = device.device_class or ""
        if cls in {"door", "window", "garage_door", "opening"}:
            return "is open" if word == "on" else "is closed"
        if cls in {"motion", "occupancy"}:
            return "sees someone" if word == "on" else "is clear"
    return f"is {word}"


_STATE_VERBS = frozenset({"goes", "go", "went", "gets", "turns", "comes", "stops"})


def state_candidates(clause: Clause, parsed: ParsedCommand) -> list[str]:
    """What may say the state in a part, best first: the tagged words, then the rest."""
    out: list[str] = []
    spans = clause.slots(Slot.STATE)
    for span in spans:
        before = (
            parsed.words[span.start - 1].casefold() if span.start > clause.start else ""
        )
        if before in _STATE_VERBS:
            out.append(f"{before} {span.text}")  # "goes off", "stops running"
        out.append(span.text)
    if spans:
        out.append(" ".join(s.text for s in spans))
    inside = {i for s in clause.spans for i in range(s.start, s.end)}
    free = [
        w.casefold()
        for i, w in enumerate(parsed.words[clause.start : clause.end], clause.start)
        if i not in inside
    ]
    out.extend(f"{a} {b}" for a, b in itertools.pairwise(free))
    out.extend(w for w in free if w not in _FREE_NOISE)
    return out


_FREE_NOISE = frozenset({
    "when", "whenever", "if", "once", "as", "soon", "the", "a", "is", "are", "gets",
    "and", "but", "only", "while", "every", "each", "time", "moment", "in", "at", "to",
})  # fmt: skip
