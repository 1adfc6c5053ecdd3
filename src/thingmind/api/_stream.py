"""The WebSocket stream: state changes, actions, alerts (and training progress).

``GET /api/stream?token=...`` (browsers cannot set headers on a WebSocket, so the
token comes in the query; an ``Authorization: Bearer`` header works too). Each
message is one JSON object::

    {"type": "hello", "site": "home", "time": 1705276800.0}
    {"type": "state_changed", "time": ..., "device_id": "light.kitchen",
     "data": {"on": false}, "source": "command"}
    {"type": "action", ...}          # a service called (data.service, its params)
    {"type": "alert", ...}           # a rule or detector raised an alert
    {"type": "anomaly_label", ...}   # the simulator's ground truth
    {"type": "training_progress", ...}  # once training runs in the service

``kinds=state_changed,action`` keeps only those types. A client that falls behind
loses its oldest events (the queue holds 1000), never slows the site down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from thingmind.api._auth import TOKEN_QUERY, bearer_token
from thingmind.api._downsample import json_safe_state
from thingmind.api._errors import ApiError
from thingmind.bus import BusClosedError, Overflow
from thingmind.core import EventKind

if TYPE_CHECKING:
    from thingmind.api._auth import Authenticator
    from thingmind.api._site import Site
    from thingmind.core import Event

_LOGGER = logging.getLogger(__name__)

QUEUE_SIZE = 1000
"""Events a slow client may fall behind by before its oldest are dropped."""
CLOSE_UNAUTHORIZED = 4401
"""WebSocket close code for a missing or wrong token (4000-4999: the app's own)."""
CLOSE_BAD_REQUEST = 4400
"""WebSocket close code for a bad ``kinds`` parameter."""

router = APIRouter(prefix="/api")


def event_message(event: Event) -> dict[str, Any]:
    """Return the stream message of an event."""
    return {
        "type": event.kind.value,
        "time": event.time,
        "device_id": event.device_id,
        "data": json_safe_state(event.data),
        "source": event.source,
    }


def _kinds(text: str | None) -> set[EventKind] | None:
    if not text:
        return None
    return {EventKind(part.strip()) for part in text.split(",") if part.strip()}


async def _pump(websocket: WebSocket, site: Site, kinds: set[EventKind] | None) -> None:
    sub = site.bus.subscribe(
        kinds=kinds, maxsize=QUEUE_SIZE, overflow=Overflow.DROP_OLDEST
    )
    async with sub:
        await websocket.send_json(
            {"type": "hello", "site": site.id, "time": site.clock.now()}
        )
        async for event in sub:
            await websocket.send_text(json.dumps(event_message(event)))


async def _drain(websocket: WebSocket) -> None:
    # Clients send nothing we act on; reading is how a disconnect is noticed.
    while True:
        await websocket.receive_text()


@router.websocket("/stream")
async def stream(websocket: WebSocket) -> None:
    """Stream the site's events to one client until it leaves."""
    auth: Authenticator = websocket.app.state.auth
    site: Site = websocket.app.state.site
    token = websocket.query_params.get(TOKEN_QUERY) or bearer_token(
        websocket.headers.get("authorization")
    )
    await websocket.accept()
    try:
        auth.authenticate(token)
    except ApiError as err:
        await websocket.close(code=CLOSE_UNAUTHORIZED, reason=err.message)
        return
    try:
        kinds = _kinds(websocket.query_params.get("kinds"))
    except ValueError:
        valid = ", ".join(k.value for k in EventKind)
        await websocket.close(code=CLOSE_BAD_REQUEST, reason=f"kinds: one of {valid}")
        return
    site.metrics.websocket_clients.inc()
    try:
        pump = asyncio.create_task(_pump(websocket, site, kinds), name="ws-pump")
        drain = asyncio.create_task(_drain(websocket), name="ws-drain")
        done, pending = await asyncio.wait(
            {pump, drain}, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await task
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(
                exc, WebSocketDisconnect | BusClosedError | RuntimeError
            ):
                _LOGGER.warning("event stream ended: %r", exc)
    finally:
        site.metrics.websocket_clients.dec()
    with contextlib.suppress(RuntimeError):
        await websocket.close()
