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
    from thingmind.api import Authenticator, ModelCatalog, Trainer
    from thingmind.brain import (
        AutomationManager,
        Brain,
        CorrectionLog,
        GenerativeFallback,
        Learning,
        RetrainEvent,
        RetrainWatch,
        Security,
    )
    from thingmind.bus import EventBus
    from thingmind.core import Clock, Event
    from thingmind.mqtt import MqttBridge
    from thingmind.registry import DeviceDriver, Home
    from thingmind.rules import AnomalyMonitor, SiteLocation
    from thingmind.store import AuditLog, Credentials, Database, Store, UserData
    from thingmind.train._versions import ModelRegistry

DAY = 86_400.0  # seconds
DEFAULT_RETENTION_DAYS = 10.0
"""History and audit records older than this are purged (docs/security.md)."""
PURGE_EVERY = 3600.0  # seconds between retention purges

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 8123
"""The port ``serve`` listens on unless told otherwise."""
DEFAULT_LLM_TIMEOUT = 5.0
"""Seconds to wait for the generative fallback before asking the person instead."""
LLM_KEY_ENV = "THINGMIND_LLM_API_KEY"
"""The environment variable holding a bearer token for the LLM server, if it needs one."""
_LLM_KEYS = ("threshold", "max_devices", "max_tokens", "format")


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


def purge_once(
    store: Store,
    audit: AuditLog | None,
    *,
    days: float,
    credentials: Credentials | None = None,
) -> int:
    """Delete history, audit records and revoked tokens older than ``days`` (retention).

    Args:
        store: The history.
        audit: The audit trail (None: only history).
        days: How many days to keep.
        credentials: Tokens and PINs (None: revoked tokens are kept).

    Returns:
        The number of events, audit records and revoked tokens deleted.
    """
    before = time.time() - days * DAY
    deleted = store.purge(before)
    if audit is not None:
        deleted += audit.purge(before)
    if credentials is not None:
        deleted += credentials.purge_revoked(before)
    if deleted:
        _LOGGER.info("retention: purged %s records older than %s days", deleted, days)
    return deleted


