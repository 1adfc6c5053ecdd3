"""The shared fixture home: a small two-floor house built from inline YAML.

Floors: ground (downstairs), first (upstairs). Areas: living_room (ground),
guest_bathroom (ground), bathroom (first), kids_room (first, "Kids' Room"),
garden (outdoor, no floor). Two devices are named "Bathroom light" (one per
bathroom); there is one lock, one thermostat in Fahrenheit, a temperature sensor,
a door binary_sensor, a light that can only switch ("on" only), a fan listed
without state (every key with defaults) and a scene.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from thingmind.registry import Home, Registry, parse_home

HOME_YAML = """
floors:
  - id: ground
    name: Ground floor
    aliases: [downstairs]
  - id: first
    name: First floor
    aliases: [upstairs]
areas:
  - {id: living_room, name: Living Room, aliases: [lounge], floor: ground}
  - {id: guest_bathroom, name: Guest Bathroom, aliases: [downstairs loo], floor: ground}
  - {id: bathroom, name: Bathroom, floor: first}
  - {id: kids_room, name: Kids' Room, aliases: [Emma's room, nursery], floor: first}
  - {id: garden, name: Garden, aliases: [backyard], outdoor: true}
devices:
  - id: light.living_room_ceiling
    name: Living room ceiling light
    aliases: [big light]
    area: living_room
    type: light
    state: {"on": true, brightness: 80, color: warm white}
  - id: light.floor_lamp
    name: Floor lamp
    area: living_room
    type: light
    state: {"on": false}
  - id: light.bathroom
    name: Bathroom light
    area: bathroom
    type: light
    state: {"on": false, brightness: 0}
  - id: light.guest_bathroom
    name: Bathroom light
    area: guest_bathroom
    type: light
    state: {"on": true, brightness: 50}
  - id: light.kids_room
    name: Kids' room light
    aliases: [night light]
    area: kids_room
    type: light
    state: {"on": false, brightness: 0, color: null}
  - id: light.garden
    name: Garden lights
    area: garden
    type: light
    state: {"on": false, brightness: 0}
  - id: fan.kids_room
    name: Kids' room fan
    area: kids_room
    type: fan
  - id: lock.front_door
    name: Front door lock
    area: living_room
    type: lock
    state: {locked: true}
  - id: climate.thermostat
    name: Thermostat
    aliases: [heating]
    area: living_room
    type: climate
    state: {hvac_mode: heat, target_temperature: 68, current_temperature: 66, unit: F}
  - id: media_player.tv
    name: TV
    aliases: [telly]
    area: living_room
    type: media_player
    state: {playing: false, volume: 30, muted: false}
  - id: cover.living_room_blinds
    name: Living room blinds
    area: living_room
    type: cover
    device_class: blind
    state: {position: 100, open: true}
  - id: sensor.garden_temperature
    name: Garden temperature
    area: garden
    type: sensor
    device_class: temperature
    state: {value: 12.5, unit: "°C"}
  - id: binary_sensor.front_door
    name: Front door
    area: living_room
    type: binary_sensor
    device_class: door
    state: {"on": false}
  - id: scene.movie_night
    name: Movie night
    type: scene
    applies:
      light.living_room_ceiling: {"on": true, brightness: 20}
      light.floor_lamp: {"on": false}
      media_player.tv: {playing: true}
"""
"""The fixture home's YAML, for tests that need the text."""


@pytest.fixture
def home() -> Home:
    """The fixture home."""
    return parse_home(HOME_YAML, source="conftest.HOME_YAML")


@pytest.fixture
def registry(home: Home) -> Registry:
    """A registry over the fixture home, in its declared state."""
    return Registry(home)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained on ``tiny_site.HOME_YAML``, once per test session.

    It takes half a minute to a few minutes on two cores. ``THINGMIND_TEST_MODEL``
    names a folder trained before (``tiny_site.train_tiny_model``), to iterate quickly.
    """
    reuse = os.environ.get("THINGMIND_TEST_MODEL")
    if reuse and (Path(reuse) / "model.onnx").is_file():
        return Path(reuse)
    pytest.importorskip("torch", reason="the training stack ([train] extra) is missing")
    from tiny_site import train_tiny_model  # noqa: PLC0415

    return train_tiny_model(tmp_path_factory.mktemp("tiny-model") / "default")
