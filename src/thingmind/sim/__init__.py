"""Simulated sites (home, factory, ward) that behave like real devices.

A :class:`Simulator` runs a scenario pack in virtual time: sensors follow physics
and a day plan, people use the devices, and injected anomalies are labelled so
detectors can be scored. It reaches thingmind only through the device interface
(it is a ``DeviceDriver``) and by emitting events.
"""

from thingmind.sim._anomaly import AnomalyKind, AnomalyLabel, AnomalyPhase, AnomalySpec
from thingmind.sim._errors import AnomalyError, SimulationError, UnknownScenarioError
from thingmind.sim._scenario import SCENARIOS, Scenario, home_file_text, load_scenario
from thingmind.sim._simulator import Publish, Simulator

__all__ = [
    "SCENARIOS",
    "AnomalyError",
    "AnomalyKind",
    "AnomalyLabel",
    "AnomalyPhase",
    "AnomalySpec",
    "Publish",
    "Scenario",
    "SimulationError",
    "Simulator",
    "UnknownScenarioError",
    "home_file_text",
    "load_scenario",
]
