"""Home Assistant MQTT discovery: config topics and payloads, parsed and checked.

A config is read in four steps: abbreviations expanded (``stat_t`` ->
``state_topic``), ``~`` replaced by the base topic, every option type-checked, and
templates parsed into the safe subset (:mod:`thingmind.mqtt._template`). The result is a
:class:`DiscoveredEntity`, pure data; binding it to a device of the site file is
:func:`bind_entity`. Device-based discovery (``<prefix>/device/<id>/config`` with
``components``) gives one entity per component, with the shared options inherited.
An empty payload removes what the topic announced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import re
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain
from thingmind.mqtt._abbrev import (
    ABBREVIATIONS,
    AVAILABILITY_ABBREVIATIONS,
    DEVICE_ABBREVIATIONS,
)
from thingmind.mqtt._errors import RejectedError, Rejection
from thingmind.mqtt._payload import (
    JsonValue,
    is_number,
    json_object,
    parse_json,
    topic_is_plain,
)
from thingmind.mqtt._template import CommandTemplate, ValueTemplate

if TYPE_CHECKING:
    from thingmind.registry import Home

DEFAULT_PREFIX = "homeassistant"
"""Home Assistant's default discovery prefix."""

_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_OBJECT = re.compile(r"[^a-z0-9_]+")

Scalar = str | int | float | bool | None
"""An option value: discovery options are JSON scalars."""

_EMPTY_TOPICS: Mapping[str, str] = MappingProxyType({})
_EMPTY_TEMPLATES: Mapping[str, ValueTemplate] = MappingProxyType({})
_EMPTY_COMMANDS: Mapping[str, CommandTemplate] = MappingProxyType({})
_EMPTY_OPTIONS: Mapping[str, Scalar] = MappingProxyType({})

