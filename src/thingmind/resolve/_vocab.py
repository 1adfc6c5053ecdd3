"""Word tables: kinds of device, places, attributes, numbers, levels, units and modes.

Everything language-specific the resolver knows lives here as data, so that a new word
is a new row, not a new branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from thingmind.core import Domain

if TYPE_CHECKING:
    from collections.abc import Mapping

_D = Domain


@dataclass(frozen=True, slots=True, kw_only=True)
class KindPart:
    """One way a device can be of a kind: all given conditions hold."""

    domain: Domain | None = None
    """Its type, or None for any type."""
    classes: frozenset[str] | None = None
    """Allowed device classes, or None for any."""
    exclude: frozenset[str] = frozenset()
    """Device classes that do not count."""
    name_words: frozenset[str] | None = None
    """Words (singular) one of which must be in the device's names, or None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind:
    """A kind of device people name by a common noun ("lights", "pumps")."""

    key: str
    """Its key in :data:`KINDS`."""
    noun: str
    """The plural noun used in answers ("lights")."""
    parts: tuple[KindPart, ...]
    """A device is of this kind when any part matches it."""
    fallback: str | None = None
    """The kind meant instead when none of this kind can serve ("alarms" on a site
    without an alarm panel are its fault sensors; "water" asked about is a leak)."""


def _kind(
    key: str, noun: str, *parts: KindPart, fallback: str | None = None
) -> tuple[str, Kind]:
    return key, Kind(key=key, noun=noun, parts=parts, fallback=fallback)


def _p(
    domain: Domain | None = None,
    classes: tuple[str, ...] | None = None,
    *,
    exclude: tuple[str, ...] = (),
    words: tuple[str, ...] | None = None,
) -> KindPart:
    return KindPart(
        domain=domain,
        classes=None if classes is None else frozenset(classes),
        exclude=frozenset(exclude),
        name_words=None if words is None else frozenset(words),
    )


_DOOR_COVERS = ("garage", "door", "gate", "shutter")

