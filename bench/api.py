"""Conversation throughput and latency over HTTP, 20 concurrent clients on loopback.

    .venv/bin/python bench/api.py [--model DIR] [--clients 20] [--seconds 10]

Starts ``thingmind``'s API on the built-in home scenario in a separate process
(uvicorn, one worker, the model in service: ``--model``, else the default model at
$THINGMIND_MODEL or ~/.cache/thingmind/models/default), then ``--clients`` clients
each POST sentences to ``/api/conversation/process`` back to back over keep-alive
connections for ``--seconds`` (after a short warm-up). Prints requests per second and
p50/p95/p99 latency as the clients saw it, plus the server's own p50 (``latency_ms``).
Without a model it still runs, measuring the HTTP + resolver path only, and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
import socket
import statistics
import subprocess
import sys
import time

SENTENCES = [
    "turn off the kitchen lights",
    "turn on the living room lamp",
    "set the hallway light to 40 percent",
    "is the front door locked",
    "what is the temperature in the kitchen",
    "turn on the kettle",
    "close the living room blinds",
    "turn off all the lights upstairs",
    "make it a bit warmer in the living room",
    "pause the tv",
]
TOKEN = "bench-token-0123456789"

SERVER = r"""
import asyncio, sys, tempfile
from pathlib import Path
from thingmind.api import run_server
from thingmind.brain import Brain
from thingmind.bus import EventBus
from thingmind.registry import LocalDriver, Registry
from thingmind.sim import load_scenario
from thingmind.store import SqliteStore
port, model = int(sys.argv[1]), sys.argv[2]

class NoModel:
    version = "none"
    def parse(self, text):
        from thingmind.nlu import ParsedCommand
        return ParsedCommand(text=text, words=(), clauses=(), confidence=0.0)

async def main():
    home = load_scenario("home").home
    if model:
        from thingmind.nlu import OnnxTagger
        parser = OnnxTagger(Path(model))
    else:
        parser = NoModel()
    driver = LocalDriver(Registry(home))
    bus = EventBus()
    store = SqliteStore(Path(tempfile.mkdtemp()) / "bench.db")
    store.open()
    async with Brain(home=home, parser=parser, driver=driver, bus=bus, store=store) as brain:
        task = asyncio.create_task(brain.run())
        await run_server(brain, store, bus, driver=driver, host="127.0.0.1", port=port,
                         token=sys.argv[3], model_version=parser.version)
        task.cancel()

asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _model(arg: str | None) -> str:
    if arg:
        return arg
    env = os.environ.get("THINGMIND_MODEL")
    folder = (
        Path(env)
        if env
        else Path.home() / ".cache" / "thingmind" / "models" / "default"
    )
    return str(folder) if (folder / "model.onnx").is_file() else ""


async def _client(  # noqa: PLR0917
    client: object,
    stop: float,
    out: list[float],
    server_ms: list[float],
    errors: list[int],
    k: int,
) -> None:
    import httpx

    assert isinstance(client, httpx.AsyncClient)
    i = k
    while time.perf_counter() < stop:
        text = SENTENCES[i % len(SENTENCES)]
        i += 1
        t0 = time.perf_counter()
        response = await client.post(
            "/api/conversation/process", json={"text": text, "area_id": "kitchen"}
        )
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            errors.append(response.status_code)
            continue
        out.append(elapsed)
        server_ms.append(response.json()["latency_ms"])


async def _run(url: str, clients: int, seconds: float, warmup: float) -> None:
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=30
    ) as client:
        sink: list[float] = []
        await asyncio.gather(
            *(
                _client(client, time.perf_counter() + warmup, sink, [], [], k)
                for k in range(clients)
            )
        )
        latencies: list[float] = []
        server_ms: list[float] = []
        errors: list[int] = []
        t0 = time.perf_counter()
        stop = t0 + seconds
        await asyncio.gather(
            *(
                _client(client, stop, latencies, server_ms, errors, k)
                for k in range(clients)
            )
        )
        wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    print(f"requests: {len(latencies)} ok, {len(errors)} failed, in {wall:.1f} s")
    print(
        f"throughput: {len(latencies) / wall:.0f} conversation requests/s ({clients} clients)"
    )
    print(
        f"latency (client, HTTP round trip): p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms"
    )
    print(
        f"latency (server, sentence to device state): p50 {statistics.median(server_ms):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="Model folder (default: the default model).")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    model = _model(args.model)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), model, TOKEN],
    )
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the server did not start")
                time.sleep(0.2)
        print(
            f"model: {model or 'none (HTTP + resolver path only; build one with thingmind train --default)'}"
        )
        print(
            f"cpus: {os.cpu_count()}, server: uvicorn, 1 process; clients: httpx, same machine"
        )
        asyncio.run(_run(url, args.clients, args.seconds, args.warmup))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
