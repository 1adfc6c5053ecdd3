"""Rules benchmark: events per second through 200 automations, and trigger-to-state delay.

For each scenario pack (home, factory) the simulator's events over ``--days`` days are
generated first (not timed). Then 200 automations are built from the pack's devices
(seeded): numeric thresholds on sensors, door/motion state triggers with and without
``for``, time and sun triggers, state/numeric/time/sun conditions, service, notify,
delay and scene actions. The engine then processes every event on one core, timed as
a whole (events/s), and for each event that made a device change, the delay from the
start of ``process(event)`` to the executor having set the device's new state
(p50/p99; in-process, LocalDriver).

Run (about a minute on a 2-core machine)::

    .venv/bin/python bench/rules.py
    .venv/bin/python bench/rules.py --packs home factory --days 7 --automations 200
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from typing import TYPE_CHECKING, Any

from thingmind.core import Domain, ManualClock, StateValue
from thingmind.registry import Device, LocalDriver, Registry
from thingmind.rules import (
    DriverExecutor,
    ExecResult,
    LogNotifier,
    RuleEngine,
    SiteLocation,
    parse_automation_data,
)
from thingmind.sim import Simulator, load_scenario

if TYPE_CHECKING:
    from collections.abc import Mapping

START = 1_705_276_800.0  # Monday 15 January 2024, 00:00 UTC
SITE = SiteLocation(latitude=51.5074, longitude=-0.1278, timezone="Europe/London")
_ACTUATORS = (Domain.LIGHT, Domain.SWITCH, Domain.FAN)


class TimedExecutor:
    """Wraps an executor and notes when each call had set the device's state."""

    def __init__(self, inner: DriverExecutor) -> None:
        self.inner = inner
        self.done: list[float] = []

    def execute(
        self,
        device_id: str,
        service: str,
        params: Mapping[str, StateValue],
        *,
        source: str,
    ) -> ExecResult:
        result = self.inner.execute(device_id, service, params, source=source)
        self.done.append(time.perf_counter())
        return result


def build_automations(
    registry: Registry, count: int, rng: random.Random
) -> list[dict[str, Any]]:
    """Make ``count`` automations over a site's devices, in the YAML's data shape."""
    devices = registry.devices()
    sensors = [
        d
        for d in devices
        if d.type is Domain.SENSOR and isinstance(d.state.get("value"), int | float)
    ]
    binaries = [d for d in devices if d.type is Domain.BINARY_SENSOR]
    actuators = [d for d in devices if d.type in _ACTUATORS]
    scenes = [d for d in devices if d.type is Domain.SCENE]

    def target_near(device: Device) -> Device:
        near = [a for a in actuators if a.area == device.area]
        return rng.choice(near or actuators)

    def act_on(device: Device) -> dict[str, Any]:
        target = target_near(device)
        service = f"{target.type}.{rng.choice(['turn_on', 'turn_off', 'toggle'])}"
        return {"action": service, "target": {"entity_id": target.id}}

    out: list[dict[str, Any]] = []
    for n in range(count):
        roll = n % 10
        auto: dict[str, Any] = {"id": f"auto_{n}", "alias": f"Automation {n}"}
        conditions: list[dict[str, Any]] = []
        actions: list[dict[str, Any]] = []
        if roll < 5 and sensors:  # numeric thresholds: the commonest rule
            sensor = rng.choice(sensors)
            value = sensor.state.get("value")
            base = float(value) if isinstance(value, int | float) else 0.0
            spread = max(abs(base) * 0.1, 0.5)
            key = "above" if rng.random() < 0.5 else "below"
            threshold = base + spread if key == "above" else base - spread
            trigger: dict[str, Any] = {
                "trigger": "numeric_state",
                "entity_id": sensor.id,
                key: round(threshold, 2),
            }
            if rng.random() < 0.3:
                trigger["for"] = {"minutes": rng.choice([1, 5, 10])}
            actions.append(act_on(sensor))
            if rng.random() < 0.3:
                actions.append(
                    {
                        "action": "notify.site",
                        "data": {"message": f"{sensor.name} {key}"},
                    }
                )
        elif roll < 8 and binaries:  # doors, motion, faults
            sensor = rng.choice(binaries)
            trigger = {"trigger": "state", "entity_id": sensor.id, "to": "on"}
            if rng.random() < 0.3:
                trigger["for"] = "00:02:00"
            actions.append(act_on(sensor))
            if rng.random() < 0.4:
                actions.append({"delay": {"minutes": 2}})
                target = actions[0]["target"]["entity_id"]
                domain = target.split(".")[0]
                actions.append(
                    {"action": f"{domain}.turn_off", "target": {"entity_id": target}}
                )
        elif roll == 8:
            trigger = {
                "trigger": "time",
                "at": f"{rng.randrange(24):02d}:{rng.randrange(60):02d}",
            }
            actions.append(act_on(rng.choice(actuators)))
        else:
            trigger = {
                "trigger": "sun",
                "event": rng.choice(["sunrise", "sunset"]),
                "offset": rng.randrange(-3600, 3600),
            }
            actions.append(
                {"scene": rng.choice(scenes).id}
                if scenes
                else act_on(rng.choice(actuators))
            )
        kind = rng.random()
        if kind < 0.25:
            conditions.append(
                {"condition": "time", "after": "06:00", "before": "23:00"}
            )
        elif kind < 0.4:
            conditions.append({"condition": "sun", "after": "sunset"})
        elif kind < 0.55 and binaries:
            door = rng.choice(binaries)
            conditions.append(
                {"condition": "state", "entity_id": door.id, "state": "off"}
            )
        elif kind < 0.7 and sensors:
            sensor = rng.choice(sensors)
            conditions.append(
                {"condition": "numeric_state", "entity_id": sensor.id, "above": -1000}
            )
        auto["triggers"] = [trigger]
        if conditions:
            auto["conditions"] = conditions
        auto["actions"] = actions
        auto["mode"] = "restart"
        out.append(auto)
    return out


