"""Sentences and service calls sent to thingmind's own topics (``say``, ``command``).

:class:`RequestDesk` checks a request, claims its idempotency key (:class:`KeyClaims`:
the store, which every worker of a site shares), carries it out in a task of its own
(the Brain's ``handle_text``, or its gate for a service call), and answers on the
answer topic once the devices were told (and, with one worker, have reported).
The :class:`~thingmind.mqtt.MqttBridge` hands it the messages of those topics.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
import functools
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

from thingmind.mqtt._driver import UnknownSpeakerError
from thingmind.mqtt._errors import Rejection
from thingmind.mqtt._protocol import (
    ActionTaken,
    Answer,
    CommandResult,
    DeviceCommand,
    Reply,
    UtteranceError,
    encode_answer,
    encode_command_result,
    encode_error,
    parse_command,
    parse_utterance,
)
from thingmind.resolve import Context, ResolvedAction
from thingmind.store import StoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from thingmind.brain import Executed, TurnResult
    from thingmind.core import StateValue
    from thingmind.mqtt._bridge import MqttBridge

_LOGGER = logging.getLogger(__name__)

SOURCE = "mqtt"
"""The ``source`` of what the MQTT interface does: events, audit records."""


class TextHandler(Protocol):
    """What answers utterances: the Brain."""

    def handle_text(self, text: str, *, context: Context | None = None) -> TurnResult:
        """Understand and carry out a sentence."""
        ...


class CommandExecutor(Protocol):
    """What carries out commands sent to the command topic: the Brain (its gate)."""

    def execute(
        self, user: str, action: ResolvedAction, *, source: str, text: str = ""
    ) -> Executed:
        """Check one service call at the gate and carry it out."""
        ...


class KeyClaims(Protocol):
    """Where idempotency keys are claimed: the store (shared by every worker)."""

    def claim_key(self, key: str, *, at: float, owner: str = "") -> bool:
        """Return True when the caller is to carry the command out (see Store)."""
        ...

    def finish_key(self, key: str) -> None:
        """Mark a claimed key done: from now on it is only a duplicate."""
        ...


class MemoryClaims:
    """Idempotency keys of one process, the newest ``size`` kept (no shared store)."""

    def __init__(self, size: int = 100_000) -> None:
        """Remember up to ``size`` keys."""
        self._keys: OrderedDict[str, float] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def claim_key(self, key: str, *, at: float, owner: str = "") -> bool:
        """Return True the first time ``key`` is claimed, False after."""
        del owner  # one process: nothing survives it to take back
        with self._lock:
            if key in self._keys:
                return False
            self._keys[key] = at
            if len(self._keys) > self._size:
                self._keys.popitem(last=False)
            return True

    def finish_key(self, key: str) -> None:
        """Nothing to do: a key is done once claimed."""


class RequestDesk:
    """Answers a bridge's ``say`` and ``command`` topics.

    Example::

        bridge.attach(brain, executor=brain, claims=store)  # sets up bridge.requests
    """

    def __init__(self, bridge: MqttBridge, *, claims: KeyClaims) -> None:
        """Serve ``bridge``'s request topics, claiming keys in ``claims``."""
        self._bridge = bridge
        self._handler: TextHandler | None = None
        self._executor: CommandExecutor | None = None
        self._claims = claims
        self._command_order = asyncio.Lock()
        self._conversations: set[asyncio.Task[None]] = set()

    def attach(
        self,
        handler: TextHandler,
        *,
        executor: CommandExecutor | None = None,
        claims: KeyClaims | None = None,
    ) -> None:
        """Answer with ``handler`` and ``executor``; claim keys in ``claims`` if given."""
        self._handler = handler
        self._executor = executor
        if claims is not None:
            self._claims = claims

    def reply_error(self, err: UtteranceError, reply: Reply | None = None) -> None:
        """Answer a request that cannot be carried out with its error payload."""
        payload = encode_error(
            request_id=err.request_id,
            reason=err.reason,
            field=err.field,
            detail=err.detail,
        )
        self._bridge.publish_answer(payload, reply)

    async def _claim(
        self, kind: str, request_id: str | None, start: Callable[[], None]
    ) -> bool:
        """Claim a request's idempotency key and ``start`` it; False for a duplicate.

        The claim runs in a thread, and the connection can go while it does (the
        ingest task is cancelled). The key is then taken, so the broker's second
        delivery of the request would be skipped as a duplicate: the request is
        started anyway once the claim comes back, and answers on the next
        connection.

        Raises:
            UtteranceError: When several workers share the site and the request
                has no id, or when the key cannot be recorded.
        """
        if request_id is None:
            if self._bridge.settings.shared_group is None:
                start()  # one worker: nobody else can take it
                return True
            msg = (
                "several workers serve this site: send an id (or MQTT 5 correlation "
                "data) so that the request is carried out once"
            )
            raise UtteranceError(msg, field="id")
        key = self._key(kind, request_id)
        loop = asyncio.get_running_loop()
        claim = functools.partial(
            self._claims.claim_key, key, at=time.time(), owner=self._bridge.worker
        )
        claiming = loop.run_in_executor(None, claim)
        try:
            first = await asyncio.shield(claiming)
        except asyncio.CancelledError:
            claiming.add_done_callback(functools.partial(_start_if_claimed, start))
            raise
        except StoreError as err:
            _LOGGER.warning("mqtt: cannot claim %s %r: %s", kind, request_id, err)
            msg = "the request id cannot be recorded now (the store is unreachable); send it again"
            raise UtteranceError(
                msg, field=None, request_id=request_id, reason=Rejection.UNAVAILABLE
            ) from err
        if not first:
            self._bridge.stats.duplicates += 1
            _LOGGER.info(
                "mqtt: %s %r was carried out before; skipped", kind, request_id
            )
            return False
        start()
        return True

    def _key(self, kind: str, request_id: str) -> str:
        return f"mqtt:{self._bridge.settings.site}:{kind}:{request_id}"

    async def _finish(self, kind: str, request_id: str | None) -> None:
        """Mark a request done once its devices were told (or it was refused)."""
        if request_id is None:
            return
        loop = asyncio.get_running_loop()
        finish = functools.partial(self._claims.finish_key, self._key(kind, request_id))
        try:
            await loop.run_in_executor(None, finish)
        except StoreError as err:
            # Left pending: only this worker, restarted, would carry it out again.
            _LOGGER.warning("mqtt: cannot mark %s %r done: %s", kind, request_id, err)

    def _take_over(
        self,
        coro: Coroutine[Any, Any, None],
        name: str,
        done: Callable[[], None] | None,
    ) -> None:
        task = asyncio.create_task(coro, name=name)
        self._conversations.add(task)
        task.add_done_callback(self._conversations.discard)
        if done is not None:
            task.add_done_callback(lambda _: done())

    async def answer(
        self,
        text: str,
        correlation: str | None,
        done: Callable[[], None] | None,
        reply: Reply | None = None,
    ) -> bool:
        t0 = time.perf_counter()
        utterance = parse_utterance(text, correlation=correlation)
        if utterance.area is not None and not self._bridge.home.has_area(
            utterance.area
        ):
            msg = f"no area {utterance.area!r} at this site"
            raise UtteranceError(msg, field="area", request_id=utterance.id)
        if utterance.device is not None and not self._bridge.home.has_device(
            utterance.device
        ):
            msg = f"no device {utterance.device!r} at this site"
            raise UtteranceError(msg, field="device", request_id=utterance.id)
        user = utterance.user or self._bridge.settings.anonymous_user
        if user is None:
            msg = (
                "name the user who speaks: this site takes no sentences from "
                "unknown speakers"
            )
            raise UtteranceError(
                msg,
                field="user",
                request_id=utterance.id,
                reason=Rejection.UNKNOWN_SPEAKER,
            )
        if self._handler is None:
            msg = "thingmind is not ready to take utterances"
            raise UtteranceError(msg, field=None, request_id=utterance.id)
        context = Context(area=utterance.area, device=utterance.device, user=user)

        def start() -> None:
            self._take_over(
                self._converse(
                    utterance.text,
                    utterance.id,
                    context,
                    t0,
                    reply,
                    anonymous=utterance.user is None,
                ),
                "mqtt-utterance",
                done,
            )

        return await self._claim("say", utterance.id, start)

    async def command(
        self,
        text: str,
        correlation: str | None,
        done: Callable[[], None] | None,
        reply: Reply | None = None,
    ) -> bool:
        t0 = time.perf_counter()
        command = parse_command(text, correlation=correlation)
        if not self._bridge.home.has_device(command.device):
            msg = f"no device {command.device!r} at this site"
            raise UtteranceError(msg, field="device", request_id=command.id)
        if command.user is None:
            msg = "name the user who asks: an unknown speaker may not act"
            raise UtteranceError(
                msg,
                field="user",
                request_id=command.id,
                reason=Rejection.UNKNOWN_SPEAKER,
            )
        if self._executor is None:
            msg = "thingmind is not ready to take commands"
            raise UtteranceError(msg, field=None, request_id=command.id)
        return await self._claim(
            "command",
            command.id,
            lambda: self._take_over(
                self._run_command(command, t0, reply), "mqtt-command", done
            ),
        )

    async def _run_command(
        self, command: DeviceCommand, t0: float, reply: Reply | None
    ) -> None:
        executor = self._executor
        if executor is None or command.user is None:  # pragma: no cover - checked
            return
        await self._bridge.until_announced(command.device)
        action = ResolvedAction(
            device_id=command.device, service=command.service, params=command.params
        )
        loop = asyncio.get_running_loop()
        try:
            async with self._command_order:  # carried out in the order they came
                done = await loop.run_in_executor(
                    None,
                    functools.partial(
                        executor.execute,
                        command.user,
                        action,
                        source=SOURCE,
                        text=f"{command.service} {command.device} (mqtt command {command.id})",
                    ),
                )
        except Exception as err:
            _LOGGER.exception("mqtt: command %r failed", command.id)
            self._bridge.publish_answer(
                encode_error(
                    request_id=command.id,
                    reason="internal",
                    field=None,
                    detail=type(err).__name__,
                ),
                reply,
            )
            return
        decision = done.decision
        ok = decision.allowed and not done.error
        changes: dict[str, StateValue] = dict(done.changed)
        await self._bridge.until_sent()  # the device has been told: the key is done
        await self._finish("command", command.id)
        if ok:
            echoes = await self._bridge.await_echoes([command.device])
            changes.update(echoes.get(command.device, {}))
        reason = decision.reason.value if decision.reason is not None else None
        message = decision.message
        if decision.allowed and done.error:
            reason, message = "device_refused", done.error
        self._bridge.stats.commands += 1
        self._bridge.publish_answer(
            encode_command_result(
                CommandResult(
                    id=command.id,
                    device=command.device,
                    service=command.service,
                    decision=decision.verdict.value,
                    ok=ok,
                    reason=reason,
                    message=message,
                    changes=changes,
                    worker=self._bridge.worker,
                )
            ),
            reply,
        )
        _LOGGER.debug(
            "mqtt: command %r done in %.1f ms",
            command.id,
            (time.perf_counter() - t0) * 1000,
        )

    async def _converse(
        self,
        text: str,
        request_id: str | None,
        context: Context,
        t0: float,
        reply: Reply | None,
        *,
        anonymous: bool = False,
    ) -> None:
        handler = self._handler
        if handler is None:  # pragma: no cover - checked by the caller
            return
        loop = asyncio.get_running_loop()
        turn = functools.partial(handler.handle_text, text, context=context)
        if anonymous:
            turn = functools.partial(self._refusing, turn)
        try:
            result = await loop.run_in_executor(None, turn)
        except UnknownSpeakerError:
            _LOGGER.warning("mqtt: a turn tried to act for an unknown speaker")
            await self._finish("say", request_id)
            self._bridge.stats.utterances += 1
            self._bridge.publish_answer(
                encode_answer(self._unknown_speaker_answer(text, request_id, t0)),
                reply,
            )
            return
        except Exception as err:
            _LOGGER.exception("mqtt: utterance %r failed", text[:80])
            self._bridge.publish_answer(
                encode_error(
                    request_id=request_id,
                    reason="internal",
                    field=None,
                    detail=type(err).__name__,
                ),
                reply,
            )
            return
        actions = (
            tuple(
                ActionTaken(
                    device=a.device_id, service=a.service, params=dict(a.params)
                )
                for a in result.resolution.actions
            )
            if not result.clarify
            else ()
        )
        changes: dict[str, dict[str, StateValue]] = {
            d: dict(c) for d, c in result.changes.items()
        }
        await self._bridge.until_sent()  # the devices have been told: the key is done
        await self._finish("say", request_id)
        echoes = await self._bridge.await_echoes(
            [a.device for a in actions if a.device not in changes]
        )
        changes.update({d: dict(c) for d, c in echoes.items()})
        answer = Answer(
            id=request_id,
            text=text,
            answer=result.answer,
            actions=actions,
            changes=changes,
            refused=result.refused,
            clarify=result.clarify,
            latency_ms=(time.perf_counter() - t0) * 1000,
            worker=self._bridge.worker,
        )
        if anonymous and (result.refused or actions):
            # Whatever the turn tried, an unknown speaker only gets answers.
            answer = self._unknown_speaker_answer(text, request_id, t0)
        self._bridge.stats.utterances += 1
        self._bridge.publish_answer(encode_answer(answer), reply)

    def _unknown_speaker_answer(
        self, text: str, request_id: str | None, t0: float
    ) -> Answer:
        return Answer(
            id=request_id,
            text=text,
            answer="I don't know who you are, so I only answer questions: "
            "send your user to control devices.",
            refused=True,
            latency_ms=(time.perf_counter() - t0) * 1000,
            reason=str(Rejection.UNKNOWN_SPEAKER),
            worker=self._bridge.worker,
        )

    def _refusing(self, turn: Callable[[], TurnResult]) -> TurnResult:
        with self._bridge.driver.refusing():
            return turn()


def _start_if_claimed(
    start: Callable[[], None], claiming: asyncio.Future[bool]
) -> None:
    """Start a request whose claim came back after its connection went."""
    if claiming.cancelled() or claiming.exception() is not None:
        return  # nothing recorded: the broker's next delivery claims it
    if claiming.result():
        start()
