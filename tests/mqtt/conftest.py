"""Fixtures: the broker (THINGMIND_TEST_BROKER), a unique topic root, a PostgreSQL schema.

Fault and TLS tests start a broker of their own (:func:`own_broker`), so that
restarting it or changing its listeners disturbs no other test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import os
from pathlib import Path
import shutil
import socket
import subprocess
import time
from typing import TYPE_CHECKING
from urllib.parse import urlencode
import uuid

import pytest

from thingmind.mqtt import BrokerSettings, MqttSettings, parse_broker_url

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

BROKER_ENV = "THINGMIND_TEST_BROKER"


@pytest.fixture
def broker() -> BrokerSettings:
    """The test broker; the test is skipped when none is configured."""
    url = os.environ.get(BROKER_ENV)
    if not url:
        pytest.skip(
            f'no MQTT broker: set {BROKER_ENV} (eval "$(scripts/services.sh start)")'
        )
    return parse_broker_url(url)


@pytest.fixture
def unique() -> str:
    """A topic root no other test uses."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def settings(broker: BrokerSettings, unique: str) -> MqttSettings:
    """Bridge settings with every topic under the test's own root."""
    return MqttSettings(
        broker=BrokerSettings(
            host=broker.host, port=broker.port, client_id=f"{unique}-thingmind"
        ),
        site="test",
        root=f"{unique}/thingmind",
        discovery_prefix=f"{unique}/homeassistant",
        z2m_base=f"{unique}/z2m",
        backoff_initial=0.05,
        backoff_max=0.5,
    )


PG_ENV = "THINGMIND_TEST_PG"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (dropped afterwards); skipped without a server."""
    import psycopg  # noqa: PLC0415  # the [postgres] extra; needed only with a server

    dsn = os.environ.get(PG_ENV, "")
    if not dsn:
        pytest.skip(
            f'no PostgreSQL server: set {PG_ENV} (eval "$(scripts/services.sh start)")'
        )
    schema = f"thingmind_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in dsn else "?"
        yield dsn + sep + urlencode({"options": f"-csearch_path={schema}"})
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Mosquitto:
    """A Mosquitto of one test: its own port, configuration and persistence folder."""

    folder: Path
    config: list[str]
    """Lines after the listener's (``{port}`` is the port)."""
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (again, with what it persisted) and wait until it listens."""
        conf = self.folder / "mosquitto.conf"
        lines = [
            f"persistence true\npersistence_location {self.folder}/",
            "log_dest stderr",
            *(line.format(port=self.port) for line in self.config),
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # or it drops to a user who cannot read tmp
        conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        log = (self.folder / "mosquitto.log").open("ab")
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen(  # noqa: S603 - the broker, our config
            [binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 10
        while not _listens(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mosquitto did not start: {self.log()}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop it (SIGTERM: it saves its sessions and retained messages first)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        """Stop and start it on the same port."""
        self.stop()
        self.start()

    def log(self) -> str:
        """The end of its log."""
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def _listens(port: int) -> bool:
    with socket.socket() as conn:
        return conn.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Callable[[list[str]], Mosquitto]]:
    """Start Mosquittos of the test's own; skipped without the ``mosquitto`` binary.

    Called with the configuration lines after ``persistence`` (a ``listener {port}
    127.0.0.1`` at least); every broker started is stopped afterwards.
    """
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        pytest.skip("no mosquitto binary (scripts/services.sh install)")
    started: list[Mosquitto] = []

    def start(config: list[str]) -> Mosquitto:
        folder = tmp_path / f"mosquitto-{len(started)}"
        folder.mkdir()
        broker = Mosquitto(folder=folder, config=config)
        started.append(broker)
        broker.start()
        return broker

    try:
        yield start
    finally:
        for broker in started:
            broker.stop()
