"""thingmind's own topics: utterances in, answers out, for satellites and scripts.

``<root>/<site>/say`` takes ``{"text": ..., "area": ..., "user": ..., "id": ...}``;
``<root>/<site>/answer`` carries the answer, or an error payload
``{"id": ..., "error": <reason>, "field": ..., "detail": ...}``. See ``docs/mqtt.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import json
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


def say_topic(site: str, root: str = DEFAULT_ROOT) -> str:
    """Return the topic utterances are sent to."""
    return f"{root}/{site}/say"


def answer_topic(site: str, root: str = DEFAULT_ROOT) -> str:
    """Return the topic answers and errors are published on."""
    return f"{root}/{site}/answer"


def status_topic(site: str, root: str = DEFAULT_ROOT) -> str:
    """Return thingmind's own online/offline topic (retained; the last will)."""
    return f"{root}/{site}/status"


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


def parse_utterance(text: str) -> Utterance:
    """Read and check an utterance payload.

    Args:
        text: The payload text.

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
    raw_id = data.get("id")
    request_id: str | None = None
    if isinstance(raw_id, str) and 0 < len(raw_id) <= 128:
        request_id = raw_id
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        request_id = str(raw_id)
    elif raw_id is not None:
        msg = "id must be text of at most 128 characters, or an integer"
        raise UtteranceError(msg, field="id")
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
