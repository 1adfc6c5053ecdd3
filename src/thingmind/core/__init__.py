"""The words every other package uses: ids, enums, events, clocks and errors."""

from thingmind.core._domain import Domain
from thingmind.core._errors import (
    HomeFileError,
    IncompatibleModelError,
    InvalidInputError,
    Problem,
    ServiceError,
    ThingmindError,
)
from thingmind.core._event import (
    Clock,
    Event,
    EventKind,
    ManualClock,
    StateValue,
    SystemClock,
    same_value,
    utc_iso,
)
from thingmind.core._redact import RedactingFilter, redact

__all__ = [
    "Clock",
    "Domain",
    "Event",
    "EventKind",
    "HomeFileError",
    "IncompatibleModelError",
    "InvalidInputError",
    "ManualClock",
    "Problem",
    "RedactingFilter",
    "ServiceError",
    "StateValue",
    "SystemClock",
    "ThingmindError",
    "redact",
    "same_value",
    "utc_iso",
]
