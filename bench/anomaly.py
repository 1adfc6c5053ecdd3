"""Anomaly benchmark: precision, recall and delay against the simulator's labels.

For each scenario pack, the simulator runs ``--days`` days (a month by default) with
``--anomalies`` labelled anomalies injected at random after the detectors' warm-up
(plus a day). An :class:`AnomalyMonitor` started on the pack's site sees every
event. An alert *start* on a device matches a label on the same device when it
falls between the label's start and its end plus ``--grace`` seconds.

- recall: labels with a matching alert / labels;
- precision: alert starts that match a label / alert starts;
- delay: median seconds from a label's start to its first matching alert.

Run (a few minutes on a 2-core machine)::

    .venv/bin/python bench/anomaly.py
    .venv/bin/python bench/anomaly.py --packs home --days 30 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
from collections import Counter
import statistics
import time

from thingmind.rules import AnomalyConfig, AnomalyMonitor, SiteLocation
from thingmind.sim import AnomalyLabel, Simulator, load_scenario

START = 1_705_276_800.0  # Monday 15 January 2024, 00:00 UTC
DAY = 86_400.0
SITE = SiteLocation(latitude=51.5074, longitude=-0.1278, timezone="UTC")


def run_pack(
    pack: str, *, seed: int, days: float, anomalies: int, grace: float, verbose: bool
) -> dict[str, float]:
    scenario = load_scenario(pack)
    sim = Simulator(scenario, seed=seed, start=START)
    config = AnomalyConfig()
    first = START + config.warmup + DAY
    sim.inject_random(anomalies, start=first, end=START + days * DAY)
    monitor = AnomalyMonitor(sim.registry, site=SITE, config=config, start=START)
    alerts: list[tuple[str, float, str]] = []
    count = 0
    t0 = time.perf_counter()
    for event in sim.run_until(START + days * DAY):
        count += 1
        alerts.extend(
            (alert.device_id, alert.time, str(alert.data.get("detector")))
            for alert in monitor.process(event)
            if alert.data.get("phase") == "start" and alert.device_id is not None
        )
    elapsed = time.perf_counter() - t0
    labels: tuple[AnomalyLabel, ...] = sim.labels
    alerts = [a for a in alerts if a[1] >= first]  # score after warm-up only

    def matches(label: AnomalyLabel, alert: tuple[str, float, str]) -> bool:
        return (
            alert[0] == label.device_id and label.start <= alert[1] <= label.end + grace
        )

    delays: list[float] = []
    missed: Counter[str] = Counter()
    for label in labels:
        hits = [a[1] for a in alerts if matches(label, a)]
        if hits:
            delays.append(min(hits) - label.start)
        else:
            missed[str(label.kind)] += 1
    true_alerts = [a for a in alerts if any(matches(label, a) for label in labels)]
    false_alerts = [a for a in alerts if a not in true_alerts]
    if verbose:
        for device_id, t, detector in false_alerts:
            print(
                f"    false alert: {device_id} {detector} day {(t - START) / DAY:.2f}"
            )
        for kind, n in missed.items():
            print(f"    missed: {kind} x{n}")
    return {
        "labels": float(len(labels)),
        "alerts": float(len(alerts)),
        "tp_labels": float(len(delays)),
        "tp_alerts": float(len(true_alerts)),
        "delay_s": statistics.median(delays) if delays else float("nan"),
        "events": float(count),
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", nargs="+", default=["home", "factory", "ward"])
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--anomalies", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--grace", type=float, default=1800.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    print(
        f"anomaly bench: {args.days:g} simulated days per pack, {args.anomalies} injected "
        f"anomalies, seeds {args.seeds}, grace {args.grace:g} s"
    )
    print(
        f"{'pack':8} {'seed':>4} {'labels':>6} {'alerts':>6} {'precision':>9} {'recall':>7} {'median delay':>13} {'events/s':>9}"
    )
    for pack in args.packs:
        for seed in args.seeds:
            r = run_pack(
                pack,
                seed=seed,
                days=args.days,
                anomalies=args.anomalies,
                grace=args.grace,
                verbose=args.verbose,
            )
            precision = r["tp_alerts"] / r["alerts"] if r["alerts"] else float("nan")
            recall = r["tp_labels"] / r["labels"] if r["labels"] else float("nan")
            print(
                f"{pack:8} {seed:>4} {int(r['labels']):>6} {int(r['alerts']):>6} {precision:>9.3f} "
                f"{recall:>7.3f} {r['delay_s'] / 60:>10.1f} min {r['events'] / r['seconds']:>9.0f}",
                flush=True,
            )
    print("targets: precision >= 0.9 and recall >= 0.9 per pack")


if __name__ == "__main__":
    main()
