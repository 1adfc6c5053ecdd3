"""Errors the event bus raises."""

from __future__ import annotations

from thingmind.core import ThingmindError


class BusError(ThingmindError):
    """Root of the errors raised by :mod:`thingmind.bus`."""


class BusFullError(BusError):
    """``publish_nowait`` met a full subscriber whose overflow policy is ``BLOCK``.

    Nothing was delivered: the check runs before any subscriber gets the event.
    """


class BusClosedError(BusError):
    """The bus was closed; it takes no more events or subscribers."""
