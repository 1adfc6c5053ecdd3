"""MQTT ingest benchmark: state messages per second through one worker, and round trip.

Three figures, against a real Mosquitto: by default a throwaway one this script starts
on a free loopback port, configured to queue a burst for a slow subscriber rather than
drop it (``max_queued_messages 0``: a stock broker drops QoS 0 messages past 1,000
queued for a client, so a burst from a fast generator would measure the drops); or
``--broker URL`` (then a subscriber slower than the generator loses messages, and the
rate is over what arrived).

1. **ceiling**: a load generator (a separate process writing pre-encoded QoS 0 PUBLISH
   packets to its socket, so that it is never the bottleneck) publishes N state
   messages; a bare subscriber counts them: stock aiomqtt, and the aiomqtt client
   thingmind makes (:func:`thingmind.mqtt.codec.make_client`: buffered reads and the
   quick reader of :mod:`thingmind.mqtt._reader`).
2. **thingmind**: the same generator publishes the home scenario's sensor readings as
   Home Assistant state messages; one worker (MqttBridge -> bus -> Brain/registry ->
   200 automations (rules) -> SQLite store) takes them. Sustained messages/s, from the
   first message to the last one applied.
3. **round trip**: an utterance published on ``thingmind/<site>/say`` -> the Brain ->
   a QoS 1 command -> the simulator process (over MQTT) -> its new state on its state
   topic, seen by the benchmark client. p50/p95 milliseconds, twice: right after the
   burst, while the store still writes it (its p95 is the store's), and once the burst
   is stored. Without a trained model a scripted handler stands in for the NLU ("on
   <device id>"). Every hop has Nagle's algorithm off (thingmind's clients set
   TCP_NODELAY, the broker ``set_tcp_nodelay true``): with it on at any hop, a round
   trip takes about 40 ms more (delayed ACKs).

Run (about a minute; needs the ``mosquitto`` binary, or ``--broker``)::

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
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any
import uuid

import aiomqtt

from thingmind.brain import Brain, TurnResult
from thingmind.bus import EventBus, Overflow
from thingmind.cli._heap import settle_heap
from thingmind.cli._mqtt import stop_task
from thingmind.core import Domain, ManualClock
from thingmind.mqtt import (
    BrokerSettings,
    MqttBridge,
    MqttSettings,
    Protocol,
    parse_broker_url,
)
from thingmind.mqtt.codec import make_client
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


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (128 if n else 0))
        if not n:
            return bytes(out)


def _publish_packet(topic: str, payload: str) -> bytes:
    """One MQTT PUBLISH packet, QoS 0 (the same bytes in MQTT 3.1.1 and 5)."""
    name = topic.encode()
    body = len(name).to_bytes(2, "big") + name + payload.encode()
    return b"\x30" + _remaining_length(len(body)) + body


def _generator(
    host: str, port: int, messages: list[tuple[str, str]], ready: Any, go: Any
) -> None:
    """The load generator: pre-encoded PUBLISH packets written to one socket.

    Encoding happens before ``go``, so the generator is never the bottleneck: it
    writes as fast as the broker reads (a Python MQTT client would not: paho
    publishes about 10,000 messages a second on this class of machine).
    """
    sock = socket.create_connection((host, port))
    client_id = f"gen-{uuid.uuid4().hex[:8]}".encode()
    connect = (
        b"\x00\x04MQTT\x04\x02\x00\x3c"  # MQTT 3.1.1, clean session, keepalive 60 s
        + len(client_id).to_bytes(2, "big")
        + client_id
    )
    sock.sendall(b"\x10" + _remaining_length(len(connect)) + connect)
    connack = sock.recv(4)
    if connack[:1] != b"\x20" or connack[3:4] != b"\x00":
        sys.exit(f"the broker refused the load generator: {connack!r}")
    data = b"".join(_publish_packet(topic, payload) for topic, payload in messages)
    ready.set()
    go.wait()
    sock.sendall(data)
    sock.sendall(b"\xe0\x00")  # DISCONNECT: the broker delivers all it read first
    time.sleep(1.0)
    sock.close()


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
    ready.wait(60)
    return proc, go


@contextlib.contextmanager
def throwaway_broker() -> Any:
    """Start Mosquitto on a free loopback port; yield its ``mqtt://`` URL."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        sys.exit("no mosquitto binary: install it, or pass --broker mqtt://host:port")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="thingmind-bench-broker-"))
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\n"
        "max_queued_messages 0\nmax_queued_bytes 0\nset_tcp_nodelay true\n"
        + ("user root\n" if os.geteuid() == 0 else ""),
        encoding="utf-8",
    )
    log = (folder / "mosquitto.log").open("wb")
    broker = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as conn:
                if conn.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or broker.poll() is not None:
                sys.exit(f"mosquitto did not start; see {folder / 'mosquitto.log'}")
            time.sleep(0.05)
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        broker.terminate()
        broker.wait(10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


async def ceiling(broker: BrokerSettings, n: int, *, buffered: bool) -> float:
    """A bare subscriber's rate: stock aiomqtt, or thingmind's client (its quick reader)."""
    topic = f"bench{uuid.uuid4().hex[:6]}/ceiling"
    messages = [(topic, json.dumps({"v": i})) for i in range(n)]
    proc, go = _start_generator(broker, messages)
    count, first, last = 0, 0.0, 0.0
    if buffered:
        client = make_client(
            broker,
            version=Protocol.V5,
            identifier=f"bench-{uuid.uuid4().hex[:8]}",
            persistent=False,
            max_queued_incoming=0,
        )
    else:
        client = aiomqtt.Client(
            broker.host, broker.port, max_queued_incoming_messages=0
        )
    async with client:
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
    what = "thingmind's client" if buffered else "stock aiomqtt"
    print(f"  {what} took {count:,} of {n:,} messages", file=sys.stderr)
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
) -> dict[str, Any]:
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
        settle_heap()  # as `thingmind serve` does once started
        t0 = time.perf_counter()
        cpu0 = time.process_time()
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
        cpu = (time.process_time() - cpu0) / max(got, 1) * 1e6  # µs per message
        print(f"  thingmind took {got:,} of {n:,} messages", file=sys.stderr)
        busy = await round_trip(settings, bridge, brain, runner, label="busy")
        await _until_stored(store)
        quiet = await round_trip(settings, bridge, brain, runner, label="quiet")
    finally:
        for task in tasks:
            await stop_task(task)
        # A store write the brain started in the executor may still be running.
        await asyncio.get_running_loop().shutdown_default_executor()
        brain.flush()
        stored = store.count_events()
        store.close()
    return {
        "rate": rate,
        "cpu_us": cpu,
        "rejected": bridge.stats.rejected_total,
        "stored": stored,
        "busy": busy,
        "quiet": quiet,
    }


