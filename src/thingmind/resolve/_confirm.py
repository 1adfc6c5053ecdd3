"""Which actions are dangerous enough to need a confirmation by the same user.

Unlocking, disarming, opening a garage door, a gate or anything outside, and switching
on heaters, ovens and whatever the owner marked. Only the owner's configuration and
the device's declared type and class decide; a device's *name* never makes an action
safer (names are data that may come from a device itself).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.resolve._policy import ActionKind

if TYPE_CHECKING:
    from thingmind.registry import Device
    from thingmind.resolve._policy import Policy

_A = ActionKind
_SAFE_DIRECTION = frozenset({_A.READ, _A.TURN_OFF, _A.CLOSE, _A.LOCK, _A.ARM})
"""Kinds that make a site safer and never need a confirmation."""
_OPENABLE = frozenset({Domain.COVER, Domain.VALVE})
_HEATING_TYPES = frozenset({Domain.WATER_HEATER})
_OPENING_CLASSES = frozenset({"garage", "gate", "door"})


class Danger(StrEnum):
    """Why an action needs a confirmation."""

    UNLOCK = "unlock"
    """It unlocks a lock."""
    DISARM = "disarm"
    """It disarms an alarm."""
    OPEN_OUTSIDE = "open_outside"
    """It opens a garage door, a gate, a door or anything outdoors."""
    HEAT = "heat"
    """It switches on a heater, an oven or the like."""
    MARKED = "marked"
    """The owner marked the device or its type."""


def danger_of(
    device: Device, kind: ActionKind, *, outdoor: bool, policy: Policy
) -> Danger | None:
    """Return why an action needs confirmation, or None when it does not.

    Args:
        device: The device acted on.
        kind: What the action does.
        outdoor: Whether the device's area is outdoors.
        policy: The site's policy (marked types and devices, dangerous classes).

    Returns:
        The danger, or None.
    """
    if kind in _SAFE_DIRECTION:
        return None
    if kind is _A.UNLOCK:
        return Danger.UNLOCK
    if kind is _A.DISARM:
        return Danger.DISARM
    cls = (device.device_class or "").casefold()
    if (
        kind is _A.OPEN
        and device.type in _OPENABLE
        and (outdoor or cls in policy.dangerous_classes)
    ):
        return Danger.OPEN_OUTSIDE
    heats = cls in policy.dangerous_classes or device.type in _HEATING_TYPES
    if kind in {_A.TURN_ON, _A.SET} and heats and cls not in _OPENING_CLASSES:
        return Danger.HEAT
    if device.id in policy.confirm_devices or device.type in policy.confirm_types:
        return Danger.MARKED
    return None


def danger_text(danger: Danger) -> str:
    """Say in a few words why a confirmation is asked (names no device)."""
    return {
        Danger.UNLOCK: "unlocking needs a confirmation",
        Danger.DISARM: "disarming the alarm needs a confirmation",
        Danger.OPEN_OUTSIDE: "opening to the outside needs a confirmation",
        Danger.HEAT: "switching on a heater needs a confirmation",
        Danger.MARKED: "the owner asked to confirm this",
    }[danger]
