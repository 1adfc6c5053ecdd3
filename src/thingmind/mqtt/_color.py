"""Colour names <-> RGB and colour temperature, for lights that speak numbers."""

from __future__ import annotations

from types import MappingProxyType

PALETTE = MappingProxyType(
    {
        "red": (255, 0, 0),
        "green": (0, 255, 0),
        "blue": (0, 0, 255),
        "yellow": (255, 255, 0),
        "orange": (255, 165, 0),
        "purple": (128, 0, 128),
        "pink": (255, 192, 203),
        "cyan": (0, 255, 255),
        "magenta": (255, 0, 255),
        "white": (255, 255, 255),
        "warm white": (255, 180, 107),
        "cool white": (201, 226, 255),
        "amber": (255, 191, 0),
        "lime": (50, 205, 50),
        "teal": (0, 128, 128),
        "indigo": (75, 0, 130),
        "violet": (238, 130, 238),
        "gold": (255, 215, 0),
        "turquoise": (64, 224, 208),
        "lavender": (230, 230, 250),
    }
)
"""The colour names thingmind sends as RGB, and reads back as the nearest one."""

WHITE_MIREDS = MappingProxyType({"warm white": 370, "white": 250, "cool white": 153})
"""Whites as colour temperatures (mireds), for lights with ``color_temp``."""


def rgb_of(name: str) -> tuple[int, int, int] | None:
    """Return the RGB of a colour name, or None when it is not in the palette."""
    return PALETTE.get(" ".join(name.lower().split()))


def name_of_rgb(r: float, g: float, b: float) -> str:
    """Return the palette name nearest to an RGB colour (0-255 each)."""
    return min(
        PALETTE,
        key=lambda n: (
            (PALETTE[n][0] - r) ** 2
            + (PALETTE[n][1] - g) ** 2
            + (PALETTE[n][2] - b) ** 2
        ),
    )


def name_of_mireds(mireds: float) -> str:
    """Return the white nearest to a colour temperature in mireds."""
    return min(WHITE_MIREDS, key=lambda n: abs(WHITE_MIREDS[n] - mireds))
