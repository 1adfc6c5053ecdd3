"""A client for any OpenAI-compatible chat server: Ollama, llama.cpp's server, vLLM.

One request shape, ``POST {url}/v1/chat/completions``, with the answer constrained to a
JSON schema where the server supports it (:class:`SchemaMode`). The client connects to
the configured address only: no proxy from the environment, no redirects followed, so
the sentence goes nowhere else (docs/fallback.md).

``httpx`` comes with the ``llm`` extra (``pip install 'thingmind[llm]'``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from thingmind.core import ThingmindError

if TYPE_CHECKING:
    from collections.abc import Sequence


_LOGGER = logging.getLogger(__name__)

CHAT_PATH = "/v1/chat/completions"
"""Where OpenAI-compatible servers take chat requests."""
_ERROR_BODY_CHARS = 200  # enough of a server's error page to say what went wrong


class SchemaMode(StrEnum):
    """How the request asks the server to keep its answer to the JSON schema."""

    JSON_OBJECT = "json_object"
    """``{"type": "json_object", "schema": ...}``: llama.cpp's server and
    llama-cpp-python turn the schema into a grammar, so every answer parses."""
    JSON_SCHEMA = "json_schema"
    """``{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}``: the
    OpenAI form, which vLLM, Ollama (0.5 and later) and llama.cpp's server take."""
    NONE = "none"
    """No ``response_format``, for a server that rejects one; the prompt still asks
    for the schema and the answer is still checked."""


class LlmFailure(StrEnum):
    """Why a request to the language model gave no usable answer."""

    TIMEOUT = "timeout"
    """No answer within the configured time."""
    UNREACHABLE = "unreachable"
    """The server could not be reached (refused, reset, name not found)."""
    HTTP_ERROR = "http_error"
    """The server answered with an HTTP error status."""
    BAD_RESPONSE = "bad_response"
    """The server's answer is not an OpenAI chat completion."""


class LlmError(ThingmindError):
    """A request to the language model failed; ``failure`` says how."""

    def __init__(self, failure: LlmFailure, message: str) -> None:
        self.failure = failure
        super().__init__(message)


@dataclass(frozen=True, slots=True, kw_only=True)
class LlmSettings:
    """Where the language model is and how to ask it."""

    url: str = field(
        metadata={"help": "base URL of the server, e.g. http://127.0.0.1:8080"}
    )
    model: str = field(
        default="", metadata={"help": "model name the server knows ('' : its default)"}
    )
    timeout_s: float = field(
        default=4.0, metadata={"help": "seconds to wait for an answer"}
    )
    max_tokens: int = field(
        default=160, metadata={"help": "most tokens the answer may have"}
    )
    schema_mode: SchemaMode = field(
        default=SchemaMode.JSON_OBJECT,
        metadata={"help": "how the request asks for the JSON schema"},
    )
    api_key: str = field(
        default="",
        repr=False,
        metadata={"help": "bearer token, for a server started with one ('' : none)"},
    )

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            msg = (
                f"LLM url {self.url!r} must be http(s)://host[:port], "
                "e.g. http://127.0.0.1:8080"
            )
            raise ValueError(msg)
        if parts.query or parts.fragment:
            msg = f"LLM url {self.url!r} must not have a query or a fragment"
            raise ValueError(msg)
        if not self.timeout_s > 0:
            msg = f"LLM timeout must be > 0 seconds, got {self.timeout_s}"
            raise ValueError(msg)
        if self.max_tokens < 1:
            msg = f"LLM max_tokens must be at least 1, got {self.max_tokens}"
            raise ValueError(msg)

    @property
    def endpoint(self) -> str:
        """The chat completions URL (a base that already ends in ``/v1`` is accepted)."""
        base = self.url.rstrip("/").removesuffix("/v1")
        return base + CHAT_PATH

    @property
    def address(self) -> tuple[str, int]:
        """The host and port every request goes to."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        return host, parts.port or (443 if parts.scheme == "https" else 80)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatReply:
    """What the model answered, and what was sent to get it."""

    content: str
    """The text of the first choice's message."""
    request: Mapping[str, Any]
    """The JSON body that was posted."""
    elapsed_ms: float
    """Wall time of the request."""


