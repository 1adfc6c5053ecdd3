"""Tests of the in-process event bus."""

from __future__ import annotations

import asyncio

import pytest

from thingmind.bus import (
    BusClosedError,
    BusFullError,
    EventBus,
    Overflow,
    Subscription,
)
from thingmind.core import Event, EventKind


def make_event(n: int, kind: EventKind = EventKind.STATE_CHANGED) -> Event:
    return Event(kind=kind, time=float(n), device_id="sensor", data={"n": n})


async def take(sub: Subscription, count: int) -> list[int]:
    """Read ``count`` events and return their ``n``."""
    got: list[int] = []
    async with asyncio.timeout(1):
        for _ in range(count):
            event = await anext(sub)
            got.append(int(event.data["n"] or 0))
    return got


async def drain(sub: Subscription) -> list[int]:
    """Read until the iteration ends and return the ``n`` of each event."""
    async with asyncio.timeout(1):
        return [int(event.data["n"] or 0) async for event in sub]


async def test_every_subscriber_gets_every_event_in_order() -> None:
    bus = EventBus()
    first = bus.subscribe()
    second = bus.subscribe()
    for n in range(5):
        await bus.publish(make_event(n))
    assert await take(first, 5) == [0, 1, 2, 3, 4]
    assert await take(second, 5) == [0, 1, 2, 3, 4]
    assert (bus.published, first.published, second.published) == (5, 5, 5)


async def test_kinds_filter_delivers_only_those_kinds() -> None:
    bus = EventBus()
    alerts = bus.subscribe(kinds={EventKind.ALERT})
    everything = bus.subscribe()
    await bus.publish(make_event(1, EventKind.STATE_CHANGED))
    await bus.publish(make_event(2, EventKind.ALERT))
    bus.publish_nowait(make_event(3, EventKind.ACTION))
    await bus.close()
    assert await drain(alerts) == [2]
    assert await drain(everything) == [1, 2, 3]
    assert alerts.published == 1


async def test_publish_waits_for_a_full_block_subscriber() -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=2, overflow=Overflow.BLOCK)
    await bus.publish(make_event(0))
    await bus.publish(make_event(1))
    blocked = asyncio.create_task(bus.publish(make_event(2)))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    assert await take(sub, 1) == [0]
    async with asyncio.timeout(1):
        await blocked
    assert await take(sub, 2) == [1, 2]
    assert (sub.published, sub.dropped) == (3, 0)


async def test_publish_nowait_refuses_a_full_block_subscriber_and_delivers_nothing() -> (
    None
):
    bus = EventBus()
    roomy = bus.subscribe(maxsize=10)
    full = bus.subscribe(maxsize=1, overflow=Overflow.BLOCK)
    bus.publish_nowait(make_event(0))
    with pytest.raises(BusFullError):
        bus.publish_nowait(make_event(1))
    assert (roomy.qsize(), full.qsize()) == (1, 1)
    assert bus.published == 1


async def test_drop_oldest_keeps_the_newest_and_counts_the_dropped() -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=3, overflow=Overflow.DROP_OLDEST)
    for n in range(5):
        bus.publish_nowait(make_event(n))
    await bus.publish(make_event(5))
    assert (sub.published, sub.dropped, sub.qsize()) == (6, 3, 3)
    assert await take(sub, 3) == [3, 4, 5]


async def test_close_ends_iteration_after_the_queued_events() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    reader = asyncio.create_task(drain(sub))
    await bus.publish(make_event(0))
    await bus.publish(make_event(1))
    await bus.close()
    assert await reader == [0, 1]
    assert sub.closed
    assert bus.subscriptions == ()


async def test_close_ends_iteration_of_a_full_queue() -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=2)
    await bus.publish(make_event(0))
    await bus.publish(make_event(1))
    await bus.close()
    assert await drain(sub) == [0, 1]


async def test_closed_bus_refuses_events_and_subscribers() -> None:
    bus = EventBus()
    await bus.close()
    with pytest.raises(BusClosedError):
        await bus.publish(make_event(0))
    with pytest.raises(BusClosedError):
        bus.publish_nowait(make_event(0))
    with pytest.raises(BusClosedError):
        bus.subscribe()
    await bus.close()  # twice is fine


async def test_context_exit_unsubscribes() -> None:
    bus = EventBus()
    async with bus.subscribe() as sub:
        await bus.publish(make_event(0))
        assert sub in bus.subscriptions
    assert sub not in bus.subscriptions
    await bus.publish(make_event(1))
    assert await drain(sub) == []
    assert sub.published == 1


async def test_unsubscribe_ends_a_waiting_iteration() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    reader = asyncio.create_task(drain(sub))
    await asyncio.sleep(0)
    sub.unsubscribe()
    assert await reader == []


@pytest.mark.parametrize(
    "leave",
    ["unsubscribe", "close"],
    ids=["unsubscribe", "bus-close"],
)
async def test_leaving_releases_a_blocked_publisher(leave: str) -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=1)
    await bus.publish(make_event(0))
    blocked = asyncio.create_task(bus.publish(make_event(1)))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    if leave == "unsubscribe":
        sub.unsubscribe()
    else:
        await bus.close()
    async with asyncio.timeout(1):
        await blocked
    assert sub.closed


async def test_cancelling_a_blocked_publisher_cancels_it() -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=1)
    await bus.publish(make_event(0))
    blocked = asyncio.create_task(bus.publish(make_event(1)))
    await asyncio.sleep(0.01)
    blocked.cancel()
    with pytest.raises(asyncio.CancelledError):
        await blocked
    assert await take(sub, 1) == [0]
    assert sub.qsize() == 0


async def test_subscriber_added_later_gets_only_later_events() -> None:
    bus = EventBus()
    early = bus.subscribe(kinds={EventKind.ALERT})
    await bus.publish(make_event(0, EventKind.ALERT))
    late = bus.subscribe(kinds={EventKind.ALERT})
    await bus.publish(make_event(1, EventKind.ALERT))
    await bus.close()
    assert await drain(early) == [0, 1]
    assert await drain(late) == [1]


@pytest.mark.parametrize("maxsize", [0, -1], ids=["zero", "negative"])
def test_queue_size_must_be_positive(maxsize: int) -> None:
    with pytest.raises(ValueError, match="default_maxsize"):
        EventBus(default_maxsize=maxsize)
    with pytest.raises(ValueError, match="maxsize"):
        EventBus().subscribe(maxsize=maxsize)
