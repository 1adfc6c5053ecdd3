"""Store benchmark: batched ingest of sensor events, then a week-long history query.

Simulates ``--sensors`` sensors (one numeric key each) reporting every ``--interval``
seconds for ``--days`` days, appends the events in batches of ``--batch`` to a
SqliteStore in a temporary folder, and flushes (an fsync'd commit) after every batch,
so every event counted is acknowledged. Event generation is not timed. Then it times
``history()`` for one sensor over the whole period (median of ``--runs``).

Run (about 40 s on a 2-core machine)::

    .venv/bin/python bench/store_ingest.py
    .venv/bin/python bench/store_ingest.py --sensors 200 --days 7 --interval 60 --batch 5000
"""

from __future__ import annotations

import argparse
from pathlib import Path
import random
import statistics
import tempfile
import time

from thingmind.core import Event, EventKind
from thingmind.store import SqliteStore

START = 1_700_000_000.0  # Unix seconds; any fixed time will do


def make_batch(
    first_tick: int,
    ticks: int,
    *,
    sensors: list[str],
    values: list[float],
    interval: float,
    rng: random.Random,
) -> list[Event]:
    """One report per sensor per tick; values follow a small random walk."""
    batch: list[Event] = []
    kind = EventKind.STATE_CHANGED
    for tick in range(first_tick, first_tick + ticks):
        ts = START + tick * interval
        for i, sensor in enumerate(sensors):
            values[i] = round(values[i] + rng.gauss(0.0, 0.05), 2)
            batch.append(
                Event(
                    kind=kind,
                    time=ts + i * 0.001,
                    device_id=sensor,
                    data={"temperature": values[i]},
                    source="sim",
                )
            )
    return batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds")
    parser.add_argument("--batch", type=int, default=5000, help="events per append")
    parser.add_argument("--runs", type=int, default=7, help="query repetitions")
    parser.add_argument("--dir", type=Path, default=None, help="default: a temp dir")
    args = parser.parse_args()

    sensors = [f"sensor_{i:03d}" for i in range(args.sensors)]
    rng = random.Random(42)
    values = [rng.uniform(15.0, 25.0) for _ in sensors]
    total_ticks = int(args.days * 86_400 / args.interval)
    ticks_per_batch = max(1, args.batch // args.sensors)

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "bench.db"
        store = SqliteStore(path, batch_size=args.batch, flush_interval=None)
        store.open()
        append_s = flush_s = 0.0
        count = 0
        for first in range(0, total_ticks, ticks_per_batch):
            ticks = min(ticks_per_batch, total_ticks - first)
            batch = make_batch(
                first,
                ticks,
                sensors=sensors,
                values=values,
                interval=args.interval,
                rng=rng,
            )
            t0 = time.perf_counter()
            store.append(batch)
            t1 = time.perf_counter()
            store.flush()  # acknowledged: fsync'd commit
            t2 = time.perf_counter()
            append_s += t1 - t0
            flush_s += t2 - t1
            count += len(batch)
        total_s = append_s + flush_s
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        print(
            f"ingest: {count:,} events ({args.sensors} sensors x {total_ticks:,} "
            f"samples) in batches of {args.batch}, flush (fsync) after each"
        )
        print(
            f"  {count / total_s:,.0f} events/s acknowledged "
            f"({total_s:.2f} s: append {append_s:.2f} s, flush {flush_s:.2f} s); "
            f"db {size_mb:.0f} MB"
        )

        end = START + total_ticks * args.interval
        sensor = sensors[len(sensors) // 2]
        timings: list[float] = []
        rows = 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            rows = len(store.history(sensor, "temperature", start=START, end=end))
            timings.append((time.perf_counter() - t0) * 1000)
        print(
            f"history: {sensor} over {args.days:g} days = {rows:,} rows: "
            f"median {statistics.median(timings):.1f} ms "
            f"(min {min(timings):.1f}, max {max(timings):.1f}, {args.runs} runs)"
        )
        hour: list[float] = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            store.history(sensor, "temperature", start=end - 3600, end=end)
            hour.append((time.perf_counter() - t0) * 1000)
        print(f"history: last hour: median {statistics.median(hour):.2f} ms")
        t0 = time.perf_counter()
        change = store.last_change(sensor, "temperature")
        print(f"last_change: {(time.perf_counter() - t0) * 1000:.2f} ms -> {change}")
        store.close()


if __name__ == "__main__":
    main()
