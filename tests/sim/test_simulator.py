"""The simulator: determinism, coverage, physics responses and the driver interface."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from thingmind.core import Domain, Event, EventKind, StateValue
from thingmind.registry import DeviceDriver
from thingmind.sim import SCENARIOS, Scenario, Simulator, load_scenario

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


def _signature(events: list[Event]) -> list[tuple[float, str | None, str]]:
    return [(e.time, e.device_id, repr(sorted(e.data.items()))) for e in events]


def test_same_seed_gives_the_same_events(home: Scenario) -> None:
    first = list(Simulator(home, seed=3, start=START).run_until(START + 6 * HOUR))
    second = list(Simulator(home, seed=3, start=START).run_until(START + 6 * HOUR))
    assert len(first) > 1000
    assert _signature(first) == _signature(second)


def test_another_seed_gives_other_events(home: Scenario) -> None:
    first = list(Simulator(home, seed=3, start=START).run_until(START + 6 * HOUR))
    other = list(Simulator(home, seed=4, start=START).run_until(START + 6 * HOUR))
    assert _signature(first) != _signature(other)


def test_a_day_of_the_home_reports_every_sensor(home: Scenario) -> None:
    sim = Simulator(home, seed=11, start=START)
    began = time.process_time()
    events = list(sim.run_until(START + DAY))
    cpu = time.process_time() - began
    assert cpu < 10.0
    assert sim.now == START + DAY
    times = [e.time for e in events]
    assert times == sorted(times)
    assert all(START <= t <= START + DAY for t in times)
    reported = {e.device_id for e in events if e.kind is EventKind.STATE_CHANGED}
    sensors = {
        d.id
        for d in home.home.devices
        if d.type in (Domain.SENSOR, Domain.BINARY_SENSOR)
    }
    assert sensors - reported == set()


def test_events_carry_only_changed_keys(home_sim: Simulator) -> None:
    previous: dict[str, dict[str, object]] = {
        d.id: dict(home_sim.registry.state(d.id)) for d in home_sim.registry.devices()
    }
    for event in home_sim.run_until(START + 3 * HOUR):
        assert event.kind is EventKind.STATE_CHANGED
        assert event.device_id is not None
        assert event.source == "sim"
        assert event.data
        before = previous[event.device_id]
        for key, value in event.data.items():
            assert before[key] != value
            before[key] = value


@pytest.mark.parametrize("name", SCENARIOS, ids=SCENARIOS)
def test_every_pack_runs_a_day_fast(name: str) -> None:
    sim = Simulator(load_scenario(name), seed=1, start=START)
    began = time.process_time()
    count = sum(1 for _ in sim.run_until(START + DAY))
    assert time.process_time() - began < 10.0
    assert count > 10_000


def test_heating_raises_the_room_temperature(home: Scenario) -> None:
    noon = START + 12 * HOUR
    heated = Simulator(home, seed=5, start=noon)
    unheated = Simulator(home, seed=5, start=noon)
    thermostat = "climate.living_room_thermostat"
    heated.call(thermostat, "set_hvac_mode", {"hvac_mode": "heat"})
    heated.call(thermostat, "set_temperature", {"temperature": 23})
    unheated.call(thermostat, "set_hvac_mode", {"hvac_mode": "off"})
    before = number(heated.registry.state("sensor.living_room_temperature")["value"])
    list(heated.run_until(noon + HOUR))
    list(unheated.run_until(noon + HOUR))
    warm = number(heated.registry.state("sensor.living_room_temperature")["value"])
    cold = number(unheated.registry.state("sensor.living_room_temperature")["value"])
    assert warm > before + 2.0
    assert warm > cold + 2.0
    current = number(heated.registry.state(thermostat)["current_temperature"])
    assert current == pytest.approx(warm, abs=0.5)


def test_power_follows_a_load_switched_on(home: Scenario) -> None:
    noon = START + 12 * HOUR
    sim = Simulator(home, seed=5, start=noon)
    list(sim.run_until(noon + 120))
    idle = number(sim.registry.state("sensor.kitchen_power")["value"])
    house_idle = number(sim.registry.state("sensor.house_power")["value"])
    sim.call("switch.kettle", "turn_on", {})
    events = list(sim.run_until(noon + 240))
    busy = last_values(events, "sensor.kitchen_power")
    assert number(busy[-1]) > idle + 1500
    assert number(sim.registry.state("sensor.house_power")["value"]) > house_idle + 1500


def test_commands_through_the_driver_change_state(home_sim: Simulator) -> None:
    assert isinstance(home_sim, DeviceDriver)
    list(home_sim.run_until(START + 60))
    changed = home_sim.call("light.kitchen_ceiling", "turn_on", {"brightness": 40})
    assert changed == {"on": True, "brightness": 40}
    assert home_sim.registry.state("light.kitchen_ceiling")["brightness"] == 40
    events = home_sim.step(1.0)
    echo = [e for e in events if e.device_id == "light.kitchen_ceiling"]
    assert echo[0].data == {"on": True, "brightness": 40}
    assert echo[0].time == START + 60
    assert home_sim.now == START + 61


def test_the_plan_uses_devices_too(home_sim: Simulator) -> None:
    events = list(home_sim.run_until(START + DAY))
    kettle = last_values(events, "switch.kettle", "on")
    assert True in kettle
    assert kettle[-1] is False


def test_clock_reads_virtual_time(home_sim: Simulator) -> None:
    home_sim.step(90.0)
    assert home_sim.clock.now() == START + 90.0


def test_time_cannot_run_backwards(home_sim: Simulator) -> None:
    home_sim.step(10.0)
    with pytest.raises(ValueError, match="back"):
        list(home_sim.run_until(START))


async def test_async_run_unpaced_matches_run_until(home: Scenario) -> None:
    collected: list[Event] = []

    async def publish(event: Event) -> None:
        collected.append(event)

    await Simulator(home, seed=2, start=START).run(publish, until=START + 2 * HOUR)
    expected = list(Simulator(home, seed=2, start=START).run_until(START + 2 * HOUR))
    assert _signature(collected) == _signature(expected)


async def test_async_run_paced_by_speed(home: Scenario) -> None:
    collected: list[Event] = []

    async def publish(event: Event) -> None:
        collected.append(event)

    sim = Simulator(home, seed=2, start=START, speed=36_000.0)  # an hour in 0.1 s
    began = time.monotonic()
    await sim.run(publish, until=START + HOUR)
    elapsed = time.monotonic() - began
    assert sim.now == START + HOUR
    assert 0.05 < elapsed < 5.0
    assert collected
    assert collected[-1].time <= START + HOUR
