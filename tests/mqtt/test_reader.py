"""The receive path of thingmind's clients, against paho's own, byte for byte.

No broker: each client is handed one end of a socket pair, as if just connected,
and aiomqtt's own reader (``_on_socket_open``) reads it. The other end plays the
broker: it writes a stream of packets in random pieces, and reads the client's
acknowledgements back. A stock aiomqtt client given the same stream is the
reference: what thingmind's client queues and sends must be exactly what it does.
"""

from __future__ import annotations

import asyncio
import random
import socket
from typing import Any

import aiomqtt
from paho.mqtt.matcher import MQTTMatcher
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
import pytest

from thingmind.mqtt._reader import (
    READ_CHUNK,
    BufferedSocket,
    _QuickMatcher,
    quick_reader_fits,
)
from thingmind.mqtt.codec import BrokerSettings, Protocol, make_client

TOPICS = [
    "homeassistant/sensor/kitchen_temp/state",
    "zigbee2mqtt/hall light",
    "maison/séjour/température",
    "t",
    "thingmind/home/say",
    "a/" + "b" * 300,  # a topic name longer than 127 bytes
]


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - test data, not a secret


def _length(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (128 if n else 0))
        if not n:
            return bytes(out)


def _publish(
    topic: bytes,
    payload: bytes,
    *,
    qos: int,
    mid: int,
    retain: bool,
    dup: bool,
    properties: bytes | None,
) -> bytes:
    body = len(topic).to_bytes(2, "big") + topic
    if qos:
        body += mid.to_bytes(2, "big")
    if properties is not None:  # MQTT 5: a property block, maybe empty
        body += properties
    body += payload
    header = 0x30 | (qos << 1) | (0x08 if dup else 0) | (0x01 if retain else 0)
    return bytes([header]) + _length(len(body)) + body


def _properties(rng: random.Random) -> bytes:
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    if rng.random() < 0.6:
        return bytes(props.pack())  # type: ignore[no-untyped-call] # empty: b"\x00"
    props.CorrelationData = rng.randbytes(rng.randint(1, 16))
    if rng.random() < 0.5:
        props.ResponseTopic = "thingmind/home/answer/sat-1"
    if rng.random() < 0.3:
        props.UserProperty = [("speaker", "kitchen"), ("n", str(rng.randint(0, 9)))]
    if rng.random() < 0.2:
        props.MessageExpiryInterval = rng.randint(1, 3600)
    return bytes(props.pack())  # type: ignore[no-untyped-call]


def _stream(rng: random.Random, *, v5: bool, count: int) -> tuple[bytes, int, int]:
    """A broker's side of a session: publishes at QoS 0, 1 and 2, and other packets.

    Returns:
        The bytes, how many messages a client should hand on, and how many bytes of
        acknowledgements it should send back (4 a PUBACK, PUBREC or PUBCOMP).
    """
    out = bytearray()
    delivered = 0
    acks = 0
    for mid in range(1, count + 1):
        kind = rng.random()
        if kind < 0.03:
            out += b"\xd0\x00"  # PINGRESP
            continue
        qos = 0 if kind < 0.6 else 1 if kind < 0.95 else 2
        size = 70_000 if rng.random() < 0.01 else rng.randint(0, 200)
        out += _publish(
            rng.choice(TOPICS).encode(),
            rng.randbytes(size),
            qos=qos,
            mid=mid,
            retain=rng.random() < 0.2,
            dup=qos > 0 and rng.random() < 0.1,
            properties=_properties(rng) if v5 else None,
        )
        if qos == 2:  # delivered on the PUBREL
            out += b"\x62\x02" + mid.to_bytes(2, "big")
        delivered += 1
        acks += 4 * qos  # PUBACK; or PUBREC and PUBCOMP
    return bytes(out), delivered, acks


def _seen(message: aiomqtt.Message) -> tuple[Any, ...]:
    props = message.properties
    return (
        message.topic.value,
        message.payload,
        message.qos,
        message.retain,
        message.mid,
        None if props is None else props.json(),  # type: ignore[no-untyped-call]
    )


