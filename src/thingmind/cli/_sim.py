"""``thingmind sim SCENARIO``: run a scenario pack, its events on the bus and in a store."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
import time
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from thingmind.cli._console import stdout
from thingmind.core import EventKind, utc_iso

if TYPE_CHECKING:
    from rich.table import Table

    from thingmind.bus import Subscription
    from thingmind.sim import Scenario, Simulator
    from thingmind.store import Store

DEFAULT_START = 1_705_276_800.0
"""Where simulations start unless told: Monday 2024-01-15 00:00 UTC (Unix seconds)."""

_BATCH = 500  # events per store.append while the bus has more queued


class ScenarioName(StrEnum):
    """The scenario packs the simulator ships (``thingmind.sim.SCENARIOS``)."""

    HOME = "home"
    FACTORY = "factory"
    WARD = "ward"


def make_simulator(
    scenario: Scenario,
    *,
    seed: int,
    speed: float | None,
    start: float = DEFAULT_START,
) -> Simulator:
    """Build a simulator the way every command does.

    Args:
        scenario: The pack.
        seed: Fixes the run.
        speed: Virtual seconds per wall second; None or 0 for as fast as possible.
        start: Virtual start, Unix seconds.

    Returns:
        The simulator, at ``start``.
    """
    from thingmind.sim import Simulator  # noqa: PLC0415

    return Simulator(scenario, seed=seed, start=start, speed=speed or None)


@dataclass(slots=True, kw_only=True)
class SimStats:
    """What a run has done so far; read by the live summary."""

    start: float
    """Virtual start, Unix seconds."""
    until: float
    """Virtual end, Unix seconds."""
    now: float
    """Virtual time of the last event seen."""
    wall_start: float = field(default_factory=time.monotonic)
    """``time.monotonic()`` when the run began."""
    events: int = 0
    """Events seen on the bus."""
    stored: int = 0
    """Events handed to the store."""
    anomalies_planned: int = 0
    """Anomalies injected before the run."""
    anomalies_started: int = 0
    """``ANOMALY_LABEL`` start events seen."""
    by_kind: Counter[str] = field(default_factory=Counter)
    """Events seen, by kind."""

    def events_per_second(self) -> float:
        """Return events seen per wall second so far."""
        elapsed = time.monotonic() - self.wall_start
        return self.events / elapsed if elapsed > 0 else 0.0

    def progress(self) -> float:
        """Return the fraction of the virtual span done, 0 to 1."""
        span = self.until - self.start
        return min(1.0, (self.now - self.start) / span) if span > 0 else 1.0


def sim(
    scenario: Annotated[
        ScenarioName,
        typer.Argument(help="The scenario pack to run.", show_default=False),
    ],
    *,
    seed: Annotated[int, typer.Option(help="Fixes every random draw of the run.")] = 0,
    speed: Annotated[
        float,
        typer.Option(help="Simulated seconds per wall second; 0: as fast as possible."),
    ] = 1000.0,
    fast: Annotated[
        bool, typer.Option("--fast", help="As fast as possible (same as --speed 0).")
    ] = False,
    hours: Annotated[float, typer.Option(help="Simulated hours to run.")] = 24.0,
    db: Annotated[
        Path | None,
        typer.Option(help="SQLite file to store the events in (created if missing)."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Simulated start, ISO date or time (default 2024-01-15, UTC)."
        ),
    ] = None,
    anomalies: Annotated[
        int, typer.Option(help="Anomalies to inject at random during the run.")
    ] = 3,
) -> None:
    """Run a simulated site, publishing its events on the bus (and into --db)."""
    from thingmind.sim import load_scenario  # noqa: PLC0415

    if speed < 0:
        _usage(f"--speed must be 0 or more, got {speed}")
    if hours <= 0:
        _usage(f"--hours must be above 0, got {hours}")
    if anomalies < 0:
        _usage(f"--anomalies must be 0 or more, got {anomalies}")
    begin = _parse_start(start)
    pack = load_scenario(scenario.value)
    simulator = make_simulator(
        pack, seed=seed, speed=None if fast else speed, start=begin
    )
    until = begin + hours * 3600.0
    planned = (
        simulator.inject_random(anomalies, start=begin, end=until) if anomalies else ()
    )
    stats = SimStats(
        start=begin, until=until, now=begin, anomalies_planned=len(planned)
    )

    store = _open_store(db) if db is not None else None
    try:
        _run_live(simulator, stats, store)
        if store is not None:
            store.flush()
    finally:
        if store is not None:
            store.close()

    console = stdout()
    console.print(_final_table(stats, pack_name=pack.name))
    wall = time.monotonic() - stats.wall_start
    stored = f", stored in {db}" if db is not None else ""
    console.print(
        f"[bold]{stats.events} events[/bold] over {hours:g} simulated hours "
        f"in {wall:.1f} s ({stats.events / max(wall, 1e-9):,.0f} events/s){stored}; "
        f"anomalies: {stats.anomalies_planned} injected, "
        f"{stats.anomalies_started} started"
    )


def _usage(message: str) -> NoReturn:
    raise typer.BadParameter(message)


def _parse_start(text: str | None) -> float:
    if text is None:
        return DEFAULT_START
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        _usage(f"--start must be an ISO date or time (2024-01-15T06:00), got {text!r}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when.timestamp() < 0:
        _usage(f"--start must be after 1970, got {text!r}")
    return when.timestamp()


def _open_store(db: Path) -> Store:
    from thingmind.store import open_store  # noqa: PLC0415

    return open_store(f"sqlite:///{db.resolve()}")


def _run_live(simulator: Simulator, stats: SimStats, store: Store | None) -> None:
    """Run to ``stats.until`` with a summary redrawn by rich in its own thread."""
    from rich.live import Live  # noqa: PLC0415

    with Live(
        get_renderable=lambda: _summary(stats),
        console=stdout(),
        refresh_per_second=4,
        transient=True,
    ):
        asyncio.run(_run(simulator, stats, store))


async def _run(simulator: Simulator, stats: SimStats, store: Store | None) -> None:
    from thingmind.bus import EventBus  # noqa: PLC0415

    async with EventBus() as bus, asyncio.TaskGroup() as tasks:
        # Subscribed before the run starts, so no event is missed; a full queue makes
        # the simulator wait (backpressure) rather than drop events.
        sub = bus.subscribe()
        tasks.create_task(_consume(sub, stats, store), name="sim-consume")
        await simulator.run(bus.publish, until=stats.until)
        await bus.close()  # the consumer drains the queue, then ends


async def _consume(sub: Subscription, stats: SimStats, store: Store | None) -> None:
    batch = []
    async for event in sub:
        stats.events += 1
        stats.now = event.time
        stats.by_kind[event.kind.value] += 1
        if event.kind is EventKind.ANOMALY_LABEL and event.data.get("phase") == "start":
            stats.anomalies_started += 1
        if store is not None:
            batch.append(event)
            if len(batch) >= _BATCH or sub.qsize() == 0:
                store.append(batch)
                stats.stored += len(batch)
                batch = []
    if store is not None and batch:
        store.append(batch)
        stats.stored += len(batch)
    stats.now = stats.until


def _summary(stats: SimStats) -> str:
    return (
        f"[bold]{utc_iso(stats.now)[:19]}[/bold] UTC  {stats.progress():6.1%}  "
        f"{stats.events} events  {stats.events_per_second():,.0f} events/s  "
        f"{stats.anomalies_started}/{stats.anomalies_planned} anomalies"
    )


def _final_table(stats: SimStats, *, pack_name: str) -> Table:
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=f"{pack_name}: events")
    table.add_column("kind")
    table.add_column("events", justify="right")
    for kind, count in sorted(stats.by_kind.items()):
        table.add_row(kind, str(count))
    table.add_row("[bold]total[/bold]", f"[bold]{stats.events}[/bold]")
    return table


COMMANDS = {"sim": sim}
"""The commands this module adds to the app."""
