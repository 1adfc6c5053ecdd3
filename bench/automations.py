"""Sentence -> automation benchmark: how many sentences become exactly the right record.

Each case of ``bench/automations/cases.yaml`` is a sentence, the speaker's area and
the record it must become. The sentence goes through the model in service (the ONNX
tagger) and the composer (the same resolver as every command); the case passes when
the triggers, the conditions, the actions and the one-off flag all equal the expected
record. The clock is fixed (Monday 2026-03-02 15:00, Europe/London), so "in 10
minutes" has one right answer.

Run::

    .venv/bin/python bench/automations.py
    .venv/bin/python bench/automations.py --model ~/.cache/thingmind/models/default -v
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
import statistics
import time
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from thingmind.nlu import OnnxTagger
from thingmind.registry import Registry, load_home
from thingmind.resolve import Context, Resolver
from thingmind.rules import Automation, Composer, parse_automation_data

HERE = Path(__file__).parent / "automations"
ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=ZONE).timestamp()
DEFAULT_MODEL = Path.home() / ".cache" / "thingmind" / "models" / "default"


def expected(case: dict[str, Any]) -> Automation:
    """The record a case expects, read with the automation parser."""
    data = {"id": "expected", **case["expect"]}
    (auto,) = parse_automation_data([data], source="cases.yaml")
    return auto


def same(got: Automation, want: Automation) -> bool:
    """Equal where it matters: triggers, conditions, actions and the one-off flag."""
    return (
        got.triggers == want.triggers
        and got.conditions == want.conditions
        and got.actions == want.actions
        and got.once == want.once
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--cases", type=Path, default=HERE / "cases.yaml")
    parser.add_argument("--home", type=Path, default=HERE / "home.yaml")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    registry = Registry(load_home(args.home))
    tagger = OnnxTagger(args.model)
    composer = Composer(Resolver(registry), zone=ZONE, parse=tagger.parse)
    cases = yaml.safe_load(args.cases.read_text(encoding="utf-8"))
    passed = 0
    latencies: list[float] = []
    failures: list[str] = []
    for case in cases:
        want = expected(case)
        t0 = time.perf_counter()
        parsed = tagger.parse(case["text"])
        draft = composer.draft(parsed, context=Context(area=case.get("area")), now=NOW)
        latencies.append((time.perf_counter() - t0) * 1000)
        ok = (
            draft is not None
            and draft.automation is not None
            and same(draft.automation, want)
        )
        passed += ok
        if not ok:
            tags = " | ".join(
                f"{c.intent.value}: "
                + " ".join(parsed.words[c.start : c.end])
                + "".join(f" [{s.slot.value}={s.text}]" for s in c.spans)
                for c in parsed.clauses
            )
            got = (
                "no rule part"
                if draft is None
                else (draft.summary or f"problem: {draft.problem}")
            )
            failures.append(f"- {case['text']}\n    parsed: {tags}\n    got: {got}")
    total = len(cases)
    print(f"model: {tagger.version}")
    print(f"cases: {total}")
    print(f"exactly right: {passed}/{total} = {100 * passed / total:.1f}%")
    print(
        f"latency (parse + compose) p50 {statistics.median(latencies):.2f} ms, "
        f"p95 {sorted(latencies)[int(0.95 * (total - 1))]:.2f} ms"
    )
    if failures and args.verbose:
        print("failures:")
        print("\n".join(failures))
    elif failures:
        print(f"{len(failures)} failures (-v lists them)")


if __name__ == "__main__":
    main()
