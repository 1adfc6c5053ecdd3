"""Faults: the PostgreSQL server restarted while events flow.

A cluster of the test's own (``initdb`` in a temporary folder, a free port), so that
restarting it disturbs no other test. A writer appends and flushes batches without
pause, as the Brain does; mid-stream the server is restarted. Flushes fail while it
is away (never acknowledged, so allowed to be lost); the store reconnects by itself,
says so in the log, and every event whose flush returned is there afterwards.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
import logging
import os
from pathlib import Path
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from typing import TYPE_CHECKING

import pytest

from thingmind.core import Event, EventKind
from thingmind.store import PostgresStore, StoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BATCH = 20
"""Events per flush."""


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _as_postgres(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; scripts/services.sh does the same.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class _Cluster:
    bin: Path
    data: Path
    port: int

    def ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1"
        subprocess.run(  # noqa: S603 - PostgreSQL's own tools, our arguments
            _as_postgres(
                [
                    str(self.bin / "pg_ctl"),
                    *("-D", str(self.data), "-w", "-t", "60", "-o", options),
                    *("-l", str(self.data.parent / "postgres.log"), *args),
                ]
            ),
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgresql://thingmind@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def cluster() -> Iterator[_Cluster]:
    """A PostgreSQL cluster of this test's own; skipped without PostgreSQL."""
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("no PostgreSQL server binaries (scripts/services.sh install)")
    # Not pytest's tmp_path: the postgres user must reach the folder (as root).
    folder = Path(tempfile.mkdtemp(prefix="thingmind-pg-"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    made = _Cluster(bin=pg_bin, data=folder / "data", port=port)
    subprocess.run(  # noqa: S603 - PostgreSQL's own tool, our arguments
        _as_postgres(
            [
                str(pg_bin / "initdb"),
                *("-D", str(made.data), "-U", "thingmind"),
                *("-A", "trust", "-E", "UTF8", "--no-locale"),
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        made.ctl("start")
        yield made
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            made.ctl("-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class _Writer:
    store: PostgresStore
    acknowledged: int = 0
    """Events whose flush returned."""
    failures: int = 0
    """Flushes that raised (the server was away)."""
    attempted: int = 0
    """Events appended, acknowledged or not: 0 .. attempted - 1."""

    def run(self, stop: threading.Event, acked: set[int]) -> None:
        while not stop.is_set():
            batch = range(self.attempted, self.attempted + BATCH)
            self.attempted += BATCH
            try:
                self.store.append(_events(batch))
                self.store.flush()
            except StoreError:
                self.failures += 1
                time.sleep(0.05)
                continue
            acked.update(batch)
            self.acknowledged = len(acked)


def _events(numbers: range) -> list[Event]:
    return [
        Event(
            kind=EventKind.STATE_CHANGED,
            time=float(i),
            device_id="sensor.flow",
            data={"n": i},
            source="test",
        )
        for i in numbers
    ]


def _until(predicate: Callable[[], bool], limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_server_restart_loses_nothing_acknowledged(
    cluster: _Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="thingmind.store")
    store = PostgresStore(cluster.url, flush_interval=None)
    store.open()
    writer = _Writer(store=store)
    acked: set[int] = set()
    stop = threading.Event()
    thread = threading.Thread(target=writer.run, args=(stop, acked), name="writer")
    thread.start()
    try:
        _until(lambda: writer.acknowledged >= 40 * BATCH, 30, "the first flushes")
        before = writer.acknowledged
        cluster.ctl("-m", "fast", "restart")
        _until(lambda: writer.acknowledged >= before + 40 * BATCH, 60, "more flushes")
    finally:
        stop.set()
        thread.join(30)
    stored = {e.data["n"] for e in store.events(start=0, end=float("inf"))}
    store.close()
    messages = [r.getMessage() for r in caplog.records]
    assert writer.failures >= 1
    assert acked <= stored  # a failed flush may have committed: more is allowed
    assert stored <= set(range(writer.attempted))
    assert any(m.startswith("connection to ") and "lost" in m for m in messages)
    assert any(m.startswith("reconnected to ") for m in messages)
