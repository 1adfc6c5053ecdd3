"""Incremental statistics, checked at every step against a batch oracle."""
# ruff: noqa: S311 - seeded test data, not cryptography

from __future__ import annotations

import math
import random
import statistics

import pytest

from thingmind.rules import DecayedHistogram, SeasonalBaseline


def _oracle_density(
    samples: list[tuple[float, float]],
    x: float,
    *,
    low: float,
    high: float,
    bins: int,
    half_life: float,
) -> float:
    width = (high - low) / bins
    now = samples[-1][1]

    def bin_of(v: float) -> int | None:
        if not low <= v < high:
            return None
        return min(int((v - low) / width), bins - 1)

    target = bin_of(x)
    total = sum(0.5 ** ((now - t) / half_life) for _, t in samples)
    if target is None or total == 0:
        return 0.0
    near = {target - 1, target, target + 1}
    inside = sum(
        0.5 ** ((now - t) / half_life) for v, t in samples if bin_of(v) in near
    )
    return float(inside) / float(total)


@pytest.mark.parametrize(
    ("half_life", "step"),
    [(3600.0, 60.0), (1.0, 10.0)],
    ids=["hour-half-life", "forces-rescale"],
)
def test_decayed_histogram_matches_batch_oracle(half_life: float, step: float) -> None:
    rng = random.Random(7)
    hist = DecayedHistogram(-5.0, 5.0, bins=20, half_life=half_life)
    samples: list[tuple[float, float]] = []
    for i in range(300):
        t = 1_700_000_000.0 + i * step
        value = rng.gauss(0.0, 2.0) if rng.random() < 0.9 else rng.uniform(-8.0, 8.0)
        hist.update(value, t)
        samples.append((value, t))
        for probe in (-4.9, -1.0, 0.0, 2.5, 7.0):
            expected = _oracle_density(
                samples, probe, low=-5.0, high=5.0, bins=20, half_life=half_life
            )
            assert hist.density(probe) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_seasonal_baseline_matches_batch_oracle() -> None:
    rng = random.Random(3)
    window = 25
    baseline = SeasonalBaseline(window=window, buckets=4)
    seen: list[list[float]] = [[] for _ in range(4)]
    for _ in range(400):
        bucket = rng.randrange(4)
        value = 10.0 * bucket + rng.gauss(0.0, 1.0 + bucket)
        baseline.update(bucket, value)
        seen[bucket].append(value)
        kept = seen[bucket][-window:]
        assert baseline.count(bucket) == len(kept)
        assert baseline.mean(bucket) == pytest.approx(statistics.fmean(kept), abs=1e-9)
        assert baseline.std(bucket) == pytest.approx(statistics.pstdev(kept), abs=1e-7)


def test_decayed_histogram_refuses_bad_ranges() -> None:
    with pytest.raises(ValueError, match="low < high"):
        DecayedHistogram(1.0, 1.0, bins=10, half_life=1.0)
    with pytest.raises(ValueError, match="bins"):
        DecayedHistogram(0.0, 1.0, bins=2, half_life=1.0)
    assert math.isclose(
        DecayedHistogram(0.0, 1.0, bins=3, half_life=1.0).density(0.5), 0.0
    )
