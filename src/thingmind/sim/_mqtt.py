"""The simulator over MQTT: a scenario's devices as a separate MQTT client.

The devices announce themselves by Home Assistant discovery (retained configs), report
state on their state topics, say ``online``/``offline`` on an availability topic (the
last will), obey commands on their command topics, and announce themselves again when
Home Assistant's (or thingmind's) birth message appears on ``<prefix>/status``. The
session is persistent, so commands published while the simulator was away arrive when
it comes back. thingmind talks to it exactly as it would to real hardware.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import json
import logging
from typing import TYPE_CHECKING

import aiomqtt

from thingmind.core import Domain, EventKind, ServiceError
from thingmind.mqtt.codec import (
    DEFAULT_PREFIX,
    Backoff,
    BrokerSettings,
    DiscoveredEntity,
    Outgoing,
    Protocol,
    RejectedError,
    build_config,
    command_topics,
    decode_command,
    encode_state,
    make_client,
    parse_discovery,
    payload_text,
)

if TYPE_CHECKING:
    from thingmind.core import Event
    from thingmind.sim._simulator import Simulator

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class SimMqttStats:
    """What the simulator process did over MQTT."""

    commands: int = 0
    """Commands obeyed."""
    rejected: int = 0
    """Command messages it could not use."""
    states: int = 0
    """State messages published."""
    announcements: int = 0
    """Times it announced its devices."""


class SimulatorMqtt:
    """Runs a :class:`Simulator` as MQTT devices.

    Example::

        runner = SimulatorMqtt(sim, broker=parse_broker_url("mqtt://127.0.0.1"), base="thingmind-sim/home")
        await runner.run()
    """

    def __init__(
        self,
        sim: Simulator,
        *,
        broker: BrokerSettings,
        base: str,
        prefix: str = DEFAULT_PREFIX,
        identifier: str | None = None,
        max_payload: int = 64 * 1024,
    ) -> None:
        """Prepare every device's config.

        Args:
            sim: The simulator (its ``call`` carries out commands).
            broker: The broker.
            base: The devices' topic root (``thingmind-sim/home``).
            prefix: The discovery prefix.
            identifier: The MQTT client id (default: derived from ``base``).
            max_payload: Largest command payload accepted, bytes.
        """
        self.sim = sim
        self.stats = SimMqttStats()
        self.connected = asyncio.Event()
        """Set once the devices are announced and listening."""
        self._broker = broker
        self._base = base
        self._prefix = prefix
        self._identifier = identifier or f"sim-{base.replace('/', '-')}"
        self._max_payload = max_payload
        self.availability_topic = f"{base}/status"
        """Where the devices say online / offline."""
        self._configs: dict[str, tuple[str, str]] = {}
        self._entities: dict[str, DiscoveredEntity] = {}
        self._commands: dict[str, tuple[str, str]] = {}
        for device in sim.registry.devices():
            config = build_config(
                device, base=base, availability_topic=self.availability_topic
            )
            object_id = device.id.split(".", 1)[1]
            topic = f"{prefix}/{device.type}/{object_id}/config"
            payload = json.dumps(config, separators=(",", ":"))
            entity = parse_discovery(topic, payload, prefix=prefix).entities[0]
            self._configs[device.id] = (topic, payload)
            self._entities[device.id] = entity
            for command_topic, role in command_topics(entity).items():
                self._commands[command_topic] = (device.id, role)
        self._outbox: asyncio.Queue[Outgoing] = asyncio.Queue()

    @property
    def entities(self) -> dict[str, DiscoveredEntity]:
        """Each device's announced config, parsed, by device id."""
        return dict(self._entities)

    def state_messages(self, device_id: str) -> list[Outgoing]:
        """Return the messages reporting a device's whole current state."""
        entity = self._entities[device_id]
        return encode_state(entity, dict(self.sim.registry.state(device_id)))

    async def run(self, *, simulate: bool = True) -> None:
        """Connect, announce, and serve until cancelled; reconnect with backoff.

        Args:
            simulate: Also run the simulation (sensors, people, anomalies); False
                serves commands only.
        """
        backoff = Backoff(initial=0.2, maximum=10.0)
        will = aiomqtt.Will(self.availability_topic, "offline", qos=1, retain=True)
        version = (
            Protocol.V311 if self._broker.protocol is Protocol.V311 else Protocol.V5
        )
        sim_task: asyncio.Task[None] | None = None
        if simulate:
            sim_task = asyncio.create_task(self.sim.run(self._on_event), name="sim-run")
        try:
            while True:
                client = make_client(
                    self._broker,
                    version=version,
                    identifier=self._identifier,
                    will=will,
                )
                try:
                    async with client:
                        backoff.reset()
                        await self._serve(client)
                except* aiomqtt.MqttError as group:
                    self.connected.clear()
                    delay = backoff.next()
                    _LOGGER.warning(
                        "sim-mqtt: connection lost (%s); retrying in %.1f s",
                        group.exceptions[0],
                        delay,
                    )
                    await asyncio.sleep(delay)
        finally:
            if sim_task is not None:
                sim_task.cancel()

    async def _serve(self, client: aiomqtt.Client) -> None:
        publisher: asyncio.Task[None] | None = None
        try:
            await client.subscribe(
                [(t, 1) for t in self._commands] + [(f"{self._prefix}/status", 1)]
            )
            await self._announce(client)
            self.connected.set()
            publisher = asyncio.create_task(
                self._publish_loop(client), name="sim-mqtt-publish"
            )
            await self._command_loop(client)
        finally:
            if publisher is not None:
                publisher.cancel()
                with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                    await publisher
            # A clean disconnect sends no last will: say "offline" ourselves.
            with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                async with asyncio.timeout(2):
                    await client.publish(
                        self.availability_topic, "offline", qos=1, retain=True
                    )

    async def _announce(self, client: aiomqtt.Client) -> None:
        for topic, payload in self._configs.values():
            await client.publish(topic, payload, qos=1, retain=True)
        await client.publish(self.availability_topic, "online", qos=1, retain=True)
        for device_id in self._configs:
            for message in self.state_messages(device_id):
                await client.publish(message.topic, message.payload, qos=1, retain=True)
        self.stats.announcements += 1

    async def _on_event(self, event: Event) -> None:
        if event.kind is not EventKind.STATE_CHANGED or event.device_id is None:
            return
        entity = self._entities.get(event.device_id)
        if entity is None:
            return
        for message in encode_state(
            entity,
            dict(self.sim.registry.state(event.device_id))
            if entity.schema == "json" or entity.component is Domain.MEDIA_PLAYER
            else event.data,
        ):
            self._outbox.put_nowait(message)

    async def _publish_loop(self, client: aiomqtt.Client) -> None:
        while True:
            message = await self._outbox.get()
            await client.publish(
                message.topic, message.payload, qos=0, retain=message.retain
            )
            self.stats.states += 1

    async def _command_loop(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic = message.topic.value
            if topic == f"{self._prefix}/status":
                if message.payload in {b"online", "online"}:
                    await self._announce(client)
                continue
            route = self._commands.get(topic)
            if route is None:
                continue
            device_id, role = route
            try:
                text = payload_text(message.payload, limit=self._max_payload)
                state = dict(self.sim.registry.state(device_id))
                calls = decode_command(self._entities[device_id], role, text, state)
                for service, params in calls:
                    self.sim.call(device_id, service, params)
            except (RejectedError, ServiceError, KeyError, ValueError) as err:
                self.stats.rejected += 1
                _LOGGER.warning("sim-mqtt: bad command on %s: %s", topic, err)
                continue
            self.stats.commands += 1
            for out in self.state_messages(device_id):
                await client.publish(out.topic, out.payload, qos=1, retain=True)
