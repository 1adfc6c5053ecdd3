"""The Brain's device layer over MQTT: service calls encoded and queued for the bridge."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from typing import TYPE_CHECKING

from thingmind.core import ServiceError, StateValue
from thingmind.mqtt._codec import encode_command
from thingmind.mqtt._z2m import encode_z2m_command
from thingmind.registry import domain_spec

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from thingmind.mqtt._bridge import MqttBridge

_LOGGER = logging.getLogger(__name__)


class DeviceNotReachableError(ServiceError):
    """A device that has announced no way to command it over MQTT."""


class UnknownSpeakerError(ServiceError):
    """A device call made while answering someone who gave no ``user``."""


class MqttDeviceDriver:
    """A :class:`~thingmind.registry.DeviceDriver` that publishes commands over MQTT.

    It checks the call against the device's type first (so the Brain gets the same
    refusals as in-process), encodes it for the device's discovery config or its
    zigbee2mqtt name, and queues it for the bridge, which publishes it with QoS 1. It
    returns ``{}``: the device's new state arrives later, on its state topic.
    Safe to call from any thread.
    """

    def __init__(self, bridge: MqttBridge) -> None:
        """Drive the devices a bridge has bound."""
        self._bridge = bridge
        self._local = threading.local()

    @contextlib.contextmanager
    def refusing(self) -> Iterator[None]:
        """Refuse every call this thread makes meanwhile (an unknown speaker's turn).

        The gate already refuses a read-only user everything but questions; this is
        the second lock on the same door, at the device layer.
        """
        self._local.refuse = True
        try:
            yield
        finally:
            self._local.refuse = False

    def call(
        self, device_id: str, service: str, params: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        """Check and send a service call.

        Args:
            device_id: The device.
            service: The service.
            params: Its parameters.

        Returns:
            ``{}``: state is reported by the device.

        Raises:
            KeyError: When the site has no such device.
            ServiceCallError: When the device cannot do it.
            DeviceNotReachableError: When it announced no command topic.
            UnknownSpeakerError: When called for someone who gave no ``user``.
        """
        if getattr(self._local, "refuse", False):
            msg = "an unknown speaker may not act"
            raise UnknownSpeakerError(msg)
        bridge = self._bridge
        device = bridge.home.device(device_id)
        state = bridge.state_of(device_id)
        new_state = domain_spec(device.type).call(state, service, params)
        bridge.echoes.expect(
            device_id, {k: v for k, v in new_state.items() if state.get(k) != v}
        )
        entity = bridge.entity(device_id)
        if entity is not None:
            messages = encode_command(entity, service, params, state)
        else:
            name = bridge.z2m_name(device_id)
            if name is None or bridge.settings.z2m_base is None:
                msg = f"{device_id} has not announced itself over MQTT"
                raise DeviceNotReachableError(msg)
            messages = [
                encode_z2m_command(
                    bridge.settings.z2m_base,
                    name,
                    device,
                    service=service,
                    params=params,
                    state=state,
                )
            ]
        for message in messages:
            bridge.send(dataclasses.replace(message, device_id=device_id))
        _LOGGER.debug(
            "mqtt: %s.%s(%s) -> %d messages",
            device_id,
            service,
            dict(params),
            len(messages),
        )
        return {}
