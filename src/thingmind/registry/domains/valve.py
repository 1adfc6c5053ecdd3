"""Valves (water, gas, coolant)."""

from __future__ import annotations

from thingmind.core import Domain
from thingmind.registry.domains._positioned import positioned

SPEC = positioned(Domain.VALVE, "valve")
"""The valve type: open_valve, close_valve, set_valve_position, stop_valve."""
