"""Making aiomqtt clients: protocol choice, persistent sessions, TLS, backoff."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import ssl
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import aiomqtt
from paho.mqtt.matcher import MQTTMatcher
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from thingmind.mqtt._settings import BrokerSettings, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

READ_CHUNK = 64 * 1024
"""Bytes asked of the socket at once: about a thousand small state messages."""


class BufferedSocket:
    """A paho socket whose small reads come from one large ``recv`` per loop turn.

    paho reads each packet with two or three ``recv`` calls (one byte of type, the
    length byte by byte, then the rest), and aiomqtt's reader handles one packet per
    readable event of the event loop: a system call or three and a turn of the loop
    per message. This wrapper reads up to :data:`READ_CHUNK` bytes at once and serves
    paho's reads from them; its ``pending()`` (the method aiomqtt already asks of TLS
    sockets) tells aiomqtt's reader that more packets are buffered, so that it reads
    them in the same turn of the loop.

    One read of the socket per turn of the event loop, not more: a reader that went
    on while a fast publisher keeps the socket full would never hand the loop back
    (we saw it hold the loop for seconds). Once a turn's chunk is used up, ``recv``
    says "would block"; paho keeps the partial packet, and the next readable event
    reads on. Bytes TLS has already decrypted are read at once (no event would come
    for them). Everything else is the socket's.
    """

    def __init__(self, sock: Any) -> None:  # socket.socket or ssl.SSLSocket
        """Wrap a connected, non-blocking socket."""
        self._sock = sock
        self._buffer = b""
        self._at = 0
        self._read_this_turn = False

    def recv(self, size: int) -> bytes:
        """Return up to ``size`` bytes: buffered ones first, then the socket's.

        Raises:
            BlockingIOError: When nothing is buffered and the socket has nothing,
                or was read already in this turn of the event loop.
        """
        if self._at >= len(self._buffer):
            if self._read_this_turn and not self._tls_pending():
                raise BlockingIOError
            self._mark_read()
            data: bytes = self._sock.recv(max(size, READ_CHUNK))
            if len(data) <= size:
                return data
            self._buffer, self._at = data, 0
        end = self._at + size
        out = self._buffer[self._at : end]
        self._at = end
        if end >= len(self._buffer):
            self._buffer, self._at = b"", 0
        return out

    def pending(self) -> int:
        """Return how many bytes are buffered (and TLS-buffered) but not yet read."""
        return len(self._buffer) - self._at + self._tls_pending()

    def _tls_pending(self) -> int:
        inner = getattr(self._sock, "pending", None)
        return int(inner()) if inner is not None else 0

    def _mark_read(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not in an event loop (paho's own threads): no turns to count
        self._read_this_turn = True
        loop.call_soon(self._next_turn)

    def _next_turn(self) -> None:
        self._read_this_turn = False

    def __getattr__(self, name: str) -> Any:  # send, fileno, close, setblocking, ...
        return getattr(self._sock, name)


def _tune_paho(client: aiomqtt.Client) -> None:
    """Give the client's paho a :class:`BufferedSocket` (each connect) and a quick matcher."""
    paho = client._client  # noqa: SLF001 - aiomqtt 2 has no hook for the socket
    create: Callable[[], Any] = paho._create_socket  # noqa: SLF001

    def create_buffered() -> BufferedSocket:
        sock = create()
        # Commands and answers are small writes: without this, Nagle's algorithm
        # holds one back until the previous is acknowledged (40 ms with delayed
        # ACKs), several times per round trip.
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return BufferedSocket(sock)

    paho._create_socket = create_buffered  # type: ignore[method-assign]  # noqa: SLF001
    paho._on_message_filtered = _QuickMatcher()  # noqa: SLF001 - empty, as paho made it


class _QuickMatcher(MQTTMatcher):
    """paho's table of per-topic callbacks, answering at once while it is empty.

    paho looks every incoming message up in it (aiomqtt never adds to it), and the
    lookup builds a recursive closure: a reference cycle of about six objects per
    message, which only the garbage collector frees. At thousands of messages a
    second that was most of the collector's work (bench/mqtt_ingest.py).
    """

    def __init__(self) -> None:
        """Start empty, as paho's does."""
        super().__init__()  # type: ignore[no-untyped-call]

    def iter_match(self, topic: str) -> Iterator[Any]:
        """Return the callbacks whose filter matches ``topic`` (none when empty)."""
        if not self._root._children:  # noqa: SLF001 - paho's own trie
            return iter(())
        matches: Iterator[Any] = super().iter_match(topic)  # type: ignore[no-untyped-call]
        return matches


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
    _tune_paho(client)
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
