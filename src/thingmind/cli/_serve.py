"""``thingmind serve``: the HTTP API and dashboard on a home file or a simulated site.

``run_server`` (from :mod:`thingmind.api`) is what ``demo`` calls to put the same
server next to its simulator.

Every action passes one gate that knows who asks: :func:`build_security` makes the
gate (the default policy, or the ``security:`` section of ``--config``), the
confirmations (PINs from the credentials), the audit trail and the credentials, all
in the service's SQLite file, and the Brain gets them; the API authenticates users'
tokens (``thingmind tokens add``) beside the owner's ``--token``; MQTT sentences and
automations pass the same gate with their own source. History and the audit trail
are purged after ``--retention-days``.

The parts are wired in beside this module: the security stack and retention
(``_serve_security``), the model catalog, retrains and the fallback
(``_serve_models``), MQTT (``_serve_mqtt``), automations and anomaly detection
(``_serve_rules``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
from pathlib import Path
import tempfile
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from thingmind.cli._console import stderr, stdout
from thingmind.cli._heap import settle_heap
from thingmind.cli._mqtt import stop_task
from thingmind.cli._serve_models import (
    DEFAULT_LLM_TIMEOUT,
    LLM_KEY_ENV,
    RegistryCatalog,
    WatchTrainer,
    make_fallback,
    make_learning,
    retrain_watch,
)
from thingmind.cli._serve_mqtt import attach_mqtt, mqtt_bridge
from thingmind.cli._serve_rules import (
    anomaly_loop,
    automation_manager,
    site_location,
    watch_site,
)
from thingmind.cli._serve_security import (
    DEFAULT_RETENTION_DAYS,
    SecurityStack,
    build_security,
    purge_once,
    retention_loop,
    user_data,
)

if TYPE_CHECKING:
    from thingmind.api import Authenticator, ModelCatalog, Trainer
    from thingmind.brain import AutomationManager, Brain, GenerativeFallback
    from thingmind.bus import EventBus
    from thingmind.core import Clock
    from thingmind.registry import DeviceDriver
    from thingmind.store import AuditLog, Store, UserData

__all__ = [
    "COMMANDS",
    "DEFAULT_LLM_TIMEOUT",
    "DEFAULT_PORT",
    "DEFAULT_RETENTION_DAYS",
    "LLM_KEY_ENV",
    "RegistryCatalog",
    "SecurityStack",
    "WatchTrainer",
    "anomaly_loop",
    "attach_mqtt",
    "automation_manager",
    "build_security",
    "load_config",
    "make_fallback",
    "make_learning",
    "mqtt_bridge",
    "purge_once",
    "retention_loop",
    "retrain_watch",
    "run_server",
    "serve",
    "site_location",
]

DEFAULT_PORT = 8123
"""The port ``serve`` listens on unless told otherwise."""


class _NoModel:
    """Stands in when no language model is built yet: nothing is understood."""

    version = "none"

    def parse(self, text: str) -> Any:
        from thingmind.nlu import ParsedCommand  # noqa: PLC0415

        return ParsedCommand(text=text, words=(), clauses=(), confidence=0.0)


def load_config(path: Path | None) -> Mapping[str, object]:
    """Read the optional YAML configuration (``security:``, ``location:``).

    Args:
        path: The file, or None.

    Returns:
        Its sections (empty without a file).

    Raises:
        InvalidInputError: When it is not YAML or not a mapping.
    """
    if path is None:
        return {}
    import yaml  # noqa: PLC0415

    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise InvalidInputError(
            str(path), [Problem(path="", message=f"not YAML: {err}")]
        ) from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInputError(
            str(path), [Problem(path="", message="must be a mapping of sections")]
        )
    return data


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
    audit: AuditLog | None = None,
    models: ModelCatalog | None = None,
    link_token: str | None = None,
    automations: AutomationManager | None = None,
    trainer: Trainer | None = None,
    users: UserData | None = None,
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
        audit: The audit trail, served to the owner.
        models: The model versions, served to the owner.
        link_token: The token put in the announced link when ``token`` is an
            authenticator (the owner's bootstrap token).
        automations: The running automations, served at ``/api/automations``.
        trainer: Adapts the model when the owner asks.
        users: Users' data, exported and erased by the owner at ``/api/users``.
    """
    from thingmind.api import run_server as serve_api  # noqa: PLC0415

    def started(url: str) -> None:
        if not announce:
            return
        secret = token if isinstance(token, str) else link_token
        link = f"{url}/#token={secret}" if secret else f"{url}/"
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
        audit=audit,
        models=models,
        automations=automations,
        trainer=trainer,
        users=users,
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
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="History store URL instead of --db: postgresql://user@host/db "
            "(several workers share one) or sqlite:///file.db.",
        ),
    ] = None,
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per real second.")
    ] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed of the simulation.")] = 1,
    no_adapt: Annotated[
        bool,
        typer.Option("--no-adapt", help="With --home: use the default model as is."),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(help="YAML configuration: `security:` (users, roles, limits)."),
    ] = None,
    retention_days: Annotated[
        float,
        typer.Option(help="Purge history and audit records older than this (0: keep)."),
    ] = DEFAULT_RETENTION_DAYS,
    models: Annotated[
        Path | None,
        typer.Option(
            help="Model registry: serve its site version, swap on deploy/rollback, "
            "and take corrections."
        ),
    ] = None,
    mqtt: Annotated[
        str | None,
        typer.Option(help="Drive the devices over MQTT: mqtt://host:port."),
    ] = None,
    automations: Annotated[
        Path | None,
        typer.Option(help="Automations YAML to run (through the same gate)."),
    ] = None,
    llm_url: Annotated[
        str | None,
        typer.Option(
            help="OpenAI-compatible server for what the model is unsure of "
            "(Ollama, llama.cpp, vLLM): http://host:port."
        ),
    ] = None,
    llm_model: Annotated[
        str, typer.Option(help="Model name on the --llm-url server.")
    ] = "",
    llm_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for --llm-url before asking you.")
    ] = DEFAULT_LLM_TIMEOUT,
) -> None:
    """Serve the HTTP API and the dashboard for a home file or a simulated site."""
    if home is not None and scenario is not None:
        msg = "give --home or --scenario, not both"
        raise typer.BadParameter(msg)
    if token is not None and len(token) < 8:
        msg = "the token needs at least 8 characters"
        raise typer.BadParameter(msg, param_hint="--token")
    if retention_days < 0:
        msg = "retention days cannot be negative"
        raise typer.BadParameter(msg, param_hint="--retention-days")
    loaded = load_config(config)
    options = _Options(
        config=loaded,
        retention_days=retention_days,
        models=models,
        mqtt=mqtt,
        store=store_url,
        automations=automations,
    )
    fallback = make_fallback(
        llm_url, model=llm_model, timeout=llm_timeout, config=loaded
    )
    try:
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
                    options=options,
                    fallback=fallback,
                )
            )
    finally:
        if fallback is not None:
            fallback.close()


