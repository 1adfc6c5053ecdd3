"""``thingmind state``: a table of a site's devices and their state, live with ``--watch``."""

from __future__ import annotations

from pathlib import Path
import time
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from thingmind.cli._console import stdout
from thingmind.cli._sim import ScenarioName, make_simulator
from thingmind.core import EventKind, StateValue, utc_iso

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rich.table import Table

    from thingmind.registry import Home, Registry

_NO_AREA = "(no area)"
_REFRESH = 0.25  # seconds of wall time between table refreshes while watching


def state(
    *,
    home: Annotated[
        Path | None,
        typer.Option(help="A home file; shows the state it declares."),
    ] = None,
    scenario: Annotated[
        ScenarioName | None,
        typer.Option(help="A simulated site (default: home)."),
    ] = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch", "-w", help="Run the simulator and refresh the table live."
        ),
    ] = False,
    seed: Annotated[int, typer.Option(help="Simulator seed (with --watch).")] = 0,
    speed: Annotated[
        float,
        typer.Option(help="Simulated seconds per second of wall time (with --watch)."),
    ] = 60.0,
    duration: Annotated[
        float,
        typer.Option(
            help="Stop watching after this many wall seconds (0: until Ctrl-C)."
        ),
    ] = 0.0,
) -> None:
    """Show every device of a site: area, name, type and current state."""
    from thingmind.registry import Registry, load_home  # noqa: PLC0415

    if home is not None and scenario is not None:
        _bad_option("give either --home or --scenario, not both")
    if home is not None and watch:
        _bad_option("--watch runs a simulated site: use --scenario, not --home")
    if speed <= 0:
        _bad_option(f"--speed must be above 0, got {speed}")
    if duration < 0:
        _bad_option(f"--duration must be 0 or more seconds, got {duration}")
    if home is not None:
        registry = Registry(load_home(home))
        stdout().print(state_table(registry, title=str(home)))
        return

    from thingmind.sim import load_scenario  # noqa: PLC0415

    pack = load_scenario((scenario or ScenarioName.HOME).value)
    if not watch:
        registry = Registry(pack.home)
        stdout().print(state_table(registry, title=f"scenario {pack.name}"))
        return
    _watch(pack.name, seed=seed, speed=speed, duration=duration)


def _bad_option(message: str) -> NoReturn:
    raise typer.BadParameter(message)


def _watch(name: str, *, seed: int, speed: float, duration: float) -> None:
    """Run a scenario at ``speed`` and redraw the table every :data:`_REFRESH` s."""
    from rich.live import Live  # noqa: PLC0415

    from thingmind.registry import Registry  # noqa: PLC0415
    from thingmind.sim import load_scenario  # noqa: PLC0415

    pack = load_scenario(name)
    sim = make_simulator(pack, seed=seed, speed=speed)
    # Our own copy of the site, kept up to date from the events, as a client would.
    registry = Registry(pack.home)
    sim_time = sim.now
    events = 0

    def render() -> Table:
        title = f"scenario {name} at {utc_iso(sim_time)[:19]} UTC, {events} events"
        return state_table(registry, title=title)

    t0 = time.monotonic()
    last = t0
    with Live(render(), console=stdout(), refresh_per_second=1 / _REFRESH) as live:
        try:
            while duration == 0 or time.monotonic() - t0 < duration:
                time.sleep(_REFRESH)
                now = time.monotonic()
                sim_time += (now - last) * speed
                last = now
                for event in sim.run_until(sim_time):
                    events += 1
                    if event.kind is EventKind.STATE_CHANGED and event.device_id:
                        registry.set_state(event.device_id, event.data)
                live.update(render())
        except KeyboardInterrupt:
            pass


def state_table(registry: Registry, *, title: str) -> Table:
    """Return a table of every device: area, name, type and live state.

    Devices are grouped by area in file order; those in no area come last.
    """
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=title)
    table.add_column("area")
    table.add_column("name")
    table.add_column("type")
    table.add_column("state")
    home = registry.home
    for area_name, device_ids in _by_area(home):
        for device_id in device_ids:
            device = home.device(device_id)
            table.add_row(
                area_name,
                device.name,
                device.type.value,
                format_state(registry.state(device_id)),
            )
    return table


def _by_area(home: Home) -> list[tuple[str, list[str]]]:
    groups: dict[str | None, list[str]] = {a.id: [] for a in home.areas}
    groups[None] = []
    for device in home.devices:
        groups.setdefault(device.area, []).append(device.id)
    names = {a.id: a.name for a in home.areas}
    return [
        (names.get(area_id, _NO_AREA) if area_id else _NO_AREA, ids)
        for area_id, ids in groups.items()
        if ids
    ]


def format_state(state: Mapping[str, StateValue]) -> str:
    """Return a device's state as short text: ``on, brightness 40, color warm white``.

    A ``value`` with a ``unit`` reads as one reading (``18.5 °C``); ``on``/``off``
    stand alone; other booleans read ``key yes``/``key no``.
    """
    parts: list[str] = []
    unit = state.get("unit")
    for key, value in state.items():
        if key == "unit" and "value" in state:
            continue
        if key == "value" and unit is not None:
            parts.append(f"{_value(value)} {unit}")
        elif key == "on" and isinstance(value, bool):
            parts.append("on" if value else "off")
        elif isinstance(value, bool):
            parts.append(f"{key} {'yes' if value else 'no'}")
        else:
            parts.append(f"{key} {_value(value)}")
    return ", ".join(parts)


def _value(value: StateValue) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return str(round(value, 2))
    return str(value)


COMMANDS = {"state": state}
"""The commands this module adds to the app."""
