"""No data leaves the site: the service connects only to what it is configured with.

``thingmind serve`` runs in a child process whose sockets are watched: every
``connect`` and name lookup is logged, and any that is not to the configured broker
or LLM endpoint is refused. The test then talks to the service (a sentence, the
device list) and stops it; the log must hold connections to configured endpoints only.
The same watch runs in-process over the PostgreSQL store, audit trail and user data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
import urllib.request

import pytest

from thingmind.store import UserData, open_store

if TYPE_CHECKING:
    from collections.abc import Iterator

TOKEN = "outbound-test-token-0123"  # noqa: S105
STARTUP_LIMIT = 180.0  # seconds the child may take to listen (a busy 2-core machine)

WATCH = textwrap.dedent(
    """
    import json, os, socket, sys

    allowed = {tuple(a) for a in json.loads(os.environ["OUTBOUND_ALLOWED"])}
    hosts = {a[0] for a in allowed}
    log = open(os.environ["OUTBOUND_LOG"], "a", buffering=1)
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock, address):
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        where = [str(address[0]), int(address[1])]
        log.write(json.dumps(["connect", *where]) + "\\n")
        if tuple(where) not in allowed:
            raise ConnectionRefusedError("blocked by the outbound test")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        log.write(json.dumps(["lookup", str(host), 0]) + "\\n")
        if host not in hosts:
            raise socket.gaierror("blocked by the outbound test")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
    from thingmind.cli import main
    sys.argv[0] = "thingmind"
    main()
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _attempts(log: Path) -> list[tuple[str, str, int]]:
    if not log.is_file():
        return []
    return [
        (str(a[0]), str(a[1]), int(a[2]))
        for a in map(json.loads, log.read_text(encoding="utf-8").splitlines())
    ]


class Served:
    """A ``thingmind serve`` child process and where it listens."""

    def __init__(self, tmp_path: Path, allowed: list[tuple[str, int]]) -> None:
        broker, llm = allowed
        self.log = tmp_path / "outbound.jsonl"
        env = {
            **os.environ,
            "OUTBOUND_ALLOWED": json.dumps(allowed),
            "OUTBOUND_LOG": str(self.log),
            "THINGMIND_CACHE": str(tmp_path / "cache"),  # no model: nothing to load
            "THINGMIND_MODEL": str(tmp_path / "no-model"),
            "THINGMIND_CORRECTIONS": str(tmp_path / "corrections.jsonl"),
        }
        self.proc = subprocess.Popen(  # noqa: S603  (our own interpreter and script)
            [
                sys.executable,
                "-c",
                WATCH,
                "serve",
                "--scenario",
                "home",
                "--port",
                "0",
                "--token",
                TOKEN,
                "--db",
                str(tmp_path / "site.db"),
                "--mqtt",
                f"mqtt://{broker[0]}:{broker[1]}",
                "--llm-url",
                f"http://{llm[0]}:{llm[1]}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
        )
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + STARTUP_LIMIT
        seen: list[str] = []
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break  # the child exited
            seen.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            if found and "dashboard" in line:
                return found.group()
        self.stop()
        msg = "serve did not start:\n" + "".join(seen[-30:])
        raise RuntimeError(msg)

    def request(self, path: str, body: dict[str, Any] | None = None) -> int:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310  (a loopback http URL)
            self.url + path,
            data=data,
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
            return int(response.status)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, list[tuple[str, int]]]]:
    # Nothing listens on either port: each attempt is refused, and logged.
    allowed = [("127.0.0.1", _free_port()), ("127.0.0.1", _free_port())]
    made = Served(tmp_path, allowed)
    yield made, allowed
    made.stop()


@pytest.mark.slow
def test_serve_connects_only_to_its_broker_and_llm(
    served: tuple[Served, list[tuple[str, int]]],
) -> None:
    service, allowed = served
    statuses = [
        service.request(
            "/api/conversation/process", {"text": "turn on the kitchen light"}
        ),
        service.request("/api/devices"),
        service.request("/api/users"),
    ]
    service.stop()
    attempts = _attempts(service.log)
    connects = {(host, port) for kind, host, port in attempts if kind == "connect"}
    lookups = {host for kind, host, _ in attempts if kind == "lookup"}
    assert statuses == [200, 200, 200]
    assert allowed[0] in connects  # the broker was tried: the watch sees connections
    assert connects <= set(allowed)
    assert lookups <= {host for host, _ in allowed}


def _open_tcp_peers() -> set[tuple[str, int]]:
    """The remote ends of this process's open TCP sockets (Linux: /proc).

    libpq connects from C, out of reach of a Python socket patch, so the store's
    connections are read from the kernel's table instead.
    """
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    peers = set()
    for table, width in (("/proc/self/net/tcp", 4), ("/proc/self/net/tcp6", 16)):
        for row in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            cols = row.split()
            if cols[9] not in inodes or cols[3] == "0A":  # 0A: listening
                continue
            address, port = cols[2].split(":")
            raw = bytes.fromhex(address)
            # The kernel writes each 32-bit word in host (little-endian) order.
            packed = b"".join(raw[i : i + 4][::-1] for i in range(0, width, 4))
            family = socket.AF_INET if width == 4 else socket.AF_INET6
            host = socket.inet_ntop(family, packed).removeprefix("::ffff:")
            peers.add((host, int(port, 16)))
    return peers


@pytest.mark.postgres
def test_the_postgres_store_connects_only_to_its_database() -> None:
    dsn = os.environ.get("THINGMIND_TEST_PG", "")
    if not dsn:
        pytest.skip(
            "THINGMIND_TEST_PG is not set: no PostgreSQL server to test against"
        )
    parts = urlsplit(dsn)
    database = (socket.gethostbyname(parts.hostname or "localhost"), parts.port or 5432)
    before = _open_tcp_peers()
    with open_store(dsn) as store, UserData.for_store(store) as data:
        data.users()
        data.export("anna")
        during = _open_tcp_peers() - before
    assert during == {database}
