"""Sentences and commands over MQTT: who asks, idempotency keys, the gate.

A real broker, the simulator over MQTT, and the real Brain behind the real gate; the
"model" is scripted (the NLU is tested elsewhere): it returns the parse a test gives.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import threading
from typing import TYPE_CHECKING, Any

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
import pytest

from resolve._compact import compact
from thingmind.brain import Brain, Confirmations, FromSource, Security, TurnResult
from thingmind.bus import EventBus
from thingmind.cli._mqtt import stop_task
from thingmind.mqtt import MemoryClaims, MqttBridge, MqttSettings, Rejection
from thingmind.mqtt.codec import command_topics
from thingmind.nlu import ParsedCommand
from thingmind.resolve import Context, Gate, Policy, Resolution, Role, User
from thingmind.sim import Simulator, load_scenario
from thingmind.sim._mqtt import SimulatorMqtt

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping, Sequence

pytestmark = pytest.mark.mqtt

START = 1_705_276_800.0
LAMP = "light.living_room_lamp"
TURN_ON = "turn on the living room lamp"
ASK = "is the living room lamp on"
SCRIPT = {
    TURN_ON: "turn_on: turn on the [living room lamp](target)",
    ASK: "ask_state: is the [living room lamp](target) [on](state)",
}


class _ScriptedParser:
    version = "scripted"

    def parse(self, text: str) -> ParsedCommand:
        notation = SCRIPT.get(text)
        if notation is None:
            return ParsedCommand(text=text, words=(), clauses=(), confidence=0.0)
        parsed = compact(notation)
        return ParsedCommand(
            text=text, words=parsed.words, clauses=parsed.clauses, confidence=0.99
        )


class _Rogue:
    """A handler that ignores the gate and drives the device itself."""

    def __init__(self, bridge: MqttBridge) -> None:
        self.bridge = bridge

    def handle_text(self, text: str, *, context: Context | None = None) -> TurnResult:
        del context
        self.bridge.driver.call(LAMP, "turn_on", {})
        parsed = _ScriptedParser().parse(text)
        return TurnResult(
            text=text,
            parsed=parsed,
            resolution=Resolution(answer="Done."),
            changes={},
            answer="Done.",
            refused=False,
            clarify=False,
            latency_ms=0.0,
        )


@dataclasses.dataclass
class _Site:
    settings: MqttSettings
    runner: SimulatorMqtt
    bridge: MqttBridge
    brain: Brain
    audit: list[dict[str, object]]


class _Audit:
    def __init__(self, records: list[dict[str, object]]) -> None:
        self.records = records

    def append(self, record: object) -> object:
        self.records.append(dict(record))  # type: ignore[call-overload]
        return record


POLICY = Policy(
    users={
        "owner": User(id="owner", role=Role.OWNER),
        "kiosk": User(id="kiosk", role=Role.SERVICE),
    }
)


@contextlib.asynccontextmanager
async def _site(settings: MqttSettings, unique: str) -> AsyncIterator[_Site]:
    sim = Simulator(load_scenario("home"), seed=1, start=START)
    runner = SimulatorMqtt(
        sim,
        broker=settings.broker,
        base=f"{unique}/sim",
        prefix=settings.discovery_prefix,
        identifier=f"{unique}-sim",
    )
    home = sim.scenario.home
    bus = EventBus()
    records: list[dict[str, object]] = []
    security = Security(
        gate=Gate(home, POLICY), confirmations=Confirmations(), audit=_Audit(records)
    )
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(
        home=home,
        parser=_ScriptedParser(),
        driver=bridge.driver,
        bus=bus,
        security=security,
    )
    bridge.attach(FromSource(brain, source="mqtt"), executor=brain)
    tasks = [
        asyncio.create_task(c)
        for c in (runner.run(simulate=False), bridge.run(), brain.run())
    ]
    try:
        await _wait(
            lambda: len(bridge.bound) == len(home.devices) and bridge.connected.is_set()
        )
        yield _Site(
            settings=settings, runner=runner, bridge=bridge, brain=brain, audit=records
        )
    finally:
        for task in tasks:
            await stop_task(task)


async def _wait(predicate: Any, limit: float = 5.0) -> None:
    async with asyncio.timeout(limit):
        while not predicate():  # noqa: ASYNC110 - polling state owned by other tasks
            await asyncio.sleep(0.01)


async def _ask(
    settings: MqttSettings,
    topic: str,
    payloads: Sequence[Mapping[str, object]],
    *,
    answers: int,
    correlation: bytes | None = None,
) -> list[dict[str, Any]]:
    """Publish payloads on ``<root>/test/<topic>`` and collect ``answers`` answers."""
    answer_topic = f"{settings.root}/test/answer"
    got: list[dict[str, Any]] = []
    async with aiomqtt.Client(
        settings.broker.host,
        settings.broker.port,
        protocol=aiomqtt.ProtocolVersion.V5,
    ) as client:
        await client.subscribe(answer_topic, qos=1)
        for payload in payloads:
            properties = None
            if correlation is not None:
                properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
                properties.CorrelationData = correlation
            await client.publish(
                f"{settings.root}/test/{topic}",
                json.dumps(payload),
                qos=1,
                properties=properties,
            )
        async with asyncio.timeout(10):
            async for message in client.messages:
                got.append(json.loads(message.payload))
                if len(got) == answers:
                    break
    return got


async def test_an_unknown_speaker_is_refused_where_the_site_takes_none(
    settings: MqttSettings, unique: str
) -> None:
    async with _site(settings, unique) as site:
        replies = await _ask(
            settings, "say", [{"text": TURN_ON, "id": "a1"}], answers=1
        )
        assert site.bridge.stats.rejected[Rejection.UNKNOWN_SPEAKER] == 1
    assert (replies[0]["id"], replies[0]["error"], replies[0]["field"]) == (
        "a1",
        "unknown_speaker",
        "user",
    )
    assert site.runner.stats.commands == 0
    assert site.brain.registry.state(LAMP)["on"] is False


async def test_an_unknown_speaker_may_ask_but_never_act(
    settings: MqttSettings, unique: str
) -> None:
    kiosk = dataclasses.replace(settings, anonymous_user="kiosk")
    async with _site(kiosk, unique) as site:
        replies = await _ask(
            kiosk,
            "say",
            [{"text": ASK, "id": "q1"}, {"text": TURN_ON, "id": "q2"}],
            answers=2,
        )
        by_id = {r["id"]: r for r in replies}
        assert (by_id["q1"]["refused"], by_id["q1"]["reason"]) == (False, None)
        assert (by_id["q2"]["refused"], by_id["q2"]["reason"]) == (
            True,
            "unknown_speaker",
        )
        assert by_id["q2"]["actions"] == []
        # The owner, named, is obeyed: the refusal was the speaker's, not the lamp's.
        named = await _ask(
            kiosk,
            "say",
            [{"text": TURN_ON, "user": "owner", "id": "q3"}],
            answers=1,
        )
        await _wait(lambda: site.runner.sim.registry.state(LAMP)["on"] is True)
    assert named[0]["actions"] == [{"device": LAMP, "service": "turn_on", "params": {}}]
    assert site.runner.stats.commands == 1


async def test_the_device_layer_refuses_an_unknown_speaker_too(
    settings: MqttSettings, unique: str
) -> None:
    """Even a handler that skips the gate cannot act for someone who gave no user."""
    kiosk = dataclasses.replace(settings, anonymous_user="kiosk")
    async with _site(kiosk, unique) as site:
        site.bridge.attach(_Rogue(site.bridge), state_of=site.brain.registry.state)
        replies = await _ask(kiosk, "say", [{"text": TURN_ON, "id": "r1"}], answers=1)
    assert (replies[0]["refused"], replies[0]["reason"]) == (True, "unknown_speaker")
    assert site.runner.stats.commands == 0


async def test_a_command_runs_once_per_id(settings: MqttSettings, unique: str) -> None:
    command = {"id": "c1", "user": "owner", "device": LAMP, "service": "turn_on"}
    async with _site(settings, unique) as site:
        replies = await _ask(settings, "command", [command, command], answers=1)
        await _wait(lambda: site.bridge.stats.duplicates == 1)
        replies += await _ask(
            settings,
            "command",
            [{**command, "id": "c2", "service": "turn_off"}],
            answers=1,
        )
        await _wait(lambda: site.runner.stats.commands == 2)
    by_id = {r["id"]: r for r in replies}
    assert (by_id["c1"]["ok"], by_id["c1"]["decision"]) == (True, "allow")
    assert by_id["c1"]["changes"]["on"] is True
    assert by_id["c2"]["changes"]["on"] is False
    assert [r["text"] for r in site.audit] == [
        f"turn_on {LAMP} (mqtt command c1)",
        f"turn_off {LAMP} (mqtt command c2)",
    ]


class _SlowClaims(MemoryClaims):
    """Keys claimed in memory once ``release`` is set: the store, slow for a moment."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def claim_key(self, key: str, *, at: float, owner: str = "") -> bool:
        self.entered.set()
        self.release.wait(5)
        return super().claim_key(key, at=at, owner=owner)


