"""Idempotency keys: each command's key is claimed once per database, whoever asks.

Run over both backends, each with a fresh database (PostgreSQL: a schema of its own
in the database ``THINGMIND_TEST_PG`` names, skipped without it).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
import os
from typing import TYPE_CHECKING
from urllib.parse import urlencode
import uuid

import pytest

from thingmind.store import open_store

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from thingmind.store import Store

PG_ENV = "THINGMIND_TEST_PG"


def _pg_schema_url() -> Iterator[str]:
    import psycopg  # noqa: PLC0415  # the [postgres] extra; needed only with a server

    dsn = os.environ.get(PG_ENV, "")
    if not dsn:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
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
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.db"
        return
    yield from _pg_schema_url()


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with open_store(url) as opened:
        yield opened


def test_a_key_is_claimed_once(store: Store) -> None:
    assert store.claim_key("mqtt:home:say:1", at=100.0) is True
    assert store.claim_key("mqtt:home:say:1", at=101.0) is False
    assert store.claim_key("mqtt:home:command:1", at=101.0) is True


def test_only_the_owner_takes_back_a_pending_key(store: Store) -> None:
    """A worker restarted after a crash finishes what it held; nobody else may."""
    assert store.claim_key("p", at=1.0, owner="worker-1") is True
    assert [
        store.claim_key("p", at=2.0, owner="worker-2"),
        store.claim_key("p", at=2.0),
        store.claim_key("p", at=2.0, owner="worker-1"),
    ] == [False, False, True]
    store.finish_key("p")
    assert store.claim_key("p", at=3.0, owner="worker-1") is False


def test_a_key_without_owner_is_never_taken_back(store: Store) -> None:
    assert [store.claim_key("n", at=1.0), store.claim_key("n", at=2.0)] == [True, False]


def test_claims_survive_reopening(url: str) -> None:
    with open_store(url) as first:
        assert first.claim_key("k", at=5.0) is True
    with open_store(url) as again:
        assert again.claim_key("k", at=6.0) is False


def test_the_purge_forgets_old_keys(store: Store) -> None:
    store.claim_key("old", at=10.0)
    store.claim_key("new", at=30.0)
    store.purge(before=20.0)
    assert [store.claim_key("old", at=40.0), store.claim_key("new", at=40.0)] == [
        True,
        False,
    ]


def test_racing_stores_claim_each_key_once(url: str) -> None:
    """Four connections (as four workers would hold) race for the same 40 keys."""
    keys = [f"mqtt:home:command:{i}" for i in range(40)]
    with ExitStack() as stack:
        stores = [stack.enter_context(open_store(url)) for _ in range(4)]

        def claim_all(store: Store) -> list[str]:
            return [k for k in keys if store.claim_key(k, at=1.0)]

        with ThreadPoolExecutor(len(stores)) as pool:
            won = list(pool.map(claim_all, stores))
    claimed = [k for w in won for k in w]
    assert sorted(claimed) == sorted(keys)
