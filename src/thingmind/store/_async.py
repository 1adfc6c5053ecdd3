"""Async access to a synchronous store, run in one worker thread."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import functools
from typing import TYPE_CHECKING, ParamSpec, Self, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import TracebackType

    from thingmind.core import Event, EventKind, StateValue
    from thingmind.store._protocol import JsonValue, Store

_P = ParamSpec("_P")
_T = TypeVar("_T")


class AsyncStore:
    """Async face of a :class:`~thingmind.store.Store`; keeps the event loop free.

    Every call runs in one dedicated worker thread, in call order, so appends and
    flushes never block the loop and never overtake each other. Each call costs a
    thread hop (tens of microseconds): append batches, not single events::

        async with AsyncStore(SqliteStore(path)) as store:
            await store.append(batch)
            await store.flush()  # acknowledged: durable from here on

    Args:
        store: The store to wrap; opened on entry, closed on exit.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        """The wrapped synchronous store."""
        self._executor: ThreadPoolExecutor | None = None

    async def _run(
        self, func: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="thingmind-store")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(func, *args, **kwargs)
        )

    async def open(self) -> None:
        """Open the wrapped store (see ``Store.open``)."""
        await self._run(self.store.open)

    async def close(self) -> None:
        """Flush and close the wrapped store, then stop the worker thread."""
        try:
            await self._run(self.store.close)
        finally:
            executor, self._executor = self._executor, None
            if executor is not None:
                executor.shutdown(wait=False)

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def append(self, events: Iterable[Event]) -> None:
        """Buffer events (see ``Store.append``); durable once ``flush()`` returns."""
        await self._run(self.store.append, list(events))

    async def flush(self) -> None:
        """Commit everything appended so far (see ``Store.flush``)."""
        await self._run(self.store.flush)

    async def history(
        self,
        device_id: str,
        key: str,
        *,
        start: float,
        end: float,
        limit: int | None = None,
    ) -> list[tuple[float, StateValue]]:
        """Return one state key's values in ``[start, end)`` (see ``Store.history``)."""
        return await self._run(
            self.store.history, device_id, key, start=start, end=end, limit=limit
        )

    async def last_change(
        self,
        device_id: str,
        key: str,
        *,
        value: StateValue | None = None,
        before: float | None = None,
    ) -> tuple[float, StateValue] | None:
        """Return a state key's last change (see ``Store.last_change``)."""
        return await self._run(
            self.store.last_change, device_id, key, value=value, before=before
        )

    async def events(
        self,
        *,
        start: float,
        end: float,
        kinds: Iterable[EventKind] | None = None,
        device_id: str | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Return the events in ``[start, end)`` (see ``Store.events``)."""
        return await self._run(
            self.store.events,
            start=start,
            end=end,
            kinds=None if kinds is None else list(kinds),
            device_id=device_id,
            limit=limit,
        )

    async def count_events(self) -> int:
        """Return how many events the store holds."""
        return await self._run(self.store.count_events)

    async def purge(self, before: float) -> int:
        """Delete what is older than ``before`` (see ``Store.purge``)."""
        return await self._run(self.store.purge, before)

    async def put_meta(self, key: str, value: JsonValue) -> None:
        """Store a JSON-able value under ``key``, durably."""
        await self._run(self.store.put_meta, key, value)

    async def get_meta(self, key: str, default: JsonValue = None) -> JsonValue:
        """Return the value stored under ``key``, or ``default``."""
        return await self._run(self.store.get_meta, key, default)