async def test_a_command_claimed_as_its_connection_goes_is_still_carried_out(
    settings: MqttSettings, unique: str
) -> None:
    """The key is taken, so the broker's second delivery is a duplicate: the first runs."""
    command = {"id": "c7", "user": "owner", "device": LAMP, "service": "turn_on"}
    topic = f"{settings.root}/test/command"
    claims = _SlowClaims()
    async with _site(settings, unique) as site:
        site.bridge.requests.attach(
            FromSource(site.brain, source="mqtt"), executor=site.brain, claims=claims
        )
        ingest = asyncio.create_task(
            site.bridge.handle_message(topic, json.dumps(command))
        )
        await asyncio.get_running_loop().run_in_executor(None, claims.entered.wait, 5)
        ingest.cancel()  # the connection went while the key was being claimed
        with contextlib.suppress(asyncio.CancelledError):
            await ingest
        claims.release.set()
        await _wait(lambda: site.runner.stats.commands == 1)
        await site.bridge.handle_message(topic, json.dumps(command))  # redelivered
        assert site.bridge.stats.duplicates == 1
        await asyncio.sleep(0.2)
    assert site.runner.stats.commands == 1
    assert [r["text"] for r in site.audit] == [f"turn_on {LAMP} (mqtt command c7)"]


@pytest.mark.parametrize(
    ("payload", "error", "field"),
    [
        ({"device": LAMP, "service": "turn_on", "user": "owner"}, "bad_request", "id"),
        ({"id": "x", "device": LAMP, "service": "turn_on"}, "unknown_speaker", "user"),
        (
            {"id": "x", "device": "light.mars", "service": "turn_on"},
            "bad_request",
            "device",
        ),
        ({"id": "x", "device": LAMP, "service": "Turn On!"}, "bad_request", "service"),
        (
            {"id": "x", "device": LAMP, "service": "turn_on", "params": {"b": [1]}},
            "bad_request",
            "params.b",
        ),
        (
            {"id": "x", "device": LAMP, "service": "turn_on", "at": 1},
            "bad_request",
            "at",
        ),
    ],
    ids=["no-id", "no-user", "no-device", "bad-service", "bad-param", "unknown-field"],
)
async def test_bad_commands_get_an_error_naming_the_field(
    settings: MqttSettings,
    unique: str,
    payload: dict[str, object],
    error: str,
    field: str,
) -> None:
    async with _site(settings, unique) as site:
        replies = await _ask(settings, "command", [payload], answers=1)
    assert (replies[0]["error"], replies[0]["field"]) == (error, field)
    assert site.runner.stats.commands == 0


