"""Errors as JSON: a code to branch on, a clear message and the field at fault.

Every error the API returns has the shape of :class:`ErrorBody`; nothing ever sends a
stack trace. Unknown exceptions are logged once, here, with their traceback, and the
client gets ``internal_error``.
"""

from __future__ import annotations

from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from thingmind.core import ThingmindError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI, Request

_LOGGER = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    """What went wrong, as a closed vocabulary clients can branch on."""

    VALIDATION_ERROR = "validation_error"
    """A parameter or body field is missing or has a bad value (see ``field``)."""
    UNAUTHORIZED = "unauthorized"
    """No token, or a wrong one."""
    FORBIDDEN = "forbidden"
    """The caller is known and may not do this (see ``reason``: the gate's)."""
    NOT_FOUND = "not_found"
    """No such route, device, area or sensor key."""
    METHOD_NOT_ALLOWED = "method_not_allowed"
    """The route exists, not with this method."""
    SERVICE_REFUSED = "service_refused"
    """The device cannot do what was asked (see ``reason`` and ``field``)."""
    CONFLICT = "conflict"
    """The request cannot be done in the site's present state (nothing to roll back)."""
    UNSUPPORTED = "unsupported"
    """A valid request for something not supported (a language, say)."""
    BAD_REQUEST = "bad_request"
    """The request cannot be read at all (a broken JSON body, say)."""
    INTERNAL_ERROR = "internal_error"
    """A bug; the server logged it."""


class FieldProblem(BaseModel):
    """One bad field of a request."""

    field: str = Field(
        description="Where: `body.text`, `query.start`, `path.device_id`."
    )
    message: str = Field(description="What is wrong with it.")


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorCode = Field(description="What went wrong, to branch on.")
    message: str = Field(description="A clear sentence for people.")
    field: str | None = Field(
        default=None, description="The field at fault, when one is (the first one)."
    )
    reason: str | None = Field(
        default=None,
        description="A finer reason, e.g. a refused service's `out_of_range`.",
    )
    problems: list[FieldProblem] = Field(
        default_factory=list, description="Every bad field, when there are several."
    )


class ApiError(ThingmindError):
    """An expected failure of a request, mapped to one JSON error response."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status code."""
        self.code = code
        """The error code."""
        self.message = message
        """The message."""
        self.field = field
        """The field at fault."""
        self.reason = reason
        """A finer reason."""


def not_found(what: str, value: str, *, field: str) -> ApiError:
    """Build the 404 for an unknown id.

    Args:
        what: What was looked for ("device").
        value: The id given.
        field: Where it came from (``path.device_id``).

    Returns:
        The error, to raise.
    """
    return ApiError(404, ErrorCode.NOT_FOUND, f"no {what} {value!r}", field=field)


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    field: str | None = None,
    reason: str | None = None,
    problems: Sequence[FieldProblem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a JSON error response.

    Args:
        status: The HTTP status.
        code: The error code.
        message: The message.
        field: The field at fault.
        reason: A finer reason.
        problems: Every bad field.
        headers: Extra headers (``WWW-Authenticate``).

    Returns:
        The response.
    """
    body = ErrorBody(
        error=code, message=message, field=field, reason=reason, problems=list(problems)
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers=headers
    )


def _loc(loc: Sequence[int | str]) -> str:
    # FastAPI locations are ("body", "text") or ("query", "start"); keep them dotted.
    return ".".join(str(part) for part in loc) or "request"


_STATUS_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    422: ErrorCode.VALIDATION_ERROR,
}


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, ApiError):  # pragma: no cover - registered for ApiError
        raise exc
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return error_response(
        exc.status,
        exc.code,
        exc.message,
        field=exc.field,
        reason=exc.reason,
        headers=headers,
    )


def _problem_message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid value"))
    if err.get("type") == "json_invalid":
        return "the body is not valid JSON"
    return msg


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # pragma: no cover
        raise exc
    problems = [
        FieldProblem(field=_loc(err.get("loc", ())), message=_problem_message(err))
        for err in exc.errors()
    ]
    first = problems[0] if problems else FieldProblem(field="request", message="bad")
    bad_json = any(err.get("type") == "json_invalid" for err in exc.errors())
    return error_response(
        400 if bad_json else 422,
        ErrorCode.BAD_REQUEST if bad_json else ErrorCode.VALIDATION_ERROR,
        f"{first.field}: {first.message}",
        field=first.field,
        problems=problems,
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover
        raise exc
    code = _STATUS_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST)
    if exc.status_code >= 500:
        code = ErrorCode.INTERNAL_ERROR
    message = str(exc.detail) or code.value
    if exc.status_code == 404 and message == "Not Found":
        message = "no such route"
    if exc.status_code == 405:
        message = "this route does not take that method"
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, message, headers=headers)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    _LOGGER.error(
        "internal error on %s %s", request.method, request.url.path, exc_info=exc
    )
    return error_response(
        500, ErrorCode.INTERNAL_ERROR, "internal error; the server logged it"
    )


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a JSON :class:`ErrorBody`.

    Args:
        app: The application.
    """
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The request cannot be read."},
    401: {"model": ErrorBody, "description": "No token, or a wrong one."},
    403: {"model": ErrorBody, "description": "The caller may not do this."},
    404: {"model": ErrorBody, "description": "No such thing."},
    422: {"model": ErrorBody, "description": "A field is missing or bad."},
    500: {"model": ErrorBody, "description": "A bug; the server logged it."},
}
"""The error responses every authenticated route documents in OpenAPI."""
