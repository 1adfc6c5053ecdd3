"""Covers (blinds, shutters, garage doors, gates)."""

from __future__ import annotations

from thingmind.core import Domain
from thingmind.registry.domains._positioned import positioned

SPEC = positioned(Domain.COVER, "cover")
"""The cover type: open_cover, close_cover, set_cover_position, stop_cover."""