async def test_the_gate_decides_commands(settings: MqttSettings, unique: str) -> None:
    base = {"device": LAMP, "service": "turn_on"}
    async with _site(settings, unique) as site:
        replies = await _ask(
            settings,
            "command",
            [
                {**base, "id": "k1", "user": "kiosk"},
                {**base, "id": "k2", "user": "mallory"},
                {
                    "id": "k3",
                    "user": "owner",
                    "device": "lock.front_door",
                    "service": "unlock",
                },
            ],
            answers=3,
        )
    by_id = {r["id"]: r for r in replies}
    assert [(by_id[k]["decision"], by_id[k]["reason"]) for k in ("k1", "k2")] == [
        ("deny", "not_permitted"),
        ("deny", "unknown_user"),
    ]
    assert (by_id["k3"]["decision"], by_id["k3"]["ok"]) == ("confirm", False)
    assert site.runner.stats.commands == 0


async def test_correlation_data_is_the_id(settings: MqttSettings, unique: str) -> None:
    command = {"user": "owner", "device": LAMP, "service": "turn_on"}
    async with _site(settings, unique) as site:
        replies = await _ask(
            settings, "command", [command, command], answers=1, correlation=b"corr-7"
        )
        await _wait(lambda: site.bridge.stats.duplicates == 1)
    assert (replies[0]["id"], replies[0]["ok"]) == ("corr-7", True)
    assert site.runner.stats.commands == 1


