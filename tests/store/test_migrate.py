"""Tests of the schema migrations."""

from __future__ import annotations

from importlib import resources
import sqlite3
from typing import TYPE_CHECKING

import pytest

from thingmind.store import (
    IncompatibleSchemaError,
    Migration,
    SchemaError,
    SqliteStore,
    load_migrations,
    migrate,
)
from thingmind.store._migrate import split_statements

if TYPE_CHECKING:
    from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def user_version(conn: sqlite3.Connection) -> int:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    return int(version)


def test_schema_files_ship_with_the_package() -> None:
    schema = resources.files("thingmind.store").joinpath("schema")
    assert schema.joinpath("001_initial.sql").is_file()
    assert [m.version for m in load_migrations()][:1] == [1]


def test_a_new_database_gets_every_migration(tmp_path: Path) -> None:
    latest = load_migrations()[-1].version
    with SqliteStore(tmp_path / "s.db") as store:
        assert store.schema_version == latest
    conn = connect(tmp_path / "s.db")
    assert user_version(conn) == latest
    assert {"events", "state_history", "meta"} <= tables(conn)
    conn.close()


def test_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SqliteStore(path) as store:
        store.put_meta("kept", 1)
        first = store.schema_version
    with SqliteStore(path) as store:
        assert (store.schema_version, store.get_meta("kept")) == (first, 1)
    conn = connect(path)
    assert migrate(conn, load_migrations()) == first
    conn.close()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    conn = connect(tmp_path / "s.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(IncompatibleSchemaError):
        SqliteStore(tmp_path / "s.db").open()


def test_a_failed_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    conn = connect(tmp_path / "s.db")
    good = Migration(version=1, name="001_a.sql", sql="CREATE TABLE a (x);")
    bad = Migration(
        version=2,
        name="002_b.sql",
        sql="CREATE TABLE b (x);\nINSERT INTO nope VALUES (1);",
    )
    with pytest.raises(SchemaError):
        migrate(conn, [good, bad])
    assert (user_version(conn), tables(conn)) == (1, {"a"})
    conn.close()


def test_migrations_apply_in_order_from_the_current_version(tmp_path: Path) -> None:
    conn = connect(tmp_path / "s.db")
    first = Migration(version=1, name="001_a.sql", sql="CREATE TABLE a (x);")
    second = Migration(
        version=2,
        name="002_b.sql",
        sql="ALTER TABLE a ADD COLUMN y;\nCREATE TABLE b (x);",
    )
    assert migrate(conn, [first]) == 1
    assert migrate(conn, [first, second]) == 2
    assert migrate(conn, [first, second]) == 2
    assert tables(conn) == {"a", "b"}
    conn.close()


def test_statements_split_whole_triggers() -> None:
    sql = """-- a comment
CREATE TABLE t (x);
CREATE TRIGGER g AFTER INSERT ON t BEGIN
    UPDATE t SET x = 1;
END;
CREATE INDEX i ON t (x);
"""
    statements = split_statements(sql)
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER")