KINDS: Mapping[str, Kind] = MappingProxyType(
    dict(
        [
            _kind("light", "lights", _p(_D.LIGHT)),
            _kind(
                "plug",
                "plugs",
                _p(_D.SWITCH, ("outlet",)),
                _p(_D.SWITCH, words=("plug", "socket", "outlet")),
            ),
            _kind("switch", "switches", _p(_D.SWITCH)),
            _kind("fan", "fans", _p(_D.FAN)),
            _kind("extractor", "extractors", _p(words=("extractor",))),
            _kind("pump", "pumps", _p(words=("pump",))),
            _kind("conveyor", "conveyors", _p(words=("conveyor",))),
            _kind("heater", "heaters", _p(words=("heater",))),
            _kind("machine", "machines", _p(words=("machine",))),
            _kind("blind", "blinds", _p(_D.COVER, exclude=(*_DOOR_COVERS, "window"))),
            _kind("shutter", "shutters", _p(_D.COVER, ("shutter",))),
            _kind("cover", "covers", _p(_D.COVER)),
            _kind(
                "door",
                "doors",
                _p(_D.LOCK),
                _p(_D.COVER, _DOOR_COVERS),
                _p(_D.BINARY_SENSOR, ("door", "garage_door", "opening")),
                _p(words=("door",)),
            ),
            _kind("lock", "locks", _p(_D.LOCK)),
            _kind(
                "window",
                "windows",
                _p(_D.BINARY_SENSOR, ("window",)),
                _p(_D.COVER, ("window",)),
                _p(words=("window",)),
            ),
            _kind("climate", "thermostats", _p(_D.CLIMATE)),
            _kind("heating", "heating", _p(_D.CLIMATE)),
            _kind(
                "tv",
                "TVs",
                _p(_D.MEDIA_PLAYER, ("tv",)),
                _p(_D.MEDIA_PLAYER, words=("tv", "telly", "television")),
            ),
            _kind(
                "speaker",
                "speakers",
                _p(_D.MEDIA_PLAYER, ("speaker",)),
                _p(_D.MEDIA_PLAYER, words=("speaker", "sonos")),
            ),
            _kind("media", "media players", _p(_D.MEDIA_PLAYER)),
            _kind("vacuum", "vacuums", _p(_D.VACUUM)),
            _kind("alarm", "alarms", _p(_D.ALARM_CONTROL_PANEL), fallback="fault"),
            _kind("valve", "valves", _p(_D.VALVE)),
            _kind(
                "gas",
                "gas valves",
                _p(_D.VALVE, ("gas",)),
                _p(_D.VALVE, words=("gas",)),
            ),
            _kind(
                "water",
                "water valves",
                _p(_D.VALVE, ("water",)),
                _p(_D.VALVE, words=("water", "watering", "sprinkler", "irrigation")),
                fallback="leak",
            ),
            _kind("humidifier", "humidifiers", _p(_D.HUMIDIFIER)),
            _kind("water_heater", "water heaters", _p(_D.WATER_HEATER)),
            _kind("scene", "scenes", _p(_D.SCENE)),
            _kind("sensor", "sensors", _p(_D.SENSOR), _p(_D.BINARY_SENSOR)),
            _kind(
                "temperature",
                "temperature sensors",
                _p(_D.SENSOR, ("temperature",)),
                _p(_D.SENSOR, words=("temperature", "temp")),
                _p(_D.CLIMATE),
            ),
            _kind(
                "humidity",
                "humidity sensors",
                _p(_D.SENSOR, ("humidity",)),
                _p(_D.SENSOR, words=("humidity",)),
            ),
            _kind(
                "motion",
                "motion sensors",
                _p(_D.BINARY_SENSOR, ("motion", "occupancy", "presence")),
                _p(_D.BINARY_SENSOR, words=("motion", "presence", "occupancy", "pir")),
            ),
            _kind(
                "smoke",
                "smoke detectors",
                _p(_D.BINARY_SENSOR, ("smoke",)),
                _p(_D.BINARY_SENSOR, words=("smoke",)),
            ),
            _kind(
                "leak",
                "leak sensors",
                _p(_D.BINARY_SENSOR, ("moisture",)),
                _p(_D.BINARY_SENSOR, words=("leak", "flood")),
            ),
            _kind(
                "fault",
                "fault sensors",
                _p(_D.BINARY_SENSOR, ("problem",)),
                _p(_D.BINARY_SENSOR, words=("fault", "problem", "error")),
            ),
            _kind(
                "co2",
                "CO2 sensors",
                _p(_D.SENSOR, ("carbon_dioxide", "co2")),
                _p(_D.SENSOR, words=("co2",)),
            ),
            _kind(
                "pressure",
                "pressure sensors",
                _p(_D.SENSOR, ("pressure",)),
                _p(_D.SENSOR, words=("pressure",)),
            ),
            _kind(
                "power",
                "power sensors",
                _p(_D.SENSOR, ("power", "energy", "current")),
                _p(_D.SENSOR, words=("power", "meter")),
            ),
            _kind(
                "vibration",
                "vibration sensors",
                _p(_D.SENSOR, ("vibration",)),
                _p(_D.SENSOR, words=("vibration",)),
            ),
            _kind("openable", "covers and valves", _p(_D.COVER), _p(_D.VALVE)),
            _kind("everything", "devices"),
        ]
    )
)
"""Every kind, by key. ``everything`` is special: its members depend on the intent."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KindWord:
    """A word or phrase that names a kind."""

    kind: str
    """The key in :data:`KINDS`."""
    plural: bool
    """True for plural nouns ("lights"), which never ask which one."""
    narrow: str | None = None
    """A name word: where some candidates' names contain it, only those are meant."""


def _words(
    kind: str, singular: str, plural: str | None = None, narrow: str | None = None
) -> list[tuple[str, KindWord]]:
    out = [(singular, KindWord(kind=kind, plural=False, narrow=narrow))]
    out.append(
        (plural or singular + "s", KindWord(kind=kind, plural=True, narrow=narrow))
    )
    return out


