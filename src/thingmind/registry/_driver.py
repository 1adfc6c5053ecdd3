"""The device interface, and the in-process implementation of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
import logging
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import UnknownServiceError
from thingmind.registry.domains import domain_spec

if TYPE_CHECKING:
    from thingmind.registry._registry import Registry

_LOGGER = logging.getLogger(__name__)

ChangeListener = Callable[[str, dict[str, StateValue]], None]
"""Called with ``(device_id, changed keys)`` after each device whose state changed."""


@runtime_checkable
class DeviceDriver(Protocol):
    """Carries out services on devices: simulated in-process now, MQTT later."""

    def call(
        self, device_id: str, service: str, params: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        """Carry out a service on a device.

        Args:
            device_id: The device ("light.kitchen").
            service: The service ("turn_on").
            params: Its parameters ("brightness": 40).

        Returns:
            The keys of that device that changed. A driver whose devices report state
            later (MQTT) may return ``{}``.

        Raises:
            ServiceError: When the device cannot do it.
            KeyError: When there is no such device.
        """
        ...


class LocalDriver:
    """A :class:`DeviceDriver` that runs the domain state rules on a :class:`Registry`.

    This is what the in-process simulator and ``predict`` use: a call changes the
    registry's live state at once, the way a well-behaved device would.
    """

    def __init__(
        self, registry: Registry, *, on_change: ChangeListener | None = None
    ) -> None:
        """Drive the devices of a registry.

        Args:
            registry: Whose state the calls change.
            on_change: Told about every device whose state a call changed, including
                each device a scene sets.
        """
        self._registry = registry
        self._on_change = on_change

    @property
    def registry(self) -> Registry:
        """The registry this driver changes."""
        return self._registry

    def call(
        self, device_id: str, service: str, params: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        """Carry out a service and update the registry.

        A scene's ``turn_on`` sets the state of each device the scene names; it
        returns ``{}`` (a scene has no state of its own) and reports each device's
        changes to ``on_change``; :meth:`activate_scene` returns them.

        Args:
            device_id: The device.
            service: The service name.
            params: Its parameters.

        Returns:
            The keys of the device that changed, with their new values.

        Raises:
            KeyError: When there is no such device.
            ServiceCallError: When the device cannot do it (``reason`` says why).
        """
        device = self._registry.home.device(device_id)
        spec = domain_spec(device.type)
        new_state = spec.call(self._registry.state(device_id), service, params)
        if device.type is Domain.SCENE:
            self.activate_scene(device_id)
            return {}
        return self._set(device_id, new_state)

    def activate_scene(self, scene_id: str) -> dict[str, dict[str, StateValue]]:
        """Apply the states a scene sets.

        Args:
            scene_id: The scene.

        Returns:
            The changed keys of each device that changed, by device id.

        Raises:
            KeyError: When there is no such device.
            UnknownServiceError: When the device is not a scene.
        """
        try:
            targets = self._registry.apply_scene(scene_id)
        except ValueError as err:
            msg = f"{scene_id} is not a scene; it cannot be activated"
            raise UnknownServiceError(msg) from err
        changed: dict[str, dict[str, StateValue]] = {}
        for device_id, state in targets.items():
            keys = self._set(device_id, state)
            if keys:
                changed[device_id] = keys
        return changed

    def _set(
        self, device_id: str, state: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        changed = self._registry.set_state(device_id, state)
        if changed and self._on_change is not None:
            self._on_change(device_id, changed)
        return changed
