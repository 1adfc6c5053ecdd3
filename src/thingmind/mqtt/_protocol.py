"""thingmind's own topics: utterances and commands in, answers out.

``<root>/<site>/say`` takes ``{"text": ..., "area": ..., "user": ..., "id": ...}``;
``<root>/<site>/command`` takes ``{"id": ..., "user": ..., "device": ...,
"service": ..., "params": {...}}``; ``<root>/<site>/answer`` carries the answers, or
an error payload ``{"id": ..., "error": <reason>, "field": ..., "detail": ...}``.
The ``id`` (or MQTT 5 correlation data) is the request's idempotency key. See
``docs/mqtt.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import json
import math
import re

from thingmind.core import StateValue
from thingmind.mqtt._errors import RejectedError, Rejection
from thingmind.mqtt._payload import json_object, parse_json

DEFAULT_ROOT = "thingmind"
"""The root of thingmind's own topics."""
MAX_TEXT = 1000
"""Longest utterance, characters."""
_NAME = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")
_FIELDS = frozenset({"text", "area", "user", "id", "device"})
_COMMAND_FIELDS = frozenset({"id", "user", "device", "service", "params"})
_SERVICE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_ID = 128
"""Longest request id (idempotency key), characters."""
MAX_PARAMS = 16
"""Most parameters one command may carry."""
MAX_PARAM_TEXT = 200
"""Longest text parameter, characters."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Utterance:
    """A sentence sent to thingmind over MQTT."""

    text: str
    """What was said."""
    area: str | None = None
    """The area id the speaker is in (a satellite's room)."""
    user: str | None = None
    """Who speaks; permissions are checked against it."""
    device: str | None = None
    """The device the speaker talks through."""
    id: str | None = None
    """The caller's request id, echoed in the answer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionTaken:
    """One service call thingmind made for an utterance."""

    device: str
    """The device id."""
    service: str
    """The service."""
    params: Mapping[str, StateValue] = field(default_factory=dict)
    """Its parameters."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What thingmind publishes for an utterance."""

    id: str | None
    """The request id, echoed."""
    text: str
    """The utterance."""
    answer: str
    """What thingmind says back."""
    actions: tuple[ActionTaken, ...] = ()
    """Service calls made."""
    changes: Mapping[str, Mapping[str, StateValue]] = field(default_factory=dict)
    """State keys that changed by the time of the answer, per device."""
    refused: bool = False
    """True when all or part of the request was declined."""
    clarify: bool = False
    """True when thingmind asks which device or place was meant."""
    latency_ms: float = 0.0
    """Time from the utterance to the answer, milliseconds."""
    reason: str | None = None
    """Why it was refused, when the bridge itself knows (``unknown_speaker``)."""
    worker: str | None = None
    """The client id of the thingmind worker that answered."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceCommand:
    """A service call sent to thingmind over MQTT, checked at the gate like a sentence."""

    id: str
    """The request id: its idempotency key, echoed in the answer."""
    device: str
    """The device id."""
    service: str
    """The service of the device's type (``turn_on``, ``set_temperature``)."""
    params: Mapping[str, StateValue] = field(default_factory=dict)
    """Its parameters."""
    user: str | None = None
    """Who asks; permissions are checked against it. None: an unknown speaker."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandResult:
    """What thingmind publishes for a command."""

    id: str
    """The request id, echoed."""
    device: str
    """The device."""
    service: str
    """The service."""
    decision: str
    """The gate's verdict: ``allow``, ``confirm`` (a PIN is needed) or ``deny``."""
    ok: bool
    """True when the command was sent to the device."""
    reason: str | None = None
    """Why not: the gate's reason, ``unknown_speaker``, or the device's refusal."""
    message: str = ""
    """A short sentence safe to show the user."""
    changes: Mapping[str, StateValue] = field(default_factory=dict)
    """The device's state keys that changed by the time of the answer."""
    worker: str | None = None
    """The client id of the thingmind worker that carried it out."""


def say_topic(site: str, root: str = DEFAULT_ROOT) -> str:
    """Return the topic utterances are sent to."""
    return f"{root}/{site}/say"


def answer_topic(site: str, root: str = DEFAULT_ROOT) -> str:
    """Return the topic answers and errors are published on."""
    return f"{root}/{site}/answer"


def status_topic(site: str, root: str = DEFAULT_ROOT) -> str:
    """Return thingmind's own online/offline topic (retained; the last will)."""
    return f"{root}/{site}/status"


def command_topic(site: str, root: str = DEFAULT_ROOT) -> str:
    """Return the topic service calls are sent to."""
    return f"{root}/{site}/command"


def worker_status_topic(site: str, worker: str, root: str = DEFAULT_ROOT) -> str:
    """Return one worker's online/offline topic (several workers; retained)."""
    return f"{root}/{site}/workers/{worker}"


@dataclass(frozen=True, slots=True)
class Reply:
    """Where a request's answer goes, and the correlation data it carries back (MQTT 5)."""

    topic: str
    """The answer topic, or the request's response topic below it."""
    correlation: bytes | None = None
    """The request's correlation data, returned as it came."""


def reply_for(
    response_topic: str | None,
    correlation: bytes | None,
    *,
    site: str,
    root: str = DEFAULT_ROOT,
) -> Reply | None:
    """Return where a request is answered: MQTT 5 request/response.

    A request may name its own response topic, so that a satellite hears only its
    answers; it must be the answer topic or below it (``thingmind/home/answer/kitchen``):
    a requester may not aim thingmind's answers at a device's command topic, or at
    thingmind's own request topics. The correlation data comes back as it came.

    Args:
        response_topic: The request's ``ResponseTopic`` property, if any.
        correlation: Its ``CorrelationData`` property, if any.
        site: The site's name in thingmind's topics.
        root: thingmind's topic root.

    Returns:
        The reply, or None for the plain answer topic with nothing to carry back.

    Raises:
        UtteranceError: ``bad_request`` on ``response_topic`` when it is elsewhere.
    """
    answers = answer_topic(site, root)
    if response_topic is None:
        return Reply(topic=answers, correlation=correlation) if correlation else None
    if response_topic != answers and not response_topic.startswith(answers + "/"):
        msg = f"a response topic must be {answers} or below it, not {response_topic[:200]!r}"
        raise UtteranceError(
            msg, field="response_topic", request_id=correlation_id(correlation)
        )
    return Reply(topic=response_topic, correlation=correlation or None)


def correlation_id(data: bytes | None) -> str | None:
    """Return MQTT 5 correlation data as a request id (text, or hex for binary).

    Args:
        data: The ``CorrelationData`` property, if any.

    Returns:
        The id, or None when there is none or it is longer than ``MAX_ID``.
    """
    if not data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.hex()
    if not text.isprintable() or len(text) > MAX_ID:
        text = data.hex()
    return text if len(text) <= MAX_ID else None


def _optional_name(
    data: Mapping[str, object], key: str, request_id: str | None
) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _NAME.match(value):
        msg = f"{key} must be 1-64 characters of [A-Za-z0-9_.:@-]"
        raise UtteranceError(msg, field=key, request_id=request_id)
    return value


class UtteranceError(RejectedError):
    """An utterance payload that does not follow the schema."""

    def __init__(
        self,
        detail: str,
        *,
        field: str | None,
        request_id: str | None = None,
        reason: Rejection = Rejection.BAD_REQUEST,
    ) -> None:
        super().__init__(reason, detail, field=field)
        self.request_id = request_id
        """The request's id, when it could be read, for the error payload."""


def _request_id(data: Mapping[str, object], correlation: str | None) -> str | None:
    raw_id = data.get("id")
    if raw_id is None:
        return correlation
    if isinstance(raw_id, str) and 0 < len(raw_id) <= MAX_ID and raw_id.isprintable():
        return raw_id
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        return str(raw_id)
    msg = f"id must be printable text of at most {MAX_ID} characters, or an integer"
    raise UtteranceError(msg, field="id", request_id=correlation)


def parse_utterance(text: str, *, correlation: str | None = None) -> Utterance:
    """Read and check an utterance payload.

    Args:
        text: The payload text.
        correlation: The message's MQTT 5 correlation data as text: the request id
            when the payload has no ``id``.

    Returns:
        The utterance.

    Raises:
        UtteranceError: With the field at fault; ``reason`` is ``NOT_JSON``,
            ``WRONG_TYPE`` or ``BAD_REQUEST``.
    """
    try:
        data = json_object(parse_json(text), what="an utterance")
    except RejectedError as err:
        raise UtteranceError(err.detail, field=None, reason=err.reason) from err
    request_id = _request_id(data, correlation)
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        msg = f"unknown field {unknown[0]!r} (fields: text, area, user, device, id)"
        raise UtteranceError(msg, field=unknown[0][:64], request_id=request_id)
    said = data.get("text")
    if not isinstance(said, str) or not said.strip():
        msg = "text must be a non-empty string"
        raise UtteranceError(msg, field="text", request_id=request_id)
    if len(said) > MAX_TEXT:
        msg = f"text is longer than {MAX_TEXT} characters"
        raise UtteranceError(msg, field="text", request_id=request_id)
    return Utterance(
        text=said.strip(),
        area=_optional_name(data, "area", request_id),
        user=_optional_name(data, "user", request_id),
        device=_optional_name(data, "device", request_id),
        id=request_id,
    )


def parse_command(text: str, *, correlation: str | None = None) -> DeviceCommand:
    """Read and check a command payload.

    Args:
        text: The payload text.
        correlation: The message's MQTT 5 correlation data as text: the request id
            when the payload has no ``id``.

    Returns:
        The command.

    Raises:
        UtteranceError: With the field at fault (``id`` when the command carries no
            idempotency key); ``reason`` is ``NOT_JSON``, ``WRONG_TYPE`` or
            ``BAD_REQUEST``.
    """
    try:
        data = json_object(parse_json(text), what="a command")
    except RejectedError as err:
        raise UtteranceError(err.detail, field=None, reason=err.reason) from err
    request_id = _request_id(data, correlation)
    unknown = sorted(set(data) - _COMMAND_FIELDS)
    if unknown:
        msg = (
            f"unknown field {unknown[0]!r} (fields: id, user, device, service, params)"
        )
        raise UtteranceError(msg, field=unknown[0][:64], request_id=request_id)
    if request_id is None:
        msg = (
            "a command needs an id (or MQTT 5 correlation data): it is run once per id"
        )
        raise UtteranceError(msg, field="id")
    device = _optional_name(data, "device", request_id)
    if device is None:
        msg = "device is required"
        raise UtteranceError(msg, field="device", request_id=request_id)
    service = data.get("service")
    if not isinstance(service, str) or not _SERVICE.match(service):
        msg = "service must be a service name such as turn_on"
        raise UtteranceError(msg, field="service", request_id=request_id)
    return DeviceCommand(
        id=request_id,
        device=device,
        service=service,
        params=_params(data.get("params"), request_id),
        user=_optional_name(data, "user", request_id),
    )


def _params(raw: object, request_id: str) -> dict[str, StateValue]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        msg = "params must be an object"
        raise UtteranceError(msg, field="params", request_id=request_id)
    if len(raw) > MAX_PARAMS:
        msg = f"at most {MAX_PARAMS} params"
        raise UtteranceError(msg, field="params", request_id=request_id)
    params: dict[str, StateValue] = {}
    for key, value in raw.items():
        where = f"params.{str(key)[:40]}"
        if not _SERVICE.match(str(key)):
            msg = "a parameter name is 1-64 of [a-z0-9_]"
            raise UtteranceError(msg, field=where, request_id=request_id)
        if isinstance(value, float) and not math.isfinite(value):
            msg = "a number must be finite"
            raise UtteranceError(msg, field=where, request_id=request_id)
        if isinstance(value, str) and len(value) > MAX_PARAM_TEXT:
            msg = f"text longer than {MAX_PARAM_TEXT} characters"
            raise UtteranceError(msg, field=where, request_id=request_id)
        if value is not None and not isinstance(value, bool | int | float | str):
            msg = "a parameter is text, a number, true/false or null"
            raise UtteranceError(msg, field=where, request_id=request_id)
        params[key] = value
    return params


def encode_command_result(result: CommandResult) -> str:
    """Return the JSON payload of a command's answer."""
    body = {
        "id": result.id,
        "device": result.device,
        "service": result.service,
        "decision": result.decision,
        "ok": result.ok,
        "reason": result.reason,
        "message": result.message,
        "changes": dict(result.changes),
        "worker": result.worker,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def encode_answer(answer: Answer) -> str:
    """Return the JSON payload of an answer."""
    body = {
        "id": answer.id,
        "text": answer.text,
        "answer": answer.answer,
        "actions": [
            {"device": a.device, "service": a.service, "params": dict(a.params)}
            for a in answer.actions
        ],
        "changes": {d: dict(c) for d, c in answer.changes.items()},
        "refused": answer.refused,
        "clarify": answer.clarify,
        "latency_ms": round(answer.latency_ms, 3),
        "reason": answer.reason,
        "worker": answer.worker,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def encode_error(
    *, request_id: str | None, reason: Rejection | str, field: str | None, detail: str
) -> str:
    """Return the JSON payload of an error answer."""
    body = {
        "id": request_id,
        "error": str(reason),
        "field": field,
        "detail": detail[:300],
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
