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
    {"type": "training_progress", "time": ..., "data": {"running": true,
     "phase": "progress", "step": 40, "total": 300, ...}}  # an adaptation runs

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
from thingmind.api._site import training_out
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
TRAINING_PROGRESS = "training_progress"
"""The message type of an adaptation's progress (not a bus event)."""
TRAINING_POLL = 1.0  # seconds between looks at an adaptation's progress

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


def _kinds(text: str | None) -> tuple[set[EventKind] | None, bool]:
    """Return the bus kinds asked for (None: all) and whether training progress is."""
    if not text:
        return None, True
    parts = {part.strip() for part in text.split(",") if part.strip()}
    training = TRAINING_PROGRESS in parts
    parts.discard(TRAINING_PROGRESS)
    return {EventKind(part) for part in parts}, training


async def _pump(
    websocket: WebSocket, site: Site, kinds: set[EventKind] | None, *, training: bool
) -> None:
    sub = site.bus.subscribe(
        kinds=kinds, maxsize=QUEUE_SIZE, overflow=Overflow.DROP_OLDEST
    )
    trainer = site.trainer if training else None
    async with sub:
        await websocket.send_json(
            {"type": "hello", "site": site.id, "time": site.clock.now()}
        )
        if trainer is None:
            async for event in sub:
                await websocket.send_text(json.dumps(event_message(event)))
            return
        # The adaptation reports from a reader thread; its latest status is looked
        # at between events instead of crossing threads.
        shown: object = trainer.status()
        events = aiter(sub)
        while True:
            status = trainer.status()
            if status is not None and status != shown:
                shown = status
                out = training_out(status, running=trainer.running())
                await websocket.send_text(
                    json.dumps(
                        {
                            "type": TRAINING_PROGRESS,
                            "time": site.clock.now(),
                            "data": out.model_dump(mode="json"),
                        }
                    )
                )
            try:
                event = await asyncio.wait_for(anext(events), TRAINING_POLL)
            except TimeoutError:
                continue
            except StopAsyncIteration:
                return
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
        kinds, training = _kinds(websocket.query_params.get("kinds"))
    except ValueError:
        valid = ", ".join([*(k.value for k in EventKind), TRAINING_PROGRESS])
        await websocket.close(code=CLOSE_BAD_REQUEST, reason=f"kinds: one of {valid}")
        return
    site.metrics.websocket_clients.inc()
    try:
        pump = asyncio.create_task(
            _pump(websocket, site, kinds, training=training), name="ws-pump"
        )
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
    # the browser may have gone already: closing a closed socket is no error
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close()
