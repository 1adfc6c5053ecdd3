"""Errors the store raises."""

from __future__ import annotations

from thingmind.core import ThingmindError


class StoreError(ThingmindError):
    """Root of the errors raised by :mod:`thingmind.store`.

    Backend errors (``sqlite3.Error``, ``psycopg.Error``) reach callers wrapped in
    it, with the original as ``__cause__``.
    """


class StoreClosedError(StoreError):
    """The store is not open."""


class UnknownBackendError(StoreError):
    """No store backend is registered under the URL's scheme."""


class SchemaError(StoreError):
    """The database schema cannot be used or migrated."""


class IncompatibleSchemaError(SchemaError):
    """The database was written by a newer thingmind (its schema version is higher)."""
