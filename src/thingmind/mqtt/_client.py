"""Making aiomqtt clients: protocol choice, persistent sessions, TLS, backoff.

The receive path they are given (buffered reads, quick state messages) is
:mod:`thingmind.mqtt._reader`.
"""

from __future__ import annotations

import random
import ssl
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from thingmind.mqtt._reader import tune_client
from thingmind.mqtt._settings import BrokerSettings, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable


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


_SHARED_INIT: list[Callable[[Properties, int], None]] = []
"""The ``Properties.__init__`` :func:`share_property_tables` installed, once it has."""


def share_property_tables() -> bool:
    """Make paho's MQTT 5 ``Properties`` share its lookup tables; True once done.

    paho builds, for every MQTT 5 packet it decodes, a ``Properties`` object holding
    its own copy of three constant tables (a list, two dicts and 27 lists): about 60
    objects the garbage collector tracks, per state message. At thousands of
    messages a second, with a burst queued, that made paho's ``Properties.__init__``
    the largest cost of a worker (bench/mqtt_ingest.py: about 40% of its CPU, most
    of it in collections of those tables). paho only reads the tables, so every
    instance can share one read-only copy (tuples and mapping proxies: a write
    fails loudly). The tables are taken from paho's own ``__init__``, so what
    paho reads is what it built; if paho changes shape (other attributes, or an
    ``__init__`` that sets more), nothing is changed and False is returned.

    Its ``clear`` (which every ``unpack`` calls) then removes the properties set
    without walking all 27 names, and an empty property block (one zero byte, most
    state reports) is read at once: together another quarter of a worker's rate.

    Returns:
        Whether ``Properties`` now shares its tables (idempotent).
    """
    if _SHARED_INIT and Properties.__init__ is _SHARED_INIT[0]:
        return True
    sample = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    if set(vars(sample)) != {"packetType", "types", "names", "properties"}:
        return False
    types = tuple(sample.types)
    names = MappingProxyType(dict(sample.names))
    table = MappingProxyType(
        {
            key: (kind, tuple(packets))
            for key, (kind, packets) in sample.properties.items()
        }
    )

    def shared_init(self: Properties, packetType: int) -> None:  # noqa: N803 - paho's name
        state = self.__dict__  # past paho's __setattr__, which checks property names
        state["packetType"] = packetType
        state["types"] = types
        state["names"] = names
        state["properties"] = table

    compressed = frozenset(name.replace(" ", "") for name in names)
    unpack = Properties.unpack

    def clear(self: Properties) -> None:
        # paho's walks all 27 names (a replace and a hasattr each) on every unpack.
        for name in compressed.intersection(self.__dict__):
            delattr(self, name)

    def unpack_empty_at_once(self: Properties, buffer: Any) -> Any:
        # Most state reports carry no properties: a length byte of zero.
        if buffer[:1] == b"\x00":
            clear(self)
            return self, 1
        return unpack(self, buffer)  # type: ignore[no-untyped-call]

    _SHARED_INIT[:] = [shared_init]
    Properties.__init__ = shared_init  # type: ignore[method-assign]
    Properties.clear = clear  # type: ignore[method-assign]
    Properties.unpack = unpack_empty_at_once  # type: ignore[method-assign]
    return True


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
    share_property_tables()
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
    tune_client(client)
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
