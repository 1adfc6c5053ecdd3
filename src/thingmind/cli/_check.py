"""``thingmind check HOME.yaml``: validate a home file and summarise it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from thingmind.cli._console import stdout

if TYPE_CHECKING:
    from thingmind.registry import Home

_NO_FLOOR = "(no floor)"


def check(
    home: Annotated[
        Path,
        typer.Argument(help="The home file to check (YAML).", show_default=False),
    ],
) -> None:
    """Check a home file; list every problem, or summarise the site.

    Exits with 2 when the file is wrong, after printing each problem with its
    line and path (``devices[3].state.brightness``).
    """
    from rich.table import Table  # noqa: PLC0415

    from thingmind.registry import load_home  # noqa: PLC0415

    site = load_home(home)
    console = stdout()
    console.print(
        f"[bold green]ok[/bold green] {home}: {len(site.floors)} floors, "
        f"{len(site.areas)} areas, {len(site.devices)} devices"
    )

    floors = Table(title="Floors")
    floors.add_column("floor")
    floors.add_column("areas", justify="right")
    floors.add_column("devices", justify="right")
    for name, areas, devices in floor_rows(site):
        floors.add_row(name, str(areas), str(devices))
    console.print(floors)

    types = Table(title="Devices per type")
    types.add_column("type")
    types.add_column("devices", justify="right")
    for domain, count in sorted(Counter(d.type.value for d in site.devices).items()):
        types.add_row(domain, str(count))
    console.print(types)


def floor_rows(site: Home) -> list[tuple[str, int, int]]:
    """Return (floor name, areas, devices) per floor, then for areas on no floor.

    Devices in no area are counted in the last row too.
    """
    area_floor = {a.id: a.floor for a in site.areas}
    areas = Counter(a.floor for a in site.areas)
    devices = Counter(
        area_floor.get(d.area) if d.area is not None else None for d in site.devices
    )
    rows = [(f.name, areas[f.id], devices[f.id]) for f in site.floors]
    if areas[None] or devices[None]:
        rows.append((_NO_FLOOR, areas[None], devices[None]))
    return rows


COMMANDS = {"check": check}
"""The commands this module adds to the app."""
