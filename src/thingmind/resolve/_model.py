"""The values the resolver takes and returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from thingmind.core import StateValue

_NO_PARAMS: Mapping[str, StateValue] = MappingProxyType({})


class FailReason(StrEnum):
    """Why (part of) a request was not carried out."""

    NOT_ABOUT_SITE = "not_about_site"
    """Nothing in the sentence asks anything of the site's devices."""
    NO_SUCH_DEVICE = "no_such_device"
    """A device phrase matched nothing."""
    NO_SUCH_AREA = "no_such_area"
    """A place matched no area or floor."""
    UNSUPPORTED = "unsupported"
    """The device lacks the feature (dim an on/off light, heat a kettle)."""
    OUT_OF_RANGE = "out_of_range"
    """An absolute value outside what the device can take."""
    NO_VALUE = "no_value"
    """A value was needed and none could be read."""
    AMBIGUOUS = "ambiguous"
    """Several devices or places fit a phrase meant as one; the user is asked."""
    READ_ONLY = "read_only"
    """A command for a sensor or a read-only key."""
    NOTHING_IN_SCOPE = "nothing_in_scope"
    """The place has no device the request could apply to."""
    NOT_PERMITTED = "not_permitted"
    """The user may not do this."""
    NEEDS_CONFIRMATION = "needs_confirmation"
    """A dangerous action waits for the same user's confirmation (see ``pending``)."""
    UNSAFE_VALUE = "unsafe_value"
    """A value outside the site's safe range (the policy's limits)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """Who speaks, and where."""

    area: str | None = None
    """The area id the speaker is in, when known."""
    device: str | None = None
    """The device the speaker talks through; its area is the speaker's when ``area`` is None."""
    user: str = "owner"
    """Who speaks; permissions are checked against this."""
    source: str = "speech"
    """Where the request comes from ("speech", "api", "mqtt", "rule:<id>", "cli")."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedAction:
    """One service call for the device layer to carry out."""

    device_id: str
    """The device."""
    service: str
    """The service of its type (Home Assistant name: "turn_on", "set_cover_position")."""
    params: Mapping[str, StateValue] = field(default_factory=lambda: _NO_PARAMS)
    """The service's parameters ({"brightness": 50})."""
    clause: int = 0
    """Index of the clause of the sentence it comes from."""

    def __post_init__(self) -> None:
        if not isinstance(self.params, MappingProxyType):
            object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """A part of the request that was not carried out, and why."""

    reason: FailReason
    """Why, as an enum to branch on."""
    clause: int
    """Index of the clause concerned."""
    detail: str = ""
    """A short explanation for people and logs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    """What a sentence comes to: actions to run, state read, and what to say."""

    actions: tuple[ResolvedAction, ...] = ()
    """Service calls to carry out, in order (the resolver itself executes nothing)."""
    reads: tuple[str, ...] = ()
    """Device ids whose state the answer used."""
    answer: str = ""
    """What to say back: a short sentence or two."""
    refused: bool = False
    """True when all or part of the request was declined (see ``failures``)."""
    clarify: bool = False
    """True when the request is ambiguous: no actions, and ``answer`` asks which."""
    failures: tuple[Failure, ...] = ()
    """Every part not carried out."""
    pending: tuple[ResolvedAction, ...] = ()
    """A dangerous action held until the same user confirms it (never more than one)."""
    pin_required: bool = False
    """True when the pending action is confirmed by a PIN rather than a yes."""