KIND_WORDS: Mapping[str, KindWord] = MappingProxyType(
    dict(
        [
            *_words("light", "light"),
            *_words("light", "lamp", narrow="lamp"),
            *_words("light", "bulb"),
            *_words("light", "lightbulb"),
            *_words("light", "lighting", "lightings"),
            *_words("light", "ceiling light", narrow="ceiling"),
            *_words("light", "spotlight", narrow="spotlight"),
            *_words("light", "spot", narrow="spot"),
            *_words("plug", "plug"),
            *_words("plug", "socket"),
            *_words("plug", "outlet"),
            *_words("plug", "smart plug"),
            *_words("plug", "smart socket"),
            *_words("plug", "plug socket"),
            *_words("switch", "switch", "switches"),
            *_words("fan", "fan"),
            *_words("fan", "ceiling fan", narrow="ceiling"),
            *_words("extractor", "extractor"),
            *_words("extractor", "extractor fan"),
            *_words("pump", "pump"),
            *_words("conveyor", "conveyor"),
            *_words("conveyor", "belt"),
            *_words("heater", "heater"),
            *_words("blind", "blind"),
            *_words("blind", "shade"),
            *_words("blind", "curtain"),
            *_words("shutter", "shutter"),
            *_words("shutter", "roller door"),
            *_words("door", "door"),
            *_words("door", "garage door", narrow="garage"),
            *_words("lock", "lock"),
            *_words("lock", "door lock"),
            *_words("window", "window"),
            *_words("climate", "thermostat", narrow="thermostat"),
            *_words("climate", "climate", "climates"),
            *_words("climate", "climate unit"),
            *_words("climate", "ac", "acs"),
            *_words("climate", "aircon", "aircons"),
            *_words("climate", "air con", "air cons"),
            *_words("climate", "air conditioner"),
            *_words("climate", "air conditioning", "air conditionings"),
            *_words("climate", "hvac", "hvacs"),
            *_words("heating", "heating", "heatings"),
            *_words("tv", "tv", "tvs"),
            *_words("tv", "telly", "tellies"),
            *_words("tv", "television"),
            *_words("speaker", "speaker"),
            *_words("media", "music", "musics"),
            *_words("media", "media player"),
            *_words("media", "stereo"),
            *_words("media", "radio"),
            *_words("vacuum", "vacuum"),
            *_words("vacuum", "vacuum cleaner"),
            *_words("vacuum", "robot vacuum"),
            *_words("vacuum", "robot vacuum cleaner"),
            *_words("vacuum", "robot"),
            *_words("vacuum", "roomba"),
            *_words("vacuum", "hoover"),
            *_words("vacuum", "cleaner"),
            *_words("alarm", "alarm"),
            *_words("alarm", "burglar alarm"),
            *_words("alarm", "alarm system"),
            *_words("alarm", "security system"),
            *_words("valve", "valve"),
            *_words("valve", "tap"),
            *_words("gas", "gas", "gases"),
            *_words("gas", "gas supply"),
            *_words("water", "water", "waters"),
            *_words("water", "water supply"),
            *_words("water", "watering", "waterings"),
            *_words("water", "sprinkler"),
            *_words("water", "irrigation", "irrigations"),
            *_words("humidifier", "humidifier"),
            *_words("water_heater", "water heater"),
            *_words("water_heater", "hot water", "hot waters"),
            *_words("water_heater", "immersion"),
            *_words("scene", "scene"),
            *_words("sensor", "sensor"),
            *_words("sensor", "detector"),
            *_words("motion", "motion", "motions"),
            *_words("motion", "movement"),
            *_words("motion", "motion sensor"),
            *_words("motion", "presence", "presences"),
            *_words("motion", "occupancy", "occupancies"),
            *_words("motion", "person", "people"),
            ("anyone", KindWord(kind="motion", plural=True)),
            ("anybody", KindWord(kind="motion", plural=True)),
            ("someone", KindWord(kind="motion", plural=True)),
            ("somebody", KindWord(kind="motion", plural=True)),
            *_words("smoke", "smoke", "smokes"),
            *_words("smoke", "smoke detector"),
            *_words("smoke", "smoke alarm"),
            *_words("smoke", "fire", "fires"),
            *_words("leak", "leak"),
            *_words("leak", "water leak"),
            *_words("leak", "flood"),
            *_words("leak", "leak sensor"),
            *_words("leak", "leak detector"),
            *_words("leak", "moisture sensor"),
            *_words("fault", "fault"),
            *_words("fault", "machine fault"),
            *_words("fault", "problem"),
            *_words("fault", "error"),
            *_words("fault", "alert"),
            *_words("fault", "fault sensor"),
            *_words("fault", "problem sensor"),
            *_words("machine", "machine"),
            *_words("everything", "everything", "everythings"),
            *_words("everything", "device"),
            *_words("everything", "thing"),
            *_words("everything", "appliance"),
            *_words("everything", "stuff", "stuffs"),
        ]
    )
)
"""Noun phrases (normalized, see ``_text.tokens``) that name a kind of device."""

