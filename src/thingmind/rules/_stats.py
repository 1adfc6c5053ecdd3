"""Incremental statistics for the anomaly detectors.

Each one updates in O(1) (or O(bins) on a rare rescale) per sample and has a batch
oracle in ``tests/rules/test_stats.py`` that it must match at every step.
"""

from __future__ import annotations

import math

from river import stats, utils


class DecayedHistogram:
    """A histogram over a fixed range whose old samples fade with a half-life.

    ``density(x)`` is the share of (decayed) weight in ``x``'s bin and its two
    neighbours: how usual a value is, whatever the shape of the distribution (a
    pump's pressure is bimodal: off and running).
    """

    __slots__ = (
        "_counts",
        "_high",
        "_low",
        "_rate",
        "_scale",
        "_t0",
        "_total",
        "_width",
    )

    def __init__(self, low: float, high: float, *, bins: int, half_life: float) -> None:
        """Cover ``[low, high)`` with ``bins`` bins.

        Args:
            low: Lower edge.
            high: Upper edge; must exceed ``low``.
            bins: Number of bins (>= 3).
            half_life: Seconds after which a sample weighs half as much.

        Raises:
            ValueError: When the range, bins or half-life make no sense.
        """
        if not (math.isfinite(low) and math.isfinite(high) and high > low):
            msg = f"need low < high, got {low!r} and {high!r}"
            raise ValueError(msg)
        if bins < 3 or half_life <= 0:
            msg = f"need bins >= 3 and half_life > 0, got {bins} and {half_life}"
            raise ValueError(msg)
        self._low = low
        self._high = high
        self._width = (high - low) / bins
        self._counts = [0.0] * bins
        self._total = 0.0
        self._rate = math.log(2.0) / half_life  # 1/s
        self._t0: float | None = None
        self._scale = 1.0  # weight of a sample at the current reference time

    def bin(self, x: float) -> int | None:
        """Return the bin of ``x``, or None when it is outside the range."""
        if not self._low <= x < self._high:
            return None
        return min(int((x - self._low) / self._width), len(self._counts) - 1)

    def update(self, x: float, t: float) -> None:
        """Add a sample seen at ``t`` (Unix seconds, non-decreasing)."""
        if self._t0 is None:
            self._t0 = t
        # Rather than fading every count, newer samples weigh exponentially more.
        weight = math.exp(self._rate * (t - self._t0))
        if weight > 1e100:
            self._rescale(t)
            weight = 1.0
        self._total += weight
        index = self.bin(x)
        if index is not None:
            self._counts[index] += weight

    def _rescale(self, t: float) -> None:
        if self._t0 is None:  # pragma: no cover - set by update first
            return
        factor = math.exp(-self._rate * (t - self._t0))
        self._counts = [c * factor for c in self._counts]
        self._total *= factor
        self._t0 = t

    def density(self, x: float) -> float:
        """Return the decayed share of samples in ``x``'s bin and its neighbours."""
        index = self.bin(x)
        if index is None or self._total <= 0:
            return 0.0
        counts = self._counts
        lo, hi = max(index - 1, 0), min(index + 2, len(counts))
        return sum(counts[lo:hi]) / self._total

    @property
    def total(self) -> float:
        """The decayed number of samples, in units of a sample at the reference time."""
        return self._total


class SeasonalBaseline:
    """Mean and deviation of the last ``window`` samples of each hour of the day.

    Built on :class:`river.stats.Var` in a :class:`river.utils.Rolling` window per
    hour bucket: exact over the window, with no cold-start bias (river's
    ``EWMean`` starts at the first sample, which at a slow fading factor dominates
    for days).
    """

    __slots__ = ("_buckets",)

    def __init__(self, *, window: int, buckets: int = 24) -> None:
        """Make one rolling window per hour bucket.

        Args:
            window: Samples kept per bucket.
            buckets: Buckets per day (24: hours).
        """
        self._buckets = [
            utils.Rolling(stats.Var, window_size=window, ddof=0) for _ in range(buckets)
        ]

    def update(self, bucket: int, x: float) -> None:
        """Add a sample to a bucket."""
        self._buckets[bucket].update(x)

    def count(self, bucket: int) -> int:
        """Return how many samples a bucket holds."""
        return len(self._buckets[bucket].window)

    def mean(self, bucket: int) -> float:
        """Return a bucket's mean."""
        return float(self._buckets[bucket].obj.mean.get())

    def std(self, bucket: int) -> float:
        """Return a bucket's (population) standard deviation."""
        return math.sqrt(max(float(self._buckets[bucket].obj.get()), 0.0))
