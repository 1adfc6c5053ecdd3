"""Fixtures for the rules tests: a clock and an engine harness over the fixture home."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from rules._harness import T0, Harness
from thingmind.core import ManualClock

if TYPE_CHECKING:
    from thingmind.registry import Registry


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock at T0."""
    return ManualClock(T0)


@pytest.fixture
def harness(registry: Registry, clock: ManualClock) -> Harness:
    """An engine factory over the fixture home."""
    return Harness(registry, clock)
