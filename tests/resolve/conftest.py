"""Fixtures of the resolver tests: the house and the plant (see ``_sites``)."""

from __future__ import annotations

import pytest

from resolve._sites import HOUSE_YAML, PLANT_YAML, Site


@pytest.fixture(scope="module")
def house() -> Site:
    """The fixture house (state is restored after every run)."""
    return Site(HOUSE_YAML)


@pytest.fixture(scope="module")
def plant() -> Site:
    """The fixture plant."""
    return Site(PLANT_YAML)