async def retention_loop(
    store: Store,
    audit: AuditLog | None,
    *,
    days: float,
    every: float = PURGE_EVERY,
    credentials: Credentials | None = None,
) -> None:
    """Purge old history, audit records and revoked tokens now and every ``every`` s.

    Args:
        store: The history.
        audit: The audit trail.
        days: How many days to keep.
        every: Seconds between purges.
        credentials: Tokens and PINs, whose revoked tokens are purged too.
    """
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(
                None,
                lambda: purge_once(store, audit, days=days, credentials=credentials),
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
        """Return (id, in service, version.json and figures) for each version."""
        current = self._registry.current(self._site)
        live = current.id if current is not None else None
        return [
            (v.id, v.id == live, {**v.as_dict(), "figures": dict(v.figures)})
            for v in self._registry.versions()
        ]

    def rollback(self) -> str:
        """Go back to the version in service before; return its id."""
        return self._registry.rollback(self._site).id

    def deploy(self, version_id: str) -> str:
        """Put a version in service now; return its id."""
        return self._registry.deploy(self._site, version_id).id


class WatchTrainer:
    """Adapts the model when the owner asks (the API's ``Trainer``), through the watch.

    The retrain runs as the watch's own do: ``nice 19``, one thread, the gate, and a
    deploy only when the candidate is not worse.
    """

    def __init__(self, watch: RetrainWatch) -> None:
        """Start retrains with ``watch``'s scheduler and arguments."""
        self._watch = watch

    def start(self) -> bool:
        """Start a retrain now; False when one runs."""
        from thingmind.brain import RetrainJob, RetrainTrigger  # noqa: PLC0415

        job = RetrainJob(
            site=self._watch.site,
            trigger=RetrainTrigger.CORRECTIONS,
            args=self._watch.args,
        )
        return self._watch.scheduler.schedule(job)

    def running(self) -> bool:
        """True while a retrain of the site runs."""
        return self._watch.scheduler.running(self._watch.site)

    def status(self) -> RetrainEvent | None:
        """The latest progress of the site's latest retrain."""
        return self._watch.scheduler.status(self._watch.site)


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


def retrain_watch(
    models: Path,
    site: str,
    home: Home,
    *,
    log: CorrectionLog,
    home_file: Path | None = None,
    home_text: str = "",
) -> RetrainWatch:
    """The look-out that retrains a served site in the background (docs/learning.md).

    The retrain runs ``thingmind retrain`` at ``nice 19`` with one thread, on the same
    model registry (``THINGMIND_REGISTRY``) and corrections log as the service.

    Args:
        models: The model registry folder (``--models``).
        site: The site's name in it.
        home: The site as served.
        log: The corrections the service keeps.
        home_file: The site's home file (``--home``).
        home_text: The home's YAML, for a simulated site without a file; written
            beside the registry for the retrain to read.

    Returns:
        The watch; run ``watch.run()`` in a task.
    """
    from thingmind.brain import RetrainWatch  # noqa: PLC0415
    from thingmind.train._versions import ModelRegistry  # noqa: PLC0415

    folder = models / "retrain"
    if home_file is None:
        folder.mkdir(parents=True, exist_ok=True)
        home_file = folder / f"{site}.home.yaml"
        home_file.write_text(home_text, encoding="utf-8")
    registry = ModelRegistry(models)

    def in_service_since() -> str:
        current = registry.current(site)
        return current.created if current is not None else ""

    return RetrainWatch(
        site=site,
        home=home,
        log=log,
        state_file=folder / f"{site}.json",
        args=("--home", str(home_file), "--corrections", str(log.path)),
        env={"THINGMIND_REGISTRY": str(models)},
        in_service_since=in_service_since,
    )


def make_fallback(
    url: str | None,
    *,
    model: str = "",
    timeout: float = DEFAULT_LLM_TIMEOUT,
    config: Mapping[str, object] | None = None,
) -> GenerativeFallback | None:
    """The generative fallback of the ``--llm-*`` options (docs/fallback.md).

    Args:
        url: The OpenAI-compatible server (``--llm-url``); None: no fallback.
        model: The model name the server knows (``--llm-model``).
        timeout: Seconds to wait for an answer (``--llm-timeout``).
        config: The ``--config`` sections; ``llm:`` may set ``threshold`` (0-1),
            ``max_devices``, ``max_tokens`` and ``format`` (json_object,
            json_schema or none).

    Returns:
        The fallback (close it after the service), or None without a URL.

    Raises:
        typer.BadParameter: When an option is not valid.
        InvalidInputError: When the ``llm:`` section is not valid.
    """
    if url is None:
        return None
    import os  # noqa: PLC0415

    from thingmind.brain import (  # noqa: PLC0415
        ChatClient,
        FallbackConfig,
        GenerativeFallback,
        LlmSettings,
        SchemaMode,
    )
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415

    source = "config"
    section = (config or {}).get("llm") or {}
    if not isinstance(section, Mapping):
        raise InvalidInputError(
            source, [Problem(path="llm", message="must be a mapping")]
        )
    problems = [
        Problem(
            path=f"llm.{key}", message=f"unknown key; known: {', '.join(_LLM_KEYS)}"
        )
        for key in section
        if key not in _LLM_KEYS
    ]
    if problems:
        raise InvalidInputError(source, problems)
    kinds: dict[str, Any] = {
        "threshold": float,
        "max_devices": int,
        "max_tokens": int,
        "format": SchemaMode,
    }
    given: dict[str, Any] = {}
    for key, value in section.items():
        try:
            given[key] = kinds[key](value)
        except (TypeError, ValueError) as err:
            raise InvalidInputError(
                source, [Problem(path=f"llm.{key}", message=str(err))]
            ) from err
    try:
        fallback_config = FallbackConfig(
            **{k: given[k] for k in ("threshold", "max_devices") if k in given}
        )
    except ValueError as err:
        raise InvalidInputError(
            source, [Problem(path="llm", message=str(err))]
        ) from err
    llm_extra = {k: given[k] for k in ("max_tokens",) if k in given}
    if "format" in given:
        llm_extra["schema_mode"] = given["format"]
    try:
        settings = LlmSettings(
            url=url,
            model=model,
            timeout_s=timeout,
            api_key=os.environ.get(LLM_KEY_ENV, ""),
            **llm_extra,
        )
    except ValueError as err:
        raise typer.BadParameter(
            str(err), param_hint="--llm-url/--llm-timeout"
        ) from err
    return GenerativeFallback(client=ChatClient(settings), config=fallback_config)


def mqtt_bridge(
    *,
    home: Home,
    broker_url: str,
    bus: EventBus,
    site: str,
    config: Mapping[str, object] | None = None,
) -> MqttBridge:
    """The MQTT bridge of a site (the Brain is attached to it afterwards).

    Args:
        home: The site.
        broker_url: ``mqtt://host:port``.
        bus: Where device state goes.
        site: The site's name in thingmind's topics.
        config: The ``--config`` sections; ``mqtt:`` holds the broker's and the
            topics' settings (docs/mqtt.md: client id, TLS, several workers, ...).

    Returns:
        The bridge, not connected yet; run ``bridge.run()`` in a task.

    Raises:
        InvalidInputError: When the URL or the ``mqtt:`` section is not valid.
    """
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415
    from thingmind.mqtt import (  # noqa: PLC0415
        BrokerConfigError,
        MqttBridge,
        mqtt_settings_from_dict,
    )

    section = (config or {}).get("mqtt")
    source = "config"
    if section is not None and not isinstance(section, Mapping):
        raise InvalidInputError(
            source, [Problem(path="mqtt", message="must be a mapping")]
        )
    try:
        settings = mqtt_settings_from_dict(broker_url, section, site=site)
    except BrokerConfigError as err:
        raise InvalidInputError(
            source, [Problem(path="mqtt", message=str(err))]
        ) from err
    return MqttBridge(settings=settings, home=home, bus=bus)


def attach_mqtt(
    bridge: MqttBridge, brain: Brain, *, store: Store | None = None
) -> None:
    """Answer the bridge's ``say`` and ``command`` topics with the brain, as ``mqtt``.

    A remote "yes" is then not a confirmation (a PIN is), and the gate checks the
    sentence's or command's ``user`` like any other. Idempotency keys are claimed
    in ``store``, which several workers of a site share.

    Raises:
        InvalidInputError: When ``mqtt.anonymous_user`` is not a read-only
            (service) user of the ``security:`` policy.
    """
    from thingmind.brain import FromSource  # noqa: PLC0415
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415
    from thingmind.resolve import Role  # noqa: PLC0415

    anonymous = bridge.settings.anonymous_user
    if anonymous is not None:
        user = brain.security.gate.user(anonymous) if brain.security else None
        if user is None or user.role is not Role.SERVICE:
            source = "config"
            msg = f"{anonymous!r} must be a user of role service in security.users"
            raise InvalidInputError(
                source, [Problem(path="mqtt.anonymous_user", message=msg)]
            )
    bridge.attach(FromSource(brain, source="mqtt"), executor=brain, claims=store)


def site_location(config: Mapping[str, object]) -> SiteLocation:
    """The site's place for sun and time triggers: ``location:`` of ``--config``.

    Args:
        config: The ``--config`` sections; ``location:`` has ``latitude``,
            ``longitude`` and ``timezone`` (UTC at 0, 0 by default).

    Returns:
        The location.

    Raises:
        InvalidInputError: When ``location:`` is not valid.
    """
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415
    from thingmind.rules import SiteLocation  # noqa: PLC0415

    where = config.get("location")
    place: Mapping[str, Any] = where if isinstance(where, Mapping) else {}
    try:
        return SiteLocation(
            latitude=float(place.get("latitude", 0.0)),
            longitude=float(place.get("longitude", 0.0)),
            timezone=str(place.get("timezone", "UTC")),
        )
    except (TypeError, ValueError) as err:
        source = "config"
        raise InvalidInputError(
            source, [Problem(path="location", message=str(err))]
        ) from err


def automation_manager(
    brain: Brain,
    files: list[Path],
    *,
    bus: EventBus,
    config: Mapping[str, object],
    store: Store,
) -> AutomationManager:
    """The automations of ``files`` and of the store, acting through the brain's gate.

    Automations created through the API are kept in the store, with the enabled
    flags and pending ``for`` timers; ``notify`` messages become alerts.

    Args:
        brain: The brain (its registry, clock and gated executor).
        files: The automations YAML files (``--automations``).
        bus: Where alerts go.
        config: The ``--config`` sections (``location:``).
        store: Where created automations and timers are kept.

    Returns:
        The manager; run ``manager.run(subscription)`` in a task.

    Raises:
        InvalidInputError: When a file or ``location:`` has problems.
    """
    from thingmind.brain import AlertNotifier, AutomationManager  # noqa: PLC0415

    return AutomationManager(
        brain,
        site=site_location(config),
        files=files,
        store=store,
        notifier=AlertNotifier(bus=bus, clock=brain.clock, store=store),
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
    from thingmind.brain import Brain, CorrectionsOfUsers  # noqa: PLC0415
    from thingmind.bus import EventBus  # noqa: PLC0415
    from thingmind.cli._learning import corrections_file  # noqa: PLC0415
    from thingmind.cli._nlu import (  # noqa: PLC0415
        ModelMissingError,
        load_default_tagger,
        tagger_for_home,
    )
    from thingmind.core import EventKind, SystemClock  # noqa: PLC0415
    from thingmind.registry import LocalDriver, Registry, load_home  # noqa: PLC0415
    from thingmind.rules import AnomalyMonitor  # noqa: PLC0415
    from thingmind.sim import Simulator, home_file_text, load_scenario  # noqa: PLC0415
    from thingmind.store import (  # noqa: PLC0415
        SqliteStore,
        UserData,
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
            manager = automation_manager(
                brain,
                [options.automations] if options.automations is not None else [],
                bus=bus,
                config=options.config,
                store=store,
            )
            subscription = bus.subscribe(
                kinds={EventKind.STATE_CHANGED, EventKind.ALERT}
            )
            tasks.append(
                asyncio.create_task(_run_rules(manager, subscription), name="rules")
            )
            monitor = AnomalyMonitor(
                brain.registry,
                site=site_location(options.config),
                start=(clock or SystemClock()).now(),
            )
            tasks.append(
                asyncio.create_task(
                    anomaly_loop(
                        monitor,
                        bus.subscribe(kinds={EventKind.STATE_CHANGED}),
                        bus=bus,
                        store=store,
                        clock=clock,
                    ),
                    name="anomalies",
                )
            )
            users = UserData(
                stack.db,
                store=store,
                audit=stack.audit,
                credentials=stack.credentials,
                others=[CorrectionsOfUsers(corrections_file())],
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
                    automations=manager,
                    trainer=trainer,
                    users=users,
                )
            finally:
                for task in tasks:
                    await _stop(task)
    finally:
        stack.close()
        store.close()
    if options.store is None:
        console.print(f"history kept in {db_path}", highlight=False)


async def _run_rules(manager: AutomationManager, subscription: Any) -> None:
    async with subscription as events:
        await manager.run(events)


async def anomaly_loop(
    monitor: AnomalyMonitor,
    subscription: Any,
    *,
    bus: EventBus,
    store: Store | None,
    clock: Clock | None = None,
    tick_every: float = 30.0,
) -> None:
    """Feed every state change to the site's anomaly detectors; raise their alerts.

    Each alert goes on the bus (the dashboard's live stream, the alerts page) and
    into the history. The time-based detectors (a door open too long) are checked
    every ``tick_every`` seconds as well, so they fire when nothing else happens.

    Args:
        monitor: Detectors for every sensor of the site.
        subscription: A bus subscription to state changes (not yet entered).
        bus: Where alerts are published.
        store: Where alerts are kept (None: not kept).
        clock: The site's clock (the simulator's in the demo).
        tick_every: Seconds between checks of the time-based detectors.
    """
    from thingmind.core import SystemClock  # noqa: PLC0415

    now = (clock or SystemClock()).now

    async def raise_alerts(alerts: list[Event]) -> None:
        for alert in alerts:
            _LOGGER.info(
                "anomaly %s on %s: %s",
                alert.data.get("phase"),
                alert.device_id,
                alert.data.get("message", alert.data.get("detector")),
            )
            if store is not None:
                store.append([alert])
            await bus.publish(alert)

    async def ticker() -> None:
        while True:
            await asyncio.sleep(tick_every)
            await raise_alerts(monitor.tick(now()))

    ticking = asyncio.create_task(ticker(), name="anomaly-tick")
    try:
        async with subscription as events:
            async for event in events:
                await raise_alerts(monitor.process(event))
    finally:
        await _stop(ticking)


async def _stop(task: asyncio.Task[Any]) -> None:
    """Cancel a task until it is done (aiomqtt can swallow one cancellation)."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.1)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()


COMMANDS = {"serve": serve}
"""The commands this module adds to the app."""
