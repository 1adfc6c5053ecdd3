"""Closed vocabularies shared by every package."""

from __future__ import annotations

from enum import StrEnum


class Domain(StrEnum):
    """Device types, after Home Assistant's entity domains (spec/home-format.md)."""

    LIGHT = "light"
    SWITCH = "switch"
    FAN = "fan"
    CLIMATE = "climate"
    COVER = "cover"
    VALVE = "valve"
    LOCK = "lock"
    MEDIA_PLAYER = "media_player"
    VACUUM = "vacuum"
    ALARM_CONTROL_PANEL = "alarm_control_panel"
    HUMIDIFIER = "humidifier"
    WATER_HEATER = "water_heater"
    SENSOR = "sensor"
    BINARY_SENSOR = "binary_sensor"
    SCENE = "scene"