ATTRIBUTE_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "temperature": "temperature",
        "temperatures": "temperature",
        "temp": "temperature",
        "temps": "temperature",
        "warm": "temperature",
        "warmth": "temperature",
        "hot": "temperature",
        "cold": "temperature",
        "degrees": "temperature",
        "humidity": "humidity",
        "humid": "humidity",
        "moisture": "humidity",
        "brightness": "brightness",
        "bright": "brightness",
        "intensity": "brightness",
        "dim": "brightness",
        "volume": "volume",
        "loud": "volume",
        "sound": "volume",
        "position": "position",
        "far open": "position",
        "speed": "speed",
        "fan speed": "speed",
        "colour": "color",
        "color": "color",
        "colours": "color",
        "colors": "color",
        "mode": "mode",
        "setting": "mode",
        "pressure": "pressure",
        "power": "power",
        "usage": "power",
        "consumption": "power",
        "watts": "power",
        "draw": "power",
        "drawing": "power",
        "load": "power",
        "vibration": "vibration",
        "vibrations": "vibration",
        "co2": "co2",
        "carbon dioxide": "co2",
        "co 2": "co2",
        "air quality": "co2",
        "reading": "reading",
        "readings": "reading",
        "level": "reading",
        "levels": "reading",
        "value": "reading",
        "values": "reading",
        "status": "reading",
        "amount": "reading",
        "number": "reading",
        "measurement": "reading",
        "measurements": "reading",
        "figure": "reading",
        "figures": "reading",
        "settings": "mode",
    }
)
"""Words for a property of a device, by normalized phrase, to an attribute key."""

GENERIC_ATTRIBUTE_WORDS: frozenset[str] = frozenset(
    {
        "reading",
        "readings",
        "level",
        "levels",
        "value",
        "values",
        "setting",
        "settings",
        "status",
        "usage",
        "amount",
        "number",
        "measurement",
        "measurements",
        "figure",
        "figures",
    }
)
"""Attribute words that name no property of their own: a specific attribute said with
them wins ("vibration reading" is vibration, "power usage" is power)."""

GENERIC_ATTRIBUTE = "reading"
"""The attribute key of "reading", "level", "value": any sensor's value."""

ATTRIBUTE_UNITS: Mapping[str, str] = MappingProxyType(
    {
        "°c": "temperature",
        "°f": "temperature",
        "c": "temperature",
        "f": "temperature",
        "k": "temperature",
        "bar": "pressure",
        "mbar": "pressure",
        "psi": "pressure",
        "pa": "pressure",
        "hpa": "pressure",
        "kpa": "pressure",
        "w": "power",
        "kw": "power",
        "kwh": "power",
        "wh": "power",
        "a": "power",
        "va": "power",
        "ppm": "co2",
        "mm/s": "vibration",
        "in/s": "vibration",
        "g": "vibration",
    }
)
"""Sensor units (case-folded) to the attribute they measure."""

CLASS_ATTRIBUTE: Mapping[str, str] = MappingProxyType(
    {
        "temperature": "temperature",
        "humidity": "humidity",
        "pressure": "pressure",
        "atmospheric_pressure": "pressure",
        "power": "power",
        "energy": "power",
        "current": "power",
        "voltage": "power",
        "apparent_power": "power",
        "carbon_dioxide": "co2",
        "co2": "co2",
        "vibration": "vibration",
    }
)
"""Sensor device classes to the attribute they measure."""

ATTRIBUTE_SENSOR_KIND: Mapping[str, str] = MappingProxyType(
    {
        "temperature": "temperature",
        "humidity": "humidity",
        "pressure": "pressure",
        "power": "power",
        "vibration": "vibration",
        "co2": "co2",
    }
)
"""Attributes a sensor reports, to the kind of sensor that answers them."""

