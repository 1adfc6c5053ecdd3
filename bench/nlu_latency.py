"""Latency of understanding, from utterance to the devices' new state.

    .venv/bin/python bench/nlu_latency.py [--model DIR] [--sentences 300]

Prints, for the int8 ONNX model that thingmind serves with: per-sentence latency p50/p95
from utterance to device state (parse + resolve + device layer), sentences per second,
peak memory of a serving process (a fresh subprocess that loads only the runtime), and
model size on disk; then the same figures with the torch fp32 model for comparison.
Sentences come from the data generator over the built-in home scenario (the test
split of a fresh generation, not the benchmark sets).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import statistics
import subprocess
import sys
import time
from typing import Any

SERVE_PROBE = r"""
import json, resource, sys, time
from thingmind.nlu import OnnxTagger
from thingmind.registry import LocalDriver, Registry
from thingmind.sim import load_scenario
from thingmind.brain import Conversation
from thingmind.resolve import Context
model, sentences = sys.argv[1], json.loads(sys.stdin.read())
home = load_scenario("home").home
reg = Registry(home)
conv = Conversation(parser=OnnxTagger(model), registry=reg, driver=LocalDriver(reg))
snap = reg.snapshot()
for s in sentences:
    reg.restore(snap)
    conv.handle(s, context=Context(area=None))
print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "torch_loaded": "torch" in sys.modules}))
"""


class TorchParser:
    """The fp32 torch model behind the same ``parse`` interface (for comparison only)."""

    def __init__(self, folder: Path) -> None:
        import torch

        from thingmind.train import CHECKPOINT, build_model, make_encoder

        self._torch = torch
        self.model = build_model()
        self.model.load_state_dict(
            torch.load(folder / CHECKPOINT, map_location="cpu", weights_only=True)
        )
        self.model.eval()
        self.encode = make_encoder(str(folder / "tokenizer.json"))
        self.version = "torch-fp32"

    def parse(self, text: str) -> Any:
        import numpy as np

        from thingmind.nlu import decode, words_of

        words = [w for w, _, _ in words_of(text)]
        ids, first = self.encode(words)
        with self._torch.no_grad():
            t = self._torch.tensor([ids])
            c, s = self.model(t, self._torch.ones_like(t))
        c_p = self._torch.softmax(c[0, first], -1).numpy().astype(np.float32)
        s_p = self._torch.softmax(s[0, first], -1).numpy().astype(np.float32)
        return decode(text, words, c_p, s_p, model_version=self.version)


def sentences(n: int) -> list[str]:
    from thingmind.sim import load_scenario
    from thingmind.train._data import generate, split

    home = load_scenario("home").home
    ex = generate(home, n=max(2000, n * 10), seed=123, include_generic=False)
    _, _, test = split(ex, seed=123)
    return [" ".join(e.words) for e in test[:n]]


def measure(parser: Any, texts: list[str]) -> dict[str, float]:
    from thingmind.brain import Conversation
    from thingmind.registry import LocalDriver, Registry
    from thingmind.resolve import Context
    from thingmind.sim import load_scenario

    reg = Registry(load_scenario("home").home)
    conv = Conversation(parser=parser, registry=reg, driver=LocalDriver(reg))
    snap = reg.snapshot()
    for s in texts[:20]:
        conv.handle(s)
    lat = []
    t0 = time.perf_counter()
    for s in texts:
        reg.restore(snap)
        lat.append(conv.handle(s, context=Context(area=None)).latency_ms)
    wall = time.perf_counter() - t0
    lat.sort()
    return {
        "p50_ms": statistics.median(lat),
        "p95_ms": lat[int(0.95 * (len(lat) - 1))],
        "sentences_per_s": len(texts) / wall,
    }


def main() -> None:
    from thingmind.cli._models import default_model_dir

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=default_model_dir())
    ap.add_argument("--sentences", type=int, default=300)
    args = ap.parse_args()
    texts = sentences(args.sentences)
    os.environ.setdefault("OMP_NUM_THREADS", "2")

    from thingmind.nlu import OnnxTagger

    onnx = measure(OnnxTagger(args.model), texts)
    probe = subprocess.run(
        [sys.executable, "-c", SERVE_PROBE, str(args.model)],
        input=json.dumps(texts[:50]),
        capture_output=True,
        text=True,
        check=True,
    )
    serve = json.loads(probe.stdout.strip().splitlines()[-1])
    size = (args.model / "model.onnx").stat().st_size / 1e6
    print(f"sentences: {len(texts)} (generated over the home scenario)")
    print("int8 ONNX (served):")
    print(
        f"  latency utterance -> device state: p50 {onnx['p50_ms']:.2f} ms, p95 {onnx['p95_ms']:.2f} ms"
    )
    print(f"  throughput: {onnx['sentences_per_s']:.0f} sentences/s")
    print(
        f"  peak memory of a serving process: {serve['peak_rss_mb']:.0f} MB (torch imported: {serve['torch_loaded']})"
    )
    print(f"  model size on disk: {size:.1f} MB")
    ckpt = args.model / "checkpoint.pt"
    if ckpt.is_file():
        fp32 = measure(TorchParser(args.model), texts)
        print("torch fp32 (for comparison):")
        print(f"  latency: p50 {fp32['p50_ms']:.2f} ms, p95 {fp32['p95_ms']:.2f} ms")
        print(f"  throughput: {fp32['sentences_per_s']:.0f} sentences/s")
        print(f"  checkpoint size on disk: {ckpt.stat().st_size / 1e6:.1f} MB")
    else:
        print("torch fp32: no checkpoint.pt in the model folder; skipped")


if __name__ == "__main__":
    main()
