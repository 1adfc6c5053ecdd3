"""The garbage collector of a long-running worker, set once start-up is done."""

from __future__ import annotations

import gc

YOUNG_COLLECTION_EVERY = 10_000
"""Allocations (net) between collections of the young generation (CPython: 700)."""


def settle_heap() -> None:
    """Keep the collector off what start-up built, and run it less often after.

    What start-up built (the site, the model's tables, the rules, the routes) lives as
    long as the process: :func:`gc.freeze` takes it out of every later collection.
    In steady state a worker makes almost no cyclic garbage (bench/mqtt_ingest.py
    finds a few dozen objects per 100,000 state messages), but at CPython's default
    of a young collection every 700 allocations the collector runs hundreds of times
    a second, and promotes the events waiting in the bus, whose number then sets off
    full collections that find nothing: 0.5-0.7 s per 100,000 messages, about a
    tenth of a worker's time. A young collection every 10,000 allocations leaves the
    events time to be handled first (0.2 s per 100,000 messages); memory held by
    garbage stays bounded by the same 10,000.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)
