"""A user's data: exported as one document, erased with the audit trail still verified.

Runs over both store backends: SQLite in a temporary file, PostgreSQL in a fresh
schema of the database ``THINGMIND_TEST_PG`` names (skipped without it).
"""

from __future__ import annotations

from contextlib import contextmanager
import json
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
import uuid

from argon2 import PasswordHasher
import pytest

from thingmind.brain import CorrectionsOfUsers
from thingmind.core import Event, EventKind, ManualClock
from thingmind.store import (
    ERASED,
    AuditLog,
    Credentials,
    Problem,
    UserData,
    chain_hash,
    database_for,
    open_store,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from thingmind.store import Store

PG_ENV = "THINGMIND_TEST_PG"
T0 = 1_705_276_800.0
FAST = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@contextmanager
def _sqlite(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path}/site.db"


@contextmanager
def _postgres(tmp_path: Path) -> Iterator[str]:  # noqa: ARG001  (same shape)
    dsn = os.environ.get(PG_ENV, "")
    if not dsn:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    import psycopg  # noqa: PLC0415  (the [postgres] extra)

    schema = f"thingmind_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in dsn else "?"
        yield dsn + sep + urlencode({"options": f"-csearch_path={schema}"})
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(
    params=[
        pytest.param(_sqlite, id="sqlite"),
        pytest.param(_postgres, id="postgresql", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with request.param(tmp_path) as url, open_store(url) as opened:
        yield opened


class Site:
    """A store with two users' tokens, PINs, audit records, events and corrections."""

    def __init__(self, store: Store, corrections: Path) -> None:
        self.clock = ManualClock(T0)
        self.db = database_for(store)
        self.audit = AuditLog(self.db, clock=self.clock)
        self.credentials = Credentials(self.db, clock=self.clock, hasher=FAST)
        self.corrections = CorrectionsOfUsers(corrections)
        self.data = UserData(
            self.db,
            store=store,
            audit=self.audit,
            credentials=self.credentials,
            others=[self.corrections],
            clock=self.clock,
        )
        self.anna_token = self.credentials.add_token("anna", label="phone")
        self.credentials.add_token("sam", label="tablet")
        self.credentials.set_pin("anna", "2468")
        for user, text in [
            ("anna", "unlock the door, call me on +44 20 7946 0958"),
            ("sam", "turn on the lamp"),
            ("anna", "turn off the oven"),
        ]:
            self.clock.advance(10)
            self.audit.append(
                {
                    "user": user,
                    "source": "speech",
                    "text": text,
                    "actions": [{"device_id": "lock.front_door"}],
                }
            )
        self.audit.append(
            {"user": "owner", "subject": "anna", "text": "made a token for anna"}
        )
        store.append(
            [
                Event(
                    kind=EventKind.ACTION,
                    time=T0 + i,
                    device_id="light.kitchen",
                    data={"service": "turn_on"},
                    source=f"user:{user}",
                )
                for i, user in enumerate(["anna", "sam", "anna"])
            ]
        )  # not flushed: the export and erasure must see it anyway
        corrections.write_text(
            "".join(
                json.dumps({"user": u, "sentence": s}) + "\n"
                for u, s in [("anna", "the porch light"), ("sam", "the fan")]
            )
            + "not json\n",
            encoding="utf-8",
        )

    def close(self) -> None:
        self.db.close()


@pytest.fixture
def site(store: Store, tmp_path: Path) -> Iterator[Site]:
    made = Site(store, tmp_path / "corrections.jsonl")
    yield made
    made.close()


def test_users_lists_everyone_with_data(site: Site) -> None:
    assert site.data.users() == ["anna", "owner", "sam"]


def test_export_holds_everything_about_the_user_and_no_secret(site: Site) -> None:
    document: Any = site.data.export("anna")
    text = json.dumps(document, allow_nan=False)
    secret = site.anna_token.split("_", 2)[2]
    assert (document["format"], document["version"], document["user"]) == (
        "thingmind-user-export",
        1,
        "anna",
    )
    assert [t["label"] for t in document["tokens"]] == ["phone"]
    assert document["pin"] == {"created": T0}
    audit = [a["record"] for a in document["audit"]]
    assert [(r["user"], r["text"]) for r in audit] == [
        ("anna", "unlock the door, call me on +44 20 7946 0958"),
        ("anna", "turn off the oven"),
        ("owner", "made a token for anna"),
    ]
    assert len(document["events"]) == 2
    assert document["corrections"] == [{"user": "anna", "sentence": "the porch light"}]
    assert secret not in text
    assert "$argon2" not in text
    assert "sam" not in text


def test_erasure_removes_everything_and_the_trail_still_verifies(site: Site) -> None:
    erasure = site.data.erase("anna", by="owner", source="cli")
    after: Any = site.data.export("anna")
    verified = site.audit.verify()
    records = site.audit.records()
    assert (
        erasure.tokens,
        erasure.pins,
        erasure.audit_records,
        erasure.events,
        erasure.other["corrections"],
    ) == (1, 1, 3, 2, 1)
    assert (after["tokens"], after["pin"], after["events"]) == ([], None, [])
    assert after["corrections"] == []
    assert after["audit"] == []
    assert (verified.ok, verified.erased, verified.problems) == (True, 3, ())
    assert [r.erased for r in records] == [True, False, True, True, False]
    assert records[0].record == {
        "source": "speech",
        "actions": [{"device_id": "lock.front_door"}],
        "erased": ERASED,
    }
    assert site.credentials.verify_token(site.anna_token) is None
    assert site.data.users() == ["owner", "sam"]


def test_the_erasure_is_itself_recorded_without_the_user(site: Site) -> None:
    erasure = site.data.erase("anna", by="owner", source="api")
    (last,) = site.audit.records(after=erasure.audit_seq - 1)
    assert (last.record["event"], last.record["erases"]) == ("erasure", [1, 3, 4])
    assert "anna" not in json.dumps(dict(last.record))


def test_other_users_data_is_untouched(site: Site) -> None:
    before: Any = site.data.export("sam")
    site.data.erase("anna", by="owner", source="cli")
    after: Any = site.data.export("sam")
    assert (after["tokens"], after["audit"], after["events"]) == (
        before["tokens"],
        before["audit"],
        before["events"],
    )
    assert after["corrections"] == [{"user": "sam", "sentence": "the fan"}]
    assert "not json" in site.corrections.path.read_text(encoding="utf-8")


def test_erasing_twice_erases_nothing_more(site: Site) -> None:
    site.data.erase("anna", by="owner", source="cli")
    again = site.data.erase("anna", by="owner", source="cli")
    verified = site.audit.verify()
    assert (again.tokens, again.audit_records, again.events) == (0, 0, 0)
    assert (verified.ok, verified.erased) == (True, 3)


def test_retention_purge_takes_the_personal_parts_too(site: Site) -> None:
    site.audit.purge(before=T0 + 25)  # the first two records
    left: Any = site.data.export("anna")
    verified = site.audit.verify()
    assert [a["seq"] for a in left["audit"]] == [3, 4]
    assert (verified.ok, verified.checked) == (True, 2)


def test_an_erasure_record_cannot_be_forged_by_appending(site: Site) -> None:
    with pytest.raises(ValueError, match="reserved"):
        site.audit.append({"user": "mallory", "erases": [1]})


def test_records_older_than_the_split_are_kept_and_counted(site: Site) -> None:
    # A record as schema version 2 wrote it: everything in the chained record.
    (last,) = site.audit.records(after=3)
    record = json.dumps({"text": "open the garage", "user": "anna"}, sort_keys=True)
    compact = record.replace(", ", ",").replace(": ", ":")
    seq, ts = last.seq + 1, T0 + 100
    with site.db.transaction(lock="audit") as run:
        run(
            "INSERT INTO audit (seq, ts, prev_hash, hash, record) VALUES (?, ?, ?, ?, ?)",
            (seq, ts, last.hash, chain_hash(last.hash, seq, ts, compact), compact),
        )
    erasure = site.data.erase("anna", by="owner", source="cli")
    verified = site.audit.verify()
    assert (erasure.audit_records, erasure.audit_kept) == (3, 1)
    assert (verified.ok, verified.erased) == (True, 3)


def test_a_personal_part_deleted_by_hand_is_not_an_erasure(site: Site) -> None:
    site.data.erase("sam", by="owner", source="cli")
    with site.db.transaction() as run:
        run("DELETE FROM audit_personal WHERE seq = 1", ())
    verified = site.audit.verify()
    assert verified.ok is False
    assert verified.problems == ((1, Problem.PERSONAL_MISSING),)


@pytest.mark.parametrize(
    "user", ["", "é", "a" * 65, "tab\there"], ids=["empty", "non-ascii", "long", "tab"]
)
def test_a_bad_user_id_is_refused(site: Site, user: str) -> None:
    with pytest.raises(ValueError, match="user id"):
        site.data.export(user)
    with pytest.raises(ValueError, match="user id"):
        site.data.erase(user, by="owner", source="cli")
