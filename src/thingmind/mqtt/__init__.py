"""The MQTT device interface (aiomqtt): discovery, state ingest, commands, utterances.

* :class:`MqttBridge` connects to the broker, reads Home Assistant discovery and
  zigbee2mqtt traffic into bus events, publishes commands and answers utterances;
* :class:`MqttDeviceDriver` (``bridge.driver``) is the Brain's device layer over MQTT;
* sentences (``say``) and service calls (``command``) carry an idempotency key, claimed
  in the store (:class:`KeyClaims`) so that several workers carry each out once;
* :mod:`thingmind.mqtt.codec` holds the pure payload codec, also used by the simulator.
"""

from thingmind.mqtt._bridge import MqttBridge
from thingmind.mqtt._driver import (
    DeviceNotReachableError,
    MqttDeviceDriver,
    UnknownSpeakerError,
)
from thingmind.mqtt._errors import (
    BrokerConfigError,
    MqttInterfaceError,
    RejectedError,
    Rejection,
)
from thingmind.mqtt._protocol import (
    ActionTaken,
    Answer,
    CommandResult,
    DeviceCommand,
    Utterance,
    UtteranceError,
    answer_topic,
    command_topic,
    correlation_id,
    encode_answer,
    encode_command_result,
    encode_error,
    parse_command,
    parse_utterance,
    say_topic,
    status_topic,
    worker_status_topic,
)
from thingmind.mqtt._requests import (
    SOURCE,
    CommandExecutor,
    KeyClaims,
    MemoryClaims,
    RequestDesk,
    TextHandler,
)
from thingmind.mqtt._settings import (
    BrokerSettings,
    MqttSettings,
    Protocol,
    mqtt_settings_from_dict,
    parse_broker_url,
)
from thingmind.mqtt._stats import MqttStats
from thingmind.mqtt._z2m import Z2mIndex, decode_z2m_state, encode_z2m_command

__all__ = [
    "SOURCE",
    "ActionTaken",
    "Answer",
    "BrokerConfigError",
    "BrokerSettings",
    "CommandExecutor",
    "CommandResult",
    "DeviceCommand",
    "DeviceNotReachableError",
    "KeyClaims",
    "MemoryClaims",
    "MqttBridge",
    "MqttDeviceDriver",
    "MqttInterfaceError",
    "MqttSettings",
    "MqttStats",
    "Protocol",
    "RejectedError",
    "Rejection",
    "RequestDesk",
    "TextHandler",
    "UnknownSpeakerError",
    "Utterance",
    "UtteranceError",
    "Z2mIndex",
    "answer_topic",
    "command_topic",
    "correlation_id",
    "decode_z2m_state",
    "encode_answer",
    "encode_command_result",
    "encode_error",
    "encode_z2m_command",
    "mqtt_settings_from_dict",
    "parse_broker_url",
    "parse_command",
    "parse_utterance",
    "say_topic",
    "status_topic",
    "worker_status_topic",
]
