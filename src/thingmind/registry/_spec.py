"""What a device type can do: its state keys, its services and their state rules.

A :class:`DomainSpec` is pure data plus one pure function: ``call`` takes a device's
state, a service and its parameters and returns the new state. It checks everything a
service call can get wrong and raises a :class:`ServiceCallError` subclass whose
``reason`` says which rule was broken, so callers can branch on an enum, not on text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import math
from types import MappingProxyType

from thingmind.core import Domain, ServiceError, StateValue


def _no_ranges() -> Mapping[str, tuple[float, float]]:
    return MappingProxyType({})


def _no_param_keys() -> Mapping[str, str]:
    return MappingProxyType({})


DEFAULT_UNIT = "C"
"""The temperature unit of a device whose state has no ``unit`` key."""


class KeyKind(StrEnum):
    """The type of value a state key holds."""

    BOOL = "bool"
    NUMBER = "number"
    ENUM = "enum"
    """One of ``KeySpec.choices``."""
    COLOR = "color"
    """A colour's plain English name, lower case ("red", "warm white")."""
    TEXT = "text"
    NUMBER_OR_TEXT = "number_or_text"


class ServiceFailure(StrEnum):
    """Why a service call was refused."""

    UNKNOWN_SERVICE = "unknown_service"
    """The type has no such service."""
    UNSUPPORTED_FEATURE = "unsupported_feature"
    """The device lacks the state key the service or parameter needs."""
    OUT_OF_RANGE = "out_of_range"
    """A number outside the key's range; never clamped here."""
    BAD_VALUE = "bad_value"
    """A value of the wrong type, an unknown choice or an unknown parameter."""
    READ_ONLY = "read_only"
    """The key (or every key of the type) cannot be changed by command."""


class ServiceCallError(ServiceError):
    """A service call a device cannot carry out; ``reason`` says why."""

    reason: ServiceFailure = ServiceFailure.BAD_VALUE

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        """The state key or parameter concerned, when there is one."""


class UnknownServiceError(ServiceCallError):
    """The device type has no such service."""

    reason = ServiceFailure.UNKNOWN_SERVICE


class UnsupportedFeatureError(ServiceCallError):
    """The device lacks the state key a service or parameter needs."""

    reason = ServiceFailure.UNSUPPORTED_FEATURE


class OutOfRangeError(ServiceCallError):
    """A value outside the key's range."""

    reason = ServiceFailure.OUT_OF_RANGE


class BadValueError(ServiceCallError):
    """A value of the wrong type, an unknown choice or an unknown parameter."""

    reason = ServiceFailure.BAD_VALUE


class ReadOnlyError(ServiceCallError):
    """A read-only key, or a type whose keys are all read-only."""

    reason = ServiceFailure.READ_ONLY


class _OutOfRangeValueError(ValueError):
    """A ValueError for a number outside its range (mapped to OUT_OF_RANGE)."""


