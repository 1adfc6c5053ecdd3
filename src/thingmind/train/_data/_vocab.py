"""Word tables: kind words, attributes, states, values and the plain-word vocabulary.

Everything here is data. The generator draws from these tables; adding a synonym is
adding a string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    import random

# --------------------------------------------------------------------------- numbers

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = [
    "_",
    "_",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
]


def number_words(n: int) -> str:
    """Spell a whole number from 0 to 999 in English words ("twenty one").

    Args:
        n: The number.

    Returns:
        The words, separated by spaces.

    Raises:
        ValueError: When ``n`` is out of range.
    """
    if not 0 <= n <= 999:
        msg = f"cannot spell {n}"
        raise ValueError(msg)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] if ones == 0 else f"{_TENS[tens]} {_ONES[ones]}"
    hundreds, rest = divmod(n, 100)
    head = f"{_ONES[hundreds]} hundred"
    return head if rest == 0 else f"{head} and {number_words(rest)}"


def say_number(value: float, rng: random.Random, *, words: float = 0.3) -> str:
    """Write a number as digits or, with probability ``words``, as English words.

    Args:
        value: The number; halves are kept ("21.5", "twenty one point five").
        rng: The random source.
        words: Probability of words.

    Returns:
        The number as text.
    """
    whole = int(value)
    frac = round((value - whole) * 10)
    if rng.random() < words and 0 <= whole <= 999:
        text = number_words(whole)
        if whole == 100 and rng.random() < 0.5:
            text = rng.choice(["a hundred", "one hundred"])
        return f"{text} point {_ONES[frac]}" if frac else text
    return f"{whole}.{frac}" if frac else str(whole)


# --------------------------------------------------------------------------- kinds

KindWords = tuple[tuple[str, str], ...]
"""(singular, plural) kind words."""

TYPE_KINDS: Mapping[str, KindWords] = {
    "light": (
        ("light", "lights"),
        ("lamp", "lamps"),
        ("light", "lighting"),
        ("bulb", "bulbs"),
        ("light", "lights"),
    ),
    "switch": (("switch", "switches"), ("plug", "plugs"), ("socket", "sockets")),
    "switch/outlet": (
        ("plug", "plugs"),
        ("socket", "sockets"),
        ("outlet", "outlets"),
        ("smart plug", "smart plugs"),
        ("power point", "power points"),
    ),
    "fan": (("fan", "fans"), ("fan", "fans"), ("extractor", "extractors")),
    "climate": (
        ("thermostat", "thermostats"),
        ("heating", "heating"),
        ("heater", "heaters"),
        ("aircon", "aircon"),
        ("air conditioning", "air conditioning"),
        ("ac", "ac units"),
        ("radiator", "radiators"),
        ("heat", "heat"),
        ("hvac", "hvac"),
        ("heat pump", "heat pumps"),
    ),
    "cover": (
        ("blind", "blinds"),
        ("shade", "shades"),
        ("curtain", "curtains"),
        ("shutter", "shutters"),
    ),
    "cover/garage": (("garage door", "garage doors"), ("garage", "garage doors")),
    "cover/door": (("roller door", "roller doors"), ("door", "doors")),
    "cover/gate": (("gate", "gates"),),
    "cover/awning": (("awning", "awnings"),),
    "cover/window": (("window", "windows"), ("skylight", "skylights")),
    "valve": (
        ("valve", "valves"),
        ("tap", "taps"),
        ("water valve", "water valves"),
    ),
    "valve/water": (
        ("water", "water"),
        ("sprinkler", "sprinklers"),
        ("irrigation", "irrigation"),
    ),
    "valve/gas": (("gas", "gas"), ("gas valve", "gas valves")),
    "lock": (("lock", "locks"), ("door", "doors"), ("door lock", "door locks")),
    "media_player": (
        ("speaker", "speakers"),
        ("music", "music"),
        ("media player", "media players"),
    ),
    "media_player/tv": (("tv", "tvs"), ("telly", "tellies"), ("television", "tvs")),
    "media_player/speaker": (
        ("speaker", "speakers"),
        ("radio", "radios"),
        ("stereo", "stereos"),
        ("music", "music"),
    ),
    "vacuum": (
        ("vacuum", "vacuums"),
        ("hoover", "hoovers"),
        ("robot vacuum", "robot vacuums"),
        ("robot", "robots"),
        ("cleaner", "cleaners"),
    ),
    "alarm_control_panel": (
        ("alarm", "alarms"),
        ("alarm system", "alarm systems"),
        ("security system", "security systems"),
        ("burglar alarm", "burglar alarms"),
    ),
    "humidifier": (("humidifier", "humidifiers"),),
    "water_heater": (
        ("water heater", "water heaters"),
        ("boiler", "boilers"),
        ("hot water", "hot water"),
        ("immersion", "immersions"),
    ),
    "sensor": (("sensor", "sensors"),),
    "sensor/temperature": (
        ("thermometer", "thermometers"),
        ("temperature sensor", "temperature sensors"),
    ),
    "binary_sensor": (("sensor", "sensors"),),
    "binary_sensor/door": (("door", "doors"), ("door sensor", "door sensors")),
    "binary_sensor/garage_door": (("garage door", "garage doors"),),
    "binary_sensor/window": (
        ("window", "windows"),
        ("window sensor", "window sensors"),
    ),
    "binary_sensor/opening": (("door", "doors"), ("window", "windows")),
    "binary_sensor/motion": (
        ("motion sensor", "motion sensors"),
        ("motion detector", "motion detectors"),
        ("pir", "pirs"),
    ),
    "binary_sensor/occupancy": (
        ("presence sensor", "presence sensors"),
        ("occupancy sensor", "occupancy sensors"),
    ),
    "binary_sensor/smoke": (
        ("smoke alarm", "smoke alarms"),
        ("smoke detector", "smoke detectors"),
    ),
    "binary_sensor/moisture": (
        ("leak sensor", "leak sensors"),
        ("water sensor", "water sensors"),
        ("flood sensor", "flood sensors"),
    ),
    "binary_sensor/gas": (
        ("gas detector", "gas detectors"),
        ("gas alarm", "gas alarms"),
    ),
    "binary_sensor/carbon_monoxide": (
        ("co alarm", "co alarms"),
        ("carbon monoxide alarm", "carbon monoxide alarms"),
    ),
    "binary_sensor/vibration": (("vibration sensor", "vibration sensors"),),
    "binary_sensor/problem": (("fault", "faults"), ("alarm", "alarms")),
    "scene": (("scene", "scenes"),),
}

PHENOMENA: Mapping[str, tuple[str, ...]] = {
    "motion": ("motion", "movement", "anyone", "someone", "anybody"),
    "occupancy": ("anyone", "someone", "anybody"),
    "smoke": ("smoke", "a fire"),
    "moisture": ("a leak", "water", "a water leak", "a flood"),
    "gas": ("gas", "a gas leak"),
    "carbon_monoxide": ("carbon monoxide",),
    "vibration": ("vibration",),
    "problem": ("a fault", "a problem"),
}
"""What a binary sensor detects, as said in "is there X in the kitchen?" (the target)."""


def kinds_for(type_: str, device_class: str | None) -> KindWords:
    """Return the kind words for a device type and class (class words first).

    Args:
        type_: The device type.
        device_class: The device class, or None.

    Returns:
        (singular, plural) pairs; never empty.
    """
    specific = TYPE_KINDS.get(f"{type_}/{device_class}") if device_class else None
    general = TYPE_KINDS.get(type_, (("device", "devices"),))
    if specific:
        if type_ in {"binary_sensor", "sensor", "cover", "media_player"}:
            return specific
        return specific + general
    return general


HEAD_NOUNS: frozenset[str] = frozenset(
    w
    for pairs in TYPE_KINDS.values()
    for pair in pairs
    for phrase in pair
    for w in phrase.split()
) | frozenset(
    [
        "conveyor",
        "conveyors",
        "pump",
        "pumps",
        "compressor",
        "compressors",
        "mixer",
        "press",
        "saw",
        "fridge",
        "freezer",
        "kettle",
        "oven",
        "dishwasher",
        "washer",
        "dryer",
        "machine",
        "motor",
        "feeder",
        "heater",
        "chiller",
        "boiler",
        "extractor",
        "light",
        "lamp",
        "lights",
        "tv",
        "fan",
        "blind",
        "blinds",
        "door",
        "gate",
        "valve",
        "lock",
        "speaker",
    ]
)
"""Common nouns of device names; a one-word name outside this set is a proper name."""

# --------------------------------------------------------------------------- attributes

ATTRIBUTE_WORDS: Mapping[str, tuple[str, ...]] = {
    "light": ("brightness", "brightness level", "light level"),
    "fan": ("speed", "fan speed"),
    "climate": ("temperature", "temp", "target temperature", "setpoint"),
    "cover": ("position",),
    "valve": ("position", "flow"),
    "media_player": ("volume", "volume", "sound", "sound level"),
    "humidifier": ("humidity", "target humidity", "humidity level"),
    "water_heater": ("temperature", "temp", "water temperature"),
}
"""The word for the value set_value changes, per type."""

SENSOR_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "temperature": ("temperature", "temp", "temperature reading"),
    "humidity": ("humidity", "humidity level", "relative humidity"),
    "power": ("power", "power usage", "power draw", "wattage", "load"),
    "energy": ("energy", "energy usage", "energy use", "consumption"),
    "carbon_dioxide": ("co2", "CO2", "co2 level", "carbon dioxide"),
    "pressure": ("pressure", "air pressure", "pressure reading"),
    "vibration": ("vibration", "vibration level"),
    "illuminance": ("light level", "lux", "brightness"),
    "battery": ("battery", "battery level", "charge"),
    "voltage": ("voltage",),
    "current": ("current", "amps", "amperage"),
    "pm25": ("air quality", "pm2.5", "particulates"),
    "moisture": ("moisture", "soil moisture", "moisture level"),
    "volume_flow_rate": ("flow", "flow rate"),
    "speed": ("speed", "rpm"),
    "distance": ("level", "distance"),
    "sound_pressure": ("noise", "noise level", "sound level"),
    "weight": ("weight",),
    "": ("reading", "value", "level"),
}
"""Sensor attribute words by device class ("" for any sensor)."""

# --------------------------------------------------------------------------- states

STATE_WORDS: Mapping[str, tuple[str, ...]] = {
    "light": ("on", "off", "on", "off", "lit"),
    "switch": ("on", "off", "running", "on", "off", "powered"),
    "fan": ("on", "off", "running", "spinning"),
    "climate": ("on", "off", "heating", "cooling", "running"),
    "cover": ("open", "closed", "shut", "open", "down", "up"),
    "valve": ("open", "closed", "shut", "on", "off"),
    "lock": ("locked", "unlocked", "locked", "secured", "open"),
    "media_player": ("playing", "on", "off", "paused", "muted"),
    "vacuum": ("cleaning", "docked", "running", "charging", "home"),
    "alarm_control_panel": ("armed", "disarmed", "set", "on", "triggered"),
    "humidifier": ("on", "off", "running"),
    "water_heater": ("on", "off", "heating"),
    "binary_sensor": ("on", "off", "triggered", "active"),
    "binary_sensor/door": ("open", "closed", "shut", "ajar"),
    "binary_sensor/garage_door": ("open", "closed", "up", "down"),
    "binary_sensor/window": ("open", "closed", "shut"),
    "binary_sensor/opening": ("open", "closed"),
    "binary_sensor/motion": ("detecting motion", "triggered", "active", "clear"),
    "binary_sensor/occupancy": ("occupied", "detecting presence", "clear"),
    "binary_sensor/smoke": ("triggered", "going off", "detecting smoke", "clear"),
    "binary_sensor/moisture": ("wet", "detecting water", "triggered", "dry"),
    "binary_sensor/gas": ("detecting gas", "triggered", "clear"),
    "binary_sensor/carbon_monoxide": ("triggered", "going off", "clear"),
    "binary_sensor/battery": ("low", "low on battery"),
    "binary_sensor/problem": ("reporting a fault", "triggered", "ok"),
    "binary_sensor/vibration": ("vibrating", "triggered"),
}
"""State words a question may ask about, by type or type/class."""

DETECT_STATES: tuple[str, ...] = ("detected", "present", "")
"""Ways to end "is there motion in the hall [detected]"."""


def states_for(type_: str, device_class: str | None) -> tuple[str, ...]:
    """Return the state words a question about such a device may use.

    Args:
        type_: The device type.
        device_class: The device class, or None.

    Returns:
        State words; never empty.
    """
    if device_class and f"{type_}/{device_class}" in STATE_WORDS:
        return STATE_WORDS[f"{type_}/{device_class}"]
    return STATE_WORDS.get(type_, ("on", "off"))


# --------------------------------------------------------------------------- values

COLORS: tuple[str, ...] = (
    "red",
    "green",
    "blue",
    "warm white",
    "cool white",
    "daylight",
    "purple",
    "pink",
    "orange",
    "yellow",
    "teal",
    "cyan",
    "magenta",
    "lavender",
    "amber",
    "white",
    "soft white",
    "turquoise",
    "lime",
    "violet",
    "gold",
    "crimson",
    "indigo",
    "light blue",
    "dark blue",
    "sky blue",
    "peach",
    "coral",
    "mint green",
    "salmon",
    "warm",
    "cold white",
    "candlelight",
    "sunset orange",
    "deep red",
    "aqua",
)

CLIMATE_MODES: tuple[str, ...] = (
    "heat",
    "cool",
    "auto",
    "dry",
    "fan only",
    "heat cool",
    "heating",
    "cooling",
    "automatic",
    "dehumidify",
    "eco",
    "off",
)

ALARM_MODES: tuple[str, ...] = ("away", "home", "night", "stay", "vacation", "away")

UNITS_PERCENT: tuple[str, ...] = ("percent", "%", "percent", "per cent", "", "", "%")
UNITS_C: tuple[str, ...] = (
    "degrees",
    "degrees",
    "",
    "",
    "degrees celsius",
    "celsius",
    "C",
    "°C",
    "degrees C",
    "°",
    "deg",
)
UNITS_F: tuple[str, ...] = (
    "degrees",
    "",
    "degrees fahrenheit",
    "fahrenheit",
    "F",
    "°F",
    "degrees F",
)

# Level phrases: "before|value|after" (the value words between the bars).
LEVELS_UP: tuple[str, ...] = (
    "|max|",
    "|maximum|",
    "|full|",
    "|full blast|",
    "the |max|",
    "|top|",
    "|highest|",
    "|full|",
    "the |highest| setting",
    "|full whack|",
    "|max|",
    "|high|",
)
LEVELS_DOWN: tuple[str, ...] = (
    "|minimum|",
    "|min|",
    "the |lowest| setting",
    "|lowest|",
    "|low|",
    "the |minimum|",
)
LEVELS_MID: tuple[str, ...] = ("|half|", "|halfway|", "|medium|", "|mid|", "|half way|")
LEVELS_DIR_UP: tuple[str, ...] = (
    "|all the way up|",
    "|right up|",
    "|all the way up|",
    "to the |max|",
    "up to |full|",
)
LEVELS_DIR_DOWN: tuple[str, ...] = (
    "|all the way down|",
    "|right down|",
    "down to |minimum|",
)

AMOUNTS_SMALL: tuple[str, ...] = (
    "a little",
    "a bit",
    "slightly",
    "a touch",
    "a little bit",
    "a tad",
    "a smidge",
    "a notch",
    "just a bit",
    "a tiny bit",
)
AMOUNTS_BIG: tuple[str, ...] = (
    "a lot",
    "a good bit",
    "loads",
    "a fair bit",
    "a lot more",
)

# --------------------------------------------------------------------------- places

SCOPE_LOCATIONS: tuple[tuple[str, str], ...] = (
    ("in the", "house"),
    ("in the", "house"),
    ("", "inside"),
    ("", "indoors"),
    ("", "outside"),
    ("", "outdoors"),
    ("", "everywhere"),
    ("around the", "house"),
    ("in the whole", "house"),
    ("throughout the", "building"),
    ("in the", "building"),
    ("on", "site"),
    ("across the", "site"),
    ("in the", "flat"),
    ("in the", "apartment"),
    ("in my", "apartment"),
    ("all over the", "house"),
    ("in the", "home"),
    ("on the whole", "floor"),
    ("across the", "plant"),
    ("on the", "ward"),
)
"""(preposition words, location words) for whole-site and in/out scopes."""

HERE_LOCATIONS: tuple[tuple[str, str], ...] = (
    ("in", "here"),
    ("in", "here"),
    ("", "here"),
    ("in", "this room"),
    ("in", "this room"),
    ("", "in this room"),
    ("in", "this area"),
    ("in", "this office"),
    ("out", "here"),
    ("down", "here"),
    ("up", "here"),
)
"""Ways to say the speaker's area; an empty prepositon with "in this room" keeps it whole."""