ATTRIBUTE_KEYS: Mapping[str, Mapping[Domain, str]] = MappingProxyType(
    {
        "temperature": {
            _D.CLIMATE: "target_temperature",
            _D.WATER_HEATER: "target_temperature",
        },
        "humidity": {_D.HUMIDIFIER: "target_humidity"},
        "brightness": {_D.LIGHT: "brightness"},
        "volume": {_D.MEDIA_PLAYER: "volume"},
        "position": {_D.COVER: "position", _D.VALVE: "position"},
        "speed": {_D.FAN: "percentage"},
        "color": {_D.LIGHT: "color"},
        "mode": {_D.CLIMATE: "hvac_mode", _D.ALARM_CONTROL_PANEL: "state"},
    }
)
"""Attributes a command can set, per type, to the state key."""

DEFAULT_LEVEL_KEY: Mapping[Domain, str] = MappingProxyType(
    {
        _D.LIGHT: "brightness",
        _D.FAN: "percentage",
        _D.COVER: "position",
        _D.VALVE: "position",
        _D.MEDIA_PLAYER: "volume",
        _D.HUMIDIFIER: "target_humidity",
        _D.CLIMATE: "target_temperature",
        _D.WATER_HEATER: "target_temperature",
    }
)
"""The key a bare level ("to 50", "up") changes on each type."""

ATTRIBUTE_KIND: Mapping[str, str] = MappingProxyType(
    {
        "brightness": "light",
        "color": "light",
        "volume": "media",
        "speed": "fan",
        "position": "cover",
        "mode": "climate",
        "temperature": "heating",
        "humidity": "humidifier",
    }
)
"""The kind a command with an attribute and no device means ("turn up the volume")."""

SCOPE_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "here": "here",
        "in here": "here",
        "this room": "here",
        "this rooms": "here",
        "room": "here",
        "rooms": "here",
        "my room": "here",
        "current room": "here",
        "same room": "here",
        "down here": "here",
        "up here": "here",
        "in this room": "here",
        "house": "indoor",
        "houses": "indoor",
        "home": "indoor",
        "homes": "indoor",
        "whole house": "indoor",
        "entire house": "indoor",
        "flat": "indoor",
        "apartment": "indoor",
        "apartments": "indoor",
        "inside": "indoor",
        "indoors": "indoor",
        "indoor": "indoor",
        "interior": "indoor",
        "outside": "outdoor",
        "outdoors": "outdoor",
        "outdoor": "outdoor",
        "exterior": "outdoor",
        "outside of house": "outdoor",
        "everywhere": "everywhere",
        "anywhere": "everywhere",
        "site": "everywhere",
        "on site": "everywhere",
        "whole site": "everywhere",
        "whole place": "everywhere",
        "all rooms": "everywhere",
        "every room": "everywhere",
        "throughout": "everywhere",
        "plant": "everywhere",
        "building": "everywhere",
    }
)
"""Place words that are not area names: the speaker's room, indoors, outdoors, all."""

FILLER_WORDS: frozenset[str] = frozenset(
    {
        "the",
        "a",
        "an",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "all",
        "every",
        "each",
        "both",
        "some",
        "any",
        "ones",
        "that",
        "those",
        "these",
        "just",
        "only",
        "please",
        "s",
        "and",
        "by",
        "with",
        "its",
        "thats",
        "whats",
        "is",
        "are",
        "which",
        "new",
        "whole",
        "entire",
        "other",
        "main",
        "big",
    }
)
"""Words that carry no meaning inside a device or place phrase."""

DETERMINERS: frozenset[str] = frozenset(
    {"the", "a", "an", "my", "our", "your", "his", "her", "their", "some", "any", "s"}
)
"""Words that only introduce a noun phrase; a span of nothing else names nothing."""

DEMONSTRATIVES: frozenset[str] = frozenset({"this", "that", "these", "those"})
"""Determiners that can also stand alone for the previous clause's devices."""

KIND_REFERENCES: frozenset[str] = frozenset({"one", "ones"})
"""Words that stand for the clause's kind of device ("the one on line 2")."""

GENERIC_QUALIFIERS: frozenset[str] = frozenset(
    {
        "equipment",
        "system",
        "systems",
        "safety",
        "production",
        "process",
        "active",
        "current",
        "reported",
        "open",
        "new",
        "possible",
    }
)
"""Words that qualify a kind without naming any device or place ("equipment faults")."""