async def _request_with_reply(
    settings: MqttSettings, payload: Mapping[str, object], response_topic: str
) -> tuple[dict[str, list[tuple[dict[str, Any], bytes | None]]], aiomqtt.Client]:
    """Send a sentence with an MQTT 5 response topic; gather what each topic gets."""
    got: dict[str, list[tuple[dict[str, Any], bytes | None]]] = {}
    answers = f"{settings.root}/test/answer"
    async with aiomqtt.Client(
        settings.broker.host,
        settings.broker.port,
        protocol=aiomqtt.ProtocolVersion.V5,
    ) as client:
        await client.subscribe(f"{answers}/#", qos=1)  # the answer topic too
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.ResponseTopic = response_topic
        properties.CorrelationData = b"sat-7"
        await client.publish(
            f"{settings.root}/test/say",
            json.dumps(payload),
            qos=1,
            properties=properties,
        )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                async for message in client.messages:
                    data = getattr(message.properties, "CorrelationData", None)
                    got.setdefault(message.topic.value, []).append(
                        (json.loads(bytes(message.payload)), data)
                    )
    return got, client


async def test_an_answer_goes_to_the_requests_response_topic(
    settings: MqttSettings, unique: str
) -> None:
    """MQTT 5 request/response: the answer, with the correlation data, where asked."""
    mine = f"{settings.root}/test/answer/kitchen-satellite"
    async with _site(settings, unique) as site:
        got, _ = await _request_with_reply(
            settings, {"text": TURN_ON, "user": "owner"}, mine
        )
        await _wait(lambda: site.runner.stats.commands == 1)
    assert list(got) == [mine]  # and nothing on the shared answer topic
    ((answer, correlation),) = got[mine]
    assert (answer["id"], answer["actions"][0]["device"]) == ("sat-7", LAMP)
    assert correlation == b"sat-7"


@pytest.mark.parametrize(
    "elsewhere",
    [
        "device",
        "{root}/test/say",
        "{root}/test/answers",
    ],
    ids=["a-device", "thingmind-say", "beside-the-answers"],
)
async def test_a_response_topic_elsewhere_is_refused(
    settings: MqttSettings, unique: str, elsewhere: str
) -> None:
    """A requester may not aim thingmind's answers at a device or at thingmind."""
    async with _site(settings, unique) as site:
        topic = elsewhere.replace("{root}", settings.root)
        if elsewhere == "device":
            topic = next(iter(command_topics(site.runner.entities[LAMP])))
        got, _ = await _request_with_reply(
            settings, {"text": TURN_ON, "user": "owner"}, topic
        )
        await asyncio.sleep(0.2)
        assert (site.runner.stats.commands, site.runner.stats.rejected) == (0, 0)
    ((error, correlation),) = got[f"{settings.root}/test/answer"]
    assert (error["error"], error["field"]) == ("bad_request", "response_topic")
    assert correlation == b"sat-7"
    assert site.bridge.stats.rejected_total == 1
