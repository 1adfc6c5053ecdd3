"""The anomaly monitor: freezer warming caught, a normal day quiet, episodes deduplicated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from thingmind.core import Event, EventKind
from thingmind.registry import Registry
from thingmind.rules import (
    AlertPhase,
    AnomalyConfig,
    AnomalyMonitor,
    DetectorKind,
    Severity,
    SiteLocation,
    physical_limit,
)
from thingmind.sim import AnomalyKind, Simulator, load_scenario

START = datetime(2024, 1, 15, tzinfo=UTC).timestamp()  # a Monday, midnight UTC
DAY = 86_400.0
UTC_SITE = SiteLocation(latitude=51.5, longitude=-0.13, timezone="UTC")
CONFIG = AnomalyConfig(warmup=2 * DAY)


def _run(sim: Simulator, monitor: AnomalyMonitor, until: float) -> list[Event]:
    alerts: list[Event] = []
    for event in sim.run_until(until):
        alerts.extend(monitor.process(event))
    alerts.extend(monitor.tick(until))
    return alerts


@pytest.mark.slow
def test_freezer_warming_is_caught() -> None:
    sim = Simulator(load_scenario("home"), seed=5, start=START)
    label = sim.inject(
        AnomalyKind.FREEZER_WARMING,
        "sensor.freezer_temperature",
        START + 1.5 * DAY,
        4 * 3600.0,
    )
    monitor = AnomalyMonitor(sim.registry, site=UTC_SITE, config=CONFIG, start=START)
    alerts = _run(sim, monitor, START + 3 * DAY)
    freezer = [a for a in alerts if a.device_id == "sensor.freezer_temperature"]
    starts = [a for a in freezer if a.data["phase"] == AlertPhase.START]
    assert len(starts) == 1  # one alert per episode
    (alert,) = starts
    assert label.start <= alert.time <= label.end
    assert alert.kind is EventKind.ALERT
    assert alert.data["detector"] in {DetectorKind.RARE, DetectorKind.LIMIT}
    assert alert.data["severity"] in {Severity.WARNING, Severity.CRITICAL}
    assert isinstance(alert.data["value"], float)
    assert "expected" in alert.data


@pytest.mark.slow
def test_normal_days_are_quiet() -> None:
    sim = Simulator(load_scenario("home"), seed=5, start=START)
    monitor = AnomalyMonitor(sim.registry, site=UTC_SITE, config=CONFIG, start=START)
    alerts = _run(sim, monitor, START + 3 * DAY)
    assert alerts == []


def _door(t: float, *, is_open: bool) -> Event:
    return Event(
        kind=EventKind.STATE_CHANGED,
        time=t,
        device_id="binary_sensor.front_door",
        data={"on": is_open},
    )


def test_door_left_open_at_night_alerts_once_then_ends(registry: Registry) -> None:
    night = datetime(2024, 1, 15, 23, 30, tzinfo=UTC).timestamp()
    monitor = AnomalyMonitor(registry, site=UTC_SITE, config=CONFIG, start=night - DAY)
    assert monitor.detectors["binary_sensor.front_door"] == DetectorKind.OPEN_TOO_LONG
    assert monitor.process(_door(night, is_open=True)) == []
    assert monitor.tick(night + CONFIG.open_limit - 1) == []
    (alert,) = monitor.tick(night + CONFIG.open_limit)
    assert alert.data["phase"] == AlertPhase.START
    assert alert.data["detector"] == DetectorKind.OPEN_TOO_LONG
    assert monitor.tick(night + 3 * 3600) == []  # deduplicated while it lasts
    (end,) = monitor.process(_door(night + 3 * 3600 + 5, is_open=False))
    assert end.data["phase"] == AlertPhase.END
    assert monitor.active == {}


def test_door_open_by_day_has_a_longer_limit(registry: Registry) -> None:
    noon = datetime(2024, 1, 15, 12, 0, tzinfo=UTC).timestamp()
    monitor = AnomalyMonitor(registry, site=UTC_SITE, config=CONFIG, start=noon - DAY)
    monitor.process(_door(noon, is_open=True))
    assert monitor.tick(noon + CONFIG.open_limit + 60) == []
    assert len(monitor.tick(noon + CONFIG.open_limit_day)) == 1


def test_physical_limit_alerts_without_learning(registry: Registry) -> None:
    freezer = next(
        d
        for d in load_scenario("home").home.devices
        if d.id == "sensor.freezer_temperature"
    )
    limit = physical_limit(freezer)
    assert limit is not None
    assert limit.broken(-5.0)
    assert not limit.broken(-18.0)
    del registry


def test_fault_alerts_at_once() -> None:
    scenario = load_scenario("factory")
    registry = Registry(scenario.home)
    monitor = AnomalyMonitor(registry, site=UTC_SITE, config=CONFIG, start=START)
    event = Event(
        kind=EventKind.STATE_CHANGED,
        time=START + 10,
        device_id="binary_sensor.line_1_fault",
        data={"on": True},
    )
    (alert,) = monitor.process(event)
    assert alert.data["severity"] == Severity.CRITICAL
    assert alert.data["detector"] == DetectorKind.FAULT
