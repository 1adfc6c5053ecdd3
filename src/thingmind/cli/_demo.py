"""``thingmind demo``: the simulated home, live, with typed commands."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
import functools
import json
from pathlib import Path
import secrets
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from thingmind.cli._mqtt import stop_task
from thingmind.cli._serve import DEFAULT_LLM_TIMEOUT

if TYPE_CHECKING:
    from rich.console import Console

    from thingmind.brain import Brain, GenerativeFallback, TurnResult
    from thingmind.mqtt import MqttBridge
    from thingmind.sim import Simulator

_QUIET_TYPES = {"sensor"}  # sensors change every minute; the live log shows the rest
_QUIET_KEYS = {"current_temperature"}  # a thermostat's reading, as chatty as a sensor


class _NoModel:
    """Stands in when no language model is built yet, and says what to do."""

    version = "none"

    def parse(self, text: str) -> Any:
        from thingmind.nlu import ParsedCommand  # noqa: PLC0415

        return ParsedCommand(text=text, words=(), clauses=(), confidence=0.0)


def _show_turn(console: Console, result: TurnResult) -> None:
    for device_id, changed in result.changes.items():
        console.print(f"  [green]{device_id}[/green] -> {json.dumps(changed)}")
    style = "yellow" if result.refused or result.clarify else "bold"
    console.print(
        f"[{style}]{result.answer}[/{style}]  [dim]{result.latency_ms:.1f} ms[/dim]"
    )
    draft = result.draft
    asked = result.answer.endswith("?")  # an automation shown for a yes or no
    if asked and draft is not None and draft.automation is not None and draft.yaml:
        console.print(
            draft.yaml.rstrip(),
            style="dim",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _state_table(brain: Brain) -> Any:
    from rich.table import Table  # noqa: PLC0415

    table = Table(title="The site now")
    for col in ("area", "device", "state"):
        table.add_column(col)
    home = brain.registry.home
    for device in home.devices:
        area = home.area(device.area).name if device.area else "-"
        table.add_row(
            area, device.name, json.dumps(dict(brain.registry.state(device.id)))
        )
    return table


def demo(
    scenario: Annotated[str, typer.Option(help="home, factory or ward.")] = "home",
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per real second.")
    ] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed of the simulation.")] = 1,
    duration: Annotated[
        float, typer.Option(help="Stop after this many real seconds (0: until Ctrl-C).")
    ] = 0.0,
    say: Annotated[
        list[str] | None,
        typer.Option("--say", help="A sentence to say at start (repeatable)."),
    ] = None,
    area: Annotated[str | None, typer.Option(help="The area you are in.")] = None,
    db: Annotated[
        Path | None, typer.Option(help="SQLite file for the history.")
    ] = None,
    port: Annotated[
        int, typer.Option(help="Dashboard port (0: no web server).")
    ] = 8321,
    host: Annotated[str, typer.Option(help="Dashboard address.")] = "127.0.0.1",
    mqtt: Annotated[
        str | None,
        typer.Option(
            help="Run the simulated devices over this broker (mqtt://host:port)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="YAML configuration: `security:` (users, roles, limits)."),
    ] = None,
    llm_url: Annotated[
        str | None,
        typer.Option(
            help="OpenAI-compatible server for what the model is unsure of: "
            "http://host:port (docs/fallback.md)."
        ),
    ] = None,
    llm_model: Annotated[
        str, typer.Option(help="Model name on the --llm-url server.")
    ] = "",
    llm_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for --llm-url before asking you.")
    ] = DEFAULT_LLM_TIMEOUT,
) -> None:
    """Run a scenario pack live: devices change, and you can type commands to it.

    The dashboard is served on http://HOST:PORT; its address, with its access token,
    is printed at start. Everything passes the same security gate as ``serve``.
    """
    from thingmind.cli._serve import load_config, make_fallback  # noqa: PLC0415

    web = _Web(host=host, port=port) if port else None
    loaded = load_config(config)
    extra = _Extra(mqtt=mqtt, config=loaded)
    fallback = make_fallback(
        llm_url, model=llm_model, timeout=llm_timeout, config=loaded
    )
    try:
        asyncio.run(
            _demo(
                scenario,
                speed,
                seed,
                duration,
                say or [],
                area,
                db,
                web,
                extra,
                fallback=fallback,
            )
        )
    finally:
        if fallback is not None:
            fallback.close()


@dataclass(frozen=True, slots=True, kw_only=True)
class _Web:
    host: str
    port: int


@dataclass(frozen=True, slots=True, kw_only=True)
class _Extra:
    mqtt: str | None
    config: Mapping[str, object]


async def _demo(
    scenario_name: str,
    speed: float,
    seed: int,
    duration: float,
    say: list[str],
    area: str | None,
    db: Path | None,
    web: _Web | None,
    extra: _Extra | None = None,
    *,
    fallback: GenerativeFallback | None = None,
) -> None:
    from rich.console import Console  # noqa: PLC0415

    from thingmind.api import CredentialsAuth  # noqa: PLC0415
    from thingmind.brain import Brain  # noqa: PLC0415
    from thingmind.bus import EventBus  # noqa: PLC0415
    from thingmind.cli._nlu import ModelMissingError, load_default_tagger  # noqa: PLC0415
    from thingmind.cli._serve import (  # noqa: PLC0415
        build_security,
        mqtt_bridge,
        run_server,
    )
    from thingmind.cli._serve_rules import watch_site  # noqa: PLC0415
    from thingmind.cli._serve_security import user_data  # noqa: PLC0415
    from thingmind.core import EventKind  # noqa: PLC0415
    from thingmind.resolve import Context  # noqa: PLC0415
    from thingmind.sim import Simulator, load_scenario  # noqa: PLC0415
    from thingmind.store import SqliteStore  # noqa: PLC0415

    console = Console()
    scenario = load_scenario(scenario_name)
    try:
        parser: Any = load_default_tagger()
    except ModelMissingError as err:
        console.print(f"[yellow]{err}; commands will not be understood[/yellow]")
        parser = _NoModel()
    db_path = db or Path(tempfile.mkdtemp(prefix="thingmind-demo-")) / "history.db"
    store = SqliteStore(db_path)
    store.open()
    bus = EventBus()
    sim = Simulator(scenario, seed=seed, start=time.time(), speed=speed)
    extra = extra or _Extra(mqtt=None, config={})
    stack = build_security(scenario.home, store, config=extra.config)
    bridge = (
        mqtt_bridge(
            home=scenario.home, broker_url=extra.mqtt, bus=bus, site=scenario.name
        )
        if extra.mqtt is not None
        else None
    )
    ctx = Context(area=area)
    console.print(
        f"[bold]thingmind demo[/bold]: {scenario.name} ({len(scenario.home.devices)} devices), "
        f"{speed:g}x real time, history in {db_path}"
    )
    console.print(
        "Type a command (e.g. 'turn off the kitchen lights'), 'state', or 'quit'."
    )
    async with Brain(
        home=scenario.home,
        parser=parser,
        driver=sim if bridge is None else bridge.driver,
        bus=bus,
        store=store,
        security=stack.security,
        fallback=fallback,
    ) as brain:
        # automations (from sentences and the dashboard) and anomaly alerts, as in serve
        manager, watching = watch_site(
            brain, [], bus=bus, config=extra.config, store=store, clock=sim.clock
        )
        for sentence in say:
            console.print(f"> {sentence}")
            _show_turn(console, brain.handle_text(sentence, context=ctx))
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        interactive = sys.stdin.isatty() and duration == 0
        if interactive:
            loop.add_reader(
                sys.stdin.fileno(), lambda: lines.put_nowait(sys.stdin.readline())
            )
        types = {d.id: d.type.value for d in scenario.home.devices}

        async def watch() -> None:
            async with bus.subscribe(
                kinds={EventKind.STATE_CHANGED, EventKind.ANOMALY_LABEL}
            ) as sub:
                async for event in sub:
                    if event.device_id and types.get(event.device_id) in _QUIET_TYPES:
                        continue
                    if event.source == "command" or set(event.data) <= _QUIET_KEYS:
                        continue
                    console.print(
                        f"[dim]{time.strftime('%H:%M', time.localtime(sim.now))} "
                        f"{event.device_id} {json.dumps(event.data)}[/dim]"
                    )

        async def commands() -> None:
            while True:
                line = await lines.get()
                if line is None or line.strip() in {"quit", "exit"} or line == "":
                    return
                text = line.strip()
                if not text:
                    continue
                if text == "state":
                    console.print(_state_table(brain))
                    continue
                _show_turn(
                    console,
                    await loop.run_in_executor(
                        None, functools.partial(brain.handle_text, text, context=ctx)
                    ),
                )

        tasks = [
            asyncio.create_task(brain.run(), name="brain"),
            asyncio.create_task(watch(), name="watch"),
        ]
        tasks.extend(watching)
        if bridge is None:
            tasks.append(asyncio.create_task(sim.run(bus.publish), name="sim"))
        else:
            tasks.extend(
                _over_mqtt(sim, bridge, brain, extra.mqtt or "", scenario.name)
            )
        if web is not None:
            token = secrets.token_urlsafe(16)
            server = run_server(
                brain,
                store,
                bus,
                driver=brain.driver,
                host=web.host,
                port=web.port,
                token=CredentialsAuth(stack.credentials, bootstrap=token),
                link_token=token,
                clock=sim.clock,
                site_id=scenario.name,
                site_name=f"The {scenario.name} scenario",
                model_version=parser.version,
                audit=stack.audit,
                automations=manager,
                users=user_data(stack, store),
            )
            tasks.append(asyncio.create_task(server, name="web"))
        try:
            if interactive:
                await commands()
            else:
                await asyncio.sleep(duration or 3600 * 24 * 365)
        except (KeyboardInterrupt, asyncio.CancelledError):
            pass
        finally:
            if interactive:
                loop.remove_reader(sys.stdin.fileno())
            for task in tasks:
                await stop_task(task)
    stack.close()
    store.close()
    console.print(f"stored {brain.events_seen} events in {db_path}")


def _over_mqtt(
    sim: Simulator, bridge: MqttBridge, brain: Brain, broker_url: str, name: str
) -> list[asyncio.Task[None]]:
    """Run the simulator as MQTT devices in-process, and the brain's bridge."""
    from thingmind.cli._serve import attach_mqtt  # noqa: PLC0415
    from thingmind.mqtt import parse_broker_url  # noqa: PLC0415
    from thingmind.sim._mqtt import SimulatorMqtt  # noqa: PLC0415

    devices = SimulatorMqtt(
        sim,
        broker=parse_broker_url(broker_url),
        base=f"thingmind-sim/{name}",
    )
    attach_mqtt(bridge, brain)
    return [
        asyncio.create_task(devices.run(simulate=True), name="sim-mqtt"),
        asyncio.create_task(bridge.run(), name="mqtt"),
    ]


COMMANDS = {"demo": demo}
"""The commands this module adds to the app."""
