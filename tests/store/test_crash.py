"""Crash test: every acknowledged event survives a SIGKILL of the writer."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

from thingmind.store import SqliteStore

if TYPE_CHECKING:
    from pathlib import Path

BATCH = 50
KILL_AFTER = 40  # acknowledged flushes before the kill

CHILD = textwrap.dedent(
    """
    import sys
    from thingmind.core import Event, EventKind
    from thingmind.store import SqliteStore

    store = SqliteStore(sys.argv[1], batch_size=30, flush_interval=None)
    store.open()
    batch = int(sys.argv[2])
    count = 0
    while True:
        store.append(
            Event(
                kind=EventKind.STATE_CHANGED,
                time=float(count + i),
                device_id="sensor",
                data={"n": count + i, "x": (count + i) / 7},
            )
            for i in range(batch)
        )
        store.flush()
        count += batch
        sys.stdout.write(f"{count}\\n")
        sys.stdout.flush()
    """
)


def test_acknowledged_events_survive_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    child = subprocess.Popen(  # noqa: S603  # our own interpreter and script
        [sys.executable, "-c", CHILD, str(path), str(BATCH)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines = [child.stdout.readline() for _ in range(KILL_AFTER)]
    os.kill(child.pid, signal.SIGKILL)  # mid-stream: the child never stops writing
    rest, _ = child.communicate(timeout=10)
    acknowledged = [int(line) for line in [*lines, *rest.splitlines()] if line.strip()]
    last = acknowledged[-1]

    conn = sqlite3.connect(path)
    (integrity,) = conn.execute("PRAGMA integrity_check").fetchone()
    conn.close()
    with SqliteStore(path, flush_interval=None) as store:
        count = store.count_events()
        kept = store.events(start=0, end=last)
        history = store.history("sensor", "n", start=0, end=last)

    assert child.returncode == -signal.SIGKILL
    assert acknowledged == list(range(BATCH, last + 1, BATCH))
    assert integrity == "ok"
    assert count >= last
    assert [event.data["n"] for event in kept] == list(range(last))
    assert [value for _, value in history] == list(range(last))
