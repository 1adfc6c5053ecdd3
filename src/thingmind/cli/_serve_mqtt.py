"""MQTT wiring of ``serve`` and ``demo``: the bridge of a site, answered by the brain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from thingmind.brain import Brain
    from thingmind.bus import EventBus
    from thingmind.mqtt import MqttBridge
    from thingmind.registry import Home
    from thingmind.store import Store


def mqtt_bridge(
    *,
    home: Home,
    broker_url: str,
    bus: EventBus,
    site: str,
    config: Mapping[str, object] | None = None,
) -> MqttBridge:
    """The MQTT bridge of a site (the Brain is attached to it afterwards).

    Args:
        home: The site.
        broker_url: ``mqtt://host:port``.
        bus: Where device state goes.
        site: The site's name in thingmind's topics.
        config: The ``--config`` sections; ``mqtt:`` holds the broker's and the
            topics' settings (docs/mqtt.md: client id, TLS, several workers, ...).

    Returns:
        The bridge, not connected yet; run ``bridge.run()`` in a task.

    Raises:
        InvalidInputError: When the URL or the ``mqtt:`` section is not valid.
    """
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415
    from thingmind.mqtt import (  # noqa: PLC0415
        BrokerConfigError,
        MqttBridge,
        mqtt_settings_from_dict,
    )

    section = (config or {}).get("mqtt")
    source = "config"
    if section is not None and not isinstance(section, Mapping):
        raise InvalidInputError(
            source, [Problem(path="mqtt", message="must be a mapping")]
        )
    try:
        settings = mqtt_settings_from_dict(broker_url, section, site=site)
    except BrokerConfigError as err:
        raise InvalidInputError(
            source, [Problem(path="mqtt", message=str(err))]
        ) from err
    return MqttBridge(settings=settings, home=home, bus=bus)


def attach_mqtt(
    bridge: MqttBridge, brain: Brain, *, store: Store | None = None
) -> None:
    """Answer the bridge's ``say`` and ``command`` topics with the brain, as ``mqtt``.

    A remote "yes" is then not a confirmation (a PIN is), and the gate checks the
    sentence's or command's ``user`` like any other. Idempotency keys are claimed
    in ``store``, which several workers of a site share.

    Raises:
        InvalidInputError: When ``mqtt.anonymous_user`` is not a read-only
            (service) user of the ``security:`` policy.
    """
    from thingmind.brain import FromSource  # noqa: PLC0415
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415
    from thingmind.resolve import Role  # noqa: PLC0415

    anonymous = bridge.settings.anonymous_user
    if anonymous is not None:
        user = brain.security.gate.user(anonymous) if brain.security else None
        if user is None or user.role is not Role.SERVICE:
            source = "config"
            msg = f"{anonymous!r} must be a user of role service in security.users"
            raise InvalidInputError(
                source, [Problem(path="mqtt.anonymous_user", message=msg)]
            )
    bridge.attach(FromSource(brain, source="mqtt"), executor=brain, claims=store)
