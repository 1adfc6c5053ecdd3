"""Downsampling: raw when few, buckets with mean/min/max when many."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pytest

from thingmind.api import Point, downsample

if TYPE_CHECKING:
    from thingmind.core import StateValue


def test_few_readings_come_back_as_they_are() -> None:
    rows: list[tuple[float, StateValue]] = [(0.0, 1.0), (10.0, math.nan), (20.0, "on")]
    points, width = downsample(rows, start=0, end=30, max_points=5)
    assert width is None
    assert points == [
        Point(t=0.0, value=1.0, min=1.0, max=1.0),
        Point(t=10.0, value=None),
        Point(t=20.0, value="on"),
    ]


def test_numbers_keep_mean_min_and_max() -> None:
    rows = [(float(t), float(t % 4)) for t in range(8)]
    points, width = downsample(rows, start=0, end=8, max_points=2)
    assert width == 4
    assert points == [
        Point(t=0.0, value=1.5, min=0.0, max=3.0, count=4),
        Point(t=4.0, value=1.5, min=0.0, max=3.0, count=4),
    ]


def test_booleans_keep_the_last_value_and_any_on() -> None:
    rows = [(0.0, False), (1.0, True), (2.0, False), (3.0, False)]
    points, _ = downsample(rows, start=0, end=4, max_points=1)
    assert points == [Point(t=0.0, value=False, min=0.0, max=1.0, count=4)]


@pytest.mark.parametrize(
    ("start", "end", "max_points"),
    [(1.0, 1.0, 10), (2.0, 1.0, 10), (0.0, 1.0, 0)],
    ids=["empty", "reversed", "no-points"],
)
def test_bad_arguments_raise(start: float, end: float, max_points: int) -> None:
    with pytest.raises(ValueError, match="must"):
        downsample([], start=start, end=end, max_points=max_points)
