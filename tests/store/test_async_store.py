"""Tests of the async wrapper."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from thingmind.core import Event, EventKind
from thingmind.store import AsyncStore, SqliteStore

if TYPE_CHECKING:
    from pathlib import Path


class ThreadRecordingStore(SqliteStore):
    """Records the thread each flush runs in."""

    flush_threads: list[str]

    def flush(self) -> None:
        self.flush_threads.append(threading.current_thread().name)
        super().flush()


async def test_async_store_round_trip(tmp_path: Path) -> None:
    inner = ThreadRecordingStore(tmp_path / "s.db", flush_interval=None)
    inner.flush_threads = []
    events = [
        Event(kind=EventKind.STATE_CHANGED, time=float(t), device_id="s", data={"t": t})
        for t in range(5)
    ]
    async with AsyncStore(inner) as store:
        await store.append(iter(events))
        await store.flush()
        await store.put_meta("m", [1])
        assert await store.count_events() == 5
        assert await store.history("s", "t", start=1, end=3) == [(1.0, 1), (2.0, 2)]
        assert await store.last_change("s", "t") == (4.0, 4)
        assert (
            await store.events(start=0, end=2, kinds={EventKind.STATE_CHANGED})
            == (events[:2])
        )
        assert await store.get_meta("m") == [1]
        assert await store.purge(2.0) == 2
    assert not inner.is_open
    assert inner.flush_threads[0].startswith("thingmind-store")
    assert threading.current_thread().name not in inner.flush_threads
