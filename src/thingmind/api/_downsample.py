"""Downsampling a sensor's history for charts over long ranges.

A week of per-minute readings is ten thousand points; a chart needs a few hundred.
The range is cut into equal buckets; a bucket of numbers keeps its mean, minimum and
maximum (so spikes stay visible), a bucket of anything else keeps its last value.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING

from thingmind.core import StateValue

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


@dataclass(frozen=True, slots=True, kw_only=True)
class Point:
    """One reading, or one bucket of readings."""

    t: float
    """Unix seconds: the reading's time, or the bucket's start."""
    value: StateValue
    """The reading; a numeric bucket's mean, another bucket's last value."""
    min: float | None = None
    """A numeric (or boolean, as 0/1) bucket's minimum."""
    max: float | None = None
    """A numeric (or boolean, as 0/1) bucket's maximum."""
    count: int = 1
    """How many readings it stands for."""


def json_safe(value: StateValue) -> StateValue:
    """Return ``value`` as JSON can carry it: NaN and infinities become None.

    Args:
        value: A state value.

    Returns:
        The value, or None for a non-finite float.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_safe_state(state: Mapping[str, StateValue]) -> dict[str, StateValue]:
    """Return a state with every value made JSON-safe (see :func:`json_safe`)."""
    return {key: json_safe(value) for key, value in state.items()}


def _number(value: StateValue) -> float | None:
    """The value as a finite float for min/max (booleans as 0/1), or None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def downsample(
    rows: Sequence[tuple[float, StateValue]],
    *,
    start: float,
    end: float,
    max_points: int,
) -> tuple[list[Point], float | None]:
    """Reduce readings to at most ``max_points`` points.

    Args:
        rows: ``(time, value)`` readings in ``[start, end)``, oldest first.
        start: The range's start, Unix seconds.
        end: The range's end (after ``start``).
        max_points: The most points to return, at least 1.

    Returns:
        The points, oldest first, and the bucket width in seconds (None when the
        readings were few enough to return as they are).

    Raises:
        ValueError: When the range is empty or ``max_points`` is below 1.
    """
    if end <= start:
        msg = f"end ({end}) must be after start ({start})"
        raise ValueError(msg)
    if max_points < 1:
        msg = f"max_points must be >= 1, got {max_points}"
        raise ValueError(msg)
    if len(rows) <= max_points:
        points = []
        for t, value in rows:
            number = _number(value)
            points.append(Point(t=t, value=json_safe(value), min=number, max=number))
        return points, None
    width = (end - start) / max_points  # seconds per bucket
    buckets: dict[int, list[StateValue]] = {}
    for t, value in rows:
        index = min(max_points - 1, max(0, int((t - start) / width)))
        buckets.setdefault(index, []).append(value)
    points = []
    for index in sorted(buckets):
        values = buckets[index]
        t0 = start + index * width
        numbers = [n for n in map(_number, values) if n is not None]
        plain = [
            v for v in values if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        low = min(numbers) if numbers else None
        high = max(numbers) if numbers else None
        if plain and len(plain) == len(values):
            finite = [float(v) for v in plain if math.isfinite(v)]
            mean: StateValue = sum(finite) / len(finite) if finite else None
            points.append(Point(t=t0, value=mean, min=low, max=high, count=len(values)))
        else:
            last = json_safe(values[-1])
            points.append(Point(t=t0, value=last, min=low, max=high, count=len(values)))
    return points, width
