"""Making aiomqtt clients: protocol choice, persistent sessions, TLS, backoff."""

from __future__ import annotations

import random
import ssl

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from thingmind.mqtt._settings import BrokerSettings, Protocol


class Backoff:
    """Exponential reconnect delays with jitter: about initial, 2x, 4x ... up to maximum.

    Each delay is drawn uniformly from the upper half of the current step ("equal
    jitter"), so that many clients cut off together do not come back together.
    """

    def __init__(
        self, *, initial: float, maximum: float, rng: random.Random | None = None
    ) -> None:
        """Set the range of delays (seconds)."""
        self._initial = initial
        self._maximum = maximum
        self._attempt = 0
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret

    def reset(self) -> None:
        """Start again from the first delay (after a good connection)."""
        self._attempt = 0

    def next(self) -> float:
        """Return the next delay, seconds."""
        step = min(self._maximum, self._initial * (2.0 ** min(self._attempt, 30)))
        self._attempt += 1
        return step / 2 + self._rng.uniform(0, step / 2)


def make_client(
    broker: BrokerSettings,
    *,
    version: Protocol,
    identifier: str,
    will: aiomqtt.Will | None = None,
    persistent: bool = True,
    max_queued_incoming: int = 200_000,
    manual_ack: bool = False,
) -> aiomqtt.Client:
    """Build an aiomqtt client for a broker.

    Args:
        broker: Where and how to connect.
        version: ``Protocol.V5`` or ``Protocol.V311`` (not AUTO: the caller falls back).
        identifier: The client id; fixed, so the broker keeps the session.
        will: The last will.
        persistent: Keep the session (subscriptions and QoS 1 messages) while away:
            clean start off and a session expiry (MQTT 5), clean session off (3.1.1).
        max_queued_incoming: Messages buffered before aiomqtt drops new ones.
        manual_ack: Acknowledge QoS 1 messages only when :func:`ack` is called for
            them, once they are handled: a process killed with messages queued
            leaves them unacknowledged, so the broker delivers them again.

    Returns:
        The client (not connected: use it with ``async with``).
    """
    tls_context = None
    if broker.tls:
        tls_context = ssl.create_default_context(cafile=broker.ca_file)
    if version is Protocol.V311:
        client = aiomqtt.Client(
            broker.host,
            broker.port,
            username=broker.username,
            password=broker.password,
            identifier=identifier,
            protocol=aiomqtt.ProtocolVersion.V311,
            clean_session=not persistent,
            will=will,
            keepalive=broker.keepalive,
            tls_context=tls_context,
            max_queued_incoming_messages=max_queued_incoming,
        )
    else:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        if persistent:
            properties.SessionExpiryInterval = broker.session_expiry
        client = aiomqtt.Client(
            broker.host,
            broker.port,
            username=broker.username,
            password=broker.password,
            identifier=identifier,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=not persistent,
            properties=properties,
            will=will,
            keepalive=broker.keepalive,
            tls_context=tls_context,
            max_queued_incoming_messages=max_queued_incoming,
        )
    if manual_ack:
        # aiomqtt 2 has no switch for it; its paho client does.
        client._client.manual_ack_set(on=True)  # noqa: SLF001
    return client


def ack(client: aiomqtt.Client, message: aiomqtt.Message) -> None:
    """Acknowledge a message of a client made with ``manual_ack`` (QoS 0: nothing).

    Args:
        client: The client the message came from.
        message: The message, once handled.
    """
    if message.qos > 0:
        client._client.ack(message.mid, message.qos)  # noqa: SLF001


def refuses_protocol(err: aiomqtt.MqttError) -> bool:
    """Return True when a connect error says the broker does not speak MQTT 5."""
    text = str(err).lower()
    return "protocol" in text and ("version" in text or "unsupported" in text)
