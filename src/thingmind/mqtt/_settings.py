"""How to reach the broker, and the topic layout thingmind uses on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import re
from urllib.parse import unquote, urlsplit

from thingmind.mqtt._discovery import DEFAULT_PREFIX
from thingmind.mqtt._errors import BrokerConfigError
from thingmind.mqtt._payload import DEFAULT_MAX_PAYLOAD
from thingmind.mqtt._protocol import DEFAULT_ROOT

_SITE = re.compile(r"^[a-z0-9_-]{1,64}$")


class Protocol(StrEnum):
    """Which MQTT version to speak."""

    AUTO = "auto"
    """MQTT 5, falling back to 3.1.1 when the broker refuses it."""
    V5 = "5"
    """MQTT 5 only."""
    V311 = "3.1.1"
    """MQTT 3.1.1 only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokerSettings:
    """Where the broker is and how to log in."""

    host: str = field(metadata={"help": "Broker host name or address."})
    port: int = field(default=1883, metadata={"help": "TCP port (8883 for TLS)."})
    tls: bool = field(default=False, metadata={"help": "Connect with TLS (mqtts://)."})
    ca_file: str | None = field(
        default=None, metadata={"help": "CA bundle for TLS; system CAs when None."}
    )
    username: str | None = field(
        default=None, metadata={"help": "User name, if the broker wants one."}
    )
    password: str | None = field(
        default=None, repr=False, metadata={"help": "Password."}
    )
    client_id: str | None = field(
        default=None,
        metadata={"help": "Client id; fixed, so the broker keeps the session."},
    )
    protocol: Protocol = field(
        default=Protocol.AUTO, metadata={"help": "MQTT version."}
    )
    keepalive: int = field(default=30, metadata={"help": "Seconds between pings."})
    session_expiry: int = field(
        default=24 * 3600,
        metadata={
            "help": "Seconds the broker keeps the session (and QoS 1 messages) while we are away."
        },
    )

    def __post_init__(self) -> None:
        if not self.host:
            msg = "the broker host is empty"
            raise BrokerConfigError(msg)
        if not 0 < self.port < 65536:
            msg = f"port {self.port} is not 1-65535"
            raise BrokerConfigError(msg)
        if self.keepalive < 1 or self.session_expiry < 0:
            msg = "keepalive must be >= 1 s and session_expiry >= 0 s"
            raise BrokerConfigError(msg)


def parse_broker_url(url: str, *, client_id: str | None = None) -> BrokerSettings:
    """Read ``mqtt://[user[:password]@]host[:port]`` (``mqtts://`` for TLS).

    Args:
        url: The broker URL.
        client_id: The client id to use.

    Returns:
        The settings.

    Raises:
        BrokerConfigError: When the URL is not a broker URL.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "mqtts", "tcp", "ssl"}:
        msg = f"{url!r}: a broker URL starts with mqtt:// or mqtts://"
        raise BrokerConfigError(msg)
    tls = parts.scheme in {"mqtts", "ssl"}
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError as err:
        msg = f"{url!r}: bad port"
        raise BrokerConfigError(msg) from err
    return BrokerSettings(
        host=parts.hostname or "",
        port=port,
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        client_id=client_id,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MqttSettings:
    """The MQTT interface's configuration."""

    broker: BrokerSettings = field(metadata={"help": "Where the broker is."})
    site: str = field(
        default="home", metadata={"help": "The site's name in thingmind's topics."}
    )
    root: str = field(
        default=DEFAULT_ROOT, metadata={"help": "Root of thingmind's own topics."}
    )
    discovery_prefix: str = field(
        default=DEFAULT_PREFIX, metadata={"help": "Home Assistant discovery prefix."}
    )
    z2m_base: str | None = field(
        default="zigbee2mqtt",
        metadata={"help": "zigbee2mqtt base topic; None to ignore zigbee2mqtt."},
    )
    birth: bool = field(
        default=True,
        metadata={
            "help": "Publish 'online' on <prefix>/status at connect so devices re-announce."
        },
    )
    max_payload: int = field(
        default=DEFAULT_MAX_PAYLOAD,
        metadata={"help": "Largest payload accepted, bytes."},
    )
    outbox_size: int = field(
        default=10_000, metadata={"help": "Commands held while the broker is away."}
    )
    backoff_initial: float = field(
        default=0.5, metadata={"help": "First reconnect delay, seconds."}
    )
    backoff_max: float = field(
        default=30.0, metadata={"help": "Longest reconnect delay, seconds."}
    )
    shared_group: str | None = field(
        default=None,
        metadata={
            "help": "Subscribe state topics as $share/<group>/... (several workers)."
        },
    )

    def __post_init__(self) -> None:
        if not _SITE.match(self.site):
            msg = f"site {self.site!r} must be 1-64 of [a-z0-9_-]"
            raise BrokerConfigError(msg)
        if self.max_payload < 256:
            msg = "max_payload must be at least 256 bytes"
            raise BrokerConfigError(msg)
        if not 0 < self.backoff_initial <= self.backoff_max:
            msg = "need 0 < backoff_initial <= backoff_max"
            raise BrokerConfigError(msg)
