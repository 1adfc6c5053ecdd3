"""The MQTT bridge: device state in, commands out, utterances answered.

:class:`MqttBridge` owns one aiomqtt connection. It reads Home Assistant discovery
and zigbee2mqtt traffic, turns device state into ``STATE_CHANGED`` events on the bus
(the Brain applies them to the registry and the store), publishes commands for
:class:`MqttDeviceDriver` with QoS 1, and hands the messages of thingmind's own
``say`` and ``command`` topics to its :class:`RequestDesk`. It reconnects with jittered exponential backoff and resubscribes; with a fixed
client id and a persistent session the broker keeps QoS 1 messages for it while it is
away. Every message that cannot be used is rejected with a log line and a counter in
:class:`MqttStats`, never an exception out of the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import functools
import logging
from typing import TYPE_CHECKING
import uuid

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from thingmind.core import (
    Domain,
    Event,
    EventKind,
    StateValue,
    SystemClock,
)
from thingmind.mqtt._client import Backoff, ack, make_client, refuses_protocol
from thingmind.mqtt._codec import (
    Outgoing,
    check_state,
    decode_state,
    state_topics,
)
from thingmind.mqtt._discovery import DiscoveredEntity, bind_entity, parse_discovery
from thingmind.mqtt._driver import DeviceNotReachableError, MqttDeviceDriver
from thingmind.mqtt._echo import Echoes
from thingmind.mqtt._errors import RejectedError, Rejection
from thingmind.mqtt._payload import json_object, parse_json, payload_text
from thingmind.mqtt._protocol import (
    Reply,
    UtteranceError,
    answer_topic,
    command_topic,
    correlation_id,
    reply_for,
    say_topic,
    status_topic,
    worker_status_topic,
)
from thingmind.mqtt._requests import (
    SOURCE,
    CommandExecutor,
    KeyClaims,
    MemoryClaims,
    RequestDesk,
    TextHandler,
)
from thingmind.mqtt._settings import MqttSettings, Protocol as MqttProtocol
from thingmind.mqtt._stats import MqttStats
from thingmind.mqtt._z2m import Z2mIndex, decode_z2m_state

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from thingmind.bus import EventBus
    from thingmind.core import Clock
    from thingmind.registry import Home

_LOGGER = logging.getLogger(__name__)

_BATCH = 2000
"""Messages handled in a row before the ingest loop lets other tasks run."""


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
        self._say_and_command = (
            say_topic(settings.site, settings.root),
            command_topic(settings.site, settings.root),
        )
        self.home = home
        self.stats = MqttStats()
        self.driver = MqttDeviceDriver(self)
        self._bus = bus
        self._clock = clock or SystemClock()
        self._answer_timeout = answer_timeout
        self._announced = asyncio.Event()  # set (and replaced) at each binding
        self._queued = 0  # messages put in the outbox, ever
        self._published = 0  # messages that left it, in order: published or dropped
        self._sent_waiters: list[tuple[int, asyncio.Future[None]]] = []
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
        self.echoes = Echoes()
        """Commands' echoes: the reports that answer them."""
        self._version = (
            MqttProtocol.V5
            if settings.broker.protocol is not MqttProtocol.V311
            else MqttProtocol.V311
        )
        self.connected = asyncio.Event()
        """Set while connected and subscribed."""
        self.connections = 0
        """Successful connections so far (1 + reconnects)."""
        self.requests = RequestDesk(
            self, claims=claims if claims is not None else MemoryClaims()
        )
        """Sentences and commands sent to thingmind's own topics."""

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
        self.requests.attach(handler, executor=executor, claims=claims)
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

    async def until_sent(self) -> None:
        """Wait until every command queued so far has been published (PUBACK)."""
        target = self._queued
        if self._published >= target:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sent_waiters.append((target, waiter))
        await waiter

    def publish_answer(self, payload: str, reply: Reply | None = None) -> None:
        """Queue an answer (dropped when not running).

        Args:
            payload: The answer or error payload.
            reply: Where the request asked for it (and its correlation data);
                None: thingmind's answer topic.
        """
        if self._outbox is None:
            return
        if reply is None:
            reply = Reply(topic=answer_topic(self.settings.site, self.settings.root))
        message = Outgoing(
            topic=reply.topic, payload=payload, correlation=reply.correlation
        )
        self._enqueue(self._outbox, message)

    async def until_announced(self, device_id: str) -> None:
        """Wait (up to ``settings.announce_wait``) for a device to be announced.

        A device the site has but no config or zigbee2mqtt report has named yet
        (the simulator starting, a device coming back) gets that long.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.settings.announce_wait):
                while self.entity(device_id) is None and (
                    self.z2m_name(device_id) is None
                ):
                    await self._announced.wait()

    async def await_echoes(
        self, device_ids: list[str]
    ) -> dict[str, Mapping[str, StateValue]]:
        """Wait (up to ``answer_timeout``) for commanded devices to report state.

        Not with several workers: a device's report may reach another worker.
        Scenes and devices that cannot be reached report nothing.
        """
        if self.settings.shared_group is not None:
            return {}
        reporting = [
            d
            for d in device_ids
            if self.home.device(d).type is not Domain.SCENE
            and (self.entity(d) is not None or self.z2m_name(d) is not None)
        ]
        return await self.echoes.wait(reporting, within=self._answer_timeout)

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
                if self.connections == 0:
                    await self._read_discovery()
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

    async def _read_discovery(self) -> None:
        """Bind the retained discovery configs before taking anything of the session.

        With a persistent session the broker hands over what it kept for this worker
        (commands, state reports) as soon as it connects, and the retained configs
        only after it subscribes again, behind that backlog: commands would wait for
        devices not yet announced (and fail after ``announce_wait``), state reports
        for them would be refused. So, once per process, a short clean session reads
        the configs first. A marker it publishes after subscribing says when the
        retained ones are all in: the broker queues a subscription's retained
        messages before anything published later. Without the marker (a broker
        whose ACL refuses it) it goes on after ``announce_wait`` seconds.
        """
        settings = self.settings
        marker = f"{settings.root}/{settings.site}/sync/{self.worker}"
        token = uuid.uuid4().hex.encode()
        client = make_client(
            settings.broker,
            version=self._version,
            identifier=f"{self.worker}-sync",
            persistent=False,
        )
        async with client:
            await client.subscribe([(f"{settings.discovery_prefix}/#", 1), (marker, 1)])
            await client.publish(marker, token, qos=1)
            try:
                async with asyncio.timeout(settings.announce_wait):
                    async for message in client.messages:
                        topic = message.topic.value
                        if topic == marker:
                            if message.payload == token:
                                break
                            continue
                        await self.handle_message(topic, message.payload)
            except TimeoutError:
                _LOGGER.warning(
                    "mqtt: the retained discovery configs did not end within %.0f s; "
                    "going on with %d devices bound",
                    settings.announce_wait,
                    len(self._entities),
                )
        _LOGGER.info(
            "mqtt: %d devices announced before the session resumes", len(self._entities)
        )

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
                    message.topic,
                    message.payload,
                    qos=1,
                    retain=message.retain,
                    properties=self._properties(message),
                )
            except BaseException:
                # Keep it for the next connection: commands are not lost to a blip,
                # nor when the connection's other tasks end this one (cancelled).
                self._requeue(outbox, message)
                raise
            self.stats.commands_sent += 1
            self._gone(1)
            if message.device_id is not None:
                # The next state this device reports answers this command.
                self.echoes.sent(message.device_id)

    def _properties(self, message: Outgoing) -> Properties | None:
        if message.correlation is None or self._version is not MqttProtocol.V5:
            return None
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.CorrelationData = message.correlation
        return properties

    def _requeue(self, outbox: asyncio.Queue[Outgoing], message: Outgoing) -> None:
        rest = [message]
        while not outbox.empty():
            rest.append(outbox.get_nowait())
        for item in rest[: outbox.maxsize or None]:
            outbox.put_nowait(item)

    async def _ingest_loop(self, client: aiomqtt.Client) -> None:
        messages = client.messages
        # aiomqtt's iterator makes a task and a wait per message: a turn of the event
        # loop each. It waits for the first message; those that came with it (a
        # socket read holds hundreds) are taken from its queue directly.
        queue: asyncio.Queue[aiomqtt.Message] = client._queue  # noqa: SLF001
        async for first in messages:
            _raise_if_cancelled()
            await self._ingest(client, first)
            for _ in range(min(len(messages), _BATCH)):
                await self._ingest(client, queue.get_nowait())

    async def _ingest(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        data = getattr(message.properties, "CorrelationData", None)
        response_topic = getattr(message.properties, "ResponseTopic", None)
        await self.handle_message(
            message.topic.value,
            message.payload,
            correlation=data if isinstance(data, bytes) else None,
            response_topic=response_topic if isinstance(response_topic, str) else None,
            done=functools.partial(ack, client, message) if message.qos else None,
        )

    # ---------------------------------------------------------------- incoming

    async def handle_message(
        self,
        topic: str,
        payload: bytes | bytearray | str | float | None,
        *,
        correlation: bytes | None = None,
        response_topic: str | None = None,
        done: Callable[[], None] | None = None,
    ) -> None:
        """Handle one incoming message; rejections are counted, never raised.

        Public so that tests and other transports can feed messages directly.

        Args:
            topic: Where it came.
            payload: What it holds.
            correlation: Its MQTT 5 correlation data: a request's id when its
                payload has none, and returned with the answer.
            response_topic: Its MQTT 5 response topic: where a request wants its
                answer (the answer topic or below it).
            done: Called once the message is handled (the broker's acknowledgement):
                for a sentence or a command, once its answer is queued.
        """
        self.stats.received += 1
        deferred = False
        reply: Reply | None = None
        try:
            if topic in self._request_topics():
                site, root = self.settings.site, self.settings.root
                # Errors go to the answer topic, correlation data and all, until the
                # request's own response topic is accepted (a refused one is one).
                reply = reply_for(None, correlation, site=site, root=root)
                reply = reply_for(response_topic, correlation, site=site, root=root)
            deferred = await self._dispatch(
                topic, payload, correlation_id(correlation), done, reply
            )
        except RejectedError as err:
            self.stats.reject(err, topic)
            if isinstance(err, UtteranceError):
                self.requests.reply_error(err, reply)
            elif topic in self._request_topics():
                self.requests.reply_error(
                    UtteranceError(err.detail, field=err.field, reason=err.reason),
                    reply,
                )
        finally:
            if not deferred and done is not None:
                done()

    def _request_topics(self) -> tuple[str, str]:
        return self._say_and_command  # every message asks: made once

    async def _dispatch(
        self,
        topic: str,
        payload: bytes | bytearray | str | float | None,
        correlation: str | None,
        done: Callable[[], None] | None,
        reply: Reply | None = None,
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
            return await self.requests.answer(text, correlation, done, reply)
        if topic == command:
            return await self.requests.command(text, correlation, done, reply)
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
            self.echoes.reported(device_id, values)

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