PRONOUNS: frozenset[str] = frozenset(
    {
        "it",
        "them",
        "they",
        "that",
        "those",
        "these",
        "this",
        "ones",
        "one",
        "same",
        "that one",
        "this one",
        "the one",
        "the ones",
        "the same",
        "both of them",
        "all of them",
        "them all",
        "both",
        "its",
        "it s",
    }
)
"""Phrases that refer back to the previous clause's devices."""

NUMBER_WORDS: Mapping[str, int] = MappingProxyType(
    {
        "zero": 0,
        "oh": 0,
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "thirteen": 13,
        "fourteen": 14,
        "fifteen": 15,
        "sixteen": 16,
        "seventeen": 17,
        "eighteen": 18,
        "nineteen": 19,
    }
)
"""Number words below twenty."""

TENS_WORDS: Mapping[str, int] = MappingProxyType(
    {
        "twenty": 20,
        "thirty": 30,
        "forty": 40,
        "fourty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
    }
)
"""Multiples of ten."""

LEVEL_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "max": "max",
        "maximum": "max",
        "full": "max",
        "fully": "max",
        "full speed": "max",
        "full power": "max",
        "full blast": "max",
        "all the way": "max",
        "all the way up": "max",
        "highest": "max",
        "top": "max",
        "high": "max",
        "completely": "max",
        "full brightness": "max",
        "full volume": "max",
        "half": "half",
        "halfway": "half",
        "half way": "half",
        "middle": "half",
        "half open": "half",
        "fifty fifty": "half",
        "min": "min",
        "minimum": "min",
        "lowest": "min",
        "low": "min",
        "all the way down": "min",
        "bottom": "min",
    }
)
"""Level words, to "max", "half" or "min"."""

AMOUNT_WORDS: Mapping[str, float] = MappingProxyType(
    {
        "a little": 0.5,
        "little": 0.5,
        "a bit": 0.5,
        "bit": 0.5,
        "slightly": 0.5,
        "a touch": 0.5,
        "touch": 0.5,
        "a tad": 0.5,
        "tad": 0.5,
        "a little bit": 0.5,
        "little bit": 0.5,
        "a smidge": 0.5,
        "a notch": 0.5,
        "notch": 0.5,
        "a lot": 2.0,
        "lot": 2.0,
        "way": 2.0,
        "much": 2.0,
        "loads": 2.0,
    }
)
"""Size words, to a factor of the default step."""

PERCENT_UNITS: frozenset[str] = frozenset(
    {"percent", "per cent", "%", "pct", "percentage"}
)
CELSIUS_UNITS: frozenset[str] = frozenset(
    {
        "c",
        "celsius",
        "centigrade",
        "degrees c",
        "degrees celsius",
        "degree celsius",
        "degrees centigrade",
        "°c",
        "deg c",
    }
)
FAHRENHEIT_UNITS: frozenset[str] = frozenset(
    {
        "f",
        "fahrenheit",
        "farenheit",
        "degrees f",
        "degrees fahrenheit",
        "degree fahrenheit",
        "°f",
        "deg f",
    }
)
DEGREE_UNITS: frozenset[str] = frozenset({"degree", "degrees", "deg", "°"})

HVAC_MODE_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "heat": "heat",
        "heating": "heat",
        "warm": "heat",
        "cool": "cool",
        "cooling": "cool",
        "cold": "cool",
        "ac": "cool",
        "auto": "auto",
        "automatic": "auto",
        "heat cool": "heat_cool",
        "heat and cool": "heat_cool",
        "heat_cool": "heat_cool",
        "dry": "dry",
        "dehumidify": "dry",
        "fan": "fan_only",
        "fan only": "fan_only",
        "fan_only": "fan_only",
        "off": "off",
    }
)
"""Climate mode words, to Home Assistant's hvac_mode."""

ALARM_MODE_SERVICES: Mapping[str, str] = MappingProxyType(
    {
        "away": "alarm_arm_away",
        "armed away": "alarm_arm_away",
        "out": "alarm_arm_away",
        "leaving": "alarm_arm_away",
        "full": "alarm_arm_away",
        "vacation": "alarm_arm_away",
        "home": "alarm_arm_home",
        "stay": "alarm_arm_home",
        "night": "alarm_arm_home",
        "armed home": "alarm_arm_home",
        "sleep": "alarm_arm_home",
        "partial": "alarm_arm_home",
        "at home": "alarm_arm_home",
    }
)
"""Alarm mode words, to the arming service."""
