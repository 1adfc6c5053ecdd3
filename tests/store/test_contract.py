"""The store contract, run over every registered backend.

Each backend gets a fresh database per test: SQLite a file in ``tmp_path``,
PostgreSQL a uniquely named schema (selected through ``search_path``) in the
database that ``THINGMIND_TEST_PG`` names, dropped afterwards. Without that
variable the PostgreSQL cases are skipped; ``make test`` starts a server and sets it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from enum import StrEnum
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import urlencode
import uuid

import pytest

from thingmind.core import Event, EventKind, StateValue
from thingmind.store import (
    IncompatibleSchemaError,
    JsonValue,
    Migration,
    PostgresStore,
    SchemaError,
    Store,
    StoreClosedError,
    StoreError,
    backend_names,
    load_migrations,
    open_store,
    postgres_from_url,
)
from thingmind.store._postgres_sql import migrate_postgres, redact

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    import psycopg

PG_ENV = "THINGMIND_TEST_PG"
KIND = EventKind.STATE_CHANGED


# -- fixtures: one fresh database per test and backend --------------------------


@contextmanager
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path}/store.db"


def pg_admin_dsn() -> str:
    dsn = os.environ.get(PG_ENV, "")
    if not dsn:
        pytest.skip(
            f"{PG_ENV} is not set, so there is no PostgreSQL server to test against "
            '(`make test` starts one; or: eval "$(scripts/services.sh start)")'
        )
    return dsn


def pg_connect(dsn: str) -> psycopg.Connection[tuple[object, ...]]:
    import psycopg  # noqa: PLC0415  # the [postgres] extra; needed only with a server

    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("SET lock_timeout = '10s'")  # a leaked store must not hang teardown
    return conn


@contextmanager
def postgres_url(tmp_path: Path) -> Iterator[str]:  # noqa: ARG001  # same shape as sqlite_url
    dsn = pg_admin_dsn()
    schema = f"thingmind_test_{uuid.uuid4().hex[:16]}"
    with pg_connect(dsn) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_options(dsn, options=f"-csearch_path={schema}")
    finally:
        with pg_connect(dsn) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


BACKEND_URLS: dict[str, Callable[[Path], AbstractContextManager[str]]] = {
    "sqlite": sqlite_url,
    "postgresql": postgres_url,
}
"""How to make a fresh database URL for each registered backend."""

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with BACKEND_URLS[request.param](tmp_path) as made:
        yield made


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with open_store(url) as opened:
        yield opened


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    with postgres_url(tmp_path) as made:
        yield made


def with_options(url: str, **options: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(options)


@runtime_checkable
class Versioned(Protocol):
    schema_version: int


def state(device_id: str, time: float, **data: StateValue) -> Event:
    return Event(kind=KIND, time=time, device_id=device_id, data=data, source="test")


def reports(store: Store, device_id: str, key: str, values: list[StateValue]) -> None:
    """Append one report per value, at times 0, 10, 20, ..."""
    store.append(
        state(device_id, 10.0 * i, **{key: value}) for i, value in enumerate(values)
    )


def test_every_registered_backend_is_covered() -> None:
    assert set(backend_names()) <= set(BACKEND_URLS)


# -- values ----------------------------------------------------------------------


class Mode(StrEnum):
    HEAT = "heat"


VALUES: list[StateValue] = [
    True,
    False,
    0,
    1,
    -7,
    2**63 - 1,
    -(2**63),
    0.0,
    -0.0,
    1.0,
    0.1,
    -2.5e-300,
    1.7976931348623157e308,
    math.inf,
    -math.inf,
    "",
    "on",
    "Küche ☃ 🚪",
    "1",
    'it\'s "quoted" \\ and\ttabbed\nlines',
    None,
]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v) for v in VALUES])
def test_every_value_type_round_trips_exactly(store: Store, value: StateValue) -> None:
    store.append([state("d", 5.0, k=value)])
    store.flush()
    ((ts, got),) = store.history("d", "k", start=0, end=10)
    (event,) = store.events(start=0, end=10)
    change = store.last_change("d", "k")
    assert (ts, type(got), repr(got)) == (5.0, type(value), repr(value))
    assert (type(event.data["k"]), repr(event.data["k"])) == (type(value), repr(value))
    assert repr(change) == repr((5.0, value))


def test_nan_round_trips(store: Store) -> None:
    store.append([state("d", 1.0, k=math.nan)])
    ((_, got),) = store.history("d", "k", start=0, end=10)
    (event,) = store.events(start=0, end=10)
    assert isinstance(got, float)
    assert math.isnan(got)
    assert math.isnan(float(event.data["k"] or 0))


def test_str_enum_is_stored_as_plain_str(store: Store) -> None:
    store.append([state("d", 1.0, mode=Mode.HEAT)])
    ((_, got),) = store.history("d", "mode", start=0, end=10)
    assert (type(got), got) == (str, "heat")


@pytest.mark.parametrize(
    ("value", "error"),
    [([1], TypeError), ({"a": 1}, TypeError), (2**63, ValueError)],
    ids=["list", "dict", "int-over-64-bits"],
)
def test_bad_values_reject_the_whole_append(
    store: Store, value: object, error: type[Exception]
) -> None:
    good = state("d", 1.0, k=1)
    bad = Event(kind=KIND, time=2.0, device_id="d", data={"k": value})  # type: ignore[dict-item]
    with pytest.raises(error):
        store.append([good, bad])
    store.flush()
    assert store.count_events() == 0


# -- history -----------------------------------------------------------------------


def test_history_is_half_open_ordered_and_per_key(store: Store) -> None:
    store.append(
        [
            state("a", 30.0, t=3),
            state("a", 10.0, t=1, h=50),
            state("a", 20.0, t=2),
            state("b", 20.0, t=99),
            state("a", 40.0, t=4),
        ]
    )
    assert store.history("a", "t", start=10, end=40) == [
        (10.0, 1),
        (20.0, 2),
        (30.0, 3),
    ]
    assert store.history("a", "t", start=10.5, end=30.0) == [(20.0, 2)]
    assert store.history("a", "t", start=0, end=100, limit=2) == [(10.0, 1), (20.0, 2)]
    assert store.history("a", "t", start=0, end=100, limit=0) == []
    assert store.history("a", "h", start=0, end=100) == [(10.0, 50)]
    assert store.history("a", "missing", start=0, end=100) == []
    assert store.history("a", "t", start=40, end=40) == []


def no_flush(store: Store) -> None:
    del store


def flush(store: Store) -> None:
    store.flush()


@pytest.mark.parametrize("between", [no_flush, flush], ids=["one-batch", "flushed"])
def test_a_second_report_at_the_same_time_replaces_the_first(
    store: Store, between: Callable[[Store], None]
) -> None:
    store.append([state("a", 1.0, t=1), state("a", 1.0, t=2)])
    store.append([state("a", 1.0, t="x")])
    between(store)
    store.append([state("a", 1.0, t=True)])
    assert store.history("a", "t", start=0, end=10) == [(1.0, True)]
    assert store.count_events() == 4


def test_other_event_kinds_do_not_enter_the_state_history(store: Store) -> None:
    store.append(
        [
            Event(kind=EventKind.ACTION, time=1.0, device_id="a", data={"t": 1}),
            Event(kind=KIND, time=2.0, device_id=None, data={"t": 2}),
        ]
    )
    assert store.history("a", "t", start=0, end=10) == []
    assert store.count_events() == 2


def test_many_batches_in_one_transaction(url: str) -> None:
    n = 2_500
    with open_store(with_options(url, batch_size="700")) as store:
        store.append(state("s", float(i), n=i, x=i / 7) for i in range(n))
        store.append(state("s", float(i), n=-i) for i in range(0, n, 2))
        store.flush()
        history = store.history("s", "n", start=0, end=n)
        assert store.count_events() == n + n // 2
    assert [ts for ts, _ in history] == [float(i) for i in range(n)]
    assert [value for _, value in history] == [
        -i if i % 2 == 0 else i for i in range(n)
    ]


# -- last_change -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "value", "before", "expected"),
    [
        (["off", "on", "on", "on"], None, None, (10.0, "on")),
        (["on", "on"], None, None, (0.0, "on")),
        (["off", "on", "off", "on", "on"], "off", None, (20.0, "off")),
        (["off", "on", "off", "on", "on"], "on", None, (30.0, "on")),
        (["off", "on", "off", "on", "on"], "on", 30.0, (10.0, "on")),
        (["off", "on", "off", "on", "on"], None, 25.0, (20.0, "off")),
        (["off", "off"], "on", None, None),
        ([], None, None, None),
        ([1, 1.0, 2], 1, None, (0.0, 1.0)),
        ([1, 1.0, 2], 2.0, None, (20.0, 2)),
        ([1, True, True], True, None, (10.0, True)),
        ([True, 1, 1], 1, None, (10.0, 1)),
        ([0, False], None, None, (10.0, False)),
        ([2**63 - 1, 2.0**63], None, None, (10.0, 2.0**63)),
        ([None, 5, None, None], None, None, (20.0, None)),
        (["1", 1], 1, None, (10.0, 1)),
    ],
    ids=[
        "repeats-do-not-move-the-change",
        "never-changed-is-first-report",
        "to-value",
        "to-value-latest",
        "to-value-before",
        "any-before",
        "never-that-value",
        "no-reports",
        "int-equals-float",
        "float-equals-int",
        "bool-is-not-int",
        "int-is-not-bool",
        "false-is-not-zero",
        "big-int-is-not-the-float-near-it",
        "to-none-as-latest",
        "text-is-not-number",
    ],
)
def test_last_change(
    store: Store,
    values: list[StateValue],
    value: StateValue,
    before: float | None,
    expected: tuple[float, StateValue] | None,
) -> None:
    reports(store, "door", "state", values)
    reports(store, "other", "state", ["x"] * 6)
    got = store.last_change("door", "state", value=value, before=before)
    assert repr(got) == repr(expected)  # repr also tells True from 1 and 1.0 from 1


def test_last_change_to_nan(store: Store) -> None:
    reports(store, "s", "t", [1.5, math.nan, math.nan, 2.0])
    got = store.last_change("s", "t", value=math.nan)
    assert got is not None
    assert got[0] == 10.0
    assert math.isnan(float(got[1] or 0))
    assert store.last_change("s", "t") == (30.0, 2.0)


# -- events ------------------------------------------------------------------------


def test_events_filters_and_round_trips(store: Store) -> None:
    appended = [
        state("a", 1.0, t=1.5, on=True),
        Event(kind=EventKind.ACTION, time=2.0, device_id="a", data={"service": "on"}),
        Event(kind=EventKind.ALERT, time=3.0, data={"msg": "hot"}, source="rule:r"),
        state("b", 4.0, t=2),
        Event(kind=EventKind.ALERT, time=4.0, data={}, source="rule:r"),
    ]
    store.append(appended)
    assert store.events(start=0, end=10) == appended
    assert store.events(start=2, end=4) == appended[1:3]
    assert store.events(start=0, end=10, device_id="a") == appended[:2]
    assert store.events(start=0, end=10, kinds={EventKind.ALERT, EventKind.ACTION}) == [
        appended[1],
        appended[2],
        appended[4],
    ]
    assert store.events(start=0, end=10, kinds=[]) == []
    assert store.events(start=0, end=10, limit=1) == appended[:1]
    assert store.events(start=0, end=10, kinds=[KIND], device_id="b") == [appended[3]]
    assert store.events(start=4, end=4) == []


def test_events_at_the_same_time_keep_their_order(store: Store) -> None:
    appended = [state("a", 7.0, n=i) for i in range(5)]
    store.append(appended[:2])
    store.flush()
    store.append(appended[2:])
    assert store.events(start=7, end=8) == appended


def test_queries_see_unflushed_events(store: Store) -> None:
    store.append([state("s", 1.0, t=1)])
    assert store.count_events() == 1
    assert store.history("s", "t", start=0, end=10) == [(1.0, 1)]
    assert store.events(start=0, end=10) == [state("s", 1.0, t=1)]


# -- purge and meta ----------------------------------------------------------------


def test_purge_deletes_older_events_and_history(store: Store) -> None:
    reports(store, "s", "t", [1, 2, 3, 4])
    store.append([Event(kind=EventKind.ALERT, time=50.0)])
    assert store.purge(before=20.0) == 2
    assert store.count_events() == 3
    assert store.history("s", "t", start=0, end=100) == [(20.0, 3), (30.0, 4)]
    assert store.purge(before=0.0) == 0
    assert store.purge(before=math.inf) == 3
    assert store.history("s", "t", start=0, end=100) == []


META: list[JsonValue] = [
    None,
    True,
    3,
    2.5,
    "x",
    "Küche ☃",
    [1, "a", None],
    {"a": {"b": [1.5]}},
    {"z": 1, "a": 2},
]


@pytest.mark.parametrize("value", META, ids=[repr(v) for v in META])
def test_meta_round_trips(store: Store, value: JsonValue) -> None:
    store.put_meta("key", "old")
    store.put_meta("key", value)
    assert store.get_meta("key") == value
    assert store.get_meta("missing") is None
    assert store.get_meta("missing", {"d": 1}) == {"d": 1}


@pytest.mark.parametrize(
    ("value", "error"),
    [(math.nan, ValueError), (math.inf, ValueError), ({1, 2}, TypeError)],
    ids=["nan", "inf", "set"],
)
def test_meta_refuses_what_json_cannot_hold(
    store: Store, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.put_meta("key", value)  # type: ignore[arg-type]
    assert store.get_meta("key") is None


# -- lifecycle, migrations and durability ------------------------------------------


def test_reopening_keeps_data_and_schema(url: str) -> None:
    with open_store(url) as store:
        reports(store, "s", "t", [1, 2.5, "x"])
        store.put_meta("version", {"model": 3})
        assert isinstance(store, Versioned)
        first = store.schema_version
    with open_store(url) as store, open_store(url) as second:
        assert isinstance(store, Versioned)
        assert isinstance(second, Versioned)
        assert (store.schema_version, second.schema_version) == (first, first)
        assert store.history("s", "t", start=0, end=100) == [
            (0.0, 1),
            (10.0, 2.5),
            (20.0, "x"),
        ]
        assert store.get_meta("version") == {"model": 3}
    assert first >= 1


def test_workers_opening_a_new_database_at_once(url: str) -> None:
    def open_one(_: int) -> int:
        with open_store(url) as store:
            assert isinstance(store, Versioned)
            return store.schema_version

    with ThreadPoolExecutor(6) as pool:
        versions = list(pool.map(open_one, range(6)))
    assert len(set(versions)) == 1
    assert versions[0] >= 1


def test_closed_store_refuses_calls(url: str) -> None:
    store = open_store(url)
    store.open()  # opening twice does nothing
    store.close()
    store.close()
    with pytest.raises(StoreClosedError):
        store.append([state("s", 1.0, t=1)])
    with pytest.raises(StoreClosedError):
        store.count_events()
    with pytest.raises(StoreClosedError):
        store.flush()


def test_flushed_events_are_visible_to_another_connection(url: str) -> None:
    quiet = with_options(url, flush_interval="none")
    with open_store(quiet) as writer, open_store(quiet) as reader:
        writer.append([state("s", 1.0, t=1)])
        writer.flush()
        writer.flush()  # nothing pending: fine
        assert reader.history("s", "t", start=0, end=10) == [(1.0, 1)]


def test_background_thread_commits_unflushed_events(url: str) -> None:
    with (
        open_store(with_options(url, flush_interval="0.02")) as writer,
        open_store(with_options(url, flush_interval="none")) as reader,
    ):
        writer.append([state("s", 1.0, t=1)])
        deadline = time.monotonic() + 5.0
        count = 0
        while count == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
            count = reader.count_events()
    assert count == 1


CHILD = textwrap.dedent(
    """
    import sys
    from thingmind.core import Event, EventKind
    from thingmind.store import open_store

    store = open_store(sys.argv[1])
    batch = int(sys.argv[2])
    count = 0
    while True:
        store.append(
            Event(
                kind=EventKind.STATE_CHANGED,
                time=float(count + i),
                device_id="sensor",
                data={"n": count + i, "x": (count + i) / 7},
            )
            for i in range(batch)
        )
        store.flush()
        count += batch
        sys.stdout.write(f"{count}\\n")
        sys.stdout.flush()
    """
)


def test_acknowledged_events_survive_sigkill(url: str) -> None:
    batch, kill_after = 50, 30
    child = subprocess.Popen(  # noqa: S603  # our own interpreter and script
        [
            sys.executable,
            "-c",
            CHILD,
            with_options(url, batch_size="30", flush_interval="none"),
            str(batch),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines = [child.stdout.readline() for _ in range(kill_after)]
    os.kill(child.pid, signal.SIGKILL)  # mid-stream: the child never stops writing
    rest, _ = child.communicate(timeout=10)
    acknowledged = [int(line) for line in [*lines, *rest.splitlines()] if line.strip()]
    last = acknowledged[-1]
    with open_store(url) as store:
        count = store.count_events()
        kept = store.events(start=0, end=last)
        history = store.history("sensor", "n", start=0, end=last)
    assert child.returncode == -signal.SIGKILL
    assert acknowledged == list(range(batch, last + 1, batch))
    assert count >= last
    assert [event.data["n"] for event in kept] == list(range(last))
    assert [value for _, value in history] == list(range(last))


# -- PostgreSQL specifics ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "dsn", "batch_size", "flush_interval"),
    [
        ("postgresql://db/site", "postgresql://db/site", 5000, 0.2),
        (
            "postgresql://u:pw@h:5433/site?batch_size=10&flush_interval=none",
            "postgresql://u:pw@h:5433/site",
            10,
            None,
        ),
        (
            "postgresql:///site?host=/run/pg&sslmode=disable&flush_interval=1.5",
            "postgresql:///site?host=%2Frun%2Fpg&sslmode=disable",
            5000,
            1.5,
        ),
    ],
    ids=["plain", "store-options", "libpq-options-kept"],
)
def test_postgres_urls(
    url: str, dsn: str, batch_size: int, flush_interval: float | None
) -> None:
    store = postgres_from_url(url)
    assert (store.dsn, store.batch_size, store.flush_interval) == (
        dsn,
        batch_size,
        flush_interval,
    )
    assert not store.is_open


@pytest.mark.parametrize(
    "url",
    ["postgres://db/site", "sqlite:///t.db", "postgresql://db/site?batch_size=x"],
    ids=["other-scheme", "not-postgres", "bad-option"],
)
def test_bad_postgres_urls(url: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  # any ValueError; messages vary
        postgres_from_url(url)


@pytest.mark.parametrize(
    ("dsn", "shown"),
    [
        ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
        ("postgresql://h/db?password=secret", "postgresql://h/db?password=%2A%2A%2A"),
        ("host=h password=secret dbname=db", "host=h password=*** dbname=db"),
        ("host=h password='se cret' dbname=db", "host=h password=*** dbname=db"),
        ("postgresql:///db?password=secret", "postgresql:///db?password=%2A%2A%2A"),
    ],
    ids=["url", "url-query", "keywords", "quoted", "no-host"],
)
def test_passwords_are_redacted(dsn: str, shown: str) -> None:
    assert redact(dsn) == shown
    assert "secret" not in repr(PostgresStore(dsn))


@pytest.mark.postgres
def test_postgres_records_each_migration(pg_url: str) -> None:
    with open_store(pg_url) as store, pg_connect(pg_url) as conn:
        rows = conn.execute("SELECT version, name FROM schema_version").fetchall()
        assert isinstance(store, Versioned)
        latest = store.schema_version
    assert rows == [(m.version, m.name) for m in load_migrations(folder="schema_pg")]
    assert latest == len(rows)


@pytest.mark.postgres
def test_postgres_refuses_a_newer_database(pg_url: str) -> None:
    open_store(pg_url).close()
    with pg_connect(pg_url) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (999, 'x')")
    with pytest.raises(IncompatibleSchemaError):
        open_store(pg_url)


@pytest.mark.postgres
def test_postgres_failed_migration_leaves_the_previous_version(pg_url: str) -> None:
    good = Migration(version=1, name="001_a.sql", sql="CREATE TABLE a (x int);")
    bad = Migration(
        version=2,
        name="002_b.sql",
        sql="CREATE TABLE b (x int);\nINSERT INTO nope VALUES (1);",
    )
    with pg_connect(pg_url) as conn:
        with pytest.raises(SchemaError):
            migrate_postgres(conn, [good, bad])
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() ORDER BY 1"
        ).fetchall()
        assert migrate_postgres(conn, [good]) == 1
    assert tables == [("a",), ("schema_version",)]


def terminate(store: Store, pg_url: str) -> None:
    """Make the server drop the store's connection, as a restart would."""
    assert isinstance(store, PostgresStore)
    assert store._conn is not None
    pid = store._conn.info.backend_pid
    with pg_connect(pg_url) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.mark.postgres
