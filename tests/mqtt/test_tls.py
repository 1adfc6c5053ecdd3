"""TLS, a password file, and a broker that refuses MQTT 5.

A Mosquitto of the test's own with a TLS listener: a certificate authority and a
server certificate made here with the ``openssl`` command, a password file made with
``mosquitto_passwd``, no anonymous clients. The bridge connects with ``mqtts://``,
the CA file and its user name and password, binds the simulator's devices and drives
one. Mosquitto 2 has no listener that refuses MQTT 5, so an older broker is played
by a relay in front of it that answers an MQTT 5 CONNECT the way MQTT 3.1.1 says
(CONNACK "unacceptable protocol version", then close): the bridge must fall back.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from thingmind.brain import Brain
from thingmind.bus import EventBus
from thingmind.cli._mqtt import stop_task
from thingmind.mqtt import BrokerSettings, MqttBridge, MqttSettings, Protocol
from thingmind.nlu import ParsedCommand
from thingmind.sim import Simulator, load_scenario
from thingmind.sim._mqtt import SimulatorMqtt

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator
    from pathlib import Path

    from mqtt.conftest import Mosquitto

pytestmark = [
    pytest.mark.mqtt,
    # paho leaves the sockets of refused TLS connections to the garbage collector.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

USER, PASSWORD = "thingmind", "correct horse battery staple"
LAMP = "light.living_room_lamp"


class _NoParser:
    version = "none"

    def parse(self, text: str) -> ParsedCommand:
        return ParsedCommand(text=text, words=(), clauses=(), confidence=0.0)


@pytest.fixture(autouse=True)
def _collect_here() -> Iterator[None]:
    """Collect garbage after each test, so that its warnings stay in this module."""
    yield
    gc.collect()


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)  # noqa: S603


@pytest.fixture
def tls_broker(
    own_broker: Callable[[list[str]], Mosquitto], tmp_path: Path
) -> tuple[Mosquitto, Path]:
    """A TLS listener with a password file; returns the broker and the CA file."""
    if shutil.which("openssl") is None or shutil.which("mosquitto_passwd") is None:
        pytest.skip("needs the openssl and mosquitto_passwd commands")
    pki = tmp_path / "pki"
    pki.mkdir()
    _run(
        *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
        *("-subj", "/CN=thingmind test CA", "-keyout", "ca.key", "-out", "ca.pem"),
        cwd=pki,
    )
    _run(
        *("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"),
        *("-keyout", "server.key", "-out", "server.csr"),
        cwd=pki,
    )
    (pki / "san.cnf").write_text(
        "subjectAltName = IP:127.0.0.1, DNS:localhost\n", encoding="utf-8"
    )
    _run(
        *("openssl", "x509", "-req", "-in", "server.csr", "-days", "1"),
        *("-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"),
        *("-extfile", "san.cnf", "-out", "server.pem"),
        cwd=pki,
    )
    _run("mosquitto_passwd", "-c", "-b", "passwd", USER, PASSWORD, cwd=pki)
    broker = own_broker(
        [
            "listener {port} 127.0.0.1",
            f"cafile {pki / 'ca.pem'}",
            f"certfile {pki / 'server.pem'}",
            f"keyfile {pki / 'server.key'}",
            "allow_anonymous false",
            f"password_file {pki / 'passwd'}",
        ]
    )
    return broker, pki / "ca.pem"


@dataclasses.dataclass
class _Site:
    bridge: MqttBridge
    brain: Brain
    runner: SimulatorMqtt


async def _wait(predicate: Callable[[], bool], limit: float = 10.0) -> None:
    async with asyncio.timeout(limit):
        while not predicate():  # noqa: ASYNC110 - state owned by other tasks
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def _site(
    broker: BrokerSettings, unique: str, sim_broker: BrokerSettings | None = None
) -> AsyncIterator[_Site]:
    settings = MqttSettings(
        broker=broker,
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
        broker=sim_broker or broker,
        base=f"{unique}/sim",
        prefix=settings.discovery_prefix,
        identifier=f"{unique}-sim",
    )
    home = sim.scenario.home
    bus = EventBus()
    bridge = MqttBridge(settings=settings, home=home, bus=bus)
    brain = Brain(home=home, parser=_NoParser(), driver=bridge.driver, bus=bus)
    bridge.attach(brain)
    tasks = [
        asyncio.create_task(c)
        for c in (runner.run(simulate=False), bridge.run(), brain.run())
    ]
    try:
        await _wait(
            lambda: len(bridge.bound) == len(home.devices) and bridge.connected.is_set()
        )
        yield _Site(bridge=bridge, brain=brain, runner=runner)
    finally:
        for task in tasks:
            await stop_task(task)


async def test_tls_with_a_password(
    tls_broker: tuple[Mosquitto, Path], unique: str
) -> None:
    broker, ca_file = tls_broker
    settings = BrokerSettings(
        host="127.0.0.1",
        port=broker.port,
        tls=True,
        ca_file=str(ca_file),
        username=USER,
        password=PASSWORD,
        client_id=f"{unique}-thingmind",
    )
    async with _site(settings, unique) as site:
        site.bridge.driver.call(LAMP, "turn_on", {})
        await _wait(lambda: site.brain.registry.state(LAMP)["on"] is True)
    assert site.runner.sim.registry.state(LAMP)["on"] is True
    assert site.bridge.stats.rejected_total == 0


@pytest.mark.parametrize(
    ("password", "ca"),
    [("wrong", True), (PASSWORD, False)],
    ids=["wrong-password", "unknown-ca"],
)
async def test_tls_refusals_keep_it_retrying(
    tls_broker: tuple[Mosquitto, Path], unique: str, password: str, ca: bool
) -> None:
    broker, ca_file = tls_broker
    settings = MqttSettings(
        broker=BrokerSettings(
            host="127.0.0.1",
            port=broker.port,
            tls=True,
            ca_file=str(ca_file) if ca else None,
            username=USER,
            password=password,
            client_id=f"{unique}-thingmind",
        ),
        site="test",
        backoff_initial=0.05,
        backoff_max=0.1,
    )
    bridge = MqttBridge(
        settings=settings, home=load_scenario("home").home, bus=EventBus()
    )
    task = asyncio.create_task(bridge.run())
    try:
        await asyncio.sleep(1.0)
        assert not task.done()  # it keeps trying, with backoff
    finally:
        await stop_task(task)
    assert bridge.connections == 0
    assert not bridge.connected.is_set()


async def _relay(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    port: int,
    refused: list[int],
) -> None:
    """Play a broker of MQTT 3.1.1 only, in front of a real one on ``port``."""
    header = await reader.readexactly(2)
    body = b""
    length, shift, byte = 0, 0, header[1]
    while True:
        length |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
        shift += 7
        byte = (await reader.readexactly(1))[0]
        header += bytes([byte])
    body = await reader.readexactly(length)
    level = body[6]  # after the protocol name "MQTT" (2 + 4 bytes)
    if level == 5:
        refused.append(level)
        writer.write(b"\x20\x02\x00\x01")  # CONNACK: unacceptable protocol version
        await writer.drain()
        writer.close()
        return
    up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
    up_writer.write(header + body)

    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        dst.close()

    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_a_broker_that_refuses_mqtt5_gets_mqtt311(
    own_broker: Callable[[list[str]], Mosquitto], unique: str
) -> None:
    broker = own_broker(["listener {port} 127.0.0.1", "allow_anonymous true"])
    refused: list[int] = []
    relay = await asyncio.start_server(
        lambda r, w: _relay(r, w, broker.port, refused), "127.0.0.1", 0
    )
    relay_port = relay.sockets[0].getsockname()[1]
    auto = BrokerSettings(
        host="127.0.0.1", port=relay_port, client_id=f"{unique}-thingmind"
    )
    async with (
        relay,
        _site(
            auto,
            unique,
            sim_broker=dataclasses.replace(
                auto, protocol=Protocol.V311, client_id=None
            ),
        ) as site,
    ):
        site.bridge.driver.call(LAMP, "turn_on", {})
        await _wait(lambda: site.brain.registry.state(LAMP)["on"] is True)
    assert refused == [5]
    assert site.bridge.connections >= 1
