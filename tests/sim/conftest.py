"""Fixtures for the simulator tests."""

from __future__ import annotations

import pytest

from thingmind.sim import Scenario, Simulator, load_scenario

START = 1_705_276_800.0  # Monday 2024-01-15 00:00 UTC: a winter weekday, site midnight


@pytest.fixture
def home() -> Scenario:
    return load_scenario("home")


@pytest.fixture
def home_sim(home: Scenario) -> Simulator:
    return Simulator(home, seed=7, start=START)