_NUMBER_OPTIONS = {
    "brightness_scale": (1, 1_000_000),
    "position_open": (0, 1_000_000),
    "position_closed": (0, 1_000_000),
    "speed_range_min": (0, 1_000_000),
    "speed_range_max": (1, 1_000_000),
    "min_temp": (-1000, 1000),
    "max_temp": (-1000, 1000),
    "min_humidity": (0, 100),
    "max_humidity": (0, 100),
    "min_mireds": (1, 10_000),
    "max_mireds": (1, 10_000),
    "qos": (0, 2),
    "expire_after": (0, 10_000_000),
}
_TEXT_OPTIONS = frozenset(
    {
        "name",
        "unique_id",
        "object_id",
        "default_entity_id",
        "device_class",
        "schema",
        "unit_of_measurement",
        "temperature_unit",
        "availability_mode",
        "platform",
        "encoding",
        "state_class",
        "entity_category",
        "icon",
        "color_mode",
    }
)
_BOOL_OPTIONS = frozenset(
    {
        "retain",
        "optimistic",
        "reports_position",
        "enabled_by_default",
        "force_update",
        "brightness",
    }
)
_PAYLOAD_OPTIONS = frozenset(
    {
        "payload_on",
        "payload_off",
        "state_on",
        "state_off",
        "payload_open",
        "payload_close",
        "payload_stop",
        "state_open",
        "state_closed",
        "state_opening",
        "state_closing",
        "state_stopped",
        "payload_lock",
        "payload_unlock",
        "state_locked",
        "state_unlocked",
        "state_locking",
        "state_unlocking",
        "state_jammed",
        "payload_arm_home",
        "payload_arm_away",
        "payload_disarm",
        "payload_start",
        "payload_pause",
        "payload_return_to_base",
        "payload_available",
        "payload_not_available",
        "payload",
    }
)
_IGNORED = frozenset(
    {
        "device",
        "origin",
        "availability",
        "components",
        "modes",
        "supported_color_modes",
        "supported_features",
        "json_attributes_topic",
        "json_attributes_template",
        "action_topic",
        "action_template",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Availability:
    """One availability topic of an entity."""

    topic: str
    """Where the device says whether it is online."""
    payload_available: str = "online"
    """The payload meaning online."""
    payload_not_available: str = "offline"
    """The payload meaning offline."""
    template: ValueTemplate | None = None
    """Reads the payload first, when the device wraps it (``{"state": "online"}``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo:
    """The physical device an entity belongs to (the config's ``device``)."""

    identifiers: tuple[str, ...] = ()
    """Its identifiers; entities sharing one belong to one device."""
    name: str | None = None
    """Its name."""
    manufacturer: str | None = None
    """Who made it."""
    model: str | None = None
    """Its model."""
    suggested_area: str | None = None
    """The area the device suggests."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveredEntity:
    """One entity announced by Home Assistant MQTT discovery, checked."""

    component: Domain
    """Its type (the discovery topic's component)."""
    key: str
    """Identifies the announcement: the config topic, plus ``#<id>`` for a component
    of a device-based config. A later config with the same key replaces it."""
    candidates: tuple[str, ...]
    """Device ids it may be, best first (``default_entity_id``, ``object_id``, the
    topic's object id)."""
    unique_id: str | None = None
    """The config's ``unique_id``."""
    name: str | None = None
    """The entity's name."""
    schema: str = "default"
    """``default`` (one topic per value) or ``json`` (one JSON state, lights)."""
    topics: Mapping[str, str] = field(default_factory=lambda: _EMPTY_TOPICS)
    """Topic options, by full key (``state_topic``, ``brightness_command_topic``)."""
    templates: Mapping[str, ValueTemplate] = field(
        default_factory=lambda: _EMPTY_TEMPLATES
    )
    """Value templates, by full key (``value_template``, ``brightness_value_template``)."""
    command_templates: Mapping[str, CommandTemplate] = field(
        default_factory=lambda: _EMPTY_COMMANDS
    )
    """Command templates, by full key (``command_template``)."""
    options: Mapping[str, Scalar] = field(default_factory=lambda: _EMPTY_OPTIONS)
    """Other options: payloads, scales, ranges, units, ``device_class``."""
    modes: tuple[str, ...] = ()
    """Climate or water heater modes the device supports."""
    availability: tuple[Availability, ...] = ()
    """Availability topics."""
    availability_mode: str = "latest"
    """``all``, ``any`` or ``latest``: how several availability topics combine."""
    device: DeviceInfo = field(default_factory=DeviceInfo)
    """The physical device."""
    qos: int = 0
    """QoS of its subscriptions."""
    retain: bool = False
    """Whether commands are published retained."""

    def option(self, name: str, *, default: Scalar) -> Scalar:
        """Return an option, or ``default`` when the config does not set it."""
        return self.options.get(name, default)

    def text(self, name: str, default: str) -> str:
        """Return a payload option as text (HA compares payloads as text)."""
        value = self.options.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def number(self, name: str, default: float) -> float:
        """Return a numeric option, or ``default``."""
        value = self.options.get(name)
        return float(value) if is_number(value) else default  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveryUpdate:
    """What one message on a discovery topic announces."""

    topic: str
    """The config topic."""
    entities: tuple[DiscoveredEntity, ...] = ()
    """Entities (re)announced."""
    removed: tuple[str, ...] = ()
    """Keys of entities removed (an empty config, or a component left with only
    its platform)."""
    remove_all: bool = False
    """True when every entity announced on this topic is removed (empty payload)."""


def _expand(
    data: Mapping[str, JsonValue], table: Mapping[str, str]
) -> dict[str, JsonValue]:
    return {table.get(k, k): v for k, v in data.items()}


def _base(topic: str, base: str | None, key: str) -> str:
    if base is not None:
        if topic.startswith("~"):
            topic = base + topic[1:]
        elif topic.endswith("~"):
            topic = topic[:-1] + base
    if not topic_is_plain(topic):
        msg = (
            f"{key} {topic!r} is not a topic one can use (empty, wildcard or too long)"
        )
        raise RejectedError(Rejection.BAD_CONFIG, msg, field=key)
    return topic


def parse_discovery_topic(
    topic: str, prefix: str = DEFAULT_PREFIX
) -> tuple[str, str | None, str]:
    """Split ``<prefix>/<component>/[<node_id>/]<object_id>/config``.

    Args:
        topic: The topic.
        prefix: The discovery prefix.

    Returns:
        ``(component, node_id, object_id)``; the component is ``device`` for
        device-based discovery.

    Raises:
        RejectedError: ``UNKNOWN_TOPIC`` when the topic is not a config topic.
    """
    parts = topic.split("/")
    head = prefix.split("/")
    if parts[: len(head)] != head or parts[-1] != "config":
        msg = f"{topic!r} is not a discovery config topic"
        raise RejectedError(Rejection.UNKNOWN_TOPIC, msg)
    rest = parts[len(head) : -1]
    if len(rest) not in {2, 3} or not all(_ID.match(p) for p in rest):
        msg = f"{topic!r} is not <prefix>/<component>/[<node_id>/]<object_id>/config"
        raise RejectedError(Rejection.UNKNOWN_TOPIC, msg)
    node = rest[1] if len(rest) == 3 else None
    return rest[0], node, rest[-1]


def parse_discovery(
    topic: str, text: str, *, prefix: str = DEFAULT_PREFIX
) -> DiscoveryUpdate:
    """Parse one discovery message.

    Args:
        topic: The config topic.
        text: The payload text (checked for size and encoding already).
        prefix: The discovery prefix.

    Returns:
        The entities announced or removed.

    Raises:
        RejectedError: With the reason the whole message was refused.
    """
    component, node_id, object_id = parse_discovery_topic(topic, prefix)
    if not text.strip():
        return DiscoveryUpdate(topic=topic, remove_all=True)
    data = _expand(
        json_object(parse_json(text), what="a discovery config"), ABBREVIATIONS
    )
    if component != "device":
        entity = _entity(topic, topic, component, object_id, data, node_id=node_id)
        return DiscoveryUpdate(topic=topic, entities=(entity,))
    components = data.pop("components", None)
    if not isinstance(components, dict) or not components:
        msg = "a device config needs a non-empty components object"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="components")
    if len(components) > 256:
        msg = f"{len(components)} components; at most 256"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="components")
    entities: list[DiscoveredEntity] = []
    removed: list[str] = []
    for comp_id, raw in components.items():
        comp = _expand(json_object(raw, what=f"component {comp_id}"), ABBREVIATIONS)
        platform = comp.get("platform")
        if not isinstance(platform, str):
            msg = f"component {comp_id} needs a platform"
            raise RejectedError(Rejection.BAD_CONFIG, msg, field="platform")
        key = f"{topic}#{comp_id}"
        if set(comp) == {"platform"}:
            removed.append(key)
            continue
        merged = {k: v for k, v in data.items() if k not in {"device", "origin"}}
        merged.update(comp)
        merged["device"] = data.get("device")
        if not _ID.match(comp_id):
            msg = f"component id {comp_id!r} is not [A-Za-z0-9_-]+"
            raise RejectedError(Rejection.BAD_CONFIG, msg, field="components")
        entities.append(
            _entity(topic, key, platform, comp_id, merged, node_id=object_id)
        )
    return DiscoveryUpdate(
        topic=topic, entities=tuple(entities), removed=tuple(removed)
    )


def _entity(
    topic: str,
    key: str,
    component: str,
    object_id: str,
    data: dict[str, JsonValue],
    *,
    node_id: str | None,
) -> DiscoveredEntity:
    del topic, node_id  # the key and the object id identify the entity
    try:
        domain = Domain(component)
    except ValueError:
        msg = f"component {component!r} is not a device type thingmind knows"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="platform") from None
    base = data.pop("~", None)
    if base is not None and (not isinstance(base, str) or not topic_is_plain(base)):
        msg = "~ must be a topic"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="~")
    topics: dict[str, str] = {}
    templates: dict[str, ValueTemplate] = {}
    commands: dict[str, CommandTemplate] = {}
    options: dict[str, Scalar] = {}
    for name, value in data.items():
        if name in _IGNORED:
            continue
        if name.endswith("_topic"):
            if not isinstance(value, str):
                msg = f"{name} must be text"
                raise RejectedError(Rejection.BAD_CONFIG, msg, field=name)
            topics[name] = _base(value, base, name)
        elif name.endswith("_template"):
            if not isinstance(value, str):
                msg = f"{name} must be text"
                raise RejectedError(Rejection.BAD_CONFIG, msg, field=name)
            if "command" in name or name == "set_position_template":
                commands[name] = CommandTemplate.parse(value)
            else:
                templates[name] = ValueTemplate.parse(value)
        elif name in _NUMBER_OPTIONS:
            low, high = _NUMBER_OPTIONS[name]
            if not is_number(value) or not low <= value <= high:  # type: ignore[operator]
                msg = f"{name} must be a number in {low}..{high}, got {value!r}"
                raise RejectedError(Rejection.BAD_CONFIG, msg, field=name)
            options[name] = value  # type: ignore[assignment]
        elif name in _TEXT_OPTIONS:
            if value is not None and not isinstance(value, str):
                msg = f"{name} must be text, got {type(value).__name__}"
                raise RejectedError(Rejection.BAD_CONFIG, msg, field=name)
            if isinstance(value, str) and len(value) > 256:
                msg = f"{name} is longer than 256 characters"
                raise RejectedError(Rejection.BAD_CONFIG, msg, field=name)
            options[name] = value
        elif name in _BOOL_OPTIONS:
            if not isinstance(value, bool):
                msg = f"{name} must be true or false"
                raise RejectedError(Rejection.BAD_CONFIG, msg, field=name)
            options[name] = value
        elif name in _PAYLOAD_OPTIONS:
            if isinstance(value, dict | list) or (
                isinstance(value, str) and len(value) > 256
            ):
                msg = f"{name} must be a short scalar"
                raise RejectedError(Rejection.BAD_CONFIG, msg, field=name)
            options[name] = value
        # other keys (icons, attributes, features thingmind does not model) are ignored
    _check_consistency(domain, options, topics)
    modes = data.get("modes")
    mode_list: tuple[str, ...] = ()
    if modes is not None:
        if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
            msg = "modes must be a list of text"
            raise RejectedError(Rejection.BAD_CONFIG, msg, field="modes")
        mode_list = tuple(str(m) for m in modes)
    mode = options.get("availability_mode") or "latest"
    if mode not in {"all", "any", "latest"}:
        msg = f"availability_mode must be all, any or latest, got {mode!r}"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="availability_mode")
    schema = options.get("schema") or "default"
    if schema not in {"default", "basic", "json", "state"}:
        msg = f"schema {schema!r} is not supported (default or json)"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="schema")
    qos = options.get("qos", 0)
    unique_id = options.get("unique_id")
    return DiscoveredEntity(
        component=domain,
        key=key,
        candidates=_candidates(domain, object_id, options),
        unique_id=unique_id if isinstance(unique_id, str) else None,
        name=options["name"] if isinstance(options.get("name"), str) else None,  # type: ignore[arg-type]
        schema="json" if schema == "json" else "default",
        topics=MappingProxyType(topics),
        templates=MappingProxyType(templates),
        command_templates=MappingProxyType(commands),
        options=MappingProxyType(options),
        modes=mode_list,
        availability=_availability(data, topics, templates, options, base),
        availability_mode=str(mode),
        device=_device(data.get("device")),
        qos=int(qos) if is_number(qos) else 0,  # type: ignore[arg-type]
        retain=options.get("retain") is True,
    )


