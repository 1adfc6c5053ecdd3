"""The PostgreSQL pieces the store is built from: the driver, value columns, migrations.

psycopg (the ``[postgres]`` extra) is imported only by :func:`driver`, when a store
opens, so that ``thingmind.store`` imports without it.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Final, TypeAlias
from urllib.parse import parse_qsl, urlencode

from thingmind.core import StateValue
from thingmind.store._errors import IncompatibleSchemaError, SchemaError, StoreError
from thingmind.store._values import (
    INT_MAX,
    INT_MIN,
    VT_BOOL,
    VT_FLOAT,
    VT_INT,
    VT_NULL,
    VT_STR,
    decode,
)

if TYPE_CHECKING:
    from types import ModuleType

    import psycopg

    from thingmind.store._migrate import Migration

_LOGGER = logging.getLogger("thingmind.store._postgres")

Connection: TypeAlias = "psycopg.Connection[tuple[Any, ...]]"
"""A psycopg connection whose rows are tuples."""
STATE_ROW = tuple[str, str, float, int, StateValue]
"""A buffered state row: device, key, time, value type code, value."""

LOCK_CLASS: Final = 0x746D_0001
"""First key of the advisory lock that serializes migrations (the second is the
schema's name), chosen so as not to collide with other users of advisory locks."""


def driver() -> ModuleType:
    """Return the psycopg module, or raise StoreError naming the extra to install."""
    try:
        import psycopg  # noqa: PLC0415  # optional: only this backend needs it
    except ImportError as err:
        msg = "the PostgreSQL store needs psycopg 3: pip install 'thingmind[postgres]'"
        raise StoreError(msg) from err
    return psycopg


def state_columns(rows: list[STATE_ROW]) -> tuple[list[Any], ...]:
    """Return the buffered state rows as the upsert's column arrays.

    A later report at the same ``(device, key, ts)`` replaces an earlier one, as the
    upsert does across batches (within one statement it would be an error).
    """
    latest = {(row[0], row[1], row[2]): row for row in rows}
    devices: list[str] = []
    keys: list[str] = []
    times: list[float] = []
    codes: list[int] = []
    ints: list[int | None] = []
    floats: list[float | None] = []
    texts: list[str | None] = []
    for device_id, key, ts, code, value in latest.values():
        devices.append(device_id)
        keys.append(key)
        times.append(ts)
        codes.append(code)
        ints.append(int(value) if code in {VT_BOOL, VT_INT} else None)  # type: ignore[arg-type]
        floats.append(value if code == VT_FLOAT else None)  # type: ignore[arg-type]
        texts.append(value if code == VT_STR else None)  # type: ignore[arg-type]
    return devices, keys, times, codes, ints, floats, texts


def decode_columns(
    value_type: int, value_int: int | None, value_float: float | None, text: str | None
) -> StateValue:
    """Return the Python value of a stored row's value columns."""
    if value_type == VT_INT and value_int is not None:
        return value_int
    if value_type == VT_FLOAT and value_float is not None:
        return value_float
    if value_type == VT_STR and text is not None:
        return text
    if value_type == VT_BOOL:
        return decode(VT_BOOL, value_int)
    return decode(value_type, None)


def match_condition(value: StateValue) -> tuple[str, tuple[object, ...]]:
    """Return a condition (and its parameters) for "the stored value equals ``value``".

    The PostgreSQL twin of :func:`thingmind.store._values.match_sql`: numbers
    compare by value (``1`` matches ``1.0``), exactly, as Python compares them;
    ``True`` matches only booleans; NaN matches NaN (PostgreSQL's float equality
    says so).

    Args:
        value: The value to look for.

    Returns:
        A condition on the value columns, and its parameters.
    """
    if value is None:
        return f"value_type = {VT_NULL}", ()
    if isinstance(value, bool):
        return f"value_type = {VT_BOOL} AND value_int = %s", (int(value),)
    if isinstance(value, str):
        return f"value_type = {VT_STR} AND value_text = %s", (str(value),)
    # Compare within each column's own type, exactly as Python compares an int with
    # a float: no rounding may make 2**63 - 1 equal to the float 2.0**63.
    as_int: int | None
    as_float: float | None
    if isinstance(value, float):
        as_float = value
        as_int = int(value) if value.is_integer() else None
    else:
        as_int = value
        try:
            as_float = float(value)
        except OverflowError:
            as_float = None
        if as_float != value:
            as_float = None
    conds: list[str] = []
    params: list[object] = []
    if as_int is not None and INT_MIN <= as_int <= INT_MAX:
        conds.append(f"(value_type = {VT_INT} AND value_int = %s)")
        params.append(as_int)
    if as_float is not None:
        conds.append(f"(value_type = {VT_FLOAT} AND value_float = %s)")
        params.append(as_float)
    return " OR ".join(conds) or "FALSE", tuple(params)


def redact(dsn: str) -> str:
    """Return a connection string with its password replaced by ``***``.

    Args:
        dsn: A URL (``postgresql://user:secret@host/db``) or ``key=value`` string.

    Returns:
        The same string without the password.
    """
    if "://" in dsn:
        base, sep, query = dsn.partition("?")
        scheme, _, rest = base.partition("://")
        auth, at, host = rest.rpartition("@")
        if at and ":" in auth:
            base = f"{scheme}://{auth.partition(':')[0]}:***@{host}"
        kept = [
            (k, "***" if k == "password" else v)
            for k, v in parse_qsl(query, keep_blank_values=True)
        ]
        return base + sep + urlencode(kept)
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", dsn)


def migrate_postgres(conn: Connection, migrations: list[Migration]) -> int:
    """Bring a PostgreSQL schema up to the latest version.

    Each migration runs in a transaction of its own that also records it in the
    ``schema_version`` table, under a transaction-level advisory lock: several
    processes opening a new database at once apply each file exactly once, and a
    failed migration leaves the schema at the version before it.

    Args:
        conn: A connection in autocommit mode; the tables go in the first schema of
            its ``search_path``.
        migrations: From ``load_migrations(folder="schema_pg")``.

    Returns:
        The schema version of the database afterwards.

    Raises:
        IncompatibleSchemaError: When the database is newer than ``migrations``.
        SchemaError: When a migration fails.
    """
    pg = driver()
    latest = migrations[-1].version if migrations else 0
    step = "reading the schema version"
    try:
        while True:
            with conn.transaction():
                # Serializes migrations of one schema; released at commit.
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s, "
                    "hashtext(coalesce(current_schema(), '')))",
                    (LOCK_CLASS,),
                )
                exists = conn.execute("SELECT to_regclass('schema_version')")
                if first_column(exists.fetchone()) is None:
                    conn.execute(
                        "CREATE TABLE schema_version ("
                        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                    )
                current = int(
                    first_column(
                        conn.execute(
                            "SELECT coalesce(max(version), 0) FROM schema_version"
                        ).fetchone()
                    )
                    or 0
                )
                if current > latest:
                    msg = (
                        f"the database has schema version {current}, but this "
                        f"thingmind knows versions up to {latest}: upgrade thingmind"
                    )
                    raise IncompatibleSchemaError(msg)
                pending = next((m for m in migrations if m.version > current), None)
                if pending is None:
                    return current
                step = f"schema migration {pending.name}"
                _LOGGER.info("applying store migration %s", pending.name)
                conn.execute(pending.sql)
                conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                    (pending.version, pending.name),
                )
    except pg.Error as err:
        msg = f"{step} failed: {err}"
        raise SchemaError(msg) from err


def first_column(row: tuple[Any, ...] | None) -> Any:  # a column of any type
    return None if row is None else row[0]
