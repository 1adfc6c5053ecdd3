"""An in-process async publish/subscribe bus with a bounded queue per subscriber."""

from __future__ import annotations

import asyncio
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Self

from thingmind.bus._errors import BusClosedError, BusFullError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from thingmind.core import Event, EventKind

_LOGGER = logging.getLogger(__name__)

_END = None
"""Queue marker that ends a subscriber's iteration."""


class Overflow(StrEnum):
    """What a subscriber's full queue does with a new event."""

    BLOCK = "block"
    """``publish`` waits for room (backpressure); ``publish_nowait`` raises ``BusFullError``."""
    DROP_OLDEST = "drop_oldest"
    """The oldest queued event is dropped (and counted) to make room."""


class Subscription:
    """One subscriber's view of the bus: an async iterator of events.

    Made by :meth:`EventBus.subscribe`, which registers it at once, so no event
    published after ``subscribe`` returns is missed. Use it as an async context
    manager to unsubscribe on exit::

        async with bus.subscribe(kinds={EventKind.STATE_CHANGED}) as sub:
            async for event in sub:
                ...

    Iteration ends after :meth:`EventBus.close` (once the queued events are read) or
    at once after :meth:`unsubscribe` (queued events are discarded).
    """

    __slots__ = (
        "_bus",
        "_closed",
        "_end_queued",
        "_pending_puts",
        "_queue",
        "dropped",
        "kinds",
        "maxsize",
        "overflow",
        "published",
    )

    def __init__(
        self,
        bus: EventBus,
        *,
        kinds: frozenset[EventKind] | None,
        maxsize: int,
        overflow: Overflow,
    ) -> None:
        self._bus = bus
        self.kinds = kinds
        """The event kinds delivered to this subscriber; ``None`` means every kind."""
        self.maxsize = maxsize
        """How many events the queue holds before ``overflow`` applies."""
        self.overflow = overflow
        """What a full queue does with a new event."""
        self.published = 0
        """Events queued for this subscriber (those that passed its ``kinds`` filter)."""
        self.dropped = 0
        """Queued events discarded by ``Overflow.DROP_OLDEST``."""
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize)
        self._closed = False
        self._end_queued = False
        self._pending_puts: set[asyncio.Task[None]] = set()

    @property
    def closed(self) -> bool:
        """Whether the subscription takes no more events."""
        return self._closed

    def qsize(self) -> int:
        """Return how many events wait in the queue."""
        return self._queue.qsize() - self._end_queued

    def _full(self) -> bool:
        return self._queue.full()

    def _put_nowait(self, event: Event) -> None:
        """Queue ``event``, dropping the oldest when full (caller checked BLOCK)."""
        self._offer(event, drop=True)  # always room: the oldest goes

    def _offer(self, event: Event, *, drop: bool) -> bool:
        """Queue ``event`` if there is room, or (``drop``) after dropping the oldest.

        One look at the queue's size per event: this runs for every subscriber of
        every state message (thousands a second).

        Returns:
            False when the queue is full and nothing was dropped (nothing queued).
        """
        queue = self._queue
        if queue.full():
            if not drop:
                return False
            queue.get_nowait()
            self.dropped += 1
        queue.put_nowait(event)
        self.published += 1
        return True

    async def _put(self, event: Event) -> None:
        """Queue ``event``, waiting for room if the policy is ``BLOCK``."""
        if self._offer(event, drop=self.overflow is Overflow.DROP_OLDEST):
            return
        # Slow path: wait for the reader. The wait is a task of its own so that
        # unsubscribe() and close() can cancel it without cancelling the publisher.
        waiter = asyncio.ensure_future(self._queue.put(event))
        self._pending_puts.add(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._closed and (task is None or task.cancelling() == 0):
                return  # the subscriber left while we waited
            raise
        finally:
            self._pending_puts.discard(waiter)
        self.published += 1

    def _end(self) -> None:
        """Stop taking events; iteration ends once the queue is read."""
        if self._closed:
            return
        self._closed = True
        for waiter in self._pending_puts:
            waiter.cancel()
        # A reader only waits on an empty queue, so a full one needs no marker:
        # __anext__ sees closed-and-empty once it has read the rest.
        if not self._queue.full():
            self._queue.put_nowait(_END)
            self._end_queued = True

    def unsubscribe(self) -> None:
        """Leave the bus now: drop queued events and end the iteration.

        Publishers waiting for room in this queue are released. Calling it twice
        does nothing.
        """
        if self._closed:
            return
        self._bus._remove(self)  # noqa: SLF001
        while not self._queue.empty():
            self._queue.get_nowait()
        self._end()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is None:
            self._end_queued = False
            raise StopAsyncIteration
        return item

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.unsubscribe()

    def __repr__(self) -> str:
        kinds = sorted(self.kinds) if self.kinds is not None else "all"
        return (
            f"Subscription(kinds={kinds}, maxsize={self.maxsize}, "
            f"overflow={self.overflow}, published={self.published}, "
            f"dropped={self.dropped}, closed={self._closed})"
        )


class EventBus:
    """In-process fan-out of events to subscribers, each with a bounded queue.

    Not thread-safe: publish and subscribe from the event loop's thread (use
    ``loop.call_soon_threadsafe(bus.publish_nowait, event)`` from other threads).

    Args:
        default_maxsize: Queue size of subscribers that do not give their own.

    Raises:
        ValueError: When ``default_maxsize`` is below 1.
    """

    def __init__(self, *, default_maxsize: int = 10_000) -> None:
        if default_maxsize < 1:
            msg = f"default_maxsize must be >= 1, got {default_maxsize}"
            raise ValueError(msg)
        self.default_maxsize = default_maxsize
        """Queue size of subscribers that do not give their own."""
        self.published = 0
        """Events published on this bus (delivered to zero or more subscribers)."""
        self._subs: list[Subscription] = []
        self._by_kind: dict[EventKind, tuple[Subscription, ...]] = {}
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        """The live subscriptions, oldest first."""
        return tuple(self._subs)

    def subscribe(
        self,
        *,
        kinds: Iterable[EventKind] | None = None,
        maxsize: int | None = None,
        overflow: Overflow = Overflow.BLOCK,
    ) -> Subscription:
        """Register a subscriber and return its subscription.

        Args:
            kinds: Event kinds to receive; ``None`` for every kind.
            maxsize: Queue size; ``None`` for the bus's ``default_maxsize``.
            overflow: What a full queue does with a new event.

        Returns:
            The subscription, already receiving events.

        Raises:
            BusClosedError: When the bus is closed.
            ValueError: When ``maxsize`` is below 1.
        """
        if self._closed:
            msg = "cannot subscribe: the bus is closed"
            raise BusClosedError(msg)
        size = self.default_maxsize if maxsize is None else maxsize
        if size < 1:
            msg = f"maxsize must be >= 1, got {size}"
            raise ValueError(msg)
        sub = Subscription(
            self,
            kinds=None if kinds is None else frozenset(kinds),
            maxsize=size,
            overflow=Overflow(overflow),
        )
        self._subs.append(sub)
        self._by_kind.clear()
        return sub

    def _remove(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)
            self._by_kind.clear()

    def _targets(self, kind: EventKind) -> tuple[Subscription, ...]:
        targets = self._by_kind.get(kind)
        if targets is None:
            targets = tuple(s for s in self._subs if s.kinds is None or kind in s.kinds)
            self._by_kind[kind] = targets
        return targets

    async def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber that wants its kind.

        Waits while a ``BLOCK`` subscriber's queue is full (backpressure); subscribers
        are served in the order they subscribed.

        Args:
            event: The event.

        Raises:
            BusClosedError: When the bus is closed.
        """
        if self._closed:
            msg = "cannot publish: the bus is closed"
            raise BusClosedError(msg)
        self.published += 1
        for sub in self._targets(event.kind):
            if not sub._offer(event, drop=sub.overflow is Overflow.DROP_OLDEST):  # noqa: SLF001
                await sub._put(event)  # noqa: SLF001 - full: wait for room

    def publish_nowait(self, event: Event) -> None:
        """Deliver ``event`` without waiting; for synchronous callers.

        Args:
            event: The event.

        Raises:
            BusClosedError: When the bus is closed.
            BusFullError: When a ``BLOCK`` subscriber's queue is full; then no
                subscriber gets the event.
        """
        if self._closed:
            msg = "cannot publish: the bus is closed"
            raise BusClosedError(msg)
        targets = self._targets(event.kind)
        for sub in targets:
            if sub.overflow is Overflow.BLOCK and sub._full():  # noqa: SLF001
                msg = (
                    f"a subscriber's queue is full ({sub.maxsize} events) and its "
                    f"overflow policy is {Overflow.BLOCK}: await publish() instead, "
                    f"or subscribe with {Overflow.DROP_OLDEST}"
                )
                raise BusFullError(msg)
        self.published += 1
        for sub in targets:
            sub._put_nowait(event)  # noqa: SLF001

    async def close(self) -> None:
        """Close the bus: no more events or subscribers; every iteration ends.

        Subscribers still read the events already queued, then their ``async for``
        ends. Calling it twice does nothing.
        """
        if self._closed:
            return
        self._closed = True
        subs, self._subs = self._subs, []
        self._by_kind.clear()
        for sub in subs:
            sub._end()  # noqa: SLF001
        _LOGGER.debug("bus closed after %s events", self.published)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