class _Session:
    """A client attached to one end of a socket pair, read by aiomqtt's own reader."""

    def __init__(self, client: aiomqtt.Client, *, buffered: bool) -> None:
        self.client = client
        self.paho = client._client
        self.broker, mine = socket.socketpair()
        mine.setblocking(False)  # noqa: FBT003 - the socket API
        self.broker.setblocking(False)  # noqa: FBT003
        self.paho._keepalive = 0  # no pings from the misc loop: no broker here
        self.paho._sock = BufferedSocket(mine) if buffered else mine
        self.mine = mine
        self.fd = mine.fileno()  # paho may close it (a protocol error)
        loop = asyncio.get_running_loop()
        client._connected = loop.create_future()
        client._connected.set_result(None)  # as if the CONNACK had come
        client._disconnected = loop.create_future()
        client._on_socket_open(self.paho, None, self.paho._sock)
        self.acks = bytearray()

    def read_acks(self) -> None:
        while True:
            try:
                data = self.broker.recv(65536)
            except BlockingIOError:
                return
            if not data:
                return
            self.acks += data

    def queued(self) -> list[aiomqtt.Message]:
        queue = self.client._queue
        return [queue.get_nowait() for _ in range(queue.qsize())]

    async def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self.fd)
        asyncio.get_running_loop().remove_writer(self.fd)
        task = self.client._misc_task
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.mine.close()
        self.broker.close()


def _clients(
    version: Protocol, *, manual_ack: bool
) -> tuple[aiomqtt.Client, aiomqtt.Client]:
    ours = make_client(
        BrokerSettings(host="127.0.0.1", port=1, client_id="ours"),
        version=version,
        identifier="ours",
        max_queued_incoming=0,
        manual_ack=manual_ack,
    )
    stock = aiomqtt.Client(
        "127.0.0.1",
        1,
        identifier="stock",
        protocol=aiomqtt.ProtocolVersion.V5
        if version is Protocol.V5
        else aiomqtt.ProtocolVersion.V311,
        max_queued_incoming_messages=0,
    )
    if manual_ack:
        stock._client.manual_ack_set(on=True)
    return ours, stock


async def _feed(sessions: list[_Session], data: bytes, rng: random.Random) -> None:
    """Write the same bytes to every session in the same random pieces."""
    loop = asyncio.get_running_loop()
    at = 0
    while at < len(data):
        piece = data[at : at + rng.choice([1, 7, 300, 5000, 40_000, 200_000])]
        for session in sessions:
            await loop.sock_sendall(session.broker, piece)
            session.read_acks()
        at += len(piece)
        for _ in range(rng.randint(0, 3)):
            await asyncio.sleep(0)


async def _settle(sessions: list[_Session], messages: int, acks: int = 0) -> None:
    """Wait until every session has queued ``messages`` and sent ``acks`` bytes."""
    async with asyncio.timeout(20):
        while any(
            s.client._queue.qsize() < messages or len(s.acks) < acks for s in sessions
        ):
            await asyncio.sleep(0.005)
            for session in sessions:
                session.read_acks()
    for _ in range(20):  # anything more a client would send
        await asyncio.sleep(0.005)
        for session in sessions:
            session.read_acks()


@pytest.mark.parametrize("version", [Protocol.V5, Protocol.V311])
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_thingmind_clients_queue_and_acknowledge_what_paho_does(
    version: Protocol, seed: int
) -> None:
    rng = _rng(seed)
    data, expected, acks = _stream(rng, v5=version is Protocol.V5, count=3000)
    ours, stock = _clients(version, manual_ack=False)
    handled_by_paho = 0
    paho_publish = ours._client._handle_publish

    def counted() -> Any:
        nonlocal handled_by_paho
        handled_by_paho += 1
        return paho_publish()

    ours._client._handle_publish = counted  # type: ignore[method-assign]
    sessions = [_Session(ours, buffered=True), _Session(stock, buffered=False)]
    try:
        await _feed(sessions, data, rng)
        await _settle(sessions, expected, acks)
        mine, theirs = (s.queued() for s in sessions)
        assert len(theirs) == expected
        assert [_seen(m) for m in mine] == [_seen(m) for m in theirs]
        # PUBACKs (QoS 1), PUBRECs and PUBCOMPs (QoS 2): the same, in the same order.
        assert sessions[0].acks == sessions[1].acks
        assert len(sessions[0].acks) == acks
        # And the quick road was taken: paho decoded only the odd one.
        assert handled_by_paho < expected / 4
        assert not ours._disconnected.done()
    finally:
        for session in sessions:
            await session.close()


async def test_with_manual_acknowledgement_nothing_is_acknowledged_until_handled() -> (
    None
):
    rng = _rng(5)
    ours, stock = _clients(Protocol.V5, manual_ack=True)
    data = b"".join(
        _publish(
            b"s/t", b"21.5", qos=1, mid=m, retain=False, dup=False, properties=b"\x00"
        )
        for m in range(1, 501)
    )
    sessions = [_Session(ours, buffered=True), _Session(stock, buffered=False)]
    try:
        await _feed(sessions, data, rng)
        await _settle(sessions, 500)
        assert sessions[0].acks == sessions[1].acks == b""
        messages = sessions[0].queued()
        assert [m.mid for m in messages] == list(range(1, 501))
        ours._client.ack(messages[0].mid, 1)
        await _settle(sessions[:1], 0, 4)
        assert sessions[0].acks == b"\x40\x02\x00\x01"  # PUBACK for mid 1, no more
    finally:
        for session in sessions:
            await session.close()


