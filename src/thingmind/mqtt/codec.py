"""The MQTT interface's pure parts, for device-side programs such as the simulator.

Importing this module pulls in no part of thingmind above the registry: it is what a
device (real or simulated) needs to speak Home Assistant discovery and thingmind's
topics, without the Brain.
"""

from thingmind.mqtt._client import Backoff, make_client, refuses_protocol
from thingmind.mqtt._codec import (
    Outgoing,
    check_state,
    decode_state,
    encode_command,
    state_topics,
)
from thingmind.mqtt._device_codec import (
    build_config,
    command_topics,
    decode_command,
    encode_state,
)
from thingmind.mqtt._discovery import (
    DEFAULT_PREFIX,
    Availability,
    DeviceInfo,
    DiscoveredEntity,
    DiscoveryUpdate,
    bind_entity,
    object_id_of,
    parse_discovery,
    parse_discovery_topic,
)
from thingmind.mqtt._errors import (
    BrokerConfigError,
    MqttInterfaceError,
    RejectedError,
    Rejection,
)
from thingmind.mqtt._payload import (
    DEFAULT_MAX_PAYLOAD,
    JsonValue,
    parse_json,
    payload_text,
)
from thingmind.mqtt._settings import BrokerSettings, Protocol, parse_broker_url
from thingmind.mqtt._template import MISSING, CommandTemplate, ValueTemplate

__all__ = [
    "DEFAULT_MAX_PAYLOAD",
    "DEFAULT_PREFIX",
    "MISSING",
    "Availability",
    "Backoff",
    "BrokerConfigError",
    "BrokerSettings",
    "CommandTemplate",
    "DeviceInfo",
    "DiscoveredEntity",
    "DiscoveryUpdate",
    "JsonValue",
    "MqttInterfaceError",
    "Outgoing",
    "Protocol",
    "RejectedError",
    "Rejection",
    "ValueTemplate",
    "bind_entity",
    "build_config",
    "check_state",
    "command_topics",
    "decode_command",
    "decode_state",
    "encode_command",
    "encode_state",
    "make_client",
    "object_id_of",
    "parse_broker_url",
    "parse_discovery",
    "parse_discovery_topic",
    "parse_json",
    "payload_text",
    "refuses_protocol",
    "state_topics",
]
