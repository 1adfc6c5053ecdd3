"""Faults: the broker restarted while commands flow.

A Mosquitto of the test's own (persistence on), the simulator over MQTT, and the
bridge with the real Brain behind the real gate. A client streams commands, each
with an id, on the command topic; mid-stream the broker is stopped and started
again. Everyone reconnects (persistent sessions, QoS 1) and the sender publishes
again what it could not (a real client's retry). Each command must be carried out
once: one audit record and one answer per id, and each device sent each command
once (a QoS 1 publish that the broker took but could not acknowledge before it
stopped may reach its device twice: at most one, since the bridge publishes one
command at a time).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import TYPE_CHECKING, Any

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
import pytest

from thingmind.brain import Brain, Confirmations, FromSource, Security
from thingmind.bus import EventBus
from thingmind.cli._mqtt import stop_task
from thingmind.mqtt import BrokerSettings, MqttBridge, MqttSettings
from thingmind.mqtt.codec import command_topics
from thingmind.nlu import ParsedCommand
from thingmind.resolve import Gate, Policy, Role, User
from thingmind.sim import Simulator, load_scenario
from thingmind.sim._mqtt import SimulatorMqtt

if TYPE_CHECKING:
    from collections.abc import Callable

    from mqtt.conftest import Mosquitto

pytestmark = [pytest.mark.mqtt, pytest.mark.slow]

DEVICES = ("switch.kettle", "light.hallway", "switch.dishwasher")
STREAM = 90
"""Commands in the stream."""
RESTART_AT = 30
"""The stream index after which the broker restarts."""
POLICY = Policy(users={"owner": User(id="owner", role=Role.OWNER)})


class _NoParser:
    version = "none"

    def parse(self, text: str) -> ParsedCommand:
        return ParsedCommand(text=text, words=(), clauses=(), confidence=0.0)


class _Audit:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def append(self, record: Any) -> Any:
        self.texts.append(str(record["text"]))
        return record


@dataclasses.dataclass
class _Seen:
    answers: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    device_messages: dict[str, int] = dataclasses.field(default_factory=dict)


def _persistent(port: int, identifier: str) -> aiomqtt.Client:
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 600
    return aiomqtt.Client(
        "127.0.0.1",
        port,
        identifier=identifier,
        protocol=aiomqtt.ProtocolVersion.V5,
        clean_start=False,
        properties=properties,
    )


async def _observe(port: int, topics: dict[str, str], answer: str, seen: _Seen) -> None:
    """Count answers and device commands, across the restart (a persistent session)."""
    while True:
        try:
            async with _persistent(port, "fault-observer") as client:
                await client.subscribe([(answer, 1), *[(t, 1) for t in topics]])
                async for message in client.messages:
                    topic = message.topic.value
                    if topic == answer:
                        seen.answers.append(json.loads(bytes(message.payload)))
                    elif topic in topics:
                        device = topics[topic]
                        seen.device_messages[device] = (
                            seen.device_messages.get(device, 0) + 1
                        )
        except aiomqtt.MqttError:
            await asyncio.sleep(0.1)


async def _send(port: int, topic: str, payloads: list[str], sent: list[int]) -> None:
    """Publish each payload with QoS 1; on a lost connection, reconnect and retry it."""
    index = 0
    while index < len(payloads):
        try:
            async with _persistent(port, "fault-sender") as client:
                while index < len(payloads):
                    await client.publish(topic, payloads[index], qos=1)
                    index += 1
                    sent.append(index)
                    await asyncio.sleep(0.02)
        except aiomqtt.MqttError:
            await asyncio.sleep(0.1)


async def _until(
    predicate: Callable[[], bool], limit: float, what: Callable[[], str]
) -> None:
    try:
        async with asyncio.timeout(limit):
            while not predicate():  # noqa: ASYNC110 - state owned by other tasks
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what()}")


async def test_a_broker_restart_loses_and_doubles_no_command(
    own_broker: Callable[[list[str]], Mosquitto], unique: str
) -> None:
    broker = own_broker(["listener {port} 127.0.0.1", "allow_anonymous true"])
    settings = MqttSettings(
        broker=BrokerSettings(
            host="127.0.0.1", port=broker.port, client_id=f"{unique}-thingmind"
        ),
        site="test",
        root=f"{unique}/thingmind",
        discovery_prefix=f"{unique}/homeassistant",
        z2m_base=None,
        backoff_initial=0.05,
        backoff_max=0.5,
    )
    sim = Simulator(load_scenario("home"), seed=1, start=1_705_276_800.0)
    runner = SimulatorMqtt(
        sim,
        broker=settings.broker,
        base=f"{unique}/sim",
        prefix=settings.discovery_prefix,
        identifier=f"{unique}-sim",
    )
    home = sim.scenario.home
    bus = EventBus()
    audit = _Audit()
    security = Security(
        gate=Gate(home, POLICY), confirmations=Confirmations(), audit=audit
    )
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(
        home=home,
        parser=_NoParser(),
        driver=bridge.driver,
        bus=bus,
        security=security,
    )
    bridge.attach(FromSource(brain, source="mqtt"), executor=brain)
    topics = {
        topic: device_id
        for device_id, entity in runner.entities.items()
        if device_id in DEVICES
        for topic in command_topics(entity)
    }
    commands = [
        json.dumps(
            {
                "id": f"c-{i}",
                "user": "owner",
                "device": DEVICES[i % len(DEVICES)],
                "service": "turn_on" if (i // len(DEVICES)) % 2 == 0 else "turn_off",
            }
        )
        for i in range(STREAM)
    ]
    seen = _Seen()
    sent: list[int] = []
    tasks = [
        asyncio.create_task(runner.run(simulate=False)),
        asyncio.create_task(bridge.run()),
        asyncio.create_task(brain.run()),
        asyncio.create_task(
            _observe(broker.port, topics, f"{settings.root}/test/answer", seen)
        ),
    ]
    try:
        await _until(
            lambda: (
                len(bridge.bound) == len(home.devices) and bridge.connected.is_set()
            ),
            30,
            lambda: "the devices announced",
        )
        await asyncio.sleep(0.3)  # the observer's subscription
        sender = asyncio.create_task(
            _send(broker.port, f"{settings.root}/test/command", commands, sent)
        )
        tasks.append(sender)
        await _until(lambda: len(sent) >= RESTART_AT, 30, lambda: "the first commands")
        broker.restart()
        await _until(sender.done, 60, lambda: f"every command sent: {broker.log()}")
        ids = {f"c-{i}" for i in range(STREAM)}
        await _until(
            lambda: ids <= {a.get("id") for a in seen.answers},
            60,
            lambda: (
                f"every command answered: {sorted(ids - {a.get('id') for a in seen.answers})} "
                f"missing; bridge {bridge.stats.as_dict()}, {bridge.connections} "
                f"connections; audit {len(audit.texts)}"
            ),
        )
        await asyncio.sleep(1.0)  # let a late duplicate show, if there were one
    finally:
        for task in tasks:
            await stop_task(task)
    answered = [a["id"] for a in seen.answers]
    failed = [(a["id"], a.get("reason")) for a in seen.answers if not a.get("ok")]
    expected = dict.fromkeys(DEVICES, 0)
    for i in range(STREAM):
        expected[DEVICES[i % len(DEVICES)]] += 1
    got = sum(seen.device_messages.values())
    assert bridge.connections >= 2
    assert failed == []
    assert sorted(audit.texts) == sorted(
        f"{json.loads(c)['service']} {json.loads(c)['device']} "
        f"(mqtt command {json.loads(c)['id']})"
        for c in commands
    )
    assert len(answered) - len(set(answered)) <= 1
    assert all(seen.device_messages.get(d, 0) >= n for d, n in expected.items())
    assert sum(expected.values()) <= got <= sum(expected.values()) + 1
