"""Several workers: two ``thingmind serve`` processes, one broker, one PostgreSQL.

Real subprocesses: the simulator (``thingmind sim-mqtt``) and two workers sharing the
site's ``say``/``command`` topics through an MQTT 5 shared subscription and claiming
each command's idempotency key in PostgreSQL. Commands stream in; one worker is
SIGKILLed mid-stream; the other carries on; the killed one is restarted (as a
supervisor would) and finishes its share, which the broker kept in its session.
An observer subscribed to the devices' command topics counts what the devices got.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import aiomqtt
import psycopg
import pytest

from thingmind.mqtt.codec import command_topics
from thingmind.sim import Simulator, load_scenario
from thingmind.sim._mqtt import SimulatorMqtt

if TYPE_CHECKING:
    from collections.abc import Iterator

    from thingmind.mqtt import BrokerSettings

pytestmark = [pytest.mark.mqtt, pytest.mark.postgres, pytest.mark.slow]

SITE = "home"
PROBE = "light.living_room_lamp"
DEVICES = (
    "switch.kettle",
    "switch.dishwasher",
    "switch.washing_machine",
    "switch.study_computer",
    "light.hallway",
    "light.utility_room",
)
STREAM = 240
"""Commands in the stream."""
KILL_AT = 80
"""The stream index at which worker 1 is killed."""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from thingmind.cli import main; main()", *args]


@dataclass
class _Processes:
    tmp: Path
    env: dict[str, str]
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            args, stdout=log, stderr=subprocess.STDOUT, env=self.env
        )
        log.close()
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[_Processes]:
    env = {**os.environ, "THINGMIND_MODEL": str(tmp_path / "no-model")}
    procs = _Processes(tmp=tmp_path, env=env)
    try:
        yield procs
    finally:
        for process in procs.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in procs.running.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _worker_config(tmp: Path, unique: str, n: int) -> Path:
    path = tmp / f"worker-{n}.yaml"
    config = {
        "mqtt": {
            "client_id": f"{unique}-worker-{n}",
            "root": f"{unique}/thingmind",
            "discovery_prefix": f"{unique}/homeassistant",
            "z2m_base": None,
            "shared_group": f"{unique}-workers",
        }
    }
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def _serve_args(url: str, pg_url: str, config: Path) -> list[str]:
    return _cli(
        "serve",
        "--scenario",
        SITE,
        "--mqtt",
        url,
        "--store",
        pg_url,
        "--config",
        str(config),
        "--port",
        "0",
        "--retention-days",
        "0",
        "--token",
        "worker-test-token",
    )


def _device_topics(broker: BrokerSettings, unique: str) -> dict[str, str]:
    sim = Simulator(load_scenario(SITE), seed=0, start=0.0)
    runner = SimulatorMqtt(
        sim, broker=broker, base=f"{unique}/sim", prefix=f"{unique}/homeassistant"
    )
    return {
        topic: device_id
        for device_id, entity in runner.entities.items()
        for topic in command_topics(entity)
    }


@dataclass
class _Observer:
    answers: list[dict[str, Any]] = field(default_factory=list)
    device_messages: dict[str, int] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)


async def _observe(
    client: aiomqtt.Client, unique: str, topics: dict[str, str], seen: _Observer
) -> None:
    answer = f"{unique}/thingmind/{SITE}/answer"
    workers = f"{unique}/thingmind/{SITE}/workers/"
    async for message in client.messages:
        topic = message.topic.value
        payload = bytes(message.payload)  # bytes over the wire
        if topic == answer:
            seen.answers.append(json.loads(payload))
        elif topic.startswith(workers):
            seen.status[topic.removeprefix(workers)] = payload.decode()
        elif topic in topics:
            device = topics[topic]
            seen.device_messages[device] = seen.device_messages.get(device, 0) + 1


async def _until(predicate: Any, limit: float, what: str) -> None:
    try:
        async with asyncio.timeout(limit):
            while not predicate():  # noqa: ASYNC110 - state owned by the observer
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


def _pending(pg_url: str, owner: str) -> set[str]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT key FROM command_keys WHERE owner = %s AND NOT done", (owner,)
        ).fetchall()
    return {str(r[0]).rsplit(":", 1)[1] for r in rows}


def _keys(pg_url: str) -> tuple[int, int]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT done) FROM command_keys "
            "WHERE key LIKE %s",
            ("%:command:c-%",),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


async def test_two_workers_share_the_load_and_survive_a_kill(
    broker: BrokerSettings, unique: str, pg_url: str, processes: _Processes
) -> None:
    url = f"mqtt://{broker.host}:{broker.port}"
    topics = _device_topics(broker, unique)
    processes.start(
        "sim",
        _cli(
            "sim-mqtt",
            SITE,
            "--broker",
            url,
            "--base",
            f"{unique}/sim",
            "--prefix",
            f"{unique}/homeassistant",
            "--no-simulate",
        ),
    )
    configs = {n: _worker_config(processes.tmp, unique, n) for n in (1, 2)}
    names = {n: f"{unique}-worker-{n}" for n in (1, 2)}
    for n in (1, 2):
        processes.start(f"worker-{n}", _serve_args(url, pg_url, configs[n]))
    seen = _Observer()
    command_topic = f"{unique}/thingmind/{SITE}/command"
    async with aiomqtt.Client(
        broker.host, broker.port, protocol=aiomqtt.ProtocolVersion.V5
    ) as client:
        await client.subscribe(
            [
                (f"{unique}/thingmind/{SITE}/answer", 1),
                (f"{unique}/thingmind/{SITE}/workers/+", 1),
                *[(t, 1) for t in topics],
            ]
        )
        observer = asyncio.create_task(_observe(client, unique, topics, seen))

        async def send(request_id: str, device: str, service: str) -> None:
            body = {"id": request_id, "user": "owner", "device": device}
            await client.publish(
                command_topic, json.dumps({**body, "service": service}), qos=1
            )

        try:
            await _until(
                lambda: all(seen.status.get(w) == "online" for w in names.values()),
                90,
                f"both workers online ({processes.log('worker-1')})",
            )
            # Each worker has bound the devices once it carries out a probe.
            probe = 0
            while {a.get("worker") for a in seen.answers if a.get("ok") is True} != set(
                names.values()
            ):
                await send(f"probe-{probe}", PROBE, "turn_on")
                probe += 1
                await asyncio.sleep(0.3)
                assert probe < 200, "the workers never carried out a probe"
            answered_before = len(seen.answers)
            for i in range(STREAM):
                device = DEVICES[i % len(DEVICES)]
                service = "turn_on" if (i // len(DEVICES)) % 2 == 0 else "turn_off"
                await send(f"c-{i}", device, service)
                if i == KILL_AT:
                    processes.running["worker-1"].send_signal(signal.SIGKILL)
                    processes.running["worker-1"].wait()
                await asyncio.sleep(0.01)
            # Worker 2 carries on alone: every command it was given is answered.
            await _until(
                lambda: len(seen.answers) > answered_before,
                30,
                "worker 2 answering",
            )
            in_flight = _pending(pg_url, names[1])
            processes.start("worker-1b", _serve_args(url, pg_url, configs[1]))
            stream_ids = {f"c-{i}" for i in range(STREAM)}
            await _until(
                lambda: stream_ids <= {a.get("id") for a in seen.answers},
                120,
                f"every command answered ({processes.log('worker-1b')})",
            )
            await asyncio.sleep(1.0)  # let a late duplicate show, if there were one
        finally:
            observer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await observer
    answers = [a for a in seen.answers if str(a.get("id", "")).startswith("c-")]
    by_id: dict[str, list[dict[str, Any]]] = {}
    for answer in answers:
        by_id.setdefault(answer["id"], []).append(answer)
    failed = [(a["id"], a["reason"], a["message"]) for a in answers if not a["ok"]]
    assert failed == []
    twice = {i for i, got in by_id.items() if len(got) > 1}
    assert twice <= in_flight
    after_kill = {
        a["worker"] for a in answers if int(a["id"].removeprefix("c-")) > KILL_AT
    }
    assert names[2] in after_kill
    expected = dict.fromkeys(DEVICES, 0)
    for i in range(STREAM):
        expected[DEVICES[i % len(DEVICES)]] += 1
    retaken = dict.fromkeys(DEVICES, 0)
    for request_id in in_flight:
        retaken[DEVICES[int(request_id.removeprefix("c-")) % len(DEVICES)]] += 1
    for device in DEVICES:
        got = seen.device_messages.get(device, 0)
        assert expected[device] <= got <= expected[device] + retaken[device], device
    assert _keys(pg_url) == (STREAM, 0)
