"""The aiomqtt clients thingmind makes: buffered reads, paho's shared property tables."""

from __future__ import annotations

from paho.mqtt.exception import MQTTException
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
import pytest

from thingmind.mqtt._client import share_property_tables


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


def test_properties_refuse_a_name_of_another_packet_type() -> None:
    share_property_tables()
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    with pytest.raises(MQTTException):  # a CONNECT property, not a PUBLISH one
        props.SessionExpiryInterval = 60
