"""MQTT ingest benchmark: state messages per second through one worker, and round trip.

Three figures, against a real Mosquitto (``THINGMIND_TEST_BROKER``, or ``--broker``):

1. **ceiling**: a load generator (a separate process, paho, QoS 0) publishes N state
   messages as fast as it can; a bare aiomqtt subscriber counts them. Messages/s.
2. **thingmind**: the same generator publishes the home scenario's sensor readings as
   Home Assistant state messages; one worker (MqttBridge -> bus -> Brain/registry ->
   200 automations (rules) -> SQLite store) takes them. Sustained messages/s, from the
   first message to the last one applied.
3. **round trip**: an utterance published on ``thingmind/<site>/say`` -> the Brain ->
   a QoS 1 command -> the simulator process (over MQTT) -> its new state on its state
   topic, seen by the benchmark client. p50/p95 milliseconds. Without a trained model
   a scripted handler stands in for the NLU ("on <device id>").

Run (about half a minute)::

    eval "$(scripts/services.sh start)"
    .venv/bin/python bench/mqtt_ingest.py --messages 200000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import multiprocessing as mp
import os
from pathlib import Path
import random
import statistics
import sys
import tempfile
import time
from typing import Any
import uuid

import aiomqtt
import paho.mqtt.client as paho

from thingmind.brain import Brain, TurnResult
from thingmind.bus import EventBus, Overflow
from thingmind.cli._mqtt import stop_task
from thingmind.core import Domain, ManualClock
from thingmind.mqtt import BrokerSettings, MqttBridge, MqttSettings, parse_broker_url
from thingmind.nlu import ParsedCommand
from thingmind.registry import Registry
from thingmind.resolve import Context, Resolution, ResolvedAction
from thingmind.rules import (
    DriverExecutor,
    LogNotifier,
    RuleEngine,
    SiteLocation,
    parse_automation_data,
)
from thingmind.sim import Simulator, load_scenario
from thingmind.sim._mqtt import SimulatorMqtt
from thingmind.store import SqliteStore


def _generator(
    host: str, port: int, messages: list[tuple[str, str]], ready: Any, go: Any
) -> None:
    client = paho.Client(
        paho.CallbackAPIVersion.VERSION2,  # type: ignore[attr-defined]
        client_id=f"gen-{uuid.uuid4().hex[:8]}",
    )
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    ready.set()
    go.wait()
    for topic, payload in messages:
        while client.publish(topic, payload, qos=0).rc == paho.MQTT_ERR_QUEUE_SIZE:
            time.sleep(0.0005)
    time.sleep(1.0)
    client.loop_stop()
    client.disconnect()


def _start_generator(
    broker: BrokerSettings, messages: list[tuple[str, str]]
) -> tuple[Any, Any]:
    ctx = mp.get_context("spawn")
    ready, go = ctx.Event(), ctx.Event()
    proc = ctx.Process(
        target=_generator,
        args=(broker.host, broker.port, messages, ready, go),
        daemon=True,
    )
    proc.start()
    ready.wait(30)
    return proc, go


async def ceiling(broker: BrokerSettings, n: int) -> float:
    topic = f"bench{uuid.uuid4().hex[:6]}/ceiling"
    messages = [(topic, json.dumps({"v": i})) for i in range(n)]
    proc, go = _start_generator(broker, messages)
    count, first, last = 0, 0.0, 0.0
    async with aiomqtt.Client(
        broker.host, broker.port, max_queued_incoming_messages=0
    ) as client:
        await client.subscribe(topic, qos=0)
        go.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(30.0, n / 5000)):
                async for _ in client.messages:
                    now = time.perf_counter()
                    first = first or now
                    last = now
                    count += 1
                    if count == n:
                        break
    proc.join(10)
    print(f"  bare subscriber took {count:,} of {n:,} messages", file=sys.stderr)
    return (count - 1) / (last - first) if last > first else 0.0


def _rules_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "bench_rules", Path(__file__).with_name("rules.py")
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class _NoParser:
    version = "none"

    def parse(self, text: str) -> ParsedCommand:
        return ParsedCommand(text=text, words=(), clauses=(), confidence=0.0)


async def thingmind_ingest(
    broker: BrokerSettings, n: int, automations: int
) -> dict[str, float]:
    unique = f"bench{uuid.uuid4().hex[:6]}"
    scenario = load_scenario("home")
    home = scenario.home
    settings = MqttSettings(
        broker=BrokerSettings(
            host=broker.host, port=broker.port, client_id=f"{unique}-tm"
        ),
        site="bench",
        root=f"{unique}/thingmind",
        discovery_prefix=f"{unique}/homeassistant",
        z2m_base=None,
        birth=False,
    )
    sim = Simulator(scenario, seed=1, start=1_705_276_800.0)
    runner = SimulatorMqtt(
        sim,
        broker=settings.broker,
        base=f"{unique}/sim",
        prefix=settings.discovery_prefix,
        identifier=f"{unique}-sim",
    )
    sensors = [
        d
        for d in home.devices
        if d.type is Domain.SENSOR and isinstance(d.state.get("value"), int | float)
    ]
    rng = random.Random(1)
    messages: list[tuple[str, str]] = []
    for i in range(n):
        device = sensors[i % len(sensors)]
        value = float(device.state["value"]) + rng.uniform(-0.5, 0.5)  # type: ignore[arg-type]
        messages.append(
            (runner.entities[device.id].topics["state_topic"], f"{value:.2f}")
        )
    db = Path(tempfile.mkdtemp(prefix="thingmind-bench-")) / "history.db"
    store = SqliteStore(db)
    store.open()
    bus = EventBus(default_maxsize=50_000)
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(
        home=home, parser=_NoParser(), driver=bridge.driver, bus=bus, store=store
    )
    bridge.attach(brain)
    rules = _rules_module()
    registry = Registry(home)
    data = rules.build_automations(registry, automations, random.Random(7))
    engine = RuleEngine(
        parse_automation_data(data, source="bench"),
        registry=brain.registry,
        executor=DriverExecutor(brain.registry, bridge.driver),
        clock=ManualClock(time.time()),
        site=SiteLocation(latitude=51.5, longitude=-0.13, timezone="Europe/London"),
        notifier=LogNotifier(keep=10),
    )
    sub = bus.subscribe(maxsize=50_000, overflow=Overflow.BLOCK)
    tasks = [
        asyncio.create_task(runner.run(simulate=False), name="sim"),
        asyncio.create_task(bridge.run(), name="bridge"),
        asyncio.create_task(brain.run(), name="brain"),
        asyncio.create_task(engine.run(sub, tick_interval=1.0), name="rules"),
    ]
    try:
        async with asyncio.timeout(60):
            while len(bridge.bound) < len(home.devices):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # retained states settle
        base_count = bridge.stats.state_messages
        proc, go = _start_generator(broker, messages)
        t0 = time.perf_counter()
        go.set()
        first = None
        last_seen, last_change = base_count, time.perf_counter()
        while bridge.stats.state_messages - base_count < n:
            seen = bridge.stats.state_messages
            now = time.perf_counter()
            if first is None and seen > base_count:
                first = now
            if seen != last_seen:
                last_seen, last_change = seen, now
            elif now - last_change > 5.0:
                break  # the broker dropped some (QoS 0): rate over what arrived
            await asyncio.sleep(0.002)
        got = bridge.stats.state_messages - base_count
        t1 = last_change if got < n else time.perf_counter()
        proc.join(10)
        rate = (got - 1) / (t1 - (first or t0))
        print(f"  thingmind took {got:,} of {n:,} messages", file=sys.stderr)
        rt = await round_trip(settings, bridge, brain, runner)
    finally:
        for task in tasks:
            await stop_task(task)
        brain.flush()
        stored = store.count_events()
        store.close()
    return {
        "rate": rate,
        "rejected": bridge.stats.rejected_total,
        "stored": stored,
        **rt,
    }


class _Scripted:
    def __init__(self, bridge: MqttBridge) -> None:
        self.bridge = bridge

    def handle_text(self, text: str, *, context: Context | None = None) -> TurnResult:
        del context
        device_id, _, service = text.removeprefix("on ").partition(" ")
        service = service or "toggle"
        self.bridge.driver.call(device_id, service, {})
        action = ResolvedAction(device_id=device_id, service=service)
        return TurnResult(
            text=text,
            parsed=_NoParser().parse(text),
            resolution=Resolution(actions=(action,), answer="ok"),
            changes={},
            answer="ok",
            refused=False,
            clarify=False,
            latency_ms=0.0,
        )


async def round_trip(
    settings: MqttSettings,
    bridge: MqttBridge,
    brain: Brain,
    runner: SimulatorMqtt,
    count: int = 200,
) -> dict[str, float]:
    bridge.attach(_Scripted(bridge), state_of=brain.registry.state)
    light = next(d.id for d in brain.registry.home.devices if d.type is Domain.LIGHT)
    state_topic = runner.entities[light].topics["state_topic"]
    say = f"{settings.root}/bench/say"
    times: list[float] = []
    async with aiomqtt.Client(settings.broker.host, settings.broker.port) as client:
        await client.subscribe(state_topic, qos=1)
        await asyncio.sleep(0.2)
        messages = client.messages
        with contextlib.suppress(TimeoutError):  # drain the retained state
            async with asyncio.timeout(0.3):
                async for _ in messages:
                    pass
        for i in range(count):
            t0 = time.perf_counter()
            await client.publish(
                say, json.dumps({"text": f"on {light} toggle", "id": str(i)}), qos=1
            )
            async with asyncio.timeout(5):
                async for _ in messages:
                    break
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--broker", default=os.environ.get("THINGMIND_TEST_BROKER"))
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--automations", type=int, default=200)
    args = parser.parse_args()
    if not args.broker:
        sys.exit(
            "no broker: pass --broker mqtt://host:port or set THINGMIND_TEST_BROKER"
        )
    broker = parse_broker_url(args.broker)
    top = await ceiling(broker, args.messages)
    print(f"ceiling (bare aiomqtt subscriber): {top:,.0f} msg/s")
    result = await thingmind_ingest(broker, args.messages, args.automations)
    print(
        f"thingmind (bridge -> registry -> {args.automations} rules -> SQLite), one worker: "
        f"{result['rate']:,.0f} msg/s ({result['rate'] / top:.0%} of the ceiling); "
        f"{result['stored']:,} events stored, {result['rejected']} rejected"
    )
    print(
        f"command round trip (say topic -> simulated device's new state): p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