def _check_consistency(
    domain: Domain, options: Mapping[str, Scalar], topics: Mapping[str, str]
) -> None:
    pairs = (
        ("min_temp", "max_temp"),
        ("min_humidity", "max_humidity"),
        ("speed_range_min", "speed_range_max"),
        ("min_mireds", "max_mireds"),
    )
    for low, high in pairs:
        a, b = options.get(low), options.get(high)
        if is_number(a) and is_number(b) and a >= b:  # type: ignore[operator]
            msg = f"{low} ({a}) must be below {high} ({b})"
            raise RejectedError(Rejection.BAD_CONFIG, msg, field=low)
    if options.get("position_open", 100) == options.get("position_closed", 0):
        msg = "position_open and position_closed must differ"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="position_open")
    needs_state = domain in {Domain.SENSOR, Domain.BINARY_SENSOR}
    if needs_state and "state_topic" not in topics:
        msg = f"a {domain} needs a state_topic"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="state_topic")
    if domain is Domain.CLIMATE or domain is Domain.WATER_HEATER:
        return
    commands = domain not in {Domain.SENSOR, Domain.BINARY_SENSOR}
    if commands and "command_topic" not in topics and domain is not Domain.LIGHT:
        msg = f"a {domain} needs a command_topic"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="command_topic")
    if domain is Domain.LIGHT and "command_topic" not in topics:
        msg = "a light needs a command_topic"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="command_topic")