def response_format(
    mode: SchemaMode, schema: Mapping[str, Any], *, name: str
) -> dict[str, Any] | None:
    """The ``response_format`` member of a request for a schema mode.

    Args:
        mode: How to ask.
        schema: The JSON schema of the answer.
        name: A name for the schema (the OpenAI form requires one).

    Returns:
        The member, or None when the mode sends none.
    """
    if mode is SchemaMode.JSON_OBJECT:
        return {"type": "json_object", "schema": dict(schema)}
    if mode is SchemaMode.JSON_SCHEMA:
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": dict(schema), "strict": True},
        }
    return None


class ChatClient:
    """Sends chat requests to one OpenAI-compatible server; safe to share by threads."""

    def __init__(self, settings: LlmSettings) -> None:
        """Prepare a connection pool to the server (nothing is sent yet).

        Args:
            settings: Where the server is and how to ask it.

        Raises:
            ThingmindError: When ``httpx`` (the ``llm`` extra) is not installed.
        """
        try:
            import httpx  # noqa: PLC0415  (an optional extra, loaded when configured)
        except ImportError as err:
            msg = "the generative fallback needs httpx: pip install 'thingmind[llm]'"
            raise ThingmindError(msg) from err
        self.settings = settings
        headers = {"Content-Type": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        self._httpx = httpx
        # trust_env=False: no HTTP(S)_PROXY from the environment may carry the sentence
        # elsewhere; redirects are not followed for the same reason.
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout_s),
            trust_env=False,
            follow_redirects=False,
            headers=headers,
        )

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def complete(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        schema: Mapping[str, Any],
        schema_name: str = "answer",
    ) -> ChatReply:
        """Ask the model and return its answer's text.

        Args:
            messages: The chat, ``{"role", "content"}`` each.
            schema: The JSON schema the answer must follow.
            schema_name: The schema's name in the request.

        Returns:
            The answer and the request that got it.

        Raises:
            LlmError: On a timeout, a connection failure, an HTTP error status, or an
                answer that is not a chat completion.
        """
        s = self.settings
        body: dict[str, Any] = {
            "messages": [dict(m) for m in messages],
            "temperature": 0.0,
            "max_tokens": s.max_tokens,
            "stream": False,
        }
        if s.model:
            body["model"] = s.model
        fmt = response_format(s.schema_mode, schema, name=schema_name)
        if fmt is not None:
            body["response_format"] = fmt
        httpx = self._httpx
        t0 = time.perf_counter()
        try:
            response = self._client.post(s.endpoint, json=body)
        except httpx.TimeoutException as err:
            msg = f"no answer from {s.endpoint} within {s.timeout_s:g} s"
            raise LlmError(LlmFailure.TIMEOUT, msg) from err
        except httpx.TransportError as err:
            msg = f"cannot reach {s.endpoint}: {err}"
            raise LlmError(LlmFailure.UNREACHABLE, msg) from err
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code >= 300:
            text = response.text[:_ERROR_BODY_CHARS]
            msg = f"{s.endpoint} answered HTTP {response.status_code}: {text}"
            raise LlmError(LlmFailure.HTTP_ERROR, msg)
        content = _content_of(response.text, s.endpoint)
        _LOGGER.debug("LLM answered in %.0f ms", elapsed)
        return ChatReply(content=content, request=body, elapsed_ms=elapsed)


def _content_of(text: str, endpoint: str) -> str:
    """The first choice's message text of a chat completion body."""
    try:
        data = json.loads(text)
    except ValueError as err:
        msg = f"{endpoint} did not answer JSON: {text[:_ERROR_BODY_CHARS]!r}"
        raise LlmError(LlmFailure.BAD_RESPONSE, msg) from err
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices:
        msg = f"{endpoint} answered without choices: {text[:_ERROR_BODY_CHARS]!r}"
        raise LlmError(LlmFailure.BAD_RESPONSE, msg)
    first = choices[0]
    message = first.get("message") if isinstance(first, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        msg = f"{endpoint} answered choices[0] without message.content"
        raise LlmError(LlmFailure.BAD_RESPONSE, msg)
    return content
