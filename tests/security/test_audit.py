"""The audit trail: append-only, hash-chained, verified; the CLI finds hand edits."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from thingmind.cli._app import app, register
from thingmind.core import ManualClock
from thingmind.store import AuditLog, Credentials, Problem, SqliteStore, database_for
from thingmind.store._errors import StoreError

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "thingmind.db"
    with SqliteStore(path, flush_interval=None):
        pass
    return path


def _fill(path: Path, count: int = 5) -> None:
    with (
        SqliteStore(path, flush_interval=None) as store,
        AuditLog.for_store(store, clock=ManualClock(1000.0)) as log,
    ):
        for i in range(count):
            log.append({"user": "anna", "source": "speech", "text": f"turn on {i}"})


def test_an_untouched_trail_verifies(db_path: Path) -> None:
    _fill(db_path)
    with SqliteStore(db_path) as store, AuditLog.for_store(store) as log:
        result = log.verify()
    assert (result.ok, result.checked) == (True, 5)


def test_the_database_refuses_updates_and_deletes(db_path: Path) -> None:
    _fill(db_path)
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE audit SET record = '{}' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM audit WHERE seq = 2")
    conn.close()


def _tamper(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DROP TRIGGER audit_personal_no_update")
    conn.execute(sql)
    conn.close()


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        (
            "UPDATE audit_personal SET data = replace(data, 'turn on 2', 'nothing') "
            "WHERE seq = 3",
            (3, Problem.EDITED),
        ),
        (
            "UPDATE audit_personal SET data = replace(data, 'anna', 'owner'), "
            "user_id = 'owner' WHERE seq = 3",
            (3, Problem.EDITED),
        ),
        (
            "UPDATE audit SET record = replace(record, 'speech', 'api') WHERE seq = 3",
            (3, Problem.EDITED),
        ),
        ("DELETE FROM audit WHERE seq = 3", (4, Problem.GAP)),
        ("DELETE FROM audit_personal WHERE seq = 3", (3, Problem.PERSONAL_MISSING)),
        ("UPDATE audit SET ts = ts + 1 WHERE seq = 3", (3, Problem.EDITED)),
        (
            "UPDATE audit_personal SET salt = (SELECT salt FROM audit_personal "
            "WHERE seq = 2), data = (SELECT data FROM audit_personal WHERE seq = 2) "
            "WHERE seq = 3",
            (3, Problem.EDITED),
        ),
    ],
    ids=[
        "sentence-edited",
        "who-edited",
        "chained-edited",
        "deleted",
        "personal-deleted",
        "retimed",
        "personal-swapped",
    ],
)
def test_verify_finds_hand_edits(
    db_path: Path, sql: str, found: tuple[int, Problem]
) -> None:
    _fill(db_path)
    _tamper(db_path, sql)
    with SqliteStore(db_path) as store, AuditLog.for_store(store) as log:
        result = log.verify()
    assert result.ok is False
    assert found in result.problems


def test_cli_audit_verify_detects_a_record_edited_by_hand(db_path: Path) -> None:
    if "audit" not in {c.name for c in app.registered_commands}:
        register("thingmind.cli._security")  # until COMMAND_MODULES lists it
    _fill(db_path)
    url = f"sqlite:///{db_path}"
    runner = CliRunner()
    clean = runner.invoke(app, ["audit", "verify", "--store", url])
    _tamper(
        db_path,
        "UPDATE audit_personal SET data = replace(data, 'anna', 'owner') WHERE seq = 4",
    )
    tampered = runner.invoke(app, ["audit", "verify", "--store", url])
    assert (clean.exit_code, tampered.exit_code) == (0, 1)
    assert "record 4: edited" in tampered.output


def test_purge_keeps_the_rest_verifiable(db_path: Path) -> None:
    clock = ManualClock(1000.0)
    with SqliteStore(db_path) as store, AuditLog.for_store(store, clock=clock) as log:
        for i in range(6):
            clock.advance(10)
            log.append({"user": "anna", "n": i})
        deleted = log.purge(before=1035.0)
        log.append({"user": "anna", "n": 6})
        result = log.verify()
        seqs = [r.seq for r in log.records()]
    assert (deleted, result.ok, seqs) == (3, True, [4, 5, 6, 7])


def test_an_in_memory_store_has_no_audit() -> None:
    with SqliteStore(":memory:") as store, pytest.raises(StoreError):
        database_for(store)


def test_tokens_are_hashed_listed_verified_and_revoked(db_path: Path) -> None:
    with SqliteStore(db_path) as store:
        db = database_for(store)
        creds = Credentials(db)
        token = creds.add_token("anna", label="phone")
        stored = sqlite3.connect(db_path).execute("SELECT hash FROM credentials")
        hashes = [row[0] for row in stored.fetchall()]
        ok = creds.verify_token(token)
        token_id = creds.tokens()[0].id
        revoked = creds.revoke(token_id)
        after = creds.verify_token(token)
        db.close()
    secret = token.split("_", 2)[2]
    assert (ok, revoked, after) == ("anna", True, None)
    assert hashes[0].startswith("$argon2id$")
    assert secret not in hashes[0]


def test_wrong_pins_back_off(db_path: Path) -> None:
    clock = ManualClock(0.0)
    with SqliteStore(db_path) as store:
        db = database_for(store)
        creds = Credentials(db, clock=clock)
        creds.set_pin("anna", "2468")
        wrong = [creds.verify_pin("anna", "0000") for _ in range(4)]
        locked = creds.verify_pin("anna", "2468")  # right, but backing off
        clock.advance(2)
        unlocked = creds.verify_pin("anna", "2468")
        db.close()
    assert (wrong, locked, unlocked) == ([False] * 4, False, True)
