"""Errors of the MQTT interface, and why a message was rejected."""

from __future__ import annotations

from enum import StrEnum

from thingmind.core import ThingmindError


class Rejection(StrEnum):
    """Why an incoming MQTT message was not applied; each has a counter."""

    TOO_LARGE = "too_large"
    """The payload is over the size limit."""
    NOT_UTF8 = "not_utf8"
    """The payload is not UTF-8 text."""
    NOT_JSON = "not_json"
    """A JSON payload was expected and this is not JSON."""
    WRONG_TYPE = "wrong_type"
    """JSON of the wrong shape (a list where an object was expected, a number as text)."""
    BAD_VALUE = "bad_value"
    """A value the device's type cannot take (out of range, unknown choice)."""
    UNKNOWN_TOPIC = "unknown_topic"
    """A topic no device or thingmind topic uses."""
    UNKNOWN_DEVICE = "unknown_device"
    """A discovery config or zigbee2mqtt name for a device the site file does not have."""
    BAD_CONFIG = "bad_config"
    """A discovery config that is invalid (a missing or wildcard topic, a bad option)."""
    TYPE_MISMATCH = "type_mismatch"
    """A discovery config whose component is not the device's type in the site file."""
    TOPIC_CONFLICT = "topic_conflict"
    """A discovery config that claims a topic another device already uses."""
    UNSUPPORTED_TEMPLATE = "unsupported_template"
    """A template outside the safe subset thingmind evaluates."""
    BAD_REQUEST = "bad_request"
    """A message on thingmind's own topics that does not follow its schema."""
    UNKNOWN_SPEAKER = "unknown_speaker"
    """A sentence or command that names no ``user``, where the site takes none."""
    UNAVAILABLE = "unavailable"
    """A command whose idempotency key could not be claimed (the store is down)."""


class MqttInterfaceError(ThingmindError):
    """Root of the MQTT interface's errors."""


class BrokerConfigError(MqttInterfaceError):
    """The broker URL or connection settings are invalid."""


class RejectedError(MqttInterfaceError):
    """An incoming message was rejected; ``reason`` says why."""

    def __init__(
        self, reason: Rejection, detail: str, *, field: str | None = None
    ) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        """Why, as an enum to branch and count on."""
        self.detail = detail
        """What was wrong, for logs."""
        self.field = field
        """The field of the payload concerned, when there is one."""
