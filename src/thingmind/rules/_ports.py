"""What the rules engine needs from outside: an executor, a notifier, a key-value store.

The brain backs :class:`ActionExecutor` with the same gate spoken commands pass
(resolver checks, permissions, confirmation); :class:`DriverExecutor` is the plain
in-process one used by tests, benchmarks and the simulator demo. The store satisfies
:class:`KeyValueStore` with its ``put_meta``/``get_meta``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import logging
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, TypeAlias

from thingmind.core import StateValue
from thingmind.registry import ServiceCallError, domain_spec

if TYPE_CHECKING:
    from thingmind.registry import DeviceDriver, Registry

_LOGGER = logging.getLogger(__name__)

JsonValue: TypeAlias = (
    "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
)
"""A value ``json`` round-trips (the store's ``JsonValue``)."""


def _no_changes() -> Mapping[str, StateValue]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecResult:
    """What became of one device service call."""

    ok: bool
    """True when the device did it."""
    changed: Mapping[str, StateValue] = field(default_factory=_no_changes)
    """The device's keys that changed (may be empty when it reports later)."""
    reason: str | None = None
    """Why it was refused: a ``ServiceFailure`` or resolver ``FailReason`` value."""
    message: str = ""
    """The refusal in words."""


class ActionExecutor(Protocol):
    """Carries out a device service for a rule, after the same checks as a command."""

    def execute(
        self,
        device_id: str,
        service: str,
        params: Mapping[str, StateValue],
        *,
        source: str,
    ) -> ExecResult:
        """Check and carry out one service call.

        Args:
            device_id: The device ("light.hallway").
            service: The service ("turn_on").
            params: Its parameters.
            source: Who asks, for permissions and the audit trail ("rule:porch").

        Returns:
            The result; a refusal is a result with ``ok=False``, not an exception.
        """
        ...


class Notifier(Protocol):
    """Sends a rule's message to people."""

    def notify(
        self, message: str, *, title: str | None, channel: str, source: str
    ) -> None:
        """Send a message.

        Args:
            message: The text.
            title: An optional title.
            channel: Where to (the ``notify.<channel>`` of the action).
            source: Which rule sends it.
        """
        ...


class KeyValueStore(Protocol):
    """Small durable settings; :class:`thingmind.store.Store` satisfies this."""

    def put_meta(self, key: str, value: JsonValue) -> None:
        """Store a JSON-able value under ``key``, replacing any old one."""
        ...

    def get_meta(self, key: str, default: JsonValue = None) -> JsonValue:
        """Return the value under ``key``, or ``default``."""
        ...


class MemoryKeyValueStore:
    """A :class:`KeyValueStore` in a dict; for tests and the in-process demo."""

    def __init__(self) -> None:
        self.data: dict[str, JsonValue] = {}

    def put_meta(self, key: str, value: JsonValue) -> None:
        """Store a value."""
        self.data[key] = value

    def get_meta(self, key: str, default: JsonValue = None) -> JsonValue:
        """Return a value, or ``default``."""
        return self.data.get(key, default)


class LogNotifier:
    """A :class:`Notifier` that logs messages and keeps the last ones."""

    def __init__(self, keep: int = 100) -> None:
        self.sent: list[tuple[str, str | None, str, str]] = []
        """(message, title, channel, source) of recent messages."""
        self._keep = keep

    def notify(
        self, message: str, *, title: str | None, channel: str, source: str
    ) -> None:
        """Log the message and keep it."""
        _LOGGER.info("notify.%s from %s: %s", channel, source, message)
        self.sent.append((message, title, channel, source))
        del self.sent[: -self._keep]


class DriverExecutor:
    """An :class:`ActionExecutor` over a device driver, with the domain's checks.

    Each call is first checked against the device's type (``DomainSpec.call``: the
    service exists, the device has the feature, values are in range), then sent to
    the driver. It knows nothing of users: the brain's executor adds permissions.
    """

    def __init__(self, registry: Registry, driver: DeviceDriver) -> None:
        """Act on ``registry``'s devices through ``driver``.

        Args:
            registry: Where device types and current state come from.
            driver: What carries the calls out (``LocalDriver``, the simulator).
        """
        self._registry = registry
        self._driver = driver

    def execute(
        self,
        device_id: str,
        service: str,
        params: Mapping[str, StateValue],
        *,
        source: str,
    ) -> ExecResult:
        """Check a call against the device's type, then carry it out.

        Args:
            device_id: The device.
            service: The service.
            params: Its parameters.
            source: Who asks (logged).

        Returns:
            The result; refusals have ``ok=False`` and a ``ServiceFailure`` reason.
        """
        home = self._registry.home
        if not home.has_device(device_id):
            return ExecResult(
                ok=False, reason="unknown_device", message=f"no device {device_id}"
            )
        spec = domain_spec(home.device(device_id).type)
        try:
            spec.call(self._registry.state(device_id), service, params)
            changed = self._driver.call(device_id, service, params)
        except ServiceCallError as err:
            _LOGGER.info("%s: %s.%s refused: %s", source, device_id, service, err)
            return ExecResult(ok=False, reason=str(err.reason), message=str(err))
        return ExecResult(ok=True, changed=MappingProxyType(dict(changed)))
