"""Injected anomalies: labelled (events and ground truth) and visible in the signal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from thingmind.core import Event, EventKind, StateValue
from thingmind.sim import (
    AnomalyError,
    AnomalyKind,
    AnomalyLabel,
    AnomalyPhase,
    Scenario,
    Simulator,
    load_scenario,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

START = 1_705_276_800.0  # Monday 2024-01-15 00:00 UTC: a winter weekday, site midnight
HOUR = 3600.0
DAY = 86_400.0


def last_values(
    events: Iterable[Event], device_id: str, key: str = "value"
) -> list[StateValue]:
    """Every value ``key`` of ``device_id`` took in ``events``, in order."""
    return [
        e.data[key]
        for e in events
        if e.kind is EventKind.STATE_CHANGED
        and e.device_id == device_id
        and key in e.data
    ]


def number(value: StateValue) -> float:
    """A state value that must be a number, as a float."""
    assert isinstance(value, int | float)
    assert not isinstance(value, bool)
    return float(value)


def test_freezer_warming_is_labelled_and_visible(home: Scenario) -> None:
    sensor = "sensor.freezer_temperature"
    faulty = Simulator(home, seed=9, start=START)
    normal = Simulator(home, seed=9, start=START)
    label = faulty.inject(AnomalyKind.FREEZER_WARMING, sensor, START + HOUR, 4 * HOUR)
    assert label == AnomalyLabel(
        device_id=sensor,
        kind=AnomalyKind.FREEZER_WARMING,
        start=START + HOUR,
        end=START + 5 * HOUR,
    )
    assert faulty.labels == (label,)
    events = list(faulty.run_until(START + 5 * HOUR))
    list(normal.run_until(START + 5 * HOUR))
    marks = [e for e in events if e.kind is EventKind.ANOMALY_LABEL]
    assert [(e.time, e.device_id, e.data["phase"]) for e in marks] == [
        (START + HOUR, sensor, AnomalyPhase.START),
        (START + 5 * HOUR, sensor, AnomalyPhase.END),
    ]
    assert marks[0].data["kind"] == AnomalyKind.FREEZER_WARMING
    warm = number(faulty.registry.state(sensor)["value"])
    cold = number(normal.registry.state(sensor)["value"])
    assert cold < -15.0
    assert warm > cold + 8.0


def test_door_left_open_holds_the_contact_open(home: Scenario) -> None:
    sim = Simulator(home, seed=9, start=START)
    door = "binary_sensor.front_door_contact"
    sim.inject(AnomalyKind.DOOR_LEFT_OPEN, door, START + HOUR, HOUR)
    list(sim.run_until(START + 1.5 * HOUR))
    assert sim.registry.state(door)["on"] is True
    events = list(sim.run_until(START + 2.5 * HOUR))
    assert sim.registry.state(door)["on"] is False
    assert last_values(events, door, "on") == [False]


def test_pump_vibration_rises() -> None:
    factory = load_scenario("factory")
    sensor = "sensor.pump_1_vibration"
    ten = START + 10 * HOUR
    worn = Simulator(factory, seed=4, start=ten)
    fine = Simulator(factory, seed=4, start=ten)
    worn.inject(AnomalyKind.PUMP_VIBRATION, sensor, ten + 0.5 * HOUR, 4 * HOUR)
    late = [number(v) for v in last_values(worn.run_until(ten + 4.5 * HOUR), sensor)][
        -10:
    ]
    usual = [number(v) for v in last_values(fine.run_until(ten + 4.5 * HOUR), sensor)][
        -10:
    ]
    assert min(usual) > 1.0  # the line runs
    assert sum(late) / len(late) > 3.0 * sum(usual) / len(usual)


def test_spo2_falls() -> None:
    ward = load_scenario("ward")
    sensor = "sensor.room_3_spo2"
    sim = Simulator(ward, seed=4, start=START + 10 * HOUR)
    sim.inject(AnomalyKind.SPO2_FALLING, sensor, START + 11 * HOUR, 3 * HOUR)
    values = [number(v) for v in last_values(sim.run_until(START + 14 * HOUR), sensor)]
    assert max(values[:5]) >= 92.0
    assert values[-1] <= 88.0


def test_machine_fault_stops_the_conveyor() -> None:
    factory = load_scenario("factory")
    ten = START + 10 * HOUR
    sim = Simulator(factory, seed=4, start=ten)
    assert sim.registry.state("switch.conveyor_2")["on"] is True
    sim.inject(AnomalyKind.MACHINE_FAULT, "binary_sensor.line_2_fault", ten + 60, HOUR)
    list(sim.run_until(ten + 0.5 * HOUR))
    assert sim.registry.state("binary_sensor.line_2_fault")["on"] is True
    assert sim.registry.state("switch.conveyor_2")["on"] is False
    list(sim.run_until(ten + 2 * HOUR))
    assert sim.registry.state("binary_sensor.line_2_fault")["on"] is False
    assert sim.registry.state("switch.conveyor_2")["on"] is True


def test_random_schedule_is_deterministic_and_labelled(home: Scenario) -> None:
    first = Simulator(home, seed=21, start=START).inject_random(6)
    again = Simulator(home, seed=21, start=START).inject_random(6)
    other = Simulator(home, seed=22, start=START).inject_random(6)
    assert first == again
    assert first != other
    assert len(first) == 6
    for label in first:
        assert START <= label.start < label.end <= START + DAY
        if label.kind is AnomalyKind.DOOR_LEFT_OPEN:
            hour = (label.start % DAY) / HOUR
            assert hour >= 23.0 or hour < 4.0


def test_random_schedule_emits_a_start_and_end_per_label(home: Scenario) -> None:
    sim = Simulator(home, seed=21, start=START)
    labels = sim.inject_random(5, kinds=[AnomalyKind.POWER_SURGE])
    events = list(sim.run_until(START + DAY))
    marks = [e for e in events if e.kind is EventKind.ANOMALY_LABEL]
    assert len(marks) == 2 * len(labels)
    assert {lab.kind for lab in labels} == {AnomalyKind.POWER_SURGE}


@pytest.mark.parametrize(
    ("kind", "device_id", "start"),
    [
        (AnomalyKind.FREEZER_WARMING, "sensor.kitchen_humidity", START + HOUR),
        (AnomalyKind.PUMP_VIBRATION, "sensor.freezer_temperature", START + HOUR),
        (AnomalyKind.FREEZER_WARMING, "sensor.freezer_temperature", START - HOUR),
    ],
    ids=["wrong-device", "wrong-pack", "in-the-past"],
)
def test_bad_injections_are_refused(
    home: Scenario, kind: AnomalyKind, device_id: str, start: float
) -> None:
    sim = Simulator(home, seed=1, start=START)
    with pytest.raises(AnomalyError):
        sim.inject(kind, device_id, start, HOUR)


def test_overlapping_injection_is_refused(home: Scenario) -> None:
    sim = Simulator(home, seed=1, start=START)
    sim.inject(
        AnomalyKind.FREEZER_WARMING, "sensor.freezer_temperature", START + HOUR, HOUR
    )
    with pytest.raises(AnomalyError):
        sim.inject(
            AnomalyKind.FREEZER_WARMING,
            "sensor.freezer_temperature",
            START + 1.5 * HOUR,
            HOUR,
        )