def _availability(
    data: Mapping[str, JsonValue],
    topics: dict[str, str],
    templates: dict[str, ValueTemplate],
    options: Mapping[str, Scalar],
    base: JsonValue,
) -> tuple[Availability, ...]:
    on = options.get("payload_available", "online")
    off = options.get("payload_not_available", "offline")
    found: list[Availability] = []
    single = topics.pop("availability_topic", None)
    if single is not None:
        found.append(
            Availability(
                topic=single,
                payload_available=str(on),
                payload_not_available=str(off),
                template=templates.pop("availability_template", None),
            )
        )
    entries = data.get("availability")
    if entries is None:
        return tuple(found)
    if not isinstance(entries, list) or len(entries) > 16:
        msg = "availability must be a list of at most 16 entries"
        raise RejectedError(Rejection.BAD_CONFIG, msg, field="availability")
    for raw in entries:
        entry = _expand(
            json_object(raw, what="an availability entry"), AVAILABILITY_ABBREVIATIONS
        )
        topic = entry.get("topic")
        if not isinstance(topic, str):
            msg = "an availability entry needs a topic"
            raise RejectedError(Rejection.BAD_CONFIG, msg, field="availability")
        tpl = entry.get("value_template")
        if tpl is not None and not isinstance(tpl, str):
            msg = "availability value_template must be text"
            raise RejectedError(Rejection.BAD_CONFIG, msg, field="availability")
        found.append(
            Availability(
                topic=_base(
                    topic, base if isinstance(base, str) else None, "availability"
                ),
                payload_available=str(entry.get("payload_available", "online")),
                payload_not_available=str(
                    entry.get("payload_not_available", "offline")
                ),
                template=ValueTemplate.parse(tpl) if tpl is not None else None,
            )
        )
    return tuple(found)