def bench_pack(
    pack: str, *, days: float, automations: int, seed: int
) -> dict[str, float]:
    scenario = load_scenario(pack)
    sim = Simulator(scenario, seed=seed, start=START)
    t0 = time.perf_counter()
    events = list(sim.run_until(START + days * 86_400.0))
    gen_s = time.perf_counter() - t0

    registry = Registry(scenario.home)  # the engine's own site copy
    clock = ManualClock(START)
    executor = TimedExecutor(DriverExecutor(registry, LocalDriver(registry)))
    data = build_automations(registry, automations, random.Random(seed))
    engine = RuleEngine(
        parse_automation_data(data, source=f"bench:{pack}"),
        registry=registry,
        executor=executor,
        clock=clock,
        site=SITE,
        notifier=LogNotifier(keep=10),
    )

    process = engine.process
    perf = time.perf_counter
    done = executor.done
    delays: list[float] = []
    runs = 0
    gc.collect()
    gc.disable()  # steady state; the engine allocates little per event
    try:
        t0 = perf()
        for event in events:
            mark = len(done)
            start = perf()
            traces = process(event)
            if len(done) > mark:
                delays.append(done[mark] - start)
            if traces:
                runs += len(traces)
        elapsed = perf() - t0
    finally:
        gc.enable()
    # The timed loop includes the latency bookkeeping; report it as measured.
    delays.sort()
    return {
        "events": float(len(events)),
        "gen_s": gen_s,
        "seconds": elapsed,
        "eps": len(events) / elapsed,
        "runs": float(runs),
        "actions": float(len(done)),
        "p50_ms": statistics.median(delays) * 1e3 if delays else float("nan"),
        "p99_ms": delays[int(0.99 * (len(delays) - 1))] * 1e3
        if delays
        else float("nan"),
        "suppressed": float(engine.suppressed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", nargs="+", default=["home", "factory"])
    parser.add_argument("--days", type=float, default=3.0)
    parser.add_argument("--automations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"rules bench: {args.automations} automations, {args.days:g} simulated days, seed {args.seed}"
    )
    print(
        f"{'pack':8} {'events':>9} {'events/s':>10} {'runs':>7} {'actions':>8} {'p50 ms':>8} {'p99 ms':>8}"
    )
    total_events = total_s = 0.0
    for pack in args.packs:
        r = bench_pack(
            pack, days=args.days, automations=args.automations, seed=args.seed
        )
        total_events += r["events"]
        total_s += r["seconds"]
        print(
            f"{pack:8} {int(r['events']):>9} {r['eps']:>10.0f} {int(r['runs']):>7} "
            f"{int(r['actions']):>8} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f}"
        )
    print(f"{'all':8} {int(total_events):>9} {total_events / total_s:>10.0f}")
    print("targets: >= 50000 events/s on one core; p99 < 10 ms")


if __name__ == "__main__":
    main()
