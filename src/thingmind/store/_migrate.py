"""Schema migrations: numbered ``schema/NNN_name.sql`` files, tracked by user_version.

Each file is applied once, in order, in a transaction of its own that also sets
``PRAGMA user_version`` to its number, so a failed migration leaves the database at
the previous version. A new database runs every file from ``001``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
import logging
import re
import sqlite3

from thingmind.store._errors import IncompatibleSchemaError, SchemaError

_LOGGER = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    """One schema file."""

    version: int
    """The schema version it brings the database to."""
    name: str
    """Its file name, e.g. ``001_initial.sql``."""
    sql: str
    """Its statements."""


def load_migrations(
    package: str = "thingmind.store", folder: str = "schema"
) -> list[Migration]:
    """Return the migrations shipped in ``package/folder``, in version order.

    Args:
        package: The package holding the folder.
        folder: The folder of ``NNN_name.sql`` files.

    Returns:
        The migrations, numbered 1, 2, 3, ... without gaps.

    Raises:
        SchemaError: When the numbering has a gap or a duplicate.
    """
    found: list[Migration] = []
    for entry in resources.files(package).joinpath(folder).iterdir():
        match = _NAME.match(entry.name)
        if match is None:
            continue
        sql = entry.read_text(encoding="utf-8")
        found.append(Migration(version=int(match.group(1)), name=entry.name, sql=sql))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        msg = (
            f"schema files must be numbered 001, 002, ... without gaps, got {versions}"
        )
        raise SchemaError(msg)
    return found


def migrate(conn: sqlite3.Connection, migrations: list[Migration]) -> int:
    """Bring an SQLite database up to the latest schema version.

    Args:
        conn: A connection in autocommit mode (``isolation_level=None``).
        migrations: From :func:`load_migrations`.

    Returns:
        The schema version of the database afterwards.

    Raises:
        IncompatibleSchemaError: When the database is newer than ``migrations``.
        SchemaError: When a migration fails; the database stays at the version
            before it.
    """
    (current,) = conn.execute("PRAGMA user_version").fetchone()
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        msg = (
            f"the database has schema version {current}, but this thingmind knows "
            f"versions up to {latest}: upgrade thingmind"
        )
        raise IncompatibleSchemaError(msg)
    for migration in migrations:
        if migration.version <= current:
            continue
        try:
            # IMMEDIATE takes the write lock first, so two processes opening a new
            # database cannot both apply the same file; re-read the version under it.
            conn.execute("BEGIN IMMEDIATE")
            (current,) = conn.execute("PRAGMA user_version").fetchone()
            if migration.version <= current:
                conn.execute("ROLLBACK")
                continue
            _LOGGER.info("applying store migration %s", migration.name)
            for statement in split_statements(migration.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.version:d}")
            conn.execute("COMMIT")
        except sqlite3.Error as err:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            msg = f"schema migration {migration.name} failed: {err}"
            raise SchemaError(msg) from err
        current = migration.version
    return int(current)


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (triggers and all).

    ``executescript`` would commit our transaction first, so migrations run their
    statements one by one instead.

    Args:
        sql: The script.

    Returns:
        Its statements, each ending in ``;``; comments stay attached.
    """
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return statements
