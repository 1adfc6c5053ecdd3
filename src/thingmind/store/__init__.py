"""The event log, state history and metadata store.

SQLite (WAL) is the default backend and PostgreSQL (``postgresql://``, needs the
``[postgres]`` extra) is for scale; backends register by URL scheme::

    with open_store("sqlite:///data/thingmind.db") as store:
        store.append(events)
        store.flush()  # acknowledged: durable from here on
        store.history("kitchen_thermometer", "temperature", start=t0, end=t1)

Async code wraps a store in :class:`AsyncStore`.
"""

from thingmind.store._async import AsyncStore
from thingmind.store._audit import (
    ERASED,
    GENESIS,
    PERSONAL_FIELDS,
    AuditErasure,
    AuditLog,
    AuditRecord,
    Database,
    PostgresDatabase,
    Problem,
    SqliteDatabase,
    Verification,
    canonical_json,
    chain_hash,
    database_for,
)
from thingmind.store._backends import (
    StoreFactory,
    backend_names,
    open_store,
    register_backend,
)
from thingmind.store._credentials import (
    Credentials,
    RateLimiter,
    TokenInfo,
    check_user_id,
)
from thingmind.store._errors import (
    IncompatibleSchemaError,
    SchemaError,
    StoreClosedError,
    StoreError,
    UnknownBackendError,
)
from thingmind.store._migrate import Migration, load_migrations, migrate
from thingmind.store._postgres import PostgresStore, postgres_from_url
from thingmind.store._protocol import JsonValue, Store
from thingmind.store._sqlite import MEMORY, SqliteStore, sqlite_from_url
from thingmind.store._userdata import Erasure, UserData, UserRecords

register_backend("sqlite", sqlite_from_url, replace=True)
register_backend("postgresql", postgres_from_url, replace=True)

__all__ = [
    "ERASED",
    "GENESIS",
    "MEMORY",
    "PERSONAL_FIELDS",
    "AsyncStore",
    "AuditErasure",
    "AuditLog",
    "AuditRecord",
    "Credentials",
    "Database",
    "Erasure",
    "IncompatibleSchemaError",
    "JsonValue",
    "Migration",
    "PostgresDatabase",
    "PostgresStore",
    "Problem",
    "RateLimiter",
    "SchemaError",
    "SqliteDatabase",
    "SqliteStore",
    "Store",
    "StoreClosedError",
    "StoreError",
    "StoreFactory",
    "TokenInfo",
    "UnknownBackendError",
    "UserData",
    "UserRecords",
    "Verification",
    "backend_names",
    "canonical_json",
    "chain_hash",
    "check_user_id",
    "database_for",
    "load_migrations",
    "migrate",
    "open_store",
    "postgres_from_url",
    "register_backend",
    "sqlite_from_url",
]
