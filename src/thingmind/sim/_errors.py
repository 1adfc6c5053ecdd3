"""The errors the simulator raises."""

from __future__ import annotations

from thingmind.core import ThingmindError


class SimulationError(ThingmindError):
    """Root of the simulator's errors."""


class UnknownScenarioError(SimulationError):
    """No scenario pack has that name."""


class AnomalyError(SimulationError):
    """An anomaly that cannot be injected (wrong device, time in the past, ...)."""