def _fmt(number: float) -> str:
    """Format a number the way people write it: 100, not 100.0."""
    if float(number).is_integer():
        return str(int(number))
    return str(number)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeySpec:
    """One state key of a device type."""

    name: str
    """The key, as written in the home file ("brightness")."""
    kind: KeyKind
    """The type of value it holds."""
    minimum: float | None = None
    """Smallest allowed number (NUMBER keys), inclusive."""
    maximum: float | None = None
    """Largest allowed number (NUMBER keys), inclusive."""
    choices: tuple[str, ...] = ()
    """The allowed values of an ENUM key."""
    read_only: bool = False
    """True when no command may change it (a sensor reading)."""
    default: StateValue = None
    """The value a device listed without state starts with."""
    nullable: bool = True
    """True when ``null`` (value unknown) is accepted."""
    unit_ranges: Mapping[str, tuple[float, float]] = field(default_factory=_no_ranges)
    """For temperatures: the range per value of the device's ``unit`` key (C, F)."""

    def __post_init__(self) -> None:
        if self.kind is KeyKind.ENUM and not self.choices:
            msg = f"enum key {self.name!r} needs choices"
            raise ValueError(msg)

    def limits(
        self, state: Mapping[str, StateValue] | None = None
    ) -> tuple[float | None, float | None]:
        """Return the (minimum, maximum) that apply to a device with this state.

        Args:
            state: The device's state, whose ``unit`` picks a range for temperatures.

        Returns:
            The inclusive bounds; either may be None (unbounded).
        """
        if self.unit_ranges:
            unit = state.get("unit") if state is not None else None
            if not isinstance(unit, str):
                unit = DEFAULT_UNIT
            bounds = self.unit_ranges.get(unit.upper())
            if bounds is not None:
                return bounds
        return self.minimum, self.maximum

    def normalize(
        self, value: StateValue, state: Mapping[str, StateValue] | None = None
    ) -> StateValue:
        """Check a value against this key and return it normalized.

        Args:
            value: The value to check.
            state: The device's state, for unit-dependent ranges.

        Returns:
            The value, normalized (choices and colours in their canonical case).

        Raises:
            ValueError: When the value has the wrong type or is out of range.
        """
        if value is None:
            if self.nullable:
                return None
            msg = f"{self.name} cannot be null"
            raise ValueError(msg)
        kind = self.kind
        if kind is KeyKind.BOOL:
            if isinstance(value, bool):
                return value
            msg = f"{value!r} is not true or false"
            raise ValueError(msg)
        if kind is KeyKind.NUMBER or (
            kind is KeyKind.NUMBER_OR_TEXT and not isinstance(value, str)
        ):
            if isinstance(value, bool) or not isinstance(value, int | float):
                msg = f"{value!r} is not a number"
                raise ValueError(msg)
            if not math.isfinite(value):
                msg = f"{value!r} is not a finite number"
                raise ValueError(msg)
            low, high = self.limits(state)
            if (low is not None and value < low) or (high is not None and value > high):
                msg = f"{_fmt(value)} is outside {_range_text(low, high)}"
                raise _OutOfRangeValueError(msg)
            return value
        if not isinstance(value, str):
            msg = f"{value!r} is not text"
            raise ValueError(msg)  # noqa: TRY004 - the loader's contract is ValueError
        if kind is KeyKind.ENUM:
            folded = value.strip().casefold()
            for choice in self.choices:
                if choice.casefold() == folded:
                    return choice
            msg = f"{value!r} is not one of {', '.join(self.choices)}"
            raise ValueError(msg)
        if kind is KeyKind.COLOR:
            color = " ".join(value.split()).lower()
            if not color:
                msg = "a colour name cannot be empty"
                raise ValueError(msg)
            return color
        return value


def _range_text(low: float | None, high: float | None) -> str:
    if low is None:
        return f"at most {_fmt(high)}" if high is not None else "any"
    if high is None:
        return f"at least {_fmt(low)}"
    return f"{_fmt(low)}-{_fmt(high)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceSpec:
    """One service (Home Assistant action) of a device type."""

    name: str
    """The service name ("turn_on")."""
    params: tuple[str, ...] = ()
    """The parameter names it accepts ("brightness", "color")."""
    needs: tuple[str, ...] = ()
    """State keys the device must have for the service to apply."""
    param_keys: Mapping[str, str] = field(default_factory=_no_param_keys)
    """The state key each parameter sets, where its name differs ("temperature")."""

    def key_for(self, param: str) -> str:
        """Return the state key a parameter sets (its own name unless mapped)."""
        return self.param_keys.get(param, param)


Handler = Callable[[dict[str, StateValue], str, Mapping[str, StateValue]], None]
"""Applies a checked service call to a copy of the state, in place."""


