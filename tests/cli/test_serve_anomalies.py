"""``serve`` starts anomaly detectors for every sensor: alerts reach the bus and the store."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from thingmind.bus import EventBus
from thingmind.cli._serve import anomaly_loop
from thingmind.core import Event, EventKind, ManualClock
from thingmind.registry import Registry, parse_home
from thingmind.rules import AnomalyMonitor, SiteLocation
from thingmind.store import SqliteStore

if TYPE_CHECKING:
    from pathlib import Path

HOME = """
areas:
  - {id: kitchen, name: Kitchen}
devices:
  - {id: sensor.freezer_temperature, name: Freezer temperature, area: kitchen,
     type: sensor, device_class: temperature, state: {value: -18.0, unit: "°C"}}
"""
T0 = 1_705_276_800.0


def test_a_warm_freezer_raises_one_alert_on_the_bus_and_in_the_store(
    tmp_path: Path,
) -> None:
    async def scenario() -> tuple[list[Event], list[Event]]:
        registry = Registry(parse_home(HOME, source="freezer"))
        clock = ManualClock(T0)
        monitor = AnomalyMonitor(
            registry,
            site=SiteLocation(latitude=51.5, longitude=-0.1, timezone="UTC"),
            start=T0,
        )
        bus = EventBus()
        with SqliteStore(tmp_path / "alerts.db") as store:
            watcher = bus.subscribe(kinds={EventKind.ALERT})
            loop = asyncio.create_task(
                anomaly_loop(
                    monitor,
                    bus.subscribe(kinds={EventKind.STATE_CHANGED}),
                    bus=bus,
                    store=store,
                    clock=clock,
                    tick_every=0.05,
                )
            )
            await asyncio.sleep(0)  # the loop subscribes before events flow
            seen: list[Event] = []
            async with watcher as alerts:
                warm = [-18.0, -17.5] + [-9.0] * 10  # the limit holds for minutes first
                for minute, value in enumerate(warm):
                    clock.set(T0 + 60 * minute)
                    await bus.publish(
                        Event(
                            kind=EventKind.STATE_CHANGED,
                            time=clock.now(),
                            device_id="sensor.freezer_temperature",
                            data={"value": value},
                        )
                    )
                first = await asyncio.wait_for(alerts.__anext__(), timeout=5)
                seen.append(first)
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)
            store.flush()
            kept = store.events(start=T0, end=T0 + 3600, kinds=[EventKind.ALERT])
        return seen, kept

    seen, kept = asyncio.run(scenario())
    assert [a.device_id for a in seen] == ["sensor.freezer_temperature"]
    assert seen[0].data["phase"] == "start"
    assert seen[0].data["detector"] == "limit"
    # one alert while the freezer stays warm: deduplicated, not one per reading
    assert [(a.device_id, a.data["phase"]) for a in kept] == [
        ("sensor.freezer_temperature", "start")
    ]
