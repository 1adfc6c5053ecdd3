"""How to reach the broker, and the topic layout thingmind uses on it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
import re
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from thingmind.mqtt._discovery import DEFAULT_PREFIX
from thingmind.mqtt._errors import BrokerConfigError
from thingmind.mqtt._payload import DEFAULT_MAX_PAYLOAD
from thingmind.mqtt._protocol import DEFAULT_ROOT

if TYPE_CHECKING:
    from collections.abc import Mapping

_SITE = re.compile(r"^[a-z0-9_-]{1,64}$")
_GROUP = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


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
    announce_wait: float = field(
        default=10.0,
        metadata={
            "help": "Seconds a command waits for its device's discovery config: after "
            "a reconnect the session's queued commands may come before the configs."
        },
    )
    anonymous_user: str | None = field(
        default=None,
        metadata={
            "help": "The read-only user a sentence without `user` speaks as, so that "
            "unknown speakers may ask questions; None refuses them. They never act."
        },
    )

    def __post_init__(self) -> None:
        if not _SITE.match(self.site):
            msg = f"site {self.site!r} must be 1-64 of [a-z0-9_-]"
            raise BrokerConfigError(msg)
        if self.shared_group is not None and not _GROUP.match(self.shared_group):
            msg = f"shared_group {self.shared_group!r} must be 1-64 of [A-Za-z0-9_-]"
            raise BrokerConfigError(msg)
        if self.anonymous_user is not None and not self.anonymous_user:
            msg = "anonymous_user is empty"
            raise BrokerConfigError(msg)
        if self.max_payload < 256:
            msg = "max_payload must be at least 256 bytes"
            raise BrokerConfigError(msg)
        if not 0 < self.backoff_initial <= self.backoff_max:
            msg = "need 0 < backoff_initial <= backoff_max"
            raise BrokerConfigError(msg)


_BROKER_KEYS = frozenset(
    {"client_id", "protocol", "ca_file", "keepalive", "session_expiry", "username"}
)
_SETTINGS_KEYS = frozenset(
    {
        "root",
        "discovery_prefix",
        "z2m_base",
        "shared_group",
        "anonymous_user",
        "max_payload",
        "outbox_size",
        "birth",
        "announce_wait",
        "backoff_initial",
        "backoff_max",
    }
)


def mqtt_settings_from_dict(
    url: str, section: Mapping[str, object] | None, *, site: str
) -> MqttSettings:
    """Build the MQTT settings from a broker URL and the ``mqtt:`` config section.

    The section's keys are the fields of :class:`BrokerSettings` (``client_id``,
    ``protocol``, ``ca_file``, ``username``, ``keepalive``, ``session_expiry``) and
    of :class:`MqttSettings` (``root``, ``discovery_prefix``, ``z2m_base``,
    ``shared_group``, ``anonymous_user``, ``max_payload``, ``outbox_size``,
    ``birth``, and the seconds ``announce_wait``, ``backoff_initial``,
    ``backoff_max``); ``password_file`` names a file whose first line is the password.

    Args:
        url: ``mqtt://host:port`` or ``mqtts://...``.
        section: The parsed ``mqtt:`` section (None: defaults).
        site: The site's name in thingmind's topics.

    Returns:
        The settings.

    Raises:
        BrokerConfigError: Naming the first bad key (``mqtt.<key>``).
    """
    data = dict(section or {})
    unknown = sorted(set(data) - _BROKER_KEYS - _SETTINGS_KEYS - {"password_file"})
    if unknown:
        msg = f"mqtt.{unknown[0]}: unknown setting"
        raise BrokerConfigError(msg)
    broker = parse_broker_url(url)
    changes: dict[str, object] = {}
    for key in sorted(_BROKER_KEYS & set(data)):
        changes[key] = _typed(key, data[key])
    password_file = data.get("password_file")
    if password_file is not None:
        changes["password"] = _read_password(str(password_file))
    try:
        broker = dataclasses.replace(broker, **changes)  # type: ignore[arg-type]
        options = {k: _typed(k, data[k]) for k in sorted(_SETTINGS_KEYS & set(data))}
        return MqttSettings(broker=broker, site=site, **options)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        msg = f"mqtt: {err}"
        raise BrokerConfigError(msg) from err


_INTS = frozenset({"keepalive", "session_expiry", "max_payload", "outbox_size"})
_SECONDS = frozenset({"announce_wait", "backoff_initial", "backoff_max"})
_OPTIONAL_TEXT = frozenset(
    {"client_id", "ca_file", "username", "z2m_base", "shared_group", "anonymous_user"}
)


def _typed(key: str, value: object) -> object:
    if key == "protocol":
        try:
            return Protocol(str(value))
        except ValueError as err:
            msg = f"mqtt.protocol: {value!r} is not one of auto, 5, 3.1.1"
            raise BrokerConfigError(msg) from err
    if key in _INTS:
        if isinstance(value, bool) or not isinstance(value, int):
            msg = f"mqtt.{key}: must be a whole number, got {value!r}"
            raise BrokerConfigError(msg)
        return value
    if key in _SECONDS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            msg = f"mqtt.{key}: must be a number of seconds, got {value!r}"
            raise BrokerConfigError(msg)
        if not 0 <= value <= 3600:
            msg = f"mqtt.{key}: {value} is outside 0-3600 seconds"
            raise BrokerConfigError(msg)
        return float(value)
    if key == "birth":
        if not isinstance(value, bool):
            msg = f"mqtt.birth: must be true or false, got {value!r}"
            raise BrokerConfigError(msg)
        return value
    if value is None and key in _OPTIONAL_TEXT:
        return None
    if not isinstance(value, str) or not value:
        msg = f"mqtt.{key}: must be non-empty text, got {value!r}"
        raise BrokerConfigError(msg)
    return value


def _read_password(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        msg = f"mqtt.password_file: cannot read {path}: {err.strerror}"
        raise BrokerConfigError(msg) from err
    password = text.splitlines()[0] if text else ""
    if not password:
        msg = f"mqtt.password_file: {path} is empty"
        raise BrokerConfigError(msg)
    return password