def test_postgres_reconnects_after_losing_its_connection(pg_url: str) -> None:
    with open_store(with_options(pg_url, flush_interval="none")) as store:
        store.append([state("s", 1.0, t=1)])
        store.flush()
        terminate(store, pg_url)
        store.append([state("s", 2.0, t=2)])
        store.flush()
        assert store.history("s", "t", start=0, end=10) == [(1.0, 1), (2.0, 2)]


@pytest.mark.postgres
def test_postgres_query_on_a_lost_connection_fails_once(pg_url: str) -> None:
    with open_store(with_options(pg_url, flush_interval="none")) as store:
        terminate(store, pg_url)
        with pytest.raises(StoreError):
            store.count_events()
        assert store.count_events() == 0


@pytest.mark.postgres
def test_postgres_flush_reports_writes_lost_with_the_connection(pg_url: str) -> None:
    with open_store(with_options(pg_url, flush_interval="none")) as store:
        store.append([state("s", 1.0, t=1)])
        assert store.count_events() == 1  # written into the open transaction
        terminate(store, pg_url)
        with pytest.raises(StoreError):
            store.flush()
        store.append([state("s", 2.0, t=2)])
        store.flush()
        assert store.history("s", "t", start=0, end=10) == [(2.0, 2)]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "event",
    [
        state("d", 1.0, k="a\x00b"),
        state("d", 1.0, **{"k\x00": 1}),
        state("d\x00", 1.0, k=1),
        Event(kind=EventKind.ALERT, time=1.0, source="r\x00"),
    ],
    ids=["value", "key", "device", "source"],
)
def test_postgres_refuses_nul_characters_before_buffering(
    pg_url: str, event: Event
) -> None:
    with open_store(pg_url) as store:
        with pytest.raises(ValueError, match="NUL"):
            store.append([state("d", 0.5, k=1), event])
        store.flush()
        assert store.count_events() == 0


@pytest.mark.postgres
def test_postgres_flush_is_synchronous(pg_url: str) -> None:
    with open_store(pg_url) as store:
        assert isinstance(store, PostgresStore)
        assert store._conn is not None
        row = store._conn.execute("SHOW synchronous_commit").fetchone()
    assert row == ("on",)
