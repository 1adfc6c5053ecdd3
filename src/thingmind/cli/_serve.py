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
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
import logging
from pathlib import Path
import tempfile
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from thingmind.cli._console import redact_names, stderr, stdout

if TYPE_CHECKING:
    from thingmind.api import Authenticator, ModelCatalog
    from thingmind.brain import Brain, Learning, Security
    from thingmind.bus import EventBus
    from thingmind.core import Clock
    from thingmind.mqtt import MqttBridge
    from thingmind.registry import DeviceDriver, Home
    from thingmind.rules import RuleEngine
    from thingmind.store import AuditLog, Credentials, Database, Store
    from thingmind.train._versions import ModelRegistry

DAY = 86_400.0  # seconds
DEFAULT_RETENTION_DAYS = 10.0
"""History and audit records older than this are purged (docs/security.md)."""
PURGE_EVERY = 3600.0  # seconds between retention purges

_LOGGER = logging.getLogger(__name__)

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


class SecurityStack:
    """The gate, confirmations, audit trail and credentials of one service."""

    def __init__(
        self,
        *,
        security: Security,
        audit: AuditLog,
        credentials: Credentials,
        db: Database,
    ) -> None:
        """Bundle the parts (see :func:`build_security`)."""
        self.security = security
        """What the Brain gets."""
        self.audit = audit
        """The audit trail (in the store's database)."""
        self.credentials = credentials
        """Tokens and PINs (in the store's database)."""
        self.db = db
        """The connection the audit trail and credentials share."""

    def close(self) -> None:
        """Disconnect."""
        self.db.close()


def build_security(
    home: Home, store: Store, *, config: Mapping[str, object]
) -> SecurityStack:
    """Build the security stack of a service over its store.

    Security keeps wall-clock time (a confirmation lasts ``confirm_seconds`` of real
    time even when a simulation runs faster).

    Args:
        home: The site.
        store: The open store (a file or PostgreSQL: the audit trail is durable).
        config: The ``--config`` sections; ``security:`` is the policy.

    Returns:
        The stack; close it after the service.

    Raises:
        InvalidInputError: When the ``security:`` section is not valid.
    """
    from thingmind.brain import Confirmations, Security  # noqa: PLC0415
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415
    from thingmind.resolve import Gate, Policy, policy_from_dict  # noqa: PLC0415
    from thingmind.store import AuditLog, Credentials, database_for  # noqa: PLC0415

    section = config.get("security")
    try:
        policy = policy_from_dict(section) if isinstance(section, Mapping) else Policy()
    except (ValueError, TypeError) as err:
        source = "config"
        raise InvalidInputError(
            source, [Problem(path="security", message=str(err))]
        ) from err
    if section is not None and not isinstance(section, Mapping):
        source = "config"
        raise InvalidInputError(
            source, [Problem(path="security", message="must be a mapping")]
        )
    db = database_for(store)
    credentials = Credentials(db)
    audit = AuditLog(db)
    gate = Gate(home, policy)
    security = Security(
        gate=gate,
        confirmations=Confirmations(ttl=policy.confirm_seconds, pins=credentials),
        audit=audit,
    )
    redact_names(u.name for u in policy.users.values() if u.name)
    return SecurityStack(security=security, audit=audit, credentials=credentials, db=db)


def purge_once(store: Store, audit: AuditLog | None, *, days: float) -> int:
    """Delete history and audit records older than ``days`` (retention).

    Args:
        store: The history.
        audit: The audit trail (None: only history).
        days: How many days to keep.

    Returns:
        The number of events and audit records deleted.
    """
    before = time.time() - days * DAY
    deleted = store.purge(before)
    if audit is not None:
        deleted += audit.purge(before)
    if deleted:
        _LOGGER.info("retention: purged %s records older than %s days", deleted, days)
    return deleted


async def retention_loop(
    store: Store, audit: AuditLog | None, *, days: float, every: float = PURGE_EVERY
) -> None:
    """Purge old history and audit records now and every ``every`` seconds.

    Args:
        store: The history.
        audit: The audit trail.
        days: How many days to keep.
        every: Seconds between purges.
    """
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(
                None, lambda: purge_once(store, audit, days=days)
            )
        except Exception:  # a failed purge must not stop the service
            _LOGGER.exception("retention purge failed")
        await asyncio.sleep(every)


class RegistryCatalog:
    """The model registry as the API sees it: one site's versions, and rollback."""

    def __init__(self, registry: ModelRegistry, site: str) -> None:
        """Serve ``site``'s versions of ``registry``."""
        self._registry = registry
        self._site = site

    def versions(self) -> list[tuple[str, bool, Mapping[str, object]]]:
        """Return (id, in service, version.json) for each of the site's versions."""
        current = self._registry.current(self._site)
        live = current.id if current is not None else None
        return [(v.id, v.id == live, v.as_dict()) for v in self._registry.versions()]

    def rollback(self) -> str:
        """Go back to the version in service before; return its id."""
        return self._registry.rollback(self._site).id


