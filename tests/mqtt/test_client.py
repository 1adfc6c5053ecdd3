"""The aiomqtt clients thingmind makes: buffered reads, paho's shared property tables."""

from __future__ import annotations

import asyncio
import socket

from paho.mqtt.exception import MQTTException
from paho.mqtt.matcher import MQTTMatcher
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
import pytest

from thingmind.mqtt._client import (
    READ_CHUNK,
    BufferedSocket,
    _QuickMatcher,
    share_property_tables,
)
from thingmind.mqtt.codec import BrokerSettings, Protocol, make_client


def test_properties_share_read_only_tables_and_still_decode() -> None:
    assert share_property_tables()
    sent = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    sent.CorrelationData = b"req-17"
    sent.UserProperty = ("a", "1")
    got = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    got.unpack(sent.pack())  # type: ignore[no-untyped-call]
    decoded = (got.CorrelationData, got.UserProperty)  # type: ignore[attr-defined]
    assert decoded == (b"req-17", [("a", "1")])
    other = Properties(PacketTypes.CONNACK)  # type: ignore[no-untyped-call]
    assert got.properties is other.properties
    with pytest.raises(TypeError):
        got.names["Correlation Data"] = 99


def test_an_empty_property_block_is_read_at_once_and_clears_what_was_set() -> None:
    share_property_tables()
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.ResponseTopic = "a/b"
    assert props.unpack(b"\x00rest") == (props, 1)  # type: ignore[no-untyped-call]
    assert props.json() == {}  # type: ignore[no-untyped-call]


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


def test_properties_refuse_a_name_of_another_packet_type() -> None:
    share_property_tables()
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    with pytest.raises(MQTTException):  # a CONNECT property, not a PUBLISH one
        props.SessionExpiryInterval = 60


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
