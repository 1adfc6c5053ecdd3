"""Resolution: a parsed sentence plus the site -> actions to run, state read, an answer.

``Resolver(registry).resolve(parsed, context=Context(area=...))`` returns a
:class:`Resolution`. It never executes anything and never raises for an expected
failure: what cannot be done is listed in ``failures`` with a :class:`FailReason`.
"""

from thingmind.resolve._model import (
    Context,
    FailReason,
    Failure,
    Resolution,
    ResolvedAction,
)
from thingmind.resolve._resolver import Permission, Resolver

__all__ = [
    "Context",
    "FailReason",
    "Failure",
    "Permission",
    "Resolution",
    "ResolvedAction",
    "Resolver",
]
