"""The MQTT bridge: device state in, commands out, utterances answered.

:class:`MqttBridge` owns one aiomqtt connection. It reads Home Assistant discovery
and zigbee2mqtt traffic, turns device state into ``STATE_CHANGED`` events on the bus
(the Brain applies them to the registry and the store), publishes commands for
:class:`MqttDeviceDriver` with QoS 1, and answers utterances sent to thingmind's own
topic. It reconnects with jittered exponential backoff and resubscribes; with a fixed
client id and a persistent session the broker keeps QoS 1 messages for it while it is
away. Every message that cannot be used is rejected with a log line and a counter in
:class:`MqttStats`, never an exception out of the loop.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
import contextlib
import dataclasses
from dataclasses import dataclass
import functools
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

import aiomqtt

from thingmind.core import (
    Domain,
    Event,
    EventKind,
    ServiceError,
    StateValue,
    SystemClock,
)
from thingmind.mqtt._client import Backoff, ack, make_client, refuses_protocol
from thingmind.mqtt._codec import (
    Outgoing,
    check_state,
    decode_state,
    encode_command,
    state_topics,
)
from thingmind.mqtt._discovery import DiscoveredEntity, bind_entity, parse_discovery
from thingmind.mqtt._errors import RejectedError, Rejection
from thingmind.mqtt._payload import json_object, parse_json, payload_text
from thingmind.mqtt._protocol import (
    ActionTaken,
    Answer,
    CommandResult,
    DeviceCommand,
    UtteranceError,
    answer_topic,
    command_topic,
    correlation_id,
    encode_answer,
    encode_command_result,
    encode_error,
    parse_command,
    parse_utterance,
    say_topic,
    status_topic,
    worker_status_topic,
)
from thingmind.mqtt._settings import MqttSettings, Protocol as MqttProtocol
from thingmind.mqtt._stats import MqttStats
from thingmind.mqtt._z2m import Z2mIndex, decode_z2m_state, encode_z2m_command
from thingmind.registry import domain_spec
from thingmind.resolve import Context, ResolvedAction
from thingmind.store import StoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterator, Mapping

    from thingmind.brain import Executed, TurnResult
    from thingmind.bus import EventBus
    from thingmind.core import Clock
    from thingmind.registry import Home

_LOGGER = logging.getLogger(__name__)

SOURCE = "mqtt"
"""The ``source`` of the events the bridge publishes."""


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


class DeviceNotReachableError(ServiceError):
    """A device that has announced no way to command it over MQTT."""


class UnknownSpeakerError(ServiceError):
    """A device call made while answering someone who gave no ``user``."""


@dataclass(frozen=True, slots=True)
class _Route:
    device_id: str
    role: str


def _raise_if_cancelled() -> None:
    """Raise a cancellation that an aiomqtt call swallowed.

    Python 3.11's ``asyncio.wait_for`` (inside aiomqtt) can swallow a cancellation
    that lands as its future completes; the request is still counted, so a loop
    that checks before it waits again ends as it was asked to.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class MqttDeviceDriver:
    """A :class:`~thingmind.registry.DeviceDriver` that publishes commands over MQTT.

    It checks the call against the device's type first (so the Brain gets the same
    refusals as in-process), encodes it for the device's discovery config or its
    zigbee2mqtt name, and queues it for the bridge, which publishes it with QoS 1. It
    returns ``{}``: the device's new state arrives later, on its state topic.
    Safe to call from any thread.
    """

    def __init__(self, bridge: MqttBridge) -> None:
        """Drive the devices a bridge has bound."""
        self._bridge = bridge
        self._local = threading.local()

    @contextlib.contextmanager
    def refusing(self) -> Iterator[None]:
        """Refuse every call this thread makes meanwhile (an unknown speaker's turn).

        The gate already refuses a read-only user everything but questions; this is
        the second lock on the same door, at the device layer.
        """
        self._local.refuse = True
        try:
            yield
        finally:
            self._local.refuse = False

    def call(
        self, device_id: str, service: str, params: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        """Check and send a service call.

        Args:
            device_id: The device.
            service: The service.
            params: Its parameters.

        Returns:
            ``{}``: state is reported by the device.

        Raises:
            KeyError: When the site has no such device.
            ServiceCallError: When the device cannot do it.
            DeviceNotReachableError: When it announced no command topic.
            UnknownSpeakerError: When called for someone who gave no ``user``.
        """
        if getattr(self._local, "refuse", False):
            msg = "an unknown speaker may not act"
            raise UnknownSpeakerError(msg)
        bridge = self._bridge
        device = bridge.home.device(device_id)
        state = bridge.state_of(device_id)
        new_state = domain_spec(device.type).call(state, service, params)
        bridge.expect(
            device_id, {k: v for k, v in new_state.items() if state.get(k) != v}
        )
        entity = bridge.entity(device_id)
        if entity is not None:
            messages = encode_command(entity, service, params, state)
        else:
            name = bridge.z2m_name(device_id)
            if name is None or bridge.settings.z2m_base is None:
                msg = f"{device_id} has not announced itself over MQTT"
                raise DeviceNotReachableError(msg)
            messages = [
                encode_z2m_command(
                    bridge.settings.z2m_base,
                    name,
                    device,
                    service=service,
                    params=params,
                    state=state,
                )
            ]
        for message in messages:
            bridge.send(dataclasses.replace(message, device_id=device_id))
        _LOGGER.debug(
            "mqtt: %s.%s(%s) -> %d messages",
            device_id,
            service,
            dict(params),
            len(messages),
        )
        return {}


class MqttBridge:
    """One MQTT connection serving a site: state in, commands out, utterances answered.

    Example::

        bridge = MqttBridge(settings=settings, home=home, bus=bus)
        brain = Brain(home=home, parser=parser, driver=bridge.driver, bus=bus)
        bridge.attach(brain)
        async with asyncio.TaskGroup() as tg:
            tg.create_task(brain.run(), name="brain")
            tg.create_task(bridge.run(), name="mqtt")
    """

    def __init__(
        self,
        *,
        settings: MqttSettings,
        home: Home,
        bus: EventBus,
        clock: Clock | None = None,
        answer_timeout: float = 2.0,
        claims: KeyClaims | None = None,
    ) -> None:
        """Set up, without connecting.

        Args:
            settings: Broker and topics.
            home: The site.
            bus: Where device state goes as events.
            clock: Stamps the events (default: wall clock).
            answer_timeout: How long an answer waits for the devices it commanded to
                report their new state, seconds.
            claims: Where the idempotency keys of sentences and commands are
                claimed: the store, which every worker of a site shares (default:
                this process's memory, enough for one worker).
        """
        self.settings = settings
        self.home = home
        self.stats = MqttStats()
        self.driver = MqttDeviceDriver(self)
        self._bus = bus
        self._clock = clock or SystemClock()
        self._answer_timeout = answer_timeout
        self._handler: TextHandler | None = None
        self._executor: CommandExecutor | None = None
        self._command_order = asyncio.Lock()
        self._announced = asyncio.Event()  # set (and replaced) at each binding
        self._queued = 0  # messages put in the outbox, ever
        self._published = 0  # messages that left it, in order: published or dropped
        self._sent_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._claims: KeyClaims = claims if claims is not None else MemoryClaims()
        self.worker = settings.broker.client_id or f"thingmind-{settings.site}"
        """This worker's MQTT client id."""
        self._state_of: Callable[[str], Mapping[str, StateValue]] = lambda d: (
            home.device(d).state
        )
        self._entities: dict[str, DiscoveredEntity] = {}
        self._entity_keys: dict[str, str] = {}
        self._routes: dict[str, list[_Route]] = {}
        self._availability_routes: dict[str, list[tuple[str, int]]] = {}
        self._availability: dict[str, dict[int, bool]] = {}
        self._discovered: dict[str, DiscoveredEntity] = {}
        self._z2m = Z2mIndex(home)
        self._z2m_names: dict[str, str] = {}
        self._subscribed: set[str] = set()
        self._pending_subscribes: asyncio.Queue[str] | None = None
        self._outbox: asyncio.Queue[Outgoing] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: dict[str, list[asyncio.Future[Mapping[str, StateValue]]]] = {}
        self._conversations: set[asyncio.Task[None]] = set()
        self._awaiting_echo: set[str] = set()
        self._echoes: dict[str, Mapping[str, StateValue]] = {}
        self._expected: dict[str, dict[str, StateValue]] = {}
        self._version = (
            MqttProtocol.V5
            if settings.broker.protocol is not MqttProtocol.V311
            else MqttProtocol.V311
        )
        self.connected = asyncio.Event()
        """Set while connected and subscribed."""
        self.connections = 0
        """Successful connections so far (1 + reconnects)."""

    # ---------------------------------------------------------------- wiring

    def attach(
        self,
        handler: TextHandler,
        state_of: Callable[[str], Mapping[str, StateValue]] | None = None,
        *,
        executor: CommandExecutor | None = None,
        claims: KeyClaims | None = None,
    ) -> None:
        """Answer utterances with ``handler`` and read device state from it.

        Args:
            handler: The Brain (anything with ``handle_text``).
            state_of: Returns a device's current state; default: the handler's
                ``registry.state`` when it has one.
            executor: Carries out the command topic's service calls (the Brain);
                None: commands are refused as "not ready".
            claims: Where idempotency keys are claimed from now on (the store);
                None keeps the current place.
        """
        self._handler = handler
        self._executor = executor
        if claims is not None:
            self._claims = claims
        if state_of is None:
            registry = getattr(handler, "registry", None)
            state_of = getattr(registry, "state", None)
        if state_of is not None:
            self._state_of = state_of

    def state_of(self, device_id: str) -> Mapping[str, StateValue]:
        """Return a device's current state, as the Brain knows it."""
        return self._state_of(device_id)

    def entity(self, device_id: str) -> DiscoveredEntity | None:
        """Return the discovery config bound to a device, if any."""
        return self._entities.get(device_id)

    def z2m_name(self, device_id: str) -> str | None:
        """Return the zigbee2mqtt name a device reported under, if any."""
        return self._z2m_names.get(device_id)

    @property
    def bound(self) -> Mapping[str, DiscoveredEntity]:
        """Discovery configs bound to the site's devices, by device id."""
        return dict(self._entities)

    @property
    def discovered(self) -> Mapping[str, DiscoveredEntity]:
        """Entities announced for devices the site file does not have, by config key."""
        return dict(self._discovered)

    def available(self, device_id: str) -> bool | None:
        """Return whether a device is online (None: it has no availability topic).

        Combines several availability topics by the config's ``availability_mode``.
        """
        entity = self._entities.get(device_id)
        seen = self._availability.get(device_id)
        if seen is None:
            return None
        values = list(seen.values())
        mode = entity.availability_mode if entity is not None else "latest"
        if mode == "all":
            total = len(entity.availability) if entity is not None else len(values)
            return len(values) == total and all(values)
        if mode == "any":
            return any(values)
        return values[-1] if values else None

    def availability(self) -> dict[str, bool | None]:
        """Return every bound device's availability (None: unknown)."""
        ids = set(self._entities) | set(self._availability)
        return {d: self.available(d) for d in sorted(ids)}

    # ---------------------------------------------------------------- outgoing

    def expect(self, device_id: str, changes: Mapping[str, StateValue]) -> None:
        """Note the state a command should lead to; its echo is the first report with it.

        Safe from any thread (a dict assignment). An echo kept from an earlier
        command is dropped: it does not answer this one.
        """
        self._expected[device_id] = dict(changes)
        self._echoes.pop(device_id, None)

    def send(self, message: Outgoing) -> None:
        """Queue a command for publishing (QoS 1); safe from any thread.

        Raises:
            DeviceNotReachableError: When the bridge is not running.
        """
        loop, outbox = self._loop, self._outbox
        if loop is None or outbox is None:
            msg = "the MQTT bridge is not running"
            raise DeviceNotReachableError(msg)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._enqueue(outbox, message)
        else:
            loop.call_soon_threadsafe(self._enqueue, outbox, message)

    def _enqueue(self, outbox: asyncio.Queue[Outgoing], message: Outgoing) -> None:
        if outbox.full():
            dropped = outbox.get_nowait()
            _LOGGER.warning(
                "mqtt: outbox full, dropped the oldest command for %s", dropped.topic
            )
            self._gone(1)
        outbox.put_nowait(message)
        self._queued += 1

    def _gone(self, count: int) -> None:
        """Count messages that left the outbox (published or dropped), in order."""
        self._published += count
        while self._sent_waiters and self._sent_waiters[0][0] <= self._published:
            _, waiter = self._sent_waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)

    async def _until_sent(self) -> None:
        """Wait until everything queued so far has been published (PUBACK)."""
        target = self._queued
        if self._published >= target:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sent_waiters.append((target, waiter))
        await waiter

    # ---------------------------------------------------------------- running

    async def run(self) -> None:
        """Stay connected until cancelled: connect, subscribe, serve, reconnect."""
        self._loop = asyncio.get_running_loop()
        self._outbox = asyncio.Queue(self.settings.outbox_size)
        self._pending_subscribes = asyncio.Queue()
        backoff = Backoff(
            initial=self.settings.backoff_initial, maximum=self.settings.backoff_max
        )
        broker = self.settings.broker
        will = aiomqtt.Will(self._status_topic(), "offline", qos=1, retain=True)
        while True:
            client = make_client(
                broker,
                version=self._version,
                identifier=self.worker,
                will=will,
                manual_ack=True,
            )
            retry_now = False
            delay = 0.0
            try:
                async with client:
                    self.connections += 1
                    backoff.reset()
                    _LOGGER.info(
                        "mqtt: connected to %s:%s (MQTT %s)",
                        broker.host,
                        broker.port,
                        self._version,
                    )
                    await self._serve(client)
            except* aiomqtt.MqttError as group:
                err = group.exceptions[0]
                self.connected.clear()
                if (
                    self.settings.broker.protocol is MqttProtocol.AUTO
                    and self._version is MqttProtocol.V5
                    and self.connections == 0
                    and isinstance(err, aiomqtt.MqttError)
                    and refuses_protocol(err)
                ):
                    _LOGGER.warning("mqtt: broker refuses MQTT 5, using 3.1.1")
                    self._version = MqttProtocol.V311
                    retry_now = True
                else:
                    delay = backoff.next()
                    _LOGGER.warning(
                        "mqtt: connection lost (%s); retrying in %.1f s", err, delay
                    )
            if not retry_now:
                await asyncio.sleep(delay)

    def _status_topic(self) -> str:
        # Several workers: each has its own status, or one's last will would say
        # "offline" for the whole site while the others serve it.
        settings = self.settings
        if settings.shared_group is not None:
            return worker_status_topic(settings.site, self.worker, settings.root)
        return status_topic(settings.site, settings.root)

    async def _serve(self, client: aiomqtt.Client) -> None:
        settings = self.settings
        self._subscribed.clear()
        base = [
            f"{settings.discovery_prefix}/#",
            self._shared(say_topic(settings.site, settings.root)),
            self._shared(command_topic(settings.site, settings.root)),
        ]
        if settings.z2m_base is not None:
            base.append(self._shared(f"{settings.z2m_base}/#"))
        base.extend(
            self._shared(t) for t in (*self._routes, *self._availability_routes)
        )
        await self._subscribe(client, base)
        await client.publish(self._status_topic(), "online", qos=1, retain=True)
        if settings.birth:
            await client.publish(f"{settings.discovery_prefix}/status", "online", qos=1)
        self.connected.set()
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._publish_loop(client), name="mqtt-publish")
            tasks.create_task(self._subscribe_loop(client), name="mqtt-subscribe")
            tasks.create_task(self._ingest_loop(client), name="mqtt-ingest")

    def _shared(self, topic: str) -> str:
        group = self.settings.shared_group
        return f"$share/{group}/{topic}" if group else topic

    async def _subscribe(self, client: aiomqtt.Client, topics: list[str]) -> None:
        fresh = [t for t in dict.fromkeys(topics) if t not in self._subscribed]
        for start in range(0, len(fresh), 100):
            chunk = fresh[start : start + 100]
            await client.subscribe([(t, 1) for t in chunk])
            self._subscribed.update(chunk)

    async def _subscribe_loop(self, client: aiomqtt.Client) -> None:
        queue = self._pending_subscribes
        if queue is None:  # pragma: no cover - set in run()
            return
        while True:
            _raise_if_cancelled()
            topics = [await queue.get()]
            while not queue.empty():
                topics.append(queue.get_nowait())
            await self._subscribe(client, [self._shared(t) for t in topics])

    async def _publish_loop(self, client: aiomqtt.Client) -> None:
        outbox = self._outbox
        if outbox is None:  # pragma: no cover - set in run()
            return
        while True:
            _raise_if_cancelled()
            message = await outbox.get()
            try:
                await client.publish(
                    message.topic, message.payload, qos=1, retain=message.retain
                )
            except aiomqtt.MqttError:
                # Keep it for the next connection: commands are not lost to a blip.
                self._requeue(outbox, message)
                raise
            self.stats.commands_sent += 1
            self._gone(1)
            if message.device_id is not None:
                # The next state this device reports answers this command.
                self._awaiting_echo.add(message.device_id)
                self._echoes.pop(message.device_id, None)

    def _requeue(self, outbox: asyncio.Queue[Outgoing], message: Outgoing) -> None:
        rest = [message]
        while not outbox.empty():
            rest.append(outbox.get_nowait())
        for item in rest[: outbox.maxsize or None]:
            outbox.put_nowait(item)

    async def _ingest_loop(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            _raise_if_cancelled()
            data = getattr(message.properties, "CorrelationData", None)
            await self.handle_message(
                message.topic.value,
                message.payload,
                correlation=correlation_id(data) if isinstance(data, bytes) else None,
                done=functools.partial(ack, client, message),
            )

    # ---------------------------------------------------------------- incoming

    async def handle_message(
        self,
        topic: str,
        payload: bytes | bytearray | str | float | None,
        *,
        correlation: str | None = None,
        done: Callable[[], None] | None = None,
    ) -> None:
        """Handle one incoming message; rejections are counted, never raised.

        Public so that tests and other transports can feed messages directly.

        Args:
            topic: Where it came.
            payload: What it holds.
            correlation: Its MQTT 5 correlation data, as text (a request id).
            done: Called once the message is handled (the broker's acknowledgement):
                for a sentence or a command, once its answer is queued.
        """
        self.stats.received += 1
        deferred = False
        try:
            deferred = await self._dispatch(topic, payload, correlation, done)
        except RejectedError as err:
            self.stats.reject(err, topic)
            if isinstance(err, UtteranceError):
                self._reply_error(err)
            elif topic in self._request_topics():
                self._reply_error(
                    UtteranceError(err.detail, field=err.field, reason=err.reason)
                )
        finally:
            if not deferred and done is not None:
                done()

    def _request_topics(self) -> tuple[str, str]:
        settings = self.settings
        return (
            say_topic(settings.site, settings.root),
            command_topic(settings.site, settings.root),
        )

    async def _dispatch(
        self,
        topic: str,
        payload: bytes | bytearray | str | float | None,
        correlation: str | None,
        done: Callable[[], None] | None,
    ) -> bool:
        """Handle a message; True when a task took it over (and calls ``done``)."""
        settings = self.settings
        text = payload_text(payload, limit=settings.max_payload)
        routes = self._routes.get(topic)
        avail = self._availability_routes.get(topic)
        if routes is not None or avail is not None:
            if avail is not None:
                self._apply_availability(avail, text)
            if routes is not None:
                await self._apply_routes(routes, text)
            return False
        if topic.startswith(settings.discovery_prefix + "/"):
            if topic != f"{settings.discovery_prefix}/status":  # a birth message
                self._apply_discovery(topic, text)
            return False
        say, command = self._request_topics()
        if topic == say:
            return await self._answer(text, correlation, done)
        if topic == command:
            return await self._command(text, correlation, done)
        base = settings.z2m_base
        if base is not None and topic.startswith(base + "/"):
            await self._apply_z2m(topic[len(base) + 1 :], text)
            return False
        if topic.startswith(f"{settings.root}/{settings.site}/"):
            return False  # our own answers and status
        msg = "no device or thingmind topic"
        raise RejectedError(Rejection.UNKNOWN_TOPIC, msg)

    async def _apply_routes(self, routes: list[_Route], text: str) -> None:
        # Decode and check every route first: one bad value rejects the whole
        # message, so a device never half-applies a payload.
        updates: dict[str, dict[str, StateValue]] = {}
        for route in routes:
            entity = self._entities.get(route.device_id)
            if entity is None:  # pragma: no cover - routes follow bindings
                continue
            decoded = decode_state(entity, route.role, text)
            if decoded:
                updates.setdefault(route.device_id, {}).update(decoded)
        await self._publish_updates(updates)

    async def _publish_updates(
        self, updates: Mapping[str, Mapping[str, StateValue]]
    ) -> None:
        checked: dict[str, dict[str, StateValue]] = {}
        for device_id, changes in updates.items():
            device = self.home.device(device_id)
            values = check_state(device, changes, self.state_of(device_id))
            if values:
                checked[device_id] = values
        self.stats.state_messages += 1
        now = self._clock.now()
        for device_id, values in checked.items():
            await self._bus.publish(
                Event(
                    kind=EventKind.STATE_CHANGED,
                    time=now,
                    device_id=device_id,
                    data=values,
                    source=SOURCE,
                )
            )
            if device_id in self._awaiting_echo and self._is_echo(device_id, values):
                self._awaiting_echo.discard(device_id)
                self._echoes[device_id] = values
                for waiter in self._waiters.pop(device_id, ()):
                    if not waiter.done():
                        waiter.set_result(values)

    def _is_echo(self, device_id: str, values: Mapping[str, StateValue]) -> bool:
        # A report from before the command (a re-announcement in flight) is not its
        # echo: the echo shows the keys the command was to change, changed.
        expected = self._expected.get(device_id, {})
        if all(values.get(k, v) == v for k, v in expected.items()):
            self._expected.pop(device_id, None)
            return True
        return False

    def _apply_availability(self, routes: list[tuple[str, int]], text: str) -> None:
        for device_id, index in routes:
            entity = self._entities.get(device_id)
            if entity is None or index >= len(entity.availability):
                continue
            spec = entity.availability[index]
            value = spec.template.render(text) if spec.template is not None else text
            if value == spec.payload_available:
                online = True
            elif value == spec.payload_not_available:
                online = False
            else:
                msg = f"{str(value)[:40]!r} is neither {spec.payload_available!r} nor {spec.payload_not_available!r}"
                raise RejectedError(Rejection.BAD_VALUE, msg, field="availability")
            before = self.available(device_id)
            seen = self._availability.setdefault(device_id, {})
            seen.pop(index, None)
            seen[index] = online  # last written is last in order ("latest" mode)
            after = self.available(device_id)
            if after != before:
                _LOGGER.info(
                    "mqtt: %s is %s", device_id, "online" if after else "offline"
                )

    def _apply_discovery(self, topic: str, text: str) -> None:
        update = parse_discovery(topic, text, prefix=self.settings.discovery_prefix)
        if update.remove_all:
            keys = [
                k
                for k in (*self._entity_keys, *self._discovered)
                if k == topic or k.startswith(topic + "#")
            ]
            for key in keys:
                self._unbind(key)
            return
        for key in update.removed:
            self._unbind(key)
        errors: list[RejectedError] = []
        for entity in update.entities:
            try:
                self._bind(entity)
            except RejectedError as bind_error:
                errors.append(bind_error)
        for extra in errors[1:]:
            self.stats.reject(extra, topic)
        if errors:
            raise errors[0]

    def _bind(self, entity: DiscoveredEntity) -> None:
        try:
            device_id = bind_entity(entity, self.home)
        except RejectedError as err:
            if err.reason is Rejection.UNKNOWN_DEVICE:
                self._discovered[entity.key] = entity
            raise
        owner = self._entity_keys.get(entity.key)
        current = self._entities.get(device_id)
        if current is not None and current.key != entity.key:
            msg = f"{device_id} is already announced by {current.key}"
            raise RejectedError(Rejection.TOPIC_CONFLICT, msg)
        for other_id, other in self._entities.items():
            if other_id == device_id or "command_topic" not in entity.topics:
                continue
            same_device = set(other.device.identifiers) & set(entity.device.identifiers)
            if (
                other.topics.get("command_topic") == entity.topics["command_topic"]
                and not same_device
            ):
                msg = f"command_topic {entity.topics['command_topic']!r} belongs to {other_id}"
                raise RejectedError(
                    Rejection.TOPIC_CONFLICT, msg, field="command_topic"
                )
        if owner is not None:
            self._unbind(entity.key)
        self._entities[device_id] = entity
        self._entity_keys[entity.key] = device_id
        new_topics: list[str] = []
        for topic, role in state_topics(entity).items():
            self._routes.setdefault(topic, []).append(_Route(device_id, role))
            new_topics.append(topic)
        for index, spec in enumerate(entity.availability):
            self._availability_routes.setdefault(spec.topic, []).append(
                (device_id, index)
            )
            new_topics.append(spec.topic)
        self.stats.discovery_configs += 1
        self._announced.set()  # wake commands waiting for their device
        self._announced = asyncio.Event()
        _LOGGER.info("mqtt: %s announced by %s", device_id, entity.key)
        if self._pending_subscribes is not None:
            for topic in new_topics:
                self._pending_subscribes.put_nowait(topic)

    def _unbind(self, key: str) -> None:
        self._discovered.pop(key, None)
        device_id = self._entity_keys.pop(key, None)
        if device_id is None:
            return
        self._entities.pop(device_id, None)
        self._availability.pop(device_id, None)
        for table in (self._routes, self._availability_routes):
            for topic in list(table):
                kept = [
                    r
                    for r in table[topic]
                    if (r.device_id if isinstance(r, _Route) else r[0]) != device_id
                ]
                if kept:
                    table[topic] = kept  # type: ignore[assignment]
                else:
                    del table[topic]
        self.stats.removals += 1
        _LOGGER.info("mqtt: %s removed (%s)", device_id, key)

    async def _apply_z2m(self, rest: str, text: str) -> None:
        if rest.startswith("bridge/"):
            return  # the bridge's own state, devices list and logs
        name, _, suffix = rest.partition("/")
        if suffix == "availability":
            value: object = text
            if text.startswith("{"):
                value = json_object(parse_json(text)).get("state")
            if value not in {"online", "offline"}:
                msg = f"availability {str(value)[:40]!r} is neither online nor offline"
                raise RejectedError(Rejection.BAD_VALUE, msg, field="availability")
            for device in self._z2m.devices(name):
                self._availability[device.id] = {0: value == "online"}
            return
        if suffix:
            if suffix in {"set", "get"} or suffix.startswith(("set/", "get/")):
                return  # commands, ours or another client's
            msg = f"zigbee2mqtt topic {rest!r} is not a device state"
            raise RejectedError(Rejection.UNKNOWN_TOPIC, msg)
        data = json_object(parse_json(text), what="a zigbee2mqtt state")
        updates = decode_z2m_state(self._z2m, name, data)
        for device_id in updates:
            if device_id not in self._entities:
                self._z2m_names[device_id] = name
        await self._publish_updates(updates)

    # ---------------------------------------------------------------- utterances

    def _reply_error(self, err: UtteranceError) -> None:
        payload = encode_error(
            request_id=err.request_id,
            reason=err.reason,
            field=err.field,
            detail=err.detail,
        )
        self._publish_answer(payload)

    def _publish_answer(self, payload: str) -> None:
        if self._outbox is None:
            return
        topic = answer_topic(self.settings.site, self.settings.root)
        self._enqueue(self._outbox, Outgoing(topic=topic, payload=payload))

    async def _claim(self, kind: str, request_id: str | None) -> bool:
        """Claim a request's idempotency key; False for a duplicate (skip it).

        Raises:
            UtteranceError: When several workers share the site and the request
                has no id, or when the key cannot be recorded.
        """
        if request_id is None:
            if self.settings.shared_group is None:
                return True  # one worker: nobody else can take it
            msg = (
                "several workers serve this site: send an id (or MQTT 5 correlation "
                "data) so that the request is carried out once"
            )
            raise UtteranceError(msg, field="id")
        key = self._key(kind, request_id)
        loop = asyncio.get_running_loop()
        claim = functools.partial(
            self._claims.claim_key, key, at=time.time(), owner=self.worker
        )
        try:
            first = await loop.run_in_executor(None, claim)
        except StoreError as err:
            _LOGGER.warning("mqtt: cannot claim %s %r: %s", kind, request_id, err)
            msg = "the request id cannot be recorded now (the store is unreachable); send it again"
            raise UtteranceError(
                msg, field=None, request_id=request_id, reason=Rejection.UNAVAILABLE
            ) from err
        if not first:
            self.stats.duplicates += 1
            _LOGGER.info(
                "mqtt: %s %r was carried out before; skipped", kind, request_id
            )
        return first

    def _key(self, kind: str, request_id: str) -> str:
        return f"mqtt:{self.settings.site}:{kind}:{request_id}"

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

    async def _answer(
        self, text: str, correlation: str | None, done: Callable[[], None] | None
    ) -> bool:
        t0 = time.perf_counter()
        utterance = parse_utterance(text, correlation=correlation)
        if utterance.area is not None and not self.home.has_area(utterance.area):
            msg = f"no area {utterance.area!r} at this site"
            raise UtteranceError(msg, field="area", request_id=utterance.id)
        if utterance.device is not None and not self.home.has_device(utterance.device):
            msg = f"no device {utterance.device!r} at this site"
            raise UtteranceError(msg, field="device", request_id=utterance.id)
        user = utterance.user or self.settings.anonymous_user
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
        if not await self._claim("say", utterance.id):
            return False
        context = Context(area=utterance.area, device=utterance.device, user=user)
        self._take_over(
            self._converse(
                utterance.text,
                utterance.id,
                context,
                t0,
                anonymous=utterance.user is None,
            ),
            "mqtt-utterance",
            done,
        )
        return True

    async def _command(
        self, text: str, correlation: str | None, done: Callable[[], None] | None
    ) -> bool:
        t0 = time.perf_counter()
        command = parse_command(text, correlation=correlation)
        if not self.home.has_device(command.device):
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
        if not await self._claim("command", command.id):
            return False
        self._take_over(self._run_command(command, t0), "mqtt-command", done)
        return True

    async def _reachable(self, device_id: str) -> None:
        """Wait (up to ``settings.announce_wait``) for a device to be announced.

        After a reconnect the broker hands over the session's queued commands
        together with the retained discovery configs, in no set order.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.settings.announce_wait):
                while self.entity(device_id) is None and (
                    self.z2m_name(device_id) is None
                ):
                    await self._announced.wait()

    async def _run_command(self, command: DeviceCommand, t0: float) -> None:
        executor = self._executor
        if executor is None or command.user is None:  # pragma: no cover - checked
            return
        await self._reachable(command.device)
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
            self._publish_answer(
                encode_error(
                    request_id=command.id,
                    reason="internal",
                    field=None,
                    detail=type(err).__name__,
                )
            )
            return
        decision = done.decision
        ok = decision.allowed and not done.error
        changes: dict[str, StateValue] = dict(done.changed)
        await self._until_sent()  # the device has been told: the key is done
        await self._finish("command", command.id)
        if ok:
            echoes = await self._await_echoes([command.device])
            changes.update(echoes.get(command.device, {}))
        reason = decision.reason.value if decision.reason is not None else None
        message = decision.message
        if decision.allowed and done.error:
            reason, message = "device_refused", done.error
        self.stats.commands += 1
        self._publish_answer(
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
                    worker=self.worker,
                )
            )
        )
        _LOGGER.debug(
            "mqtt: command %r done in %.1f ms",
            command.id,
            (time.perf_counter() - t0) * 1000,
        )

    async def _await_echoes(
        self, device_ids: list[str]
    ) -> dict[str, Mapping[str, StateValue]]:
        """Wait (up to ``answer_timeout``) for commanded devices to report state.

        Not with several workers: a device's report may reach another worker.
        """
        loop = asyncio.get_running_loop()
        found: dict[str, Mapping[str, StateValue]] = {}
        if self.settings.shared_group is not None:
            return found
        waiting: dict[str, asyncio.Future[Mapping[str, StateValue]]] = {}
        for device_id in dict.fromkeys(device_ids):
            if self.home.device(device_id).type is Domain.SCENE:
                continue
            if self.entity(device_id) is None and self.z2m_name(device_id) is None:
                continue
            echo = self._echoes.pop(device_id, None)
            if echo is not None:
                found[device_id] = echo
                continue
            future: asyncio.Future[Mapping[str, StateValue]] = loop.create_future()
            self._waiters.setdefault(device_id, []).append(future)
            waiting[device_id] = future
        if waiting:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._answer_timeout):
                    await asyncio.gather(*waiting.values())
        for device_id, future in waiting.items():
            if future.done():
                found[device_id] = future.result()
            else:
                future.cancel()
        return found

    async def _converse(
        self,
        text: str,
        request_id: str | None,
        context: Context,
        t0: float,
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
            self.stats.utterances += 1
            self._publish_answer(
                encode_answer(self._unknown_speaker_answer(text, request_id, t0))
            )
            return
        except Exception as err:
            _LOGGER.exception("mqtt: utterance %r failed", text[:80])
            self._publish_answer(
                encode_error(
                    request_id=request_id,
                    reason="internal",
                    field=None,
                    detail=type(err).__name__,
                )
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
        await self._until_sent()  # the devices have been told: the key is done
        await self._finish("say", request_id)
        echoes = await self._await_echoes(
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
            worker=self.worker,
        )
        if anonymous and (result.refused or actions):
            # Whatever the turn tried, an unknown speaker only gets answers.
            answer = self._unknown_speaker_answer(text, request_id, t0)
        self.stats.utterances += 1
        self._publish_answer(encode_answer(answer))

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
            worker=self.worker,
        )

    def _refusing(self, turn: Callable[[], TurnResult]) -> TurnResult:
        with self.driver.refusing():
            return turn()
