"""Fixtures of the resolver tests: the house and the plant (see ``_sites``)."""

from __future__ import annotations

import pytest

from resolve._sites import (
    FLAT_YAML,
    HOUSE_YAML,
    PLANT_YAML,
    TWO_VACUUMS_YAML,
    WORKS_YAML,
    Site,
)


@pytest.fixture(scope="module")
def house() -> Site:
    """The fixture house (state is restored after every run)."""
    return Site(HOUSE_YAML)


@pytest.fixture(scope="module")
def plant() -> Site:
    """The fixture plant."""
    return Site(PLANT_YAML)


@pytest.fixture(scope="module")
def flat() -> Site:
    """The fixture flat (what a device can do)."""
    return Site(FLAT_YAML)


@pytest.fixture(scope="module")
def works() -> Site:
    """The fixture works (sensors named and classed unevenly)."""
    return Site(WORKS_YAML)


@pytest.fixture(scope="module")
def two_vacuums() -> Site:
    """Two vacuums on two floors and one thermostat."""
    return Site(TWO_VACUUMS_YAML)
