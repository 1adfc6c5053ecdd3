"""In-process async publish/subscribe with a bounded queue per subscriber.

Example::

    bus = EventBus()
    async with bus.subscribe(kinds={EventKind.STATE_CHANGED}) as sub:
        await bus.publish(event)
        async for received in sub:
            ...
"""

from thingmind.bus._bus import EventBus, Overflow, Subscription
from thingmind.bus._errors import BusClosedError, BusError, BusFullError

__all__ = [
    "BusClosedError",
    "BusError",
    "BusFullError",
    "EventBus",
    "Overflow",
    "Subscription",
]