@pytest.mark.parametrize(
    "bad",
    [
        b"\x80\x81",  # not UTF-8
        b"",  # empty: MQTT 3.1.1 forbids it, aiomqtt refuses it
        b"a/+/c",  # a wildcard in a published topic
    ],
)
async def test_a_topic_aiomqtt_would_refuse_goes_paho_s_way(bad: bytes) -> None:
    ours, stock = _clients(Protocol.V311, manual_ack=False)
    good = [
        _publish(
            b"s/t",
            str(i).encode(),
            qos=0,
            mid=0,
            retain=False,
            dup=False,
            properties=None,
        )
        for i in range(50)
    ]
    data = b"".join(
        [
            *good,
            _publish(bad, b"x", qos=0, mid=0, retain=False, dup=False, properties=None),
            *good,
        ]
    )
    sessions = [_Session(ours, buffered=True), _Session(stock, buffered=False)]
    try:
        await _feed(sessions, data, _rng(9))
        async with asyncio.timeout(5):
            await asyncio.wait([s.client._disconnected for s in sessions])
        mine, theirs = (s.queued() for s in sessions)
        assert [_seen(m) for m in mine] == [_seen(m) for m in theirs]
        assert len(mine) >= 50  # all before it
        errors = [type(s.client._disconnected.exception()) for s in sessions]
        assert errors[0] is errors[1]
    finally:
        for session in sessions:
            await session.close()


@pytest.mark.parametrize("version", [Protocol.V5, Protocol.V311])
async def test_the_installed_paho_and_aiomqtt_fit_the_quick_reader(
    version: Protocol,
) -> None:
    ours, stock = _clients(version, manual_ack=False)
    assert quick_reader_fits(ours)
    assert quick_reader_fits(stock)
    del stock._client._in_packet  # a paho that reads packets some other way
    assert not quick_reader_fits(stock)


@pytest.mark.parametrize("topic", ["a/b", "a", "a/b/c", "b/c", "$SYS/x", "/a", ""])
def test_the_quick_matcher_matches_as_paho_does(topic: str) -> None:
    quick, stock = _QuickMatcher(), MQTTMatcher()  # type: ignore[no-untyped-call]
    assert list(quick.iter_match(topic)) == []
    for matcher in (quick, stock):
        for number, pattern in enumerate(["a/+", "a/#", "#", "+/+", "$SYS/#", "a/b"]):
            matcher[pattern] = number
    assert sorted(quick.iter_match(topic)) == sorted(stock.iter_match(topic))  # type: ignore[no-untyped-call]


async def test_made_clients_still_route_per_topic_callbacks() -> None:
    client = make_client(
        BrokerSettings(host="127.0.0.1", port=1883, client_id="x"),
        version=Protocol.V5,
        identifier="x",
    )
    paho = client._client
    paho.message_callback_add("sensors/#", print)
    matches = paho._on_message_filtered.iter_match("sensors/t")  # type: ignore[no-untyped-call]
    assert list(matches) == [print]


async def test_reads_come_from_one_recv_per_turn_of_the_loop() -> None:
    left, right = socket.socketpair()
    left.setblocking(False)  # noqa: FBT003 - the socket API
    buffered = BufferedSocket(left)
    right.sendall(b"abcdef")
    await asyncio.sleep(0.01)
    assert buffered.recv(1) == b"a"  # the socket was read once, whole
    assert buffered.pending() == 5
    assert buffered.recv(3) == b"bcd"
    right.sendall(b"ghi")
    assert buffered.recv(10) == b"ef"
    with pytest.raises(BlockingIOError):
        buffered.recv(1)  # the socket has more, but this turn has had its read
    await asyncio.sleep(0)  # the next turn of the loop
    assert buffered.recv(10) == b"ghi"
    assert buffered.pending() == 0
    left.close()
    right.close()


def test_outside_an_event_loop_every_read_goes_to_the_socket() -> None:
    left, right = socket.socketpair()
    buffered = BufferedSocket(left)
    right.sendall(b"x" * (READ_CHUNK + 10))
    assert len(buffered.recv(READ_CHUNK)) + buffered.pending() <= READ_CHUNK + 10
    while buffered.pending():
        buffered.recv(1000)
    assert buffered.recv(100)  # reads the socket again: no turns to count
    left.close()
    right.close()