async def _until_stored(store: SqliteStore, *, still: float = 1.0) -> None:
    """Wait until the history stops growing: the burst is written."""
    count, since = -1, time.perf_counter()
    while time.perf_counter() - since < still:
        now = await asyncio.to_thread(store.count_events)
        if now != count:
            count, since = now, time.perf_counter()
        await asyncio.sleep(0.2)


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
    *,
    label: str,
    count: int = 200,
) -> dict[str, float]:
    bridge.attach(_Scripted(bridge), state_of=brain.registry.state)
    light = next(d.id for d in brain.registry.home.devices if d.type is Domain.LIGHT)
    state_topic = runner.entities[light].topics["state_topic"]
    say = f"{settings.root}/bench/say"
    times: list[float] = []
    speaker = make_client(
        settings.broker,
        version=Protocol.V5,
        identifier=f"bench-{uuid.uuid4().hex[:8]}",
        persistent=False,
    )
    async with speaker as client:
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
                say,
                json.dumps(
                    {
                        "text": f"on {light} toggle",
                        "user": "owner",
                        "id": f"{label}-{i}",
                    }
                ),
                qos=1,
            )
            async with asyncio.timeout(5):
                async for _ in messages:
                    break
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--broker", help="mqtt://host:port (default: a throwaway Mosquitto)"
    )
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--automations", type=int, default=200)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.broker or stack.enter_context(throwaway_broker())
        await run(parse_broker_url(url), args)


async def run(broker: BrokerSettings, args: argparse.Namespace) -> None:
    """Measure and print the figures."""
    cores = os.cpu_count() or 0
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {cores} cores, load average {load} (1 / 5 / 15 min) before")
    stock = await ceiling(broker, args.messages, buffered=False)
    print(f"ceiling, bare subscriber, stock aiomqtt: {stock:,.0f} msg/s")
    top = await ceiling(broker, args.messages, buffered=True)
    print(f"ceiling, bare subscriber, thingmind's aiomqtt client: {top:,.0f} msg/s")
    result = await thingmind_ingest(broker, args.messages, args.automations)
    print(
        f"thingmind (bridge -> registry -> {args.automations} rules -> SQLite), "
        f"one worker: {result['rate']:,.0f} msg/s ({result['rate'] / top:.0%} of "
        f"the ceiling); {result['stored']:,} events stored, "
        f"{result['rejected']} rejected; {result['cpu_us']:.0f} µs of this process's "
        "CPU per message (threads included)"
    )
    for key, when in (
        ("busy", "right after the burst, while the store writes it"),
        ("quiet", "once the burst is stored"),
    ):
        print(
            "command round trip (say topic -> simulated device's new state), "
            f"{when}: p50 {result[key]['p50']:.1f} ms, p95 {result[key]['p95']:.1f} ms"
        )
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: load average {load} after")


if __name__ == "__main__":
    asyncio.run(main())
