"""The HTTP API (FastAPI); it mounts the dashboard of ``thingmind.web``.

Build the app of a running brain with :func:`create_app`, or serve it inside an
event loop with :func:`run_server`::

    app = create_app(brain=brain, driver=sim, bus=bus, store=store, auth=token)

Routes live under ``/api`` (OpenAPI at ``/api/openapi.json``, docs at
``/api/docs``); ``/metrics`` is Prometheus; ``/api/stream`` is the WebSocket
event stream; ``/`` is the dashboard.
"""

from thingmind.api._app import create_app
from thingmind.api._auth import (
    Authenticator,
    CredentialsAuth,
    TokenAuth,
    TokenVerifier,
    bearer_token,
)
from thingmind.api._downsample import Point, downsample, json_safe
from thingmind.api._errors import ApiError, ErrorBody, ErrorCode
from thingmind.api._server import run_server, server_url
from thingmind.api._site import AuditEntry, AuditReader, ModelCatalog, Site, Trainer

__all__ = [
    "ApiError",
    "AuditEntry",
    "AuditReader",
    "Authenticator",
    "CredentialsAuth",
    "ErrorBody",
    "ErrorCode",
    "ModelCatalog",
    "Point",
    "Site",
    "TokenAuth",
    "TokenVerifier",
    "Trainer",
    "bearer_token",
    "create_app",
    "downsample",
    "json_safe",
    "run_server",
    "server_url",
]
