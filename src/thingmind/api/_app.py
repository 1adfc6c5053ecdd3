"""The application factory: routes, errors, metrics, and the dashboard."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from thingmind import __version__
from thingmind.api import (
    _routes_automations,
    _routes_conversation,
    _routes_learning,
    _routes_models,
    _routes_site,
    _routes_users,
    _stream,
)
from thingmind.api._auth import TokenAuth
from thingmind.api._deps import current_user
from thingmind.api._errors import (
    ERROR_RESPONSES,
    error_response,
    install_error_handlers,
)
from thingmind.api._metrics import CONTENT_TYPE, ApiMetrics
from thingmind.api._site import Site
from thingmind.core import SystemClock
from thingmind.web import STATIC_DIR, static_dir

if TYPE_CHECKING:
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from thingmind.api._auth import Authenticator
    from thingmind.api._routes_users import UserAdmin
    from thingmind.api._site import AuditReader, ModelCatalog, Trainer
    from thingmind.brain import AutomationManager, Brain
    from thingmind.bus import EventBus
    from thingmind.core import Clock
    from thingmind.registry import DeviceDriver
    from thingmind.store import Store

_LOGGER = logging.getLogger(__name__)

DESCRIPTION = """\
The HTTP API of a thingmind site: its floors, areas and devices with live state,
device services, sensor history (downsampled for long ranges), events and alerts,
and a conversation endpoint in the shape of Home Assistant's.

Every route but `/api/health` needs the service's token as
`Authorization: Bearer <token>`. Errors are JSON (`ErrorBody`): a code, a message
and the field at fault.

Live events: a WebSocket at `/api/stream?token=<token>` (see the `thingmind.api`
docs for its messages). Prometheus metrics: `/metrics` (token needed).
"""


class _MetricsMiddleware:
    """Counts and times every HTTP request by route template (pure ASGI)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        t0 = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.request_seconds.labels(template).observe(
                time.perf_counter() - t0
            )


def create_app(
    *,
    brain: Brain,
    driver: DeviceDriver,
    bus: EventBus,
    store: Store | None = None,
    auth: Authenticator | str,
    clock: Clock | None = None,
    site_id: str = "home",
    site_name: str = "Home",
    model_version: str = "",
    dashboard: bool = True,
    audit: AuditReader | None = None,
    models: ModelCatalog | None = None,
    users: UserAdmin | None = None,
    automations: AutomationManager | None = None,
    trainer: Trainer | None = None,
) -> FastAPI:
    """Build the API (and dashboard) of a running brain.

    The caller owns the brain's lifecycle (``async with Brain(...)`` and its
    ``run()`` task), the device layer and the store; the app only reads and acts.

    Args:
        brain: The brain.
        driver: The device layer the brain was built with; device cards call it.
        bus: The event bus the brain and the devices share.
        store: The history (None: history routes return nothing).
        auth: A token, or an :class:`Authenticator`.
        clock: The site's clock (the simulator's in the demo); default: wall clock.
        site_id: The site's id.
        site_name: The site's name.
        model_version: The language model's version, shown in ``/api/sites``.
        dashboard: Serve the dashboard at ``/``.
        audit: The audit trail, served to the owner at ``/api/audit``.
        models: The model versions, served to the owner at ``/api/models``.
        users: The users' data and tokens, served to the owner at ``/api/users``
            and ``/api/tokens`` (``thingmind.store.UserData``).
        automations: The running automations, served at ``/api/automations``.
        trainer: Adapts the model, at ``/api/models/training``.

    Returns:
        The ASGI application.
    """
    metrics = ApiMetrics()
    app = FastAPI(
        title="thingmind",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.auth = TokenAuth(auth) if isinstance(auth, str) else auth
    app.state.users = users
    app.state.site = Site(
        brain=brain,
        store=store,
        bus=bus,
        driver=driver,
        clock=clock or SystemClock(),
        metrics=metrics,
        site_id=site_id,
        name=site_name,
        model_version=model_version,
        audit=audit,
        models=models,
        automations=automations,
        trainer=trainer,
    )
    install_error_handlers(app)
    app.add_exception_handler(
        _routes_automations.AutomationProblemsError, _automation_problems
    )
    app.add_middleware(_MetricsMiddleware, metrics=metrics)
    app.include_router(_routes_site.public)
    app.include_router(_routes_site.router)
    app.include_router(_routes_conversation.router)
    app.include_router(_routes_learning.router)
    app.include_router(_routes_models.router)
    app.include_router(_routes_automations.router)
    app.include_router(_routes_users.router)
    app.include_router(_stream.router)

    ops = APIRouter(tags=["operations"], responses=ERROR_RESPONSES)

    @ops.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Metrics."}},
        dependencies=[Depends(current_user)],
    )
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    app.include_router(ops)
    if dashboard:
        _mount_dashboard(app)
    return app


async def _automation_problems(_request: Request, exc: Exception) -> JSONResponse:
    """A 422 that lists every problem of an automation's YAML."""
    if not isinstance(exc, _routes_automations.AutomationProblemsError):
        raise exc  # pragma: no cover - registered for that class only
    return error_response(
        exc.status, exc.code, exc.message, field=exc.field, problems=exc.problems
    )


def _mount_dashboard(app: FastAPI) -> None:
    try:
        folder = static_dir()
    except FileNotFoundError as err:
        _LOGGER.warning("%s", err)
        return
    index = folder / "index.html"

    @app.get("/", include_in_schema=False)
    async def dashboard() -> FileResponse:
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
