"""Automations and anomaly detection of ``serve``: built from the config, run on the bus.

The automations of ``--automations`` and of the store act through the brain's gate
(:func:`automation_manager`); every sensor gets anomaly detectors whose alerts go on
the bus and into the history (:func:`anomaly_loop`). Both run as tasks of the service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
from typing import TYPE_CHECKING, Any

from thingmind.cli._mqtt import stop_task

if TYPE_CHECKING:
    from pathlib import Path

    from thingmind.brain import AutomationManager, Brain
    from thingmind.bus import EventBus
    from thingmind.core import Clock, Event
    from thingmind.rules import AnomalyMonitor, SiteLocation
    from thingmind.store import Store

_LOGGER = logging.getLogger(__name__)


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


async def run_rules(manager: AutomationManager, subscription: Any) -> None:
    """Run the automations on a bus subscription (not yet entered) until cancelled."""
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
        await stop_task(ticking)


def watch_site(
    brain: Brain,
    files: list[Path],
    *,
    bus: EventBus,
    config: Mapping[str, object],
    store: Store,
    clock: Clock | None,
) -> tuple[AutomationManager, list[asyncio.Task[None]]]:
    """Start the automations and the anomaly detectors of a running brain.

    Args:
        brain: The brain.
        files: The automations YAML files.
        bus: The bus the brain and devices share.
        config: The ``--config`` sections (``location:``).
        store: Where created automations, timers and alerts are kept.
        clock: The site's clock (the simulator's in the demo; None: the wall clock).

    Returns:
        The automation manager, and the tasks to stop when the service stops.
    """
    from thingmind.core import EventKind, SystemClock  # noqa: PLC0415
    from thingmind.rules import AnomalyMonitor  # noqa: PLC0415

    manager = automation_manager(brain, files, bus=bus, config=config, store=store)
    rules = bus.subscribe(kinds={EventKind.STATE_CHANGED, EventKind.ALERT})
    monitor = AnomalyMonitor(
        brain.registry,
        site=site_location(config),
        start=(clock or SystemClock()).now(),
    )
    anomalies = bus.subscribe(kinds={EventKind.STATE_CHANGED})
    tasks = [
        asyncio.create_task(run_rules(manager, rules), name="rules"),
        asyncio.create_task(
            anomaly_loop(monitor, anomalies, bus=bus, store=store, clock=clock),
            name="anomalies",
        ),
    ]
    return manager, tasks
