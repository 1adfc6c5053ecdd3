"""``thingmind sim-mqtt SCENARIO --broker URL``: the simulator as MQTT devices.

Also :func:`run_over_mqtt`, the Brain wired to a broker, for ``thingmind demo --mqtt``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from thingmind.cli._sim import DEFAULT_START, ScenarioName

if TYPE_CHECKING:
    from thingmind.brain import Brain
    from thingmind.bus import EventBus
    from thingmind.mqtt import MqttBridge
    from thingmind.registry import Home
    from thingmind.store import Store

_LOGGER = logging.getLogger(__name__)


async def stop_task(task: asyncio.Task[Any]) -> None:
    """Cancel a task until it is done.

    Python 3.11's ``asyncio.wait_for`` (used inside aiomqtt) can swallow a
    cancellation that lands just as its future completes; cancelling again ends it.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.1)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()


def sim_mqtt(
    scenario: Annotated[
        ScenarioName,
        typer.Argument(help="The scenario pack to run.", show_default=False),
    ],
    *,
    broker: Annotated[
        str,
        typer.Option(
            help="Broker URL: mqtt://[user:password@]host[:port], mqtts:// for TLS."
        ),
    ] = "mqtt://127.0.0.1:1883",
    seed: Annotated[int, typer.Option(help="Fixes every random draw of the run.")] = 0,
    speed: Annotated[
        float,
        typer.Option(help="Simulated seconds per wall second; 0: as fast as possible."),
    ] = 60.0,
    realtime: Annotated[
        bool, typer.Option(help="Start at the wall clock's time, not the fixed start.")
    ] = True,
    base: Annotated[
        str | None,
        typer.Option(
            help="The devices' topic root (default thingmind-sim/<scenario>)."
        ),
    ] = None,
    prefix: Annotated[
        str, typer.Option(help="Home Assistant discovery prefix.")
    ] = "homeassistant",
    simulate: Annotated[
        bool,
        typer.Option(help="Run the simulation; --no-simulate only obeys commands."),
    ] = True,
) -> None:
    """Run a scenario pack as MQTT devices: discovery, state, commands, availability."""
    from thingmind.cli._sim import make_simulator  # noqa: PLC0415
    from thingmind.mqtt import parse_broker_url  # noqa: PLC0415
    from thingmind.sim import load_scenario  # noqa: PLC0415
    from thingmind.sim._mqtt import SimulatorMqtt  # noqa: PLC0415

    settings = parse_broker_url(broker)
    pack = load_scenario(scenario.value)
    start = time.time() if realtime else DEFAULT_START
    sim = make_simulator(pack, seed=seed, speed=speed, start=start)
    runner = SimulatorMqtt(
        sim,
        broker=settings,
        base=base or f"thingmind-sim/{scenario.value}",
        prefix=prefix,
    )
    typer.echo(
        f"sim-mqtt: {pack.name} ({len(pack.home.devices)} devices) on "
        f"{settings.host}:{settings.port}, topics under {base or f'thingmind-sim/{scenario.value}'}"
    )

    async def main() -> None:
        task = asyncio.create_task(runner.run(simulate=simulate), name="sim-mqtt")
        try:
            await asyncio.shield(task)
        finally:
            await stop_task(task)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


async def run_over_mqtt(
    *,
    home: Home,
    parser: Any,
    broker_url: str,
    bus: EventBus,
    store: Store | None = None,
    site: str = "home",
) -> tuple[Brain, MqttBridge, list[asyncio.Task[None]]]:
    """Wire a Brain to a broker and start it (for ``thingmind demo --mqtt URL``).

    Args:
        home: The site.
        parser: The language model.
        broker_url: ``mqtt://host:port``.
        bus: The event bus.
        store: Where history goes.
        site: The site's name in thingmind's topics.

    Returns:
        The Brain, the bridge and the running tasks (stop them with :func:`stop_task`).
    """
    from thingmind.brain import Brain  # noqa: PLC0415
    from thingmind.mqtt import MqttBridge, MqttSettings, parse_broker_url  # noqa: PLC0415

    settings = MqttSettings(broker=parse_broker_url(broker_url), site=site)
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(home=home, parser=parser, driver=bridge.driver, bus=bus, store=store)
    bridge.attach(brain)
    tasks = [
        asyncio.create_task(bridge.run(), name="mqtt"),
        asyncio.create_task(brain.run(), name="brain"),
    ]
    return brain, bridge, tasks


COMMANDS = {"sim-mqtt": sim_mqtt}
"""The commands this module adds to the app."""
