"""Locks: ``locked``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service

if TYPE_CHECKING:
    from collections.abc import Mapping


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    del params
    state["locked"] = service_name == "lock"


SPEC = domain(
    Domain.LOCK,
    [key("locked", KeyKind.BOOL, default=True)],
    [service("lock", needs=("locked",)), service("unlock", needs=("locked",))],
    _handle,
)
"""The lock type."""
