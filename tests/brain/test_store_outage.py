"""The brain keeps history through a store outage: the batch waits, nothing is lost."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from brain.test_conversation import TableParser
from thingmind.brain import Brain
from thingmind.bus import EventBus
from thingmind.core import Event, EventKind
from thingmind.registry import LocalDriver, Registry, parse_home
from thingmind.store import SqliteStore, StoreError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

HOME = """
areas:
  - {id: hall, name: Hall}
devices:
  - {id: sensor.hall_temperature, name: Hall temperature, area: hall, type: sensor,
     device_class: temperature, state: {value: 20.0, unit: "°C"}}
"""
T0 = 1_705_276_800.0


class OutageStore(SqliteStore):
    """A real SQLite store whose first writes fail, as a database being restarted does."""

    def __init__(self, path: Path, *, failures: int) -> None:
        super().__init__(path)
        self.failures = failures

    def append(self, events: Iterable[Event]) -> None:
        if self.failures > 0:
            self.failures -= 1
            msg = "connection to the database was lost"
            raise StoreError(msg)
        super().append(events)


def test_history_written_during_an_outage_is_kept(tmp_path: Path) -> None:
    home = parse_home(HOME, source="outage")

    async def scenario() -> int:
        bus = EventBus()
        with OutageStore(tmp_path / "h.db", failures=3) as store:
            async with Brain(
                home=home,
                parser=TableParser({}),
                driver=LocalDriver(Registry(home)),
                bus=bus,
                store=store,
            ) as brain:
                task = asyncio.create_task(brain.run(flush_every=0.01))
                await asyncio.sleep(0)
                for k in range(20):
                    await bus.publish(
                        Event(
                            kind=EventKind.STATE_CHANGED,
                            time=T0 + k,
                            device_id="sensor.hall_temperature",
                            data={"value": 20.0 + (k + 1) / 10},  # each a change
                        )
                    )
                    await asyncio.sleep(0.005)
                for _ in range(200):  # until the store is back and the batch is in
                    await asyncio.sleep(0.01)
                    if store.failures == 0 and not brain._pending:
                        break
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            store.flush()
            return len(store.events(start=T0, end=T0 + 100))

    assert asyncio.run(scenario()) == 20
