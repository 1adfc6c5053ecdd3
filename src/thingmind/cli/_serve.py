"""``thingmind serve``: the HTTP API and dashboard on a home file or a simulated site.

``run_server`` (from :mod:`thingmind.api`) is what ``demo`` calls to put the same
server next to its simulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
import tempfile
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from thingmind.cli._console import stderr, stdout

if TYPE_CHECKING:
    from thingmind.api import Authenticator
    from thingmind.brain import Brain
    from thingmind.bus import EventBus
    from thingmind.core import Clock
    from thingmind.registry import DeviceDriver
    from thingmind.store import Store

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 8123
"""The port ``serve`` listens on unless told otherwise."""


class _NoModel:
    """Stands in when no language model is built yet: nothing is understood."""

    version = "none"

    def parse(self, text: str) -> Any:
        from thingmind.nlu import ParsedCommand  # noqa: PLC0415

        return ParsedCommand(text=text, words=(), clauses=(), confidence=0.0)


async def run_server(
    brain: Brain,
    store: Store | None,
    bus: EventBus,
    *,
    driver: DeviceDriver,
    host: str,
    port: int,
    token: str | Authenticator,
    clock: Clock | None = None,
    site_id: str = "home",
    site_name: str = "Home",
    model_version: str = "",
    announce: bool = True,
) -> None:
    """Serve the API and dashboard of a running brain until cancelled or Ctrl-C.

    Args:
        brain: The running brain (its ``run()`` task is the caller's).
        store: Its history.
        bus: The bus the brain and the devices share.
        driver: The device layer the brain was built with (the simulator, MQTT).
        host: Address to listen on.
        port: TCP port (0: any free one).
        token: The bearer token (or an authenticator).
        clock: The site's clock (the simulator's in the demo).
        site_id: The site's id.
        site_name: The site's name.
        model_version: The language model's version.
        announce: Print the dashboard's address (with the token) once listening.
    """
    from thingmind.api import run_server as serve_api  # noqa: PLC0415

    def started(url: str) -> None:
        if not announce:
            return
        link = f"{url}/#token={token}" if isinstance(token, str) else f"{url}/"
        console = stdout()
        console.print(
            f"[bold]thingmind[/bold] dashboard: [link={link}]{link}[/link]",
            highlight=False,
            soft_wrap=True,
        )
        console.print(
            f"API: {url}/api/docs   metrics: {url}/metrics   Ctrl-C stops",
            highlight=False,
            soft_wrap=True,
        )

    await serve_api(
        brain,
        store,
        bus,
        driver=driver,
        host=host,
        port=port,
        token=token,
        clock=clock,
        site_id=site_id,
        site_name=site_name,
        model_version=model_version,
        on_started=started,
    )


def serve(
    home: Annotated[
        Path | None,
        typer.Option(help="Home file of a real site (devices driven in-process)."),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(help="Simulate a scenario pack instead: home, factory or ward."),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0: the whole network).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = DEFAULT_PORT,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="THINGMIND_TOKEN",
            help="The API token (default: a new random one, printed at start).",
        ),
    ] = None,
    db: Annotated[
        Path | None, typer.Option(help="SQLite file for the history (default: temp).")
    ] = None,
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per real second.")
    ] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed of the simulation.")] = 1,
    no_adapt: Annotated[
        bool,
        typer.Option("--no-adapt", help="With --home: use the default model as is."),
    ] = False,
) -> None:
    """Serve the HTTP API and the dashboard for a home file or a simulated site."""
    if home is not None and scenario is not None:
        msg = "give --home or --scenario, not both"
        raise typer.BadParameter(msg)
    if token is not None and len(token) < 8:
        msg = "the token needs at least 8 characters"
        raise typer.BadParameter(msg, param_hint="--token")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            _serve(
                home=home,
                scenario_name=scenario,
                host=host,
                port=port,
                token=token,
                db=db,
                speed=speed,
                seed=seed,
                adapt=not no_adapt,
            )
        )


async def _serve(
    *,
    home: Path | None,
    scenario_name: str | None,
    host: str,
    port: int,
    token: str | None,
    db: Path | None,
    speed: float,
    seed: int,
    adapt: bool,
) -> None:
    from thingmind.api import TokenAuth  # noqa: PLC0415
    from thingmind.brain import Brain  # noqa: PLC0415
    from thingmind.bus import EventBus  # noqa: PLC0415
    from thingmind.cli._nlu import (  # noqa: PLC0415
        ModelMissingError,
        load_default_tagger,
        tagger_for_home,
    )
    from thingmind.registry import LocalDriver, Registry, load_home  # noqa: PLC0415
    from thingmind.sim import Simulator, load_scenario  # noqa: PLC0415
    from thingmind.store import SqliteStore  # noqa: PLC0415

    console = stderr()
    sim: Simulator | None = None
    driver: DeviceDriver
    if home is not None:
        site = load_home(home)
        driver = LocalDriver(Registry(site))
        site_id, site_name = home.stem, home.stem.replace("_", " ").title()
    else:
        scenario = load_scenario(scenario_name or "home")
        sim = Simulator(scenario, seed=seed, start=time.time(), speed=speed)
        site, driver = scenario.home, sim
        site_id, site_name = scenario.name, f"{scenario.name.title()} (simulated)"
    parser: Any
    try:
        parser = (
            tagger_for_home(home, adapt=adapt)
            if home is not None
            else load_default_tagger()
        )
    except ModelMissingError as err:
        console.print(
            f"[yellow]{err}; sentences will not be understood[/yellow]",
            highlight=False,
        )
        parser = _NoModel()
    db_path = db or Path(tempfile.mkdtemp(prefix="thingmind-serve-")) / "history.db"
    store = SqliteStore(db_path)
    store.open()
    bus = EventBus()
    secret = token or TokenAuth.generate()
    clock = sim.clock if sim is not None else None
    try:
        async with Brain(
            home=site, parser=parser, driver=driver, bus=bus, store=store, clock=clock
        ) as brain:
            tasks = [asyncio.create_task(brain.run(), name="brain")]
            if sim is not None:
                tasks.append(asyncio.create_task(sim.run(bus.publish), name="sim"))
            try:
                await run_server(
                    brain,
                    store,
                    bus,
                    driver=driver,
                    host=host,
                    port=port,
                    token=secret,
                    clock=clock,
                    site_id=site_id,
                    site_name=site_name,
                    model_version=str(getattr(parser, "version", "")),
                    announce=True,
                )
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
    finally:
        store.close()
    console.print(f"history kept in {db_path}", highlight=False)


COMMANDS = {"serve": serve}
"""The commands this module adds to the app."""