def _no_change(
    state: dict[str, StateValue], service: str, params: Mapping[str, StateValue]
) -> None:
    del state, service, params


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainSpec:
    """Everything one device type (Home Assistant domain) has and can do."""

    domain: Domain
    """The type."""
    keys: Mapping[str, KeySpec]
    """Its state keys, by name, in the spec's order."""
    services: Mapping[str, ServiceSpec]
    """Its services, by name."""
    handler: Handler = field(default=_no_change, repr=False, compare=False)
    """Applies a checked call to a state copy; the domain module's state rules."""

    @property
    def read_only(self) -> bool:
        """True when no key of this type can be changed by command (sensors)."""
        return all(spec.read_only for spec in self.keys.values())

    def defaults(self) -> dict[str, StateValue]:
        """Return every key of the type with its default value."""
        return {name: spec.default for name, spec in self.keys.items()}

    def validate_value(
        self,
        key: str,
        value: StateValue,
        *,
        state: Mapping[str, StateValue] | None = None,
    ) -> StateValue:
        """Check one state value and return it normalized.

        Args:
            key: The state key.
            value: Its value; ``None`` means unknown and is kept.
            state: The whole state, for ranges that depend on another key (unit).

        Returns:
            The normalized value.

        Raises:
            ValueError: When the key is not one of the type's or the value does not fit.
        """
        spec = self.keys.get(key)
        if spec is None:
            valid = ", ".join(self.keys) or "none"
            msg = f"{key!r} is not a state key of {self.domain} (valid: {valid})"
            raise ValueError(msg)
        return spec.normalize(value, state)

    def call(
        self,
        state: Mapping[str, StateValue],
        service: str,
        params: Mapping[str, StateValue],
    ) -> dict[str, StateValue]:
        """Carry out a service on a device's state.

        Args:
            state: The device's current state (not modified).
            service: The service name ("turn_on").
            params: Its parameters ("brightness": 40).

        Returns:
            The new full state.

        Raises:
            ServiceCallError: A subclass whose ``reason`` says what was refused.
        """
        spec = self.services.get(service)
        if spec is None:
            if not self.services and self.read_only:
                msg = f"a {self.domain} is read-only: it has no services"
                raise ReadOnlyError(msg)
            valid = ", ".join(self.services) or "none"
            msg = f"{self.domain} has no service {service!r} (valid: {valid})"
            raise UnknownServiceError(msg)
        for need in spec.needs:
            if need not in state:
                msg = (
                    f"{service} needs {need!r}, which this {self.domain} does not have"
                )
                raise UnsupportedFeatureError(msg, key=need)
        checked: dict[str, StateValue] = {}
        for param, value in params.items():
            checked[param] = self._check_param(spec, state, param, value)
        new_state = dict(state)
        self.handler(new_state, service, checked)
        return new_state

    def _check_param(
        self,
        spec: ServiceSpec,
        state: Mapping[str, StateValue],
        param: str,
        value: StateValue,
    ) -> StateValue:
        key = spec.key_for(param)
        key_spec = self.keys.get(key)
        if param not in spec.params:
            if key_spec is not None and key_spec.read_only:
                msg = f"{key} is read-only"
                raise ReadOnlyError(msg, key=key)
            valid = ", ".join(spec.params) or "none"
            msg = f"{spec.name} takes no parameter {param!r} (valid: {valid})"
            raise BadValueError(msg, key=param)
        if key_spec is None:  # a parameter that sets no key (none today)
            return value
        if key_spec.read_only:
            msg = f"{key} is read-only"
            raise ReadOnlyError(msg, key=key)
        if key not in state:
            msg = f"this {self.domain} has no {key!r}, so it cannot take {param}"
            raise UnsupportedFeatureError(msg, key=key)
        if value is None:
            msg = f"{param} needs a value, got null"
            raise BadValueError(msg, key=param)
        try:
            return key_spec.normalize(value, state)
        except _OutOfRangeValueError as err:
            raise OutOfRangeError(str(err), key=key) from err
        except ValueError as err:
            raise BadValueError(str(err), key=key) from err


def key(
    name: str,
    kind: KeyKind,
    *,
    default: StateValue = None,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] = (),
    read_only: bool = False,
    unit_ranges: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[str, KeySpec]:
    """Build a ``(name, KeySpec)`` pair; a shorthand for the domain modules."""
    spec = KeySpec(
        name=name,
        kind=kind,
        default=default,
        minimum=minimum,
        maximum=maximum,
        choices=choices,
        read_only=read_only,
        unit_ranges=MappingProxyType(dict(unit_ranges or {})),
    )
    return name, spec


def service(
    name: str,
    *,
    params: tuple[str, ...] = (),
    needs: tuple[str, ...] = (),
    param_keys: Mapping[str, str] | None = None,
) -> tuple[str, ServiceSpec]:
    """Build a ``(name, ServiceSpec)`` pair; a shorthand for the domain modules."""
    spec = ServiceSpec(
        name=name,
        params=params,
        needs=needs,
        param_keys=MappingProxyType(dict(param_keys or {})),
    )
    return name, spec


def domain(
    domain_: Domain,
    keys: list[tuple[str, KeySpec]],
    services: list[tuple[str, ServiceSpec]],
    handler: Handler = _no_change,
) -> DomainSpec:
    """Build a :class:`DomainSpec` from key and service pairs."""
    return DomainSpec(
        domain=domain_,
        keys=MappingProxyType(dict(keys)),
        services=MappingProxyType(dict(services)),
        handler=handler,
    )


def set_if_present(
    state: dict[str, StateValue], key_name: str, value: StateValue
) -> None:
    """Set a key only when the device has it (its features are its keys)."""
    if key_name in state:
        state[key_name] = value
