"""Echoes: the state report that answers a command, waited for by the answer topic."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from thingmind.core import StateValue


class Echoes:
    """Which devices owe a report for a command they were sent, and the reports.

    A command's echo is the first state report, after the command was published,
    that shows the keys the command was to change, changed: a report already in
    flight when the command left (a re-announcement) does not answer it.
    """

    def __init__(self) -> None:
        """Start with nothing expected."""
        self._expected: dict[str, dict[str, StateValue]] = {}
        self._awaiting: set[str] = set()
        self._echoes: dict[str, Mapping[str, StateValue]] = {}
        self._waiters: dict[str, list[asyncio.Future[Mapping[str, StateValue]]]] = {}

    def expect(self, device_id: str, changes: Mapping[str, StateValue]) -> None:
        """Note the state a command should lead to; its echo is the first report with it.

        Safe from any thread (a dict assignment). An echo kept from an earlier
        command is dropped: it does not answer this one.
        """
        self._expected[device_id] = dict(changes)
        self._echoes.pop(device_id, None)

    def sent(self, device_id: str) -> None:
        """Note that a command left for ``device_id``: its next fitting report echoes it."""
        self._awaiting.add(device_id)
        self._echoes.pop(device_id, None)

    def reported(self, device_id: str, values: Mapping[str, StateValue]) -> None:
        """Take a state report applied to ``device_id``; wake who waits for its echo."""
        if device_id not in self._awaiting:
            return
        expected = self._expected.get(device_id, {})
        if not all(values.get(k, v) == v for k, v in expected.items()):
            return
        self._expected.pop(device_id, None)
        self._awaiting.discard(device_id)
        self._echoes[device_id] = values
        for waiter in self._waiters.pop(device_id, ()):
            if not waiter.done():
                waiter.set_result(values)

    async def wait(
        self, device_ids: Iterable[str], *, within: float
    ) -> dict[str, Mapping[str, StateValue]]:
        """Return the echoes of ``device_ids``, waiting up to ``within`` seconds.

        Args:
            device_ids: Devices that were sent a command and report their state.
            within: Seconds to wait for those that have not answered yet.

        Returns:
            Each echo that came, by device id (those that did not are left out).
        """
        loop = asyncio.get_running_loop()
        found: dict[str, Mapping[str, StateValue]] = {}
        waiting: dict[str, asyncio.Future[Mapping[str, StateValue]]] = {}
        for device_id in dict.fromkeys(device_ids):
            echo = self._echoes.pop(device_id, None)
            if echo is not None:
                found[device_id] = echo
                continue
            future: asyncio.Future[Mapping[str, StateValue]] = loop.create_future()
            self._waiters.setdefault(device_id, []).append(future)
            waiting[device_id] = future
        if waiting:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(within):
                    await asyncio.gather(*waiting.values())
        for device_id, future in waiting.items():
            # On a timeout the gather cancelled the futures still waiting: those
            # devices did not answer (a cancelled future's result() would raise).
            if future.done() and not future.cancelled():
                found[device_id] = future.result()
            else:
                future.cancel()
        return found
