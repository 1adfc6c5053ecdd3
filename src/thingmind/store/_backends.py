"""Store backends register by URL scheme; ``open_store(url)`` picks one."""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import TypeAlias

from thingmind.store._errors import UnknownBackendError
from thingmind.store._protocol import Store

_LOGGER = logging.getLogger(__name__)

StoreFactory: TypeAlias = Callable[[str], Store]
"""Makes an unopened store from its full URL; raises ``ValueError`` on a bad URL."""

_BACKENDS: dict[str, StoreFactory] = {}


def register_backend(
    name: str, factory: StoreFactory, *, replace: bool = False
) -> None:
    """Register a store backend under a URL scheme.

    Args:
        name: The scheme, e.g. ``sqlite`` or ``postgresql``.
        factory: Makes an unopened store from a URL of that scheme.
        replace: Allow replacing a backend already registered under ``name``.

    Raises:
        ValueError: When ``name`` is taken (and ``replace`` is false) or malformed.
    """
    if not name or not name.replace("+", "").isalnum() or name != name.lower():
        msg = f"a backend name is a lowercase URL scheme, got {name!r}"
        raise ValueError(msg)
    if name in _BACKENDS and not replace:
        msg = f"a store backend is already registered as {name!r}"
        raise ValueError(msg)
    _BACKENDS[name] = factory


def backend_names() -> list[str]:
    """Return the registered backend names, sorted."""
    return sorted(_BACKENDS)


def scheme_of(url: str) -> str:
    """Return the backend name a URL asks for (``:memory:`` is SQLite)."""
    if url == ":memory:":
        return "sqlite"
    scheme, sep, _ = url.partition("://")
    return scheme.lower() if sep else ""


def open_store(url: str) -> Store:
    """Make the store a URL names and open it.

    Args:
        url: ``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``:memory:``,
            ``postgresql://user@host:port/db``, or any other registered scheme.

    Returns:
        The open store; close it (or use it as a context manager).

    Raises:
        UnknownBackendError: When no backend is registered for the URL's scheme.
        ValueError: When the backend rejects the URL.
        StoreError: When the store cannot be opened.
    """
    scheme = scheme_of(url)
    factory = _BACKENDS.get(scheme)
    if factory is None:
        msg = (
            f"no store backend for {scheme or url!r}; "
            f"registered: {', '.join(backend_names()) or 'none'}"
        )
        raise UnknownBackendError(msg)
    store = factory(url)
    store.open()
    _LOGGER.debug("opened %s store", scheme)
    return store
