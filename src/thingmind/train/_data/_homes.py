"""Training homes: the generic YAML homes shipped with thingmind, and random homes.

Random homes draw areas, floors and device names from broad vocabularies (rooms,
people's rooms, numbered machines, named robots), so a model trained on them learns the
syntax of commands rather than one site's names.
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
from pathlib import Path
import re
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry import Area, Device, Floor, Home, parse_home
from thingmind.train._data._vocab import number_words

if TYPE_CHECKING:
    from collections.abc import Mapping
    import random

HOMES_DIR = Path(__file__).resolve().parent.parent / "homes"
"""Where the generic training homes live (``src/thingmind/train/homes``)."""


@functools.cache
def generic_homes() -> tuple[Home, ...]:
    """Load the generic training homes shipped with thingmind.

    Returns:
        Every ``*.yaml`` home under :data:`HOMES_DIR`, in name order.
    """
    return tuple(
        parse_home(p.read_text(encoding="utf-8"), source=str(p))
        for p in sorted(HOMES_DIR.glob("*.yaml"))
    )


# --------------------------------------------------------------------------- vocabulary

PEOPLE: tuple[str, ...] = (
    "Jack", "Amelia", "Noah", "Priya", "Oscar", "Zara", "Leo", "Maya", "Tom", "Ava",
    "Sam", "Isla", "Ben", "Chloe", "Arjun", "Nina", "Finn", "Ruby", "Kai", "Lily",
    "Omar", "Grace", "Theo", "Hana", "Max", "Ella", "Luca", "Freya", "Raj", "Mia",
    "Gran", "Nan", "Grandad", "Mum", "Dad", "Alex", "Jo", "Dev", "Sofia", "Ellie",
)  # fmt: skip

ROBOT_NAMES: tuple[str, ...] = (
    "Robbie", "Dusty", "Rosie", "Sweepy", "Hoovy", "Bob", "Wall-E", "Scooter", "Mopsy",
    "Bruno", "Pip", "Roomie", "Zippy", "Dyson", "Crumbs", "Sparky", "Jeeves", "Hal",
    "Henry", "Moppy", "Scrubby", "Whizz", "Tidy", "Robo", "Sweeper", "Hettie", "Gizmo",
    "Chip", "Bolt", "Nibbles", "Fluffy", "Rover", "Bertie", "Dustin", "Marvin", "Rumble",
)  # fmt: skip

SPEAKER_NAMES: tuple[str, ...] = (
    "Echo",
    "Sonos",
    "Boombox",
    "Jukebox",
    "Bose",
    "HomePod",
    "Nest",
    "Beosound",
)

_HOUSE_ROOMS: tuple[str, ...] = (
    "living room", "lounge", "sitting room", "front room", "family room", "kitchen",
    "dining room", "kitchen diner", "hall", "hallway", "entrance hall", "landing",
    "study", "home office", "den", "snug", "playroom", "utility room", "laundry",
    "pantry", "garage", "porch", "bathroom", "ensuite", "shower room", "cloakroom",
    "downstairs loo", "master bedroom", "main bedroom", "guest room", "spare room",
    "nursery", "attic room", "loft", "cellar", "basement", "conservatory", "sunroom",
    "gym", "cinema room", "music room", "library", "boot room", "games room",
    "back bedroom", "front bedroom", "box room", "walk in wardrobe", "workshop",
)  # fmt: skip
_HOUSE_OUTDOOR: tuple[str, ...] = (
    "garden", "back garden", "front garden", "patio", "terrace", "deck", "driveway",
    "shed", "greenhouse", "summer house", "balcony", "courtyard", "yard", "allotment",
    "pool area", "carport", "front porch", "garden room",
)  # fmt: skip
_FACTORY_ROOMS: tuple[str, ...] = (
    "assembly hall", "warehouse", "loading dock", "packing area", "paint shop",
    "boiler room", "compressor house", "control room", "canteen", "workshop",
    "tool room", "quality lab", "goods in", "dispatch", "mezzanine store", "cold store",
    "clean room", "plant room", "site office", "locker room", "press shop", "weld bay",
    "machine shop", "battery room", "pump house", "mixing room", "test cell",
)  # fmt: skip
_FACTORY_OUTDOOR: tuple[str, ...] = (
    "yard",
    "car park",
    "tank farm",
    "loading yard",
    "gatehouse",
)
_WARD_ROOMS: tuple[str, ...] = (
    "nurses' station", "treatment room", "sluice", "day room", "corridor", "reception",
    "waiting room", "isolation room", "recovery", "pharmacy", "staff room",
    "linen store", "discharge lounge", "family room", "quiet room", "clean utility",
    "dirty utility", "store room", "kitchenette", "bathroom", "assisted bathroom",
)  # fmt: skip
_OFFICE_ROOMS: tuple[str, ...] = (
    "reception", "open plan", "boardroom", "kitchen", "break room", "server room",
    "print room", "quiet room", "phone booth", "lobby", "stairwell", "comms room",
    "training room", "hot desk area", "post room", "wellness room", "focus room",
    "studio", "library", "canteen", "archive",
)  # fmt: skip
_OFFICE_OUTDOOR: tuple[str, ...] = (
    "roof terrace",
    "bike store",
    "car park",
    "smoking area",
)
_OTHER_ROOMS: tuple[str, ...] = (
    "counter", "seating area", "store room", "bar", "restaurant", "spa", "pool",
    "barn", "milking parlour", "stables", "hen house", "grain store", "tack room",
    "classroom", "sports hall", "science lab", "staff room", "gallery", "shop floor",
    "back office", "stockroom", "changing room", "studio", "chapel", "foyer",
)  # fmt: skip

_NUMBERED_AREAS: Mapping[str, tuple[str, ...]] = {
    "house": (),
    "flat": (),
    "factory": ("line", "bay", "cell", "zone", "hall", "loading bay"),
    "ward": ("bay", "side room", "ward", "room", "theatre", "cubicle"),
    "office": ("meeting room", "floor", "pod", "suite"),
    "other": ("room", "unit", "suite", "classroom", "stall"),
}


@dataclass(frozen=True, slots=True)
class _Kind:
    type: Domain
    device_class: str | None
    nouns: tuple[str, ...]
    sites: str  # letters: h house, f flat, F factory, w ward, o office, x other
    outdoor: bool | None = None  # None: anywhere


_D = Domain
CATALOG: tuple[_Kind, ...] = (
    _Kind(_D.LIGHT, None, ("ceiling light", "main light", "pendant light", "spotlights",
          "downlights", "wall lights", "overhead light", "light", "lights", "lamp",
          "top light", "panel lights", "strip light"), "hfFwoX"),
    _Kind(_D.LIGHT, None, ("floor lamp", "table lamp", "desk lamp", "bedside lamp",
          "reading light", "night light", "uplighter", "mirror light", "led strip",
          "cabinet lights", "under cupboard lights", "shelf lights", "lava lamp",
          "salt lamp", "arc lamp", "globe lamp", "accent lights", "tv backlight"), "hfoX"),
    _Kind(_D.LIGHT, None, ("porch light", "security light", "flood light", "path lights",
          "fairy lights", "festoon lights", "garden lights", "lantern", "deck lights",
          "driveway lights", "string lights"), "hfoX", outdoor=True),
    _Kind(_D.LIGHT, None, ("high bay lights", "bay lights", "emergency lights",
          "task light", "work light", "beacon", "yard lights", "corridor lights",
          "bed light", "examination light", "night lights", "exit lights"), "FwX"),
    _Kind(_D.SWITCH, "outlet", ("plug", "socket", "smart plug", "tv plug", "lamp plug",
          "charger", "heater plug", "fan plug", "printer plug", "desk socket"), "hfFwoX"),
    _Kind(_D.SWITCH, None, ("kettle", "coffee machine", "espresso machine", "toaster",
          "dishwasher", "washing machine", "tumble dryer", "fridge", "freezer",
          "towel rail", "electric blanket", "fireplace", "hot tub", "dehumidifier plug",
          "aquarium pump", "fountain", "pond pump", "christmas tree", "oven",
          "slow cooker", "air fryer", "extractor hood", "bread maker"), "hfX"),
    _Kind(_D.SWITCH, None, ("conveyor", "pump", "compressor", "mixer", "press", "saw",
          "extruder", "chiller", "feeder", "crusher", "grinder", "kiln", "shredder",
          "packing machine", "labeller", "robot cell", "lathe", "drill press",
          "welder", "oven", "dust extractor", "hydraulic pump", "vacuum pump"), "FX"),
    _Kind(_D.SWITCH, None, ("nurse call", "bed pump", "infusion pump", "steriliser",
          "blanket warmer", "fridge", "suction unit", "oxygen concentrator"), "w"),
    _Kind(_D.SWITCH, None, ("printer", "coffee machine", "water cooler", "screen",
          "projector", "monitor", "photocopier", "vending machine", "hand dryer"), "oX"),
    _Kind(_D.FAN, None, ("ceiling fan", "fan", "desk fan", "tower fan", "pedestal fan",
          "extractor fan", "bathroom fan", "kitchen extractor", "attic fan"), "hfwoX"),
    _Kind(_D.FAN, None, ("extractor", "exhaust fan", "ventilation fan", "roof fan",
          "air handler", "cooling fan", "fume extractor", "blower"), "FX"),
    _Kind(_D.CLIMATE, None, ("thermostat", "heating", "radiator", "air conditioner",
          "aircon", "ac", "heat pump", "heater", "underfloor heating", "hvac",
          "climate control", "panel heater", "split unit"), "hfFwoX", outdoor=False),
    _Kind(_D.COVER, None, ("blinds", "blind", "curtains", "roller blind", "shutters",
          "shades", "skylight blind", "venetian blinds", "black out blind"), "hfwoX",
          outdoor=False),
    _Kind(_D.COVER, "garage", ("garage door", "up and over door"), "h"),
    _Kind(_D.COVER, "door", ("roller door", "shutter door", "dock door", "fast door",
          "loading door", "roller shutter"), "FX"),
    _Kind(_D.COVER, "gate", ("gate", "gates", "driveway gate", "barrier", "car park barrier"),
          "hFoX", outdoor=True),
    _Kind(_D.COVER, "awning", ("awning", "sun canopy", "pergola roof"), "hX", outdoor=True),
    _Kind(_D.COVER, "window", ("skylight", "roof window", "vent window", "louvres"), "hFwX"),
    _Kind(_D.VALVE, "water", ("sprinkler", "sprinklers", "irrigation", "drip line",
          "hose tap", "lawn sprinkler", "water butt valve"), "hX", outdoor=True),
    _Kind(_D.VALVE, "water", ("water valve", "main stopcock", "stopcock", "mains water",
          "coolant valve", "inlet valve", "drain valve", "feed valve", "bypass valve",
          "steam valve", "air valve"), "hfFX"),
    _Kind(_D.VALVE, "gas", ("gas valve", "gas supply", "gas main", "gas isolator"), "hFX"),
    _Kind(_D.LOCK, None, ("front door", "back door", "side door", "patio door",
          "garage side door", "shed lock", "gate lock", "door lock", "smart lock",
          "french doors", "main entrance", "fire exit", "store room door",
          "drugs cupboard", "medicine cabinet", "server room door", "cage lock",
          "staff entrance", "turnstile"), "hfFwoX"),
    _Kind(_D.MEDIA_PLAYER, "tv", ("tv", "telly", "television", "smart tv", "big screen",
          "projector", "info screen"), "hfwoX"),
    _Kind(_D.MEDIA_PLAYER, "speaker", ("speaker", "smart speaker", "sound bar", "soundbar",
          "radio", "stereo", "hifi", "music", "pa system", "record player",
          "jukebox"), "hfFwoX"),
    _Kind(_D.VACUUM, None, ("robot vacuum", "vacuum", "hoover", "robot hoover",
          "robot cleaner", "floor cleaner", "mop robot", "scrubber"), "hfoX"),
    _Kind(_D.ALARM_CONTROL_PANEL, None, ("alarm", "burglar alarm", "security system",
          "house alarm", "intruder alarm", "alarm panel", "site alarm"), "hfFoX"),
    _Kind(_D.HUMIDIFIER, None, ("humidifier", "dehumidifier", "diffuser"), "hfwoX"),
    _Kind(_D.WATER_HEATER, None, ("water heater", "boiler", "immersion", "hot water",
          "immersion heater", "hot water cylinder", "urn", "calorifier"), "hfFwoX"),
    _Kind(_D.SCENE, None, ("movie night", "dinner party", "bedtime", "good morning",
          "reading", "relax", "away", "night mode", "all off", "party", "focus",
          "cleaning", "romantic", "wake up", "shift start", "shutdown", "handover",
          "night round", "presentation", "lunch break"), "hfFwoX"),
)  # fmt: skip

SENSOR_KINDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("temperature", ("temperature", "temp", "thermometer", "temperature sensor"), "hfFwoX"),
    ("humidity", ("humidity", "humidity sensor"), "hfFwoX"),
    ("power", ("power", "power meter", "power draw", "energy monitor"), "hFoX"),
    ("energy", ("energy", "energy meter", "electricity meter"), "hfFoX"),
    ("carbon_dioxide", ("co2", "co2 sensor", "air quality"), "hfwoX"),
    ("pressure", ("pressure", "pressure gauge", "line pressure", "air pressure"), "FX"),
    ("vibration", ("vibration", "vibration sensor"), "FX"),
    ("illuminance", ("light level", "lux sensor"), "hFoX"),
    ("battery", ("battery", "battery level"), "hX"),
    ("pm25", ("air quality", "particulate sensor"), "hfoX"),
    ("moisture", ("soil moisture", "moisture sensor"), "hX"),
    ("volume_flow_rate", ("flow", "flow meter"), "FX"),
    ("speed", ("speed", "rpm"), "FX"),
    ("distance", ("tank level", "level", "silo level"), "FX"),
    ("sound_pressure", ("noise level", "sound meter"), "FoX"),
)  # fmt: skip
"""(device class, name nouns, sites) for sensors."""

BINARY_KINDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("door", ("door", "door sensor", "door contact", "back door", "front door",
              "fire door", "side door", "cupboard door", "fridge door"), "hfFwoX"),
    ("window", ("window", "window sensor", "window contact", "skylight", "bay window",
                "velux"), "hfwoX"),
    ("motion", ("motion", "motion sensor", "pir", "movement sensor",
                "motion detector"), "hfFwoX"),
    ("occupancy", ("presence sensor", "occupancy", "bed sensor", "desk sensor"), "hwoX"),
    ("smoke", ("smoke alarm", "smoke detector", "fire alarm", "heat detector"), "hfFwoX"),
    ("moisture", ("leak sensor", "water sensor", "flood sensor", "leak detector"),
     "hfFoX"),
    ("gas", ("gas detector", "gas alarm"), "hFX"),
    ("carbon_monoxide", ("co alarm", "carbon monoxide detector"), "hfX"),
    ("problem", ("fault light", "fault", "alarm", "trip"), "FX"),
    ("garage_door", ("garage door sensor", "garage door contact"), "h"),
    ("vibration", ("vibration switch", "shock sensor"), "FX"),
)  # fmt: skip
"""(device class, name nouns, sites) for binary sensors."""

_SITES = {
    "house": "h",
    "flat": "f",
    "factory": "F",
    "ward": "w",
    "office": "o",
    "other": "X",
}

_COLORS = ("warm white", "white", "blue", "red", "cool white", None)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


def _title(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(rng: random.Random, n: int) -> str:
    return number_words(n) if rng.random() < 0.3 else str(n)


def _state(
    rng: random.Random, kind: Domain, device_class: str | None
) -> dict[str, StateValue]:
    on = rng.random() < 0.5
    if kind is Domain.LIGHT:
        state: dict[str, StateValue] = {"on": on}
        if rng.random() < 0.85:
            state["brightness"] = rng.randint(10, 100) if on else 0
        if rng.random() < 0.5:
            state["color"] = rng.choice(_COLORS)
        return state
    if kind in {Domain.SWITCH, Domain.BINARY_SENSOR}:
        return {"on": on}
    if kind is Domain.FAN:
        return {"on": on, "percentage": rng.choice([0, 33, 50, 66, 100]) if on else 0}
    if kind is Domain.CLIMATE:
        unit = "F" if rng.random() < 0.2 else "C"
        base = 70 if unit == "F" else 21
        return {
            "hvac_mode": rng.choice(["heat", "cool", "auto", "off", "heat_cool"]),
            "target_temperature": base + rng.randint(-2, 2),
            "current_temperature": base + rng.randint(-3, 3),
            "unit": unit,
        }
    if kind in {Domain.COVER, Domain.VALVE}:
        pos = rng.choice([0, 0, 30, 50, 100])
        if device_class in {"garage", "gate"} and rng.random() < 0.5:
            return {"open": pos > 0}
        return {"position": pos, "open": pos > 0}
    if kind is Domain.LOCK:
        return {"locked": rng.random() < 0.7}
    if kind is Domain.MEDIA_PLAYER:
        return {"playing": on, "volume": rng.randint(5, 60), "muted": False}
    if kind is Domain.VACUUM:
        return {"status": rng.choice(["docked", "docked", "cleaning"])}
    if kind is Domain.ALARM_CONTROL_PANEL:
        return {"state": rng.choice(["disarmed", "armed_home", "armed_away"])}
    if kind is Domain.HUMIDIFIER:
        return {"on": on, "target_humidity": rng.randint(35, 60)}
    if kind is Domain.WATER_HEATER:
        return {"on": on, "target_temperature": rng.randint(45, 65)}
    return {}


_SENSOR_VALUES: Mapping[str, tuple[float, float, str]] = {
    "temperature": (12, 28, "°C"),
    "humidity": (30, 70, "%"),
    "power": (0, 3000, "W"),
    "energy": (0, 900, "kWh"),
    "carbon_dioxide": (400, 1500, "ppm"),
    "pressure": (1, 10, "bar"),
    "vibration": (0, 12, "mm/s"),
    "illuminance": (0, 800, "lx"),
    "battery": (5, 100, "%"),
    "pm25": (1, 60, "µg/m³"),
    "moisture": (10, 80, "%"),
    "volume_flow_rate": (0, 120, "L/min"),
    "speed": (0, 3000, "rpm"),
    "distance": (0, 100, "%"),
    "sound_pressure": (30, 95, "dB"),
}


def random_home(rng: random.Random) -> Home:
    """Draw a random site: floors, areas and devices with varied names and aliases.

    Args:
        rng: The random source; the same state gives the same home.

    Returns:
        A valid home.
    """
    site = rng.choice(["house", "house", "flat", "factory", "ward", "office", "other"])
    letter = _SITES[site]
    floors = _floors(rng, site)
    areas = _areas(rng, site, floors)
    devices: list[Device] = []
    ids: dict[str, int] = {}
    counters: dict[str, int] = {}
    for area in areas:
        n_dev = rng.randint(1, 6)
        for _ in range(n_dev):
            dev = _device(rng, letter, area, counters)
            if dev is None:
                continue
            base = dev.id
            ids[base] = ids.get(base, 0) + 1
            if ids[base] > 1:
                dev = _with_id(dev, f"{base}_{ids[base]}")
            devices.append(dev)
    if rng.random() < 0.3:
        # a few devices with no area (whole-site things)
        for _ in range(rng.randint(1, 2)):
            dev = _device(rng, letter, None, counters)
            if dev is not None and dev.id not in ids:
                ids[dev.id] = 1
                devices.append(dev)
    return Home(
        floors=tuple(floors),
        areas=tuple(areas),
        devices=tuple(devices),
        source="<random>",
    )


def _with_id(dev: Device, new_id: str) -> Device:
    return Device(
        id=new_id,
        name=dev.name,
        type=dev.type,
        aliases=dev.aliases,
        area=dev.area,
        device_class=dev.device_class,
        state=dev.state,
    )


def _floors(rng: random.Random, site: str) -> list[Floor]:
    if site == "flat" or rng.random() < 0.2:
        return []
    if site == "house":
        floors = [
            Floor(id="ground", name=rng.choice(["Ground floor", "Ground", "Downstairs"]),
                  aliases=("downstairs",) if rng.random() < 0.8 else ()),
            Floor(id="first", name=rng.choice(["First floor", "Upstairs", "Top floor"]),
                  aliases=("upstairs",) if rng.random() < 0.8 else ()),
        ]  # fmt: skip
        if rng.random() < 0.3:
            floors.append(
                Floor(id="basement", name="Basement", aliases=("cellar level",))
            )
        if rng.random() < 0.2:
            floors.append(Floor(id="loft", name="Loft", aliases=("attic", "top floor")))
        return floors
    n = rng.randint(2, 4)
    style = rng.choice(["level", "floor", "ordinal"])
    ordinals = ["ground", "first", "second", "third", "fourth"]
    floors = []
    for i in range(n):
        if style == "level":
            name = f"Level {i}"
            aliases: tuple[str, ...] = (f"level {number_words(i)}",)
        elif style == "floor":
            name = f"Floor {i}"
            aliases = (f"floor {number_words(i)}",)
        else:
            name = f"{_title(ordinals[i])} floor"
            aliases = ()
        if i == 0:
            aliases = (*aliases, "downstairs")
        elif i == 1 and n == 2:
            aliases = (*aliases, "upstairs")
        floors.append(Floor(id=f"f{i}", name=name, aliases=aliases))
    if site == "factory" and rng.random() < 0.5:
        floors.append(Floor(id="mezz", name="Mezzanine", aliases=("the mezz",)))
    return floors


def _areas(rng: random.Random, site: str, floors: list[Floor]) -> list[Area]:
    if site in {"house", "flat"}:
        pool = list(_HOUSE_ROOMS)
        outdoor = list(_HOUSE_OUTDOOR) if site == "house" else ["balcony", "terrace"]
    elif site == "factory":
        pool, outdoor = list(_FACTORY_ROOMS), list(_FACTORY_OUTDOOR)
    elif site == "ward":
        pool, outdoor = list(_WARD_ROOMS), ["garden", "ambulance bay"]
    elif site == "office":
        pool, outdoor = list(_OFFICE_ROOMS), list(_OFFICE_OUTDOOR)
    else:
        pool, outdoor = list(_OTHER_ROOMS), ["yard", "garden", "terrace", "car park"]
    k = rng.randint(3, 9) if site != "flat" else rng.randint(3, 6)
    names: list[tuple[str, bool]] = [
        (name, False) for name in rng.sample(pool, min(k, len(pool)))
    ]
    for prefix in _NUMBERED_AREAS[site]:
        if rng.random() < 0.35:
            start = rng.randint(1, 4)
            stop = start + rng.randint(1, 3)
            names.extend(
                (f"{prefix} {_number(rng, i)}", False) for i in range(start, stop)
            )
    if site in {"house", "flat"} or rng.random() < 0.1:
        rooms = ("room", "bedroom", "office", "den")
        names.extend(
            (f"{person}'s {rng.choice(rooms)}", False)
            for person in rng.sample(PEOPLE, rng.randint(0, 2))
        )
    names.extend(
        (name, True)
        for name in rng.sample(outdoor, min(len(outdoor), rng.randint(0, 2)))
    )
    seen: dict[str, int] = {}
    areas: list[Area] = []
    for name, is_out in names:
        area_id = _slug(name)
        if area_id in seen:
            continue
        seen[area_id] = 1
        floor_id = None
        if floors and not is_out:
            floor_id = rng.choice(floors).id
        areas.append(
            Area(
                id=area_id,
                name=_title(name) if rng.random() < 0.8 else name,
                aliases=_area_aliases(rng, name),
                floor=floor_id,
                outdoor=is_out,
            )
        )
    return areas


_AREA_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "living room": ("lounge", "front room", "sitting room"),
    "lounge": ("living room",),
    "kitchen": ("kitchenette",),
    "hallway": ("hall", "entrance"),
    "hall": ("hallway",),
    "master bedroom": ("our bedroom", "main bedroom", "big bedroom"),
    "main bedroom": ("master bedroom", "our room"),
    "guest room": ("spare room", "guest bedroom"),
    "spare room": ("guest room", "box room"),
    "study": ("office", "den"),
    "home office": ("office", "study"),
    "bathroom": ("bath room", "loo"),
    "downstairs loo": ("downstairs toilet", "wc"),
    "utility room": ("utility",),
    "garden": ("backyard", "outside"),
    "back garden": ("garden", "backyard"),
    "control room": ("control",),
    "site office": ("office",),
    "warehouse": ("stores", "the warehouse floor"),
    "nurses' station": ("nurses station", "the desk"),
    "open plan": ("main office", "the floor"),
    "boardroom": ("board room",),
    "break room": ("kitchen", "tea point"),
}


def _area_aliases(rng: random.Random, name: str) -> tuple[str, ...]:
    syn = _AREA_SYNONYMS.get(name.lower(), ())
    out = [s for s in syn if rng.random() < 0.5]
    m = re.fullmatch(r"(.*) (\d+)", name)
    if m and rng.random() < 0.7:
        out.append(f"{m.group(1)} {number_words(int(m.group(2)))}")
    return tuple(out)


def _device(
    rng: random.Random,
    letter: str,
    area: Area | None,
    counters: dict[str, int],
) -> Device | None:
    outdoor = area.outdoor if area else False
    roll = rng.random()
    if roll < 0.14:
        return _sensor(rng, letter, area, sensor=True)
    if roll < 0.24:
        return _sensor(rng, letter, area, sensor=False)
    kinds = [
        k
        for k in CATALOG
        if letter in k.sites and (k.outdoor is None or k.outdoor == outdoor)
    ]
    if not kinds:
        return None
    kind = rng.choice(kinds)
    if kind.type in {Domain.VACUUM, Domain.ALARM_CONTROL_PANEL} and rng.random() < 0.5:
        kind = rng.choice(kinds)
    noun = rng.choice(kind.nouns)
    name, aliases = _name(rng, kind, noun, area, counters)
    area_id = area.id if area else None
    if kind.type is Domain.SCENE:
        area_id = None if rng.random() < 0.6 else area_id
    return Device(
        id=f"{kind.type.value}.{_slug(name)}",
        name=name,
        type=kind.type,
        aliases=aliases,
        area=area_id,
        device_class=kind.device_class,
        state=_state(rng, kind.type, kind.device_class),
    )


def _name(
    rng: random.Random,
    kind: _Kind,
    noun: str,
    area: Area | None,
    counters: dict[str, int],
) -> tuple[str, tuple[str, ...]]:
    area_name = area.name.lower() if area else ""
    aliases: list[str] = []
    style = rng.random()
    if kind.type is Domain.VACUUM and style < 0.4:
        name = rng.choice(ROBOT_NAMES)
        aliases.append(noun)
    elif kind.type is Domain.MEDIA_PLAYER and style < 0.15:
        name = f"{rng.choice(SPEAKER_NAMES)} {rng.choice(['speaker', 'one', 'dot', ''])}".strip()
        aliases.append(noun)
    elif kind.type is Domain.SCENE:
        name = noun
    elif style < 0.45 and area_name:
        name = f"{area_name} {noun}"
        aliases.append(noun)
    elif style < 0.6:
        counters[noun] = counters.get(noun, 0) + 1
        n = counters[noun]
        name = (
            f"{noun} {_number(rng, n)}"
            if rng.random() < 0.8
            else f"{_number(rng, n)} {noun}"
        )
        if rng.random() < 0.5:
            aliases.append(f"{noun} {number_words(n)}")
        if area_name and rng.random() < 0.4:
            aliases.append(f"{area_name} {noun}")
    elif style < 0.68:
        person = rng.choice(PEOPLE)
        name = f"{person}'s {noun}"
        aliases.append(noun)
    else:
        name = noun
        if area_name and rng.random() < 0.5:
            aliases.append(f"{area_name} {noun}")
    if rng.random() < 0.15:
        aliases.append(
            rng.choice(["big one", "main one", "the good one", "old one", "new one"])
        )
    aliases = [a for a in aliases if a.lower() != name.lower()]
    if rng.random() < 0.4:
        aliases = aliases[:1]
    if rng.random() < 0.25:
        aliases = []
    return (_title(name) if rng.random() < 0.85 else name), tuple(
        dict.fromkeys(aliases)
    )


def _sensor(
    rng: random.Random, letter: str, area: Area | None, *, sensor: bool
) -> Device | None:
    table = SENSOR_KINDS if sensor else BINARY_KINDS
    options = [t for t in table if letter in t[2]]
    if not options:
        return None
    device_class, nouns, _ = rng.choice(options)
    noun = rng.choice(nouns)
    area_name = area.name.lower() if area else ""
    if area_name and rng.random() < 0.6:
        name = f"{area_name} {noun}"
    elif rng.random() < 0.3:
        name = f"{noun} {rng.randint(1, 4)}"
    else:
        name = noun
    if sensor:
        low, high, unit = _SENSOR_VALUES[device_class]
        state: dict[str, StateValue] = {
            "value": round(rng.uniform(low, high), 1),
            "unit": unit,
        }
        type_ = Domain.SENSOR
    else:
        state = {"on": rng.random() < 0.3}
        type_ = Domain.BINARY_SENSOR
    return Device(
        id=f"{type_.value}.{_slug(name)}",
        name=_title(name),
        type=type_,
        aliases=(),
        area=area.id if area else None,
        device_class=device_class,
        state=state,
    )