@dataclass(frozen=True, slots=True, kw_only=True)
class _Options:
    config: Mapping[str, object]
    retention_days: float
    models: Path | None = None
    mqtt: str | None = None
    store: str | None = None
    automations: Path | None = None


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
    options: _Options,
    fallback: GenerativeFallback | None = None,
) -> None:
    from thingmind.api import CredentialsAuth, TokenAuth  # noqa: PLC0415
    from thingmind.brain import Brain  # noqa: PLC0415
    from thingmind.bus import EventBus  # noqa: PLC0415
    from thingmind.cli._nlu import (  # noqa: PLC0415
        ModelMissingError,
        load_default_tagger,
        tagger_for_home,
    )
    from thingmind.registry import LocalDriver, Registry, load_home  # noqa: PLC0415
    from thingmind.sim import Simulator, home_file_text, load_scenario  # noqa: PLC0415
    from thingmind.store import (  # noqa: PLC0415
        SqliteStore,
        open_store,
    )

    console = stderr()
    sim: Simulator | None = None
    driver: DeviceDriver
    if home is not None:
        site = load_home(home)
        driver = LocalDriver(Registry(site))
        site_id, site_name = home.stem, home.stem.replace("_", " ").title()
    else:
        scenario = load_scenario(scenario_name or "home")
        site_id, site_name = scenario.name, f"{scenario.name.title()} (simulated)"
        site = scenario.home
        if options.mqtt is None:
            sim = Simulator(scenario, seed=seed, start=time.time(), speed=speed)
            driver = sim
    bus = EventBus()
    bridge = (
        mqtt_bridge(
            home=site,
            broker_url=options.mqtt,
            bus=bus,
            site=site_id,
            config=options.config,
        )
        if options.mqtt is not None
        else None
    )
    if bridge is not None:
        driver = bridge.driver
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
    if options.store is not None:
        store = open_store(options.store)
    else:
        store = SqliteStore(db_path)
        store.open()
    secret = token or TokenAuth.generate()
    clock = sim.clock if sim is not None else None
    stack = build_security(site, store, config=options.config)
    learning, catalog = (
        make_learning(options.models, site_id)
        if options.models is not None
        else (None, None)
    )
    try:
        async with Brain(
            home=site,
            parser=parser,
            driver=driver,
            bus=bus,
            store=store,
            clock=clock,
            security=stack.security,
            learning=learning,
            fallback=fallback,
        ) as brain:
            tasks = [asyncio.create_task(brain.run(), name="brain")]
            trainer: WatchTrainer | None = None
            if sim is not None:
                tasks.append(asyncio.create_task(sim.run(bus.publish), name="sim"))
            if bridge is not None:
                attach_mqtt(bridge, brain, store=store)
                tasks.append(asyncio.create_task(bridge.run(), name="mqtt"))
            if options.retention_days > 0:
                tasks.append(
                    asyncio.create_task(
                        retention_loop(
                            store,
                            stack.audit,
                            days=options.retention_days,
                            credentials=stack.credentials,
                        ),
                        name="retention",
                    )
                )
            if (
                learning is not None
                and learning.log is not None
                and options.models is not None
            ):
                watch = retrain_watch(
                    options.models,
                    site_id,
                    site,
                    log=learning.log,
                    home_file=home,
                    home_text=""
                    if home is not None
                    else home_file_text(scenario_name or "home"),
                )
                tasks.append(asyncio.create_task(watch.run(), name="retrain"))
                trainer = WatchTrainer(watch)
            manager, watching = watch_site(
                brain,
                [options.automations] if options.automations is not None else [],
                bus=bus,
                config=options.config,
                store=store,
                clock=clock,
            )
            tasks.extend(watching)
            users = user_data(stack, store)
            settle_heap()
            try:
                await run_server(
                    brain,
                    store,
                    bus,
                    driver=driver,
                    host=host,
                    port=port,
                    token=CredentialsAuth(stack.credentials, bootstrap=secret),
                    link_token=secret,
                    clock=clock,
                    site_id=site_id,
                    site_name=site_name,
                    model_version=str(getattr(parser, "version", "")),
                    announce=True,
                    audit=stack.audit,
                    models=catalog,
                    automations=manager,
                    trainer=trainer,
                    users=users,
                )
            finally:
                for task in tasks:
                    await stop_task(task)
    finally:
        stack.close()
        store.close()
    if options.store is None:
        console.print(f"history kept in {db_path}", highlight=False)


COMMANDS = {"serve": serve}
"""The commands this module adds to the app."""
