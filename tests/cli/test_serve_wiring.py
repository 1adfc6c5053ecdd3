"""``serve`` and ``demo`` build the security stack, redact logs and purge history."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import pytest

from thingmind.cli._console import setup_logging
from thingmind.cli._serve import build_security, load_config, purge_once
from thingmind.core import (
    Event,
    EventKind,
    InvalidInputError,
    ManualClock,
    StateValue,
)
from thingmind.resolve import ResolvedAction, Role, Verdict
from thingmind.store import AuditLog, SqliteStore, database_for

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from thingmind.registry import Home

CONFIG = """
security:
  users:
    - {id: anna, role: resident, name: Anna}
    - {id: sam, role: guest}
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "site.db")
    store.open()
    yield store
    store.close()


def test_security_section_of_the_config_is_the_policy(
    home: Home, store: SqliteStore, tmp_path: Path
) -> None:
    path = tmp_path / "thingmind.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    stack = build_security(home, store, config=load_config(path))
    try:
        gate = stack.security.gate
        assert gate.user("anna") is not None
        assert gate.user("sam") is not None
        assert gate.user("sam").role is Role.GUEST  # type: ignore[union-attr]
        lock = next(d.id for d in home.devices if d.type.value == "lock")
        decision = stack.security.execute(
            "sam",
            ResolvedAction(device_id=lock, service="unlock"),
            source="api",
            driver=_NoDriver(),
        )
        assert decision.decision.verdict is Verdict.DENY
        assert stack.audit.records()[-1].record["user"] == "sam"
    finally:
        stack.close()


def test_default_policy_knows_only_the_owner(home: Home, store: SqliteStore) -> None:
    stack = build_security(home, store, config={})
    try:
        assert stack.security.gate.user("owner") is not None
        assert stack.security.gate.user("anna") is None
    finally:
        stack.close()


def test_a_config_that_is_not_a_mapping_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "thingmind.yaml"
    path.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(InvalidInputError):
        load_config(path)


def test_retention_purges_history_and_audit(store: SqliteStore) -> None:
    now = time.time()
    old, recent = now - 11 * 86_400, now - 3600
    store.append(
        [
            Event(kind=EventKind.ALERT, time=t, device_id=None, data={}, source="x")
            for t in (old, recent)
        ]
    )
    store.flush()
    db = database_for(store)
    clock = ManualClock(old)
    audit = AuditLog(db, clock=clock)
    audit.append({"user": "owner"})
    clock.set(recent)
    audit.append({"user": "owner"})
    try:
        assert purge_once(store, audit, days=10) == 2
        assert len(audit.records()) == 1
        assert audit.verify().ok
        assert len(store.events(start=0, end=now + 1)) == 1
    finally:
        db.close()


def test_logs_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(0)
    logging.getLogger("thingmind.test").warning("mail me at anna@example.com")
    assert "anna@example.com" not in capsys.readouterr().err


class _NoDriver:
    def call(
        self, device_id: str, service: str, params: Mapping[str, StateValue]
    ) -> dict[str, StateValue]:
        del service, params
        msg = f"the gate must refuse before {device_id} is called"
        raise AssertionError(msg)
