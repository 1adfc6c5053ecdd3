"""The MQTT device interface (aiomqtt): discovery, state ingest, commands, utterances.

* :class:`MqttBridge` connects to the broker, reads Home Assistant discovery and
  zigbee2mqtt traffic into bus events, publishes commands and answers utterances;
* :class:`MqttDeviceDriver` (``bridge.driver``) is the Brain's device layer over MQTT;
* :mod:`thingmind.mqtt.codec` holds the pure payload codec, also used by the simulator.
"""

from thingmind.mqtt._bridge import (
    SOURCE,
    DeviceNotReachableError,
    MqttBridge,
    MqttDeviceDriver,
    TextHandler,
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
    Utterance,
    UtteranceError,
    answer_topic,
    encode_answer,
    encode_error,
    parse_utterance,
    say_topic,
    status_topic,
)
from thingmind.mqtt._settings import (
    BrokerSettings,
    MqttSettings,
    Protocol,
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
    "DeviceNotReachableError",
    "MqttBridge",
    "MqttDeviceDriver",
    "MqttInterfaceError",
    "MqttSettings",
    "MqttStats",
    "Protocol",
    "RejectedError",
    "Rejection",
    "TextHandler",
    "Utterance",
    "UtteranceError",
    "Z2mIndex",
    "answer_topic",
    "decode_z2m_state",
    "encode_answer",
    "encode_error",
    "encode_z2m_command",
    "parse_broker_url",
    "parse_utterance",
    "say_topic",
    "status_topic",
]
