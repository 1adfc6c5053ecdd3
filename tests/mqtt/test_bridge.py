"""The bridge against a real broker: discovery, state, commands, utterances, sessions."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from typing import TYPE_CHECKING, Any

import aiomqtt
import pytest

from thingmind.brain import Brain, TurnResult
from thingmind.bus import EventBus
from thingmind.cli._mqtt import stop_task
from thingmind.mqtt import MqttBridge, MqttSettings, Rejection
from thingmind.nlu import ParsedCommand
from thingmind.resolve import Context, Resolution, ResolvedAction
from thingmind.sim import Simulator, load_scenario
from thingmind.sim._mqtt import SimulatorMqtt

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from thingmind.core import StateValue
    from thingmind.registry import Home

pytestmark = pytest.mark.mqtt

START = 1_705_276_800.0


class _NoParser:
    version = "none"

    def parse(self, text: str) -> ParsedCommand:
        return ParsedCommand(text=text, words=(), clauses=(), confidence=0.0)


class _Scripted:
    """A text handler that turns 'on <device>' into turn_on (the NLU is tested elsewhere)."""

    def __init__(self, bridge: MqttBridge) -> None:
        self.bridge = bridge

    def handle_text(self, text: str, *, context: Context | None = None) -> TurnResult:
        del context
        device_id = text.removeprefix("on ")
        self.bridge.driver.call(device_id, "turn_on", {})
        action = ResolvedAction(device_id=device_id, service="turn_on")
        return TurnResult(
            text=text,
            parsed=_NoParser().parse(text),
            resolution=Resolution(actions=(action,), answer=f"Turned on {device_id}."),
            changes={},
            answer=f"Turned on {device_id}.",
            refused=False,
            clarify=False,
            latency_ms=0.0,
        )


async def _wait(predicate: Any, limit: float = 5.0) -> None:
    async with asyncio.timeout(limit):
        while not predicate():  # noqa: ASYNC110 - polling state owned by other tasks
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def _running(*coros: Any) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(c) for c in coros]
    try:
        yield
    finally:
        for task in tasks:
            await stop_task(task)


def _sim(settings: MqttSettings, unique: str, ident: str = "sim") -> SimulatorMqtt:
    sim = Simulator(load_scenario("home"), seed=1, start=START)
    return SimulatorMqtt(
        sim,
        broker=settings.broker,
        base=f"{unique}/sim",
        prefix=settings.discovery_prefix,
        identifier=f"{unique}-{ident}",
    )


async def test_discovery_state_and_commands(
    settings: MqttSettings, unique: str
) -> None:
    runner = _sim(settings, unique)
    home = runner.sim.scenario.home
    bus = EventBus()
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(home=home, parser=_NoParser(), driver=bridge.driver, bus=bus)
    bridge.attach(brain)
    async with _running(runner.run(simulate=False), bridge.run(), brain.run()):
        await _wait(lambda: len(bridge.bound) == len(home.devices))
        await _wait(lambda: bridge.available(home.devices[0].id) is True)
        for device in home.devices:
            await _wait(
                lambda d=device: (
                    dict(brain.registry.state(d.id))
                    == dict(runner.sim.registry.state(d.id))
                )
            )
        light = next(
            d.id for d in home.devices if d.type == "light" and "brightness" in d.state
        )
        bridge.driver.call(light, "turn_on", {"brightness": 40})
        await _wait(lambda: brain.registry.state(light).get("brightness") == 40)
        assert runner.sim.registry.state(light)["brightness"] == 40
    assert bridge.stats.rejected_total == 0


async def _collect(
    client: aiomqtt.Client, topic: str, count: int
) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        async for message in client.messages:
            if message.topic.value == topic:
                got.append(json.loads(message.payload))
                if len(got) == count:
                    break
    return got


async def test_utterances_answers_and_errors(
    settings: MqttSettings, unique: str
) -> None:
    runner = _sim(settings, unique)
    home = runner.sim.scenario.home
    bus = EventBus()
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(home=home, parser=_NoParser(), driver=bridge.driver, bus=bus)
    bridge.attach(_Scripted(bridge), state_of=brain.registry.state)
    lamp = next(
        d.id
        for d in home.devices
        if d.type == "light" and not runner.sim.registry.state(d.id)["on"]
    )
    say = f"{settings.root}/test/say"
    answer = f"{settings.root}/test/answer"
    async with _running(runner.run(simulate=False), bridge.run(), brain.run()):
        await _wait(
            lambda: len(bridge.bound) == len(home.devices) and bridge.connected.is_set()
        )
        await _wait(lambda: brain.registry.state(lamp)["on"] is False)
        async with aiomqtt.Client(settings.broker.host, settings.broker.port) as client:
            await client.subscribe(answer, qos=1)
            await client.publish(
                say,
                json.dumps(
                    {
                        "text": f"on {lamp}",
                        "area": home.areas[0].id,
                        "user": "owner",
                        "id": "r1",
                    }
                ),
                qos=1,
            )
            await client.publish(say, b"\xff\xfe", qos=1)
            await client.publish(say, json.dumps({"text": 5, "id": "r2"}), qos=1)
            await client.publish(
                say, json.dumps({"text": "hi", "area": "mars", "id": "r3"}), qos=1
            )
            replies = await _collect(client, answer, 4)
    by_id = {r["id"]: r for r in replies}
    assert by_id["r1"]["actions"] == [
        {"device": lamp, "service": "turn_on", "params": {}}
    ]
    assert by_id["r1"]["changes"][lamp]["on"] is True
    assert (by_id["r2"]["error"], by_id["r2"]["field"]) == ("bad_request", "text")
    assert (by_id["r3"]["error"], by_id["r3"]["field"]) == ("bad_request", "area")
    assert by_id[None]["error"] == "not_utf8"


async def test_commands_wait_for_a_device_that_was_away(
    settings: MqttSettings, unique: str
) -> None:
    """A persistent session: a command sent while the device was offline arrives later."""
    runner = _sim(settings, unique)
    home = runner.sim.scenario.home
    bus = EventBus()
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(home=home, parser=_NoParser(), driver=bridge.driver, bus=bus)
    bridge.attach(brain)
    switch = next(d.id for d in home.devices if d.type == "light")
    async with _running(bridge.run(), brain.run()):
        async with _running(runner.run(simulate=False)):
            await _wait(lambda: len(bridge.bound) == len(home.devices))
        await _wait(lambda: bridge.available(switch) is False)
        bridge.driver.call(switch, "turn_off", {})
        await _wait(lambda: bridge.stats.commands_sent >= 1)
        async with _running(runner.run(simulate=False)):
            await _wait(lambda: runner.stats.commands >= 1)
            await _wait(lambda: brain.registry.state(switch)["on"] is False)
    assert runner.sim.registry.state(switch)["on"] is False


async def test_a_restarted_bridge_binds_its_devices_before_its_backlog(
    settings: MqttSettings, unique: str
) -> None:
    """What the session kept while thingmind was away is used, none of it refused.

    The broker hands a persistent session's backlog over before the retained
    discovery configs; the bridge reads the configs first. ``announce_wait`` is
    short, so a sentence for a device not yet bound would fail rather than wait.
    """
    settings = dataclasses.replace(settings, announce_wait=0.2)
    runner = _sim(settings, unique)
    home = runner.sim.scenario.home
    sensor = next(
        d.id
        for d in home.devices
        if d.type == "sensor" and isinstance(d.state.get("value"), float)
    )
    state_topic = runner.entities[sensor].topics["state_topic"]
    lamp = next(d.id for d in home.devices if d.type == "light")
    say = f"{settings.root}/test/say"
    answer = f"{settings.root}/test/answer"
    readings = [round(10 + i / 4, 2) for i in range(30)]
    async with _running(runner.run(simulate=False)):
        first = MqttBridge(settings=settings, home=home, bus=EventBus())
        async with _running(first.run()):
            await _wait(
                lambda: (
                    len(first.bound) == len(home.devices)
                    and state_topic in first._subscribed
                )  # the session keeps its reports
            )
        async with aiomqtt.Client(settings.broker.host, settings.broker.port) as client:
            await client.subscribe(answer, qos=1)
            for value in readings:  # kept by the broker for the bridge's session
                await client.publish(state_topic, str(value), qos=1)
            for i in range(5):
                request = {"text": f"on {lamp}", "user": "owner", "id": f"r{i}"}
                await client.publish(say, json.dumps(request), qos=1)
            bus = EventBus()
            bridge = MqttBridge(settings=settings, home=home, bus=bus)
            brain = Brain(home=home, parser=_NoParser(), driver=bridge.driver, bus=bus)
            bridge.attach(_Scripted(bridge), state_of=brain.registry.state)
            reported: list[StateValue] = []

            async def record() -> None:
                async with bus.subscribe() as sub:
                    async for event in sub:
                        if event.device_id == sensor:
                            reported.append(event.data.get("value"))  # noqa: PERF401 - as they arrive

            async with _running(record(), bridge.run(), brain.run()):
                replies = await _collect(client, answer, 5)
    assert [r.get("error") for r in replies] == [None] * 5
    assert {r["id"] for r in replies} == {f"r{i}" for i in range(5)}
    # The simulator's own report (answering the first bridge's birth message, or
    # retained) may come before or after the backlog; the backlog comes whole, in
    # order, none of it refused.
    own = runner.sim.registry.state(sensor)["value"]
    assert own not in readings
    assert [v for v in reported if v != own] == readings
    assert bridge.stats.rejected_total == 0


async def test_zigbee2mqtt_state_and_commands(
    settings: MqttSettings, home: Home
) -> None:
    bus = EventBus()
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(home=home, parser=_NoParser(), driver=bridge.driver, bus=bus)
    bridge.attach(brain)
    base = settings.z2m_base
    async with _running(bridge.run(), brain.run()):
        await _wait(bridge.connected.is_set)
        async with aiomqtt.Client(settings.broker.host, settings.broker.port) as client:
            await client.subscribe(f"{base}/+/set", qos=1)
            await client.publish(
                f"{base}/living_room_ceiling",
                json.dumps({"state": "ON", "brightness": 127, "linkquality": 80}),
                qos=1,
            )
            await client.publish(
                f"{base}/front_door", json.dumps({"contact": False}), qos=1
            )
            await client.publish(
                f"{base}/front_door/availability",
                json.dumps({"state": "offline"}),
                qos=1,
            )
            await _wait(
                lambda: (
                    brain.registry.state("light.living_room_ceiling")["brightness"]
                    == 50
                )
            )
            await _wait(
                lambda: brain.registry.state("binary_sensor.front_door")["on"] is True
            )
            await _wait(lambda: bridge.available("binary_sensor.front_door") is False)
            bridge.driver.call("light.living_room_ceiling", "turn_off", {})
            async with asyncio.timeout(5):
                message = await anext(aiter(client.messages))
            command = json.loads(message.payload)
    assert message.topic.value == f"{base}/living_room_ceiling/set"
    assert command == {"state": "OFF"}


def _lies(prefix: str, bound_command: str) -> list[tuple[str, str]]:
    return [
        (
            f"{prefix}/lock/front_door/config",
            json.dumps({"cmd_t": "x/set", "def_ent_id": "light.front_door"}),
        ),
        (f"{prefix}/switch/front_door/config", json.dumps({"cmd_t": "x/set"})),
        (f"{prefix}/switch/nowhere/config", json.dumps({"cmd_t": "x/set"})),
        (f"{prefix}/light/floor_lamp/config", json.dumps({"cmd_t": "x/#"})),
        (
            f"{prefix}/light/floor_lamp/config",
            json.dumps({"cmd_t": "x", "val_tpl": "{{ value.__init__ }}"}),
        ),
        (
            f"{prefix}/light/floor_lamp/config",
            json.dumps({"cmd_t": bound_command, "stat_t": "x"}),
        ),
        (f"{prefix}/light/floor_lamp/config", "[]"),
    ]


async def test_hostile_traffic_changes_nothing_but_valid_state(
    settings: MqttSettings, unique: str, home: Home
) -> None:
    """10,000 bad messages mixed with valid ones: each valid one applied, nothing else."""
    bus = EventBus(default_maxsize=100_000)
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(home=home, parser=_NoParser(), driver=bridge.driver, bus=bus)
    bridge.attach(brain)
    prefix, base = settings.discovery_prefix, settings.z2m_base
    lamp_cfg = {
        "name": "Ceiling",
        "schema": "json",
        "stat_t": f"{unique}/dev/ceiling",
        "cmd_t": f"{unique}/dev/ceiling/set",
        "obj_id": "living_room_ceiling",
    }
    temp_cfg = {
        "stat_t": f"{unique}/dev/garden",
        "val_tpl": "{{ value_json.t }}",
        "unit_of_meas": "°C",
    }
    before = {d.id: dict(brain.registry.state(d.id)) for d in home.devices}
    hostile_templates: list[tuple[str, bytes | str]] = [
        (f"{unique}/dev/ceiling", b"\xff\xfe\xfd"),
        (f"{unique}/dev/ceiling", "not json {"),
        (f"{unique}/dev/ceiling", json.dumps({"state": "ON", "brightness": 300})),
        (f"{unique}/dev/ceiling", json.dumps({"state": "MAYBE"})),
        (f"{unique}/dev/ceiling", json.dumps([1, 2, 3])),
        (f"{unique}/dev/ceiling", json.dumps({"state": "ON", "brightness": "bright"})),
        (f"{unique}/dev/ceiling", "x" * 70_000),
        (f"{unique}/dev/garden", json.dumps({"t": {"nested": 1}})),
        (f"{unique}/dev/garden", "[" * 5000 + "]" * 5000),
        (f"{base}/nobody_here", json.dumps({"state": "ON"})),
        (f"{base}/front_door", json.dumps({"contact": "yes"})),
        (f"{base}/a/b/c", "{}"),
        (f"{prefix}/garbage", "x"),
        *_lies(prefix, f"{unique}/dev/ceiling/set"),
    ]
    hostile_count = 10_000
    valid: list[tuple[str, str, int]] = []
    async with _running(bridge.run(), brain.run()):
        await _wait(bridge.connected.is_set)
        async with aiomqtt.Client(
            settings.broker.host, settings.broker.port, max_inflight_messages=1000
        ) as client:
            await client.publish(
                f"{prefix}/light/ceiling/config", json.dumps(lamp_cfg), qos=1
            )
            await client.publish(
                f"{prefix}/sensor/garden_temperature/config",
                json.dumps(temp_cfg),
                qos=1,
            )
            await _wait(lambda: len(bridge.bound) == 2)
            await asyncio.sleep(0.2)  # the state subscriptions
            sent_valid = 0
            for i in range(hostile_count):
                topic, payload = hostile_templates[i % len(hostile_templates)]
                await client.publish(topic, payload, qos=1)
                if i % 10 == 0:
                    level = 1 + (sent_valid % 100)
                    await client.publish(
                        f"{unique}/dev/ceiling",
                        json.dumps({"state": "ON", "brightness": round(level * 2.55)}),
                        qos=1,
                    )
                    valid.append(("light.living_room_ceiling", "brightness", level))
                    sent_valid += 1
            await client.publish(f"{unique}/dev/garden", json.dumps({"t": 3.5}), qos=1)
            valid.append(("sensor.garden_temperature", "value", 3))
        await _wait(
            lambda: bridge.stats.received >= hostile_count + len(valid) + 2, limit=60
        )
        await _wait(
            lambda: brain.registry.state("sensor.garden_temperature")["value"] == 3.5
        )
    assert bridge.stats.state_messages == len(valid)
    assert bridge.stats.rejected_total == hostile_count
    assert set(bridge.stats.rejected) >= {
        Rejection.NOT_UTF8,
        Rejection.NOT_JSON,
        Rejection.BAD_VALUE,
        Rejection.WRONG_TYPE,
        Rejection.TOO_LARGE,
        Rejection.UNKNOWN_DEVICE,
        Rejection.UNKNOWN_TOPIC,
        Rejection.TYPE_MISMATCH,
        Rejection.BAD_CONFIG,
        Rejection.UNSUPPORTED_TEMPLATE,
        Rejection.TOPIC_CONFLICT,
    }
    after = {d.id: dict(brain.registry.state(d.id)) for d in home.devices}
    expected = dict(before)
    expected["light.living_room_ceiling"] = {
        **before["light.living_room_ceiling"],
        "on": True,
        "brightness": valid[-2][2],
    }
    expected["sensor.garden_temperature"] = {
        **before["sensor.garden_temperature"],
        "value": 3.5,
        "unit": "°C",
    }
    assert after == expected
    assert set(bridge.bound) == {
        "light.living_room_ceiling",
        "sensor.garden_temperature",
    }


async def test_applied_updates_equal_valid_messages(
    settings: MqttSettings, home: Home
) -> None:
    """Every valid state message becomes one event, in order (no drops under load)."""
    bus = EventBus(default_maxsize=100_000)
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    seen: list[Mapping[str, StateValue]] = []

    async def record() -> None:
        async with bus.subscribe() as sub:
            async for event in sub:
                seen.append(event.data)  # noqa: PERF401 - as they arrive

    base = settings.z2m_base
    async with _running(record(), bridge.run()):
        await _wait(bridge.connected.is_set)
        async with aiomqtt.Client(settings.broker.host, settings.broker.port) as client:
            for i in range(1, 501):
                await client.publish(
                    f"{base}/kids_room",
                    json.dumps({"fan_mode": ["low", "medium", "high"][i % 3]}),
                    qos=1,
                )
        await _wait(lambda: len(seen) == 500, limit=20)
    assert [s["percentage"] for s in seen] == [
        [33, 66, 100][i % 3] for i in range(1, 501)
    ]
