"""The receive path of thingmind's aiomqtt clients: buffered reads, quick state messages.

paho decodes one packet at a time: two or three socket reads, a packet dictionary, a
``MQTTMessage``, two locks, a debug log line and a topic lookup, then aiomqtt turns
that into its own ``Message``. For a worker taking a burst of state reports, that was
about 20 µs a message, more than thingmind spent on the message itself
(bench/mqtt_ingest.py). :func:`tune_client` gives a client's paho

- a :class:`BufferedSocket`, so that one ``recv`` feeds hundreds of packets;
- a :class:`_QuickMatcher`, so that the empty table of per-topic callbacks costs
  nothing;
- a :class:`QuickReader`, which lets paho read as before and then takes the complete
  QoS 0 and 1 PUBLISH packets left in the buffer straight to aiomqtt's queue.

The quick reader is only a shorter road to the same place. It takes a packet only
when paho would have handed it, unchanged, to aiomqtt's ``on_message``; anything else
(another packet type, QoS 2, a packet not yet whole, a topic aiomqtt would refuse, a
property block that does not decode, a client with per-topic callbacks or debug
logging) it leaves in the buffer for paho, which then handles it exactly as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import TYPE_CHECKING, Any

import aiomqtt
from paho.mqtt.client import MQTT_ERR_SUCCESS
from paho.mqtt.enums import MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.matcher import MQTTMatcher
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

READ_CHUNK = 64 * 1024
"""Bytes asked of the socket at once: about a thousand small state messages."""

TOPICS_KEPT = 4096
"""Decoded topics a client remembers (a site's state topics repeat); then it starts over."""

_LOGGER = logging.getLogger("thingmind.mqtt")


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

    def window(self) -> tuple[bytes, int]:
        """Return the buffer and where its unread bytes start (for :class:`QuickReader`)."""
        return self._buffer, self._at

    def consumed(self, at: int) -> None:
        """Mark the buffer read up to ``at`` (an offset into :meth:`window`'s bytes)."""
        if at >= len(self._buffer):
            self._buffer, self._at = b"", 0
        else:
            self._at = at

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

    def empty(self) -> bool:
        """Return True while no per-topic callback is registered."""
        return not self._root._children  # noqa: SLF001 - paho's own trie

    def iter_match(self, topic: str) -> Iterator[Any]:
        """Return the callbacks whose filter matches ``topic`` (none when empty)."""
        if self.empty():
            return iter(())
        matches: Iterator[Any] = super().iter_match(topic)  # type: ignore[no-untyped-call]
        return matches


class QuickReader:
    """paho's ``loop_read``, then the buffered QoS 0/1 PUBLISH packets straight to aiomqtt.

    aiomqtt's reader calls ``loop_read`` when the socket is readable, and again while
    the socket has bytes buffered. paho's own ``loop_read`` runs first: it reads the
    socket (into the :class:`BufferedSocket`), handles a packet or a few, and deals
    with every error as it always has. Then the whole PUBLISH packets that follow in
    the buffer are decoded here into aiomqtt ``Message`` objects and queued, as
    aiomqtt's ``on_message`` would, acknowledged at QoS 1 as paho would (unless
    acknowledgement is manual). The first packet this reader will not take stops it,
    unread, for paho's next ``loop_read``.
    """

    def __init__(self, client: aiomqtt.Client) -> None:
        """Wrap the ``loop_read`` of an aiomqtt client's paho client."""
        self._client = client
        self._paho = client._client  # noqa: SLF001 - aiomqtt 2 has no hook for reads
        self._paho_read: Callable[[int], MQTTErrorCode] = self._paho.loop_read
        self._v5 = self._paho.protocol == MQTTProtocolVersion.MQTTv5
        self._topics: dict[bytes, aiomqtt.Topic] = {}

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Read as paho does, then take the buffered PUBLISH packets paho would hand on."""
        rc = self._paho_read(max_packets)
        if rc == MQTT_ERR_SUCCESS:
            sock = self._paho._sock  # noqa: SLF001
            if isinstance(sock, BufferedSocket) and self._may_take(sock):
                rc = self._take_buffered(sock)
        return rc

    def _may_take(self, sock: BufferedSocket) -> bool:
        """True when paho, given these bytes, would only hand each to aiomqtt."""
        paho = self._paho
        buffer, at = sock.window()
        logger = paho._logger  # noqa: SLF001
        matcher = paho._on_message_filtered  # noqa: SLF001
        return (
            at < len(buffer)
            and paho._in_packet["command"] == 0  # noqa: SLF001 - no packet half read
            and paho.on_message == self._client._on_message  # noqa: SLF001
            and paho.on_log is None
            and (logger is None or not logger.isEnabledFor(logging.DEBUG))
            and isinstance(matcher, _QuickMatcher)
            and matcher.empty()
        )

    def _take_buffered(self, sock: BufferedSocket) -> MQTTErrorCode:
        paho = self._paho
        queue = self._client._queue  # noqa: SLF001 - where aiomqtt's on_message puts
        buffer, at = sock.window()
        end = len(buffer)
        taken = 0
        rc = MQTT_ERR_SUCCESS
        while at < end:
            header = buffer[at]
            if header & 0xF6 not in (0x30, 0x32):  # PUBLISH at QoS 0 or 1 (any flags)
                break
            start, length = _remaining_length(buffer, at + 1, end)
            stop = start + length
            if start < 0 or stop > end:
                break  # not whole yet (or a bad length): paho's
            message = self._decode(header, buffer, start, stop)
            if message is None:
                break  # paho's, to handle exactly as before
            at = stop
            sock.consumed(at)
            taken += 1
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                _LOGGER.warning("mqtt: message queue is full; discarding a message")
            if message.qos == 1 and not paho._manual_ack:  # noqa: SLF001
                rc = paho._send_puback(message.mid)  # noqa: SLF001
                if rc != MQTT_ERR_SUCCESS:
                    break
        if taken:
            with paho._msgtime_mutex:  # noqa: SLF001 - paho's keepalive reads it
                paho._last_bytes_received = time.monotonic()  # noqa: SLF001
        if rc != MQTT_ERR_SUCCESS:
            return paho._loop_rc_handle(rc)  # noqa: SLF001 - as paho's loop_read would
        return rc

    def _decode(
        self, header: int, buffer: bytes, start: int, stop: int
    ) -> aiomqtt.Message | None:
        """Decode one PUBLISH body; None for anything paho should handle itself."""
        if stop - start < 2:
            return None
        name_end = start + 2 + ((buffer[start] << 8) | buffer[start + 1])
        if name_end > stop:
            return None
        topic = self._topic(buffer[start + 2 : name_end])
        if topic is None:
            return None
        at = name_end
        qos = (header >> 1) & 3
        mid = 0
        if qos:
            if at + 2 > stop:
                return None
            mid = (buffer[at] << 8) | buffer[at + 1]
            at += 2
        properties = None
        if self._v5:
            if at >= stop:
                return None
            properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            if buffer[at] == 0:  # no properties: most state reports
                at += 1
            else:
                try:
                    _, size = properties.unpack(buffer[at:stop])  # type: ignore[no-untyped-call]
                except Exception:  # noqa: BLE001 - paho's own decode will say what
                    return None
                at += size
        return aiomqtt.Message(
            topic, buffer[at:stop], qos, bool(header & 1), mid, properties
        )

    def _topic(self, raw: bytes) -> aiomqtt.Topic | None:
        """The aiomqtt topic for raw bytes; None where aiomqtt would refuse it."""
        topic = self._topics.get(raw)
        if topic is not None:
            return topic
        try:
            topic = aiomqtt.Topic(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None  # paho's road: it fails, as it always did
        if len(self._topics) >= TOPICS_KEPT:
            self._topics.clear()
        self._topics[raw] = topic
        return topic


def _remaining_length(buffer: bytes, at: int, end: int) -> tuple[int, int]:
    """Decode an MQTT remaining length at ``at``: (where the body starts, its length).

    The start is -1 when the length is not whole in the buffer, or longer than the
    four bytes MQTT allows (paho then reads it and says what is wrong).
    """
    length = 0
    shift = 0
    for i in range(at, min(at + 4, end)):
        byte = buffer[i]
        length |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return i + 1, length
        shift += 7
    return -1, 0


def tune_client(client: aiomqtt.Client) -> None:
    """Give an aiomqtt client's paho the buffered socket, quick matcher and quick reader."""
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
    if quick_reader_fits(client):
        paho.loop_read = QuickReader(client).loop_read  # type: ignore[method-assign]
    else:  # pragma: no cover - another paho or aiomqtt: theirs, slower but whole
        _LOGGER.warning(
            "mqtt: this paho-mqtt or aiomqtt is not the shape thingmind's quick "
            "reader knows; reading through paho alone (slower)"
        )


_PAHO_PARTS = (
    "_sock",
    "_logger",
    "_manual_ack",
    "_msgtime_mutex",
    "_last_bytes_received",
    "_send_puback",
    "_loop_rc_handle",
    "loop_read",
)


def quick_reader_fits(client: aiomqtt.Client) -> bool:
    """Return True when the client has every part :class:`QuickReader` uses.

    The reader leans on internals of paho and aiomqtt (both pinned below their next
    major release); checked once per client, so that a release that moved one
    costs speed, not messages.
    """
    paho = getattr(client, "_client", None)
    packet = getattr(paho, "_in_packet", None)
    return (
        paho is not None
        and all(hasattr(paho, name) for name in _PAHO_PARTS)
        and isinstance(packet, dict)
        and "command" in packet
        and isinstance(getattr(client, "_queue", None), asyncio.Queue)
        and callable(getattr(client, "_on_message", None))
    )