def _device(raw: JsonValue) -> DeviceInfo:
    if not isinstance(raw, dict):
        return DeviceInfo()
    data = _expand(raw, DEVICE_ABBREVIATIONS)
    ids = data.get("identifiers")
    identifiers: tuple[str, ...] = ()
    if isinstance(ids, str):
        identifiers = (ids,)
    elif isinstance(ids, list):
        identifiers = tuple(str(i) for i in ids[:16] if isinstance(i, str | int))

    def text(name: str) -> str | None:
        value = data.get(name)
        return value[:256] if isinstance(value, str) else None

    return DeviceInfo(
        identifiers=identifiers,
        name=text("name"),
        manufacturer=text("manufacturer"),
        model=text("model"),
        suggested_area=text("suggested_area"),
    )


def object_id_of(text: str) -> str:
    """Return text as an object id: lower case, ``[a-z0-9_]`` ("Kitchen Light" -> "kitchen_light")."""
    return _OBJECT.sub("_", text.strip().lower()).strip("_")


def _candidates(
    domain: Domain, topic_object: str, options: Mapping[str, Scalar]
) -> tuple[str, ...]:
    found: list[str] = []
    entity_id = options.get("default_entity_id")
    if isinstance(entity_id, str) and entity_id:
        found.append(
            entity_id if "." in entity_id else f"{domain}.{object_id_of(entity_id)}"
        )
    object_id = options.get("object_id")
    if isinstance(object_id, str) and object_id:
        found.append(f"{domain}.{object_id_of(object_id)}")
    unique_id = options.get("unique_id")
    if isinstance(unique_id, str) and unique_id.startswith(f"{domain}."):
        found.append(unique_id)
    found.append(f"{domain}.{object_id_of(topic_object)}")
    return tuple(dict.fromkeys(found))


def bind_entity(entity: DiscoveredEntity, home: Home) -> str:
    """Return the id of the site's device an entity is.

    Args:
        entity: The announced entity.
        home: The site.

    Returns:
        The device id.

    Raises:
        RejectedError: ``TYPE_MISMATCH`` when a candidate id names a device of
            another type, or the config's entity id names another type;
            ``UNKNOWN_DEVICE`` when the site file has none of the candidates.
    """
    for candidate in entity.candidates:
        domain_part = candidate.split(".", 1)[0]
        if domain_part != entity.component:
            msg = f"a {entity.component} config names {candidate}"
            raise RejectedError(Rejection.TYPE_MISMATCH, msg, field="default_entity_id")
        if home.has_device(candidate):
            device = home.device(candidate)
            if (
                device.type is not entity.component
            ):  # pragma: no cover - ids carry the type
                msg = f"{candidate} is a {device.type}, the config says {entity.component}"
                raise RejectedError(Rejection.TYPE_MISMATCH, msg)
            return candidate
    for candidate in entity.candidates:
        object_part = candidate.split(".", 1)[-1]
        for other in Domain:
            if other is not entity.component and home.has_device(
                f"{other}.{object_part}"
            ):
                msg = f"a {entity.component} config for {other}.{object_part}"
                raise RejectedError(Rejection.TYPE_MISMATCH, msg, field="platform")
    msg = f"the site file has none of {', '.join(entity.candidates)}"
    raise RejectedError(Rejection.UNKNOWN_DEVICE, msg)