def make_learning(models: Path, site: str) -> tuple[Learning, ModelCatalog]:
    """Corrections and model swaps for a site served from a model registry.

    Args:
        models: The registry folder.
        site: The site's name in it.

    Returns:
        What the Brain needs, and what the API serves.
    """
    from thingmind.brain import CorrectionLog, Learning  # noqa: PLC0415
    from thingmind.cli._learning import corrections_file  # noqa: PLC0415
    from thingmind.train._versions import ModelRegistry  # noqa: PLC0415

    registry = ModelRegistry(models)
    learning = Learning(
        site=site,
        log=CorrectionLog(corrections_file()),
        current=lambda: registry.current_path(site),
    )
    return learning, RegistryCatalog(registry, site)


def mqtt_bridge(*, home: Home, broker_url: str, bus: EventBus, site: str) -> MqttBridge:
    """The MQTT bridge of a site (the Brain is attached to it afterwards).

    Args:
        home: The site.
        broker_url: ``mqtt://host:port``.
        bus: Where device state goes.
        site: The site's name in thingmind's topics.

    Returns:
        The bridge, not connected yet; run ``bridge.run()`` in a task.
    """
    from thingmind.mqtt import MqttBridge, MqttSettings, parse_broker_url  # noqa: PLC0415

    settings = MqttSettings(broker=parse_broker_url(broker_url), site=site)
    return MqttBridge(settings=settings, home=home, bus=bus)


def attach_mqtt(bridge: MqttBridge, brain: Brain) -> None:
    """Answer the bridge's ``say`` topic with the brain, as source ``mqtt``.

    A remote "yes" is then not a confirmation (a PIN is), and the gate checks the
    sentence's ``user`` like any other.
    """
    from thingmind.brain import FromSource  # noqa: PLC0415

    bridge.attach(FromSource(brain, source="mqtt"))


def rule_engine(
    brain: Brain,
    path: Path,
    *,
    clock: Clock,
    config: Mapping[str, object],
    persistence: Store,
) -> RuleEngine:
    """The automations of ``path``, acting through the brain's gate.

    Args:
        brain: The brain (its registry and gated executor).
        path: The automations YAML.
        clock: The site's clock.
        config: The ``--config`` sections; ``location:`` places the site for sun
            and time triggers (``latitude``, ``longitude``, ``timezone``; UTC at
            0, 0 by default).
        persistence: Where pending ``for`` timers are saved.

    Returns:
        The engine; run ``engine.run(subscription)`` in a task.
    """
    from thingmind.rules import RuleEngine, SiteLocation, load_automations  # noqa: PLC0415

    where = config.get("location")
    place: Mapping[str, Any] = where if isinstance(where, Mapping) else {}
    site = SiteLocation(
        latitude=float(place.get("latitude", 0.0)),
        longitude=float(place.get("longitude", 0.0)),
        timezone=str(place.get("timezone", "UTC")),
    )
    return RuleEngine(
        load_automations(path),
        registry=brain.registry,
        executor=brain.rule_executor(),
        clock=clock,
        site=site,
        persistence=persistence,
    )


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
    options = _Options(
        config=load_config(config),
        retention_days=retention_days,
        models=models,
        mqtt=mqtt,
        automations=automations,
    )
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
            )
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Options:
    config: Mapping[str, object]
    retention_days: float
    models: Path | None = None
    mqtt: str | None = None
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
) -> None:
    from thingmind.api import CredentialsAuth, TokenAuth  # noqa: PLC0415
    from thingmind.brain import Brain  # noqa: PLC0415
    from thingmind.bus import EventBus  # noqa: PLC0415
    from thingmind.cli._nlu import (  # noqa: PLC0415
        ModelMissingError,
        load_default_tagger,
        tagger_for_home,
    )
    from thingmind.core import EventKind  # noqa: PLC0415
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
        site_id, site_name = scenario.name, f"{scenario.name.title()} (simulated)"
        site = scenario.home
        if options.mqtt is None:
            sim = Simulator(scenario, seed=seed, start=time.time(), speed=speed)
            driver = sim
    bus = EventBus()
    bridge = (
        mqtt_bridge(home=site, broker_url=options.mqtt, bus=bus, site=site_id)
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
        ) as brain:
            tasks = [asyncio.create_task(brain.run(), name="brain")]
            if sim is not None:
                tasks.append(asyncio.create_task(sim.run(bus.publish), name="sim"))
            if bridge is not None:
                attach_mqtt(bridge, brain)
                tasks.append(asyncio.create_task(bridge.run(), name="mqtt"))
            if options.retention_days > 0:
                tasks.append(
                    asyncio.create_task(
                        retention_loop(store, stack.audit, days=options.retention_days),
                        name="retention",
                    )
                )
            if options.automations is not None:
                engine = rule_engine(
                    brain,
                    options.automations,
                    clock=brain.clock,
                    config=options.config,
                    persistence=store,
                )
                subscription = bus.subscribe(
                    kinds={EventKind.STATE_CHANGED, EventKind.ALERT}
                )
                tasks.append(
                    asyncio.create_task(_run_rules(engine, subscription), name="rules")
                )
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
                )
            finally:
                for task in tasks:
                    await _stop(task)
    finally:
        stack.close()
        store.close()
    console.print(f"history kept in {db_path}", highlight=False)


async def _run_rules(engine: RuleEngine, subscription: Any) -> None:
    async with subscription as events:
        await engine.run(events)


async def _stop(task: asyncio.Task[Any]) -> None:
    """Cancel a task until it is done (aiomqtt can swallow one cancellation)."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.1)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()


COMMANDS = {"serve": serve}
"""The commands this module adds to the app."""
