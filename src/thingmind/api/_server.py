"""Running the API with uvicorn inside an existing event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import uvicorn

from thingmind.api._app import create_app

if TYPE_CHECKING:
    from collections.abc import Callable

    from thingmind.api._auth import Authenticator
    from thingmind.api._routes_users import UserAdmin
    from thingmind.api._site import AuditReader, ModelCatalog, Trainer
    from thingmind.brain import AutomationManager, Brain
    from thingmind.bus import EventBus
    from thingmind.core import Clock
    from thingmind.registry import DeviceDriver
    from thingmind.store import Store

_LOGGER = logging.getLogger(__name__)

_STOP_GRACE = 5.0  # seconds open connections get to finish on shutdown


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
    on_started: Callable[[str], None] | None = None,
    audit: AuditReader | None = None,
    models: ModelCatalog | None = None,
    automations: AutomationManager | None = None,
    trainer: Trainer | None = None,
    users: UserAdmin | None = None,
) -> None:
    """Serve the API and dashboard until cancelled (or Ctrl-C).

    Run it as a task next to the brain's ``run()`` and the device layer; cancelling
    it stops the server gracefully.

    Args:
        brain: The running brain.
        store: Its history (None: no history).
        bus: The bus the brain and devices share.
        driver: The device layer the brain was built with.
        host: Address to listen on ("127.0.0.1"; "0.0.0.0" for the network).
        port: TCP port (0: any free port).
        token: The bearer token, or an authenticator.
        clock: The site's clock (the simulator's in the demo).
        site_id: The site's id.
        site_name: The site's name.
        model_version: The language model's version.
        on_started: Called with the base URL ("http://127.0.0.1:8123") once
            the server listens.
        audit: The audit trail, served to the owner.
        models: The model versions, served to the owner.
        automations: The running automations.
        trainer: Adapts the model on the owner's request.
        users: Users' data and tokens, exported, erased and managed by the owner.

    Raises:
        OSError: When the address cannot be bound (the port is taken).
    """
    app = create_app(
        brain=brain,
        driver=driver,
        bus=bus,
        store=store,
        auth=token,
        clock=clock,
        site_id=site_id,
        site_name=site_name,
        model_version=model_version,
        audit=audit,
        models=models,
        automations=automations,
        trainer=trainer,
        users=users,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws_ping_interval=20.0,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(), name="api-server")
    try:
        while not server.started:
            if task.done():
                break
            await asyncio.sleep(0.02)
        if task.done() and not server.started:
            with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind
                await task
            msg = f"the server could not listen on {host}:{port}"
            raise OSError(msg)
        if on_started is not None:
            on_started(server_url(server, host))
        await asyncio.shield(task)
    finally:
        server.should_exit = True
        if not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=_STOP_GRACE)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def server_url(server: uvicorn.Server, host: str) -> str:
    """Return the base URL a started uvicorn server listens on.

    Args:
        server: The started server.
        host: The host it was asked to listen on.

    Returns:
        E.g. ``http://127.0.0.1:8123``.
    """
    port = 0
    for srv in server.servers:
        for sock in srv.sockets:
            port = sock.getsockname()[1]
            break
    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"