# --------------------------------------------------------------------------- plain words

VOCAB: Mapping[str, tuple[str, ...]] = {
    "the": ("the",) * 14 + ("",) * 3 + ("my", "my", "our", "that", "this"),
    "the_pl": ("the",) * 12 + ("",) * 4 + ("my", "our", "those", "these"),
    "on_v": (
        "turn on",
        "switch on",
        "turn on",
        "switch on",
        "put on",
        "power on",
        "power up",
        "start",
        "start up",
        "fire up",
        "activate",
        "enable",
        "kick on",
        "bring on",
        "boot up",
        "crank on",
        "run",
        "engage",
        "get going",
    ),
    "on_v1": ("turn", "switch", "put", "flip", "flick", "click", "knock", "pop"),
    "off_v": (
        "turn off",
        "switch off",
        "turn off",
        "switch off",
        "shut off",
        "shut down",
        "power off",
        "power down",
        "kill",
        "cut",
        "disable",
        "deactivate",
        "knock off",
        "cut the power to",
        "cut power to",
    ),
    "off_v1": ("turn", "switch", "shut", "flip", "flick", "click", "knock", "power"),
    "toggle_v": ("toggle", "flip", "flick", "switch over", "toggle the state of"),
    "set_v": (
        "set",
        "set",
        "put",
        "change",
        "adjust",
        "bring",
        "make",
        "get",
        "move",
        "switch",
        "turn",
        "dial",
    ),
    "up_v": (
        "turn up",
        "raise",
        "increase",
        "bump up",
        "crank up",
        "boost",
        "push up",
        "up",
        "turn up",
        "bring up",
        "notch up",
        "ramp up",
        "put up",
        "kick up",
    ),
    "up_v1": ("turn", "bump", "crank", "push", "bring", "put", "kick", "ramp", "knock"),
    "down_v": (
        "turn down",
        "lower",
        "decrease",
        "reduce",
        "drop",
        "bring down",
        "dial down",
        "turn down",
        "knock down",
        "take down",
        "ease off",
        "back off",
        "tone down",
    ),
    "down_v1": ("turn", "bring", "knock", "take", "drop", "dial", "wind", "put"),
    "open_v": ("open", "open", "open", "open up", "pull up", "roll up", "draw back"),
    "close_v": ("close", "close", "shut", "close up", "pull down", "roll down", "draw"),
    "it": ("it",),
    "them": ("them",),
    "wake": (
        "hey",
        "ok",
        "okay",
        "hi",
        "alexa",
        "hey google",
        "ok google",
        "hey siri",
        "ok computer",
        "computer",
        "olly",
        "hey olly",
        "jarvis",
        "hey jarvis",
        "hey house",
        "house",
        "hey mycroft",
        "thingmind",
        "hey thingmind",
        "yo",
    ),
    "polite_pre": (
        "please",
        "please",
        "could you",
        "can you",
        "could you please",
        "can you please",
        "would you",
        "would you please",
        "would you mind",
        "kindly",
        "will you",
        "i'd like you to",
        "i want you to",
        "i need you to",
        "be a dear and",
        "mind if you",
        "do me a favour and",
        "go ahead and",
        "just",
        "quickly",
        "right,",
        "ok so",
        "so",
        "um",
        "uh",
        "er",
        "erm",
        "i was wondering if you could",
        "i was wondering if you could maybe",
        "do you think you could",
        "is it possible to",
        "any chance you could",
        "if you don't mind,",
        "when you get a chance,",
        "let's",
        "now",
    ),
    "polite_post": (
        "please",
        "please",
        "thanks",
        "thank you",
        "for me",
        "for me please",
        "cheers",
        "now",
        "right now",
        "asap",
        "if you can",
        "if you don't mind",
        "pls",
        "thx",
        "mate",
        "buddy",
        "when you can",
        "straight away",
        "ta",
        "thanks a lot",
        "would you",
        "will you",
        "for me thanks",
        "immediately",
    ),
    "ask_pre": (
        "can you tell me",
        "could you tell me",
        "do you know",
        "i'd like to know",
        "quick question,",
        "just checking,",
        "hey quick one,",
        "sorry,",
        "um",
        "so",
    ),
    "connector": (
        "and",
        "and",
        "and",
        "then",
        "and then",
        ",",
        ", then",
        ", and",
        "and also",
        "also",
        "after that",
        "plus",
        "and after that",
        "as well as",
        ";",
    ),
    "except_w": (
        "except",
        "except",
        "except for",
        "but",
        "but not",
        "apart from",
        "other than",
        "excluding",
        "save",
        "besides",
        "not",
    ),
}
"""Plain-word lists for template placeholders (all slot ``O``)."""

END_PUNCT: tuple[str, ...] = (".", "!", "?", "")
