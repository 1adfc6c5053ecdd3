"""The store contract, run over every backend setup (SQLite file and memory)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
import math
import sqlite3
import time
from typing import TYPE_CHECKING

import pytest

from thingmind.core import Event, EventKind, StateValue
from thingmind.store import (
    JsonValue,
    SqliteStore,
    Store,
    StoreClosedError,
    open_store,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

KIND = EventKind.STATE_CHANGED


@pytest.fixture(params=["file", "memory"], ids=["sqlite-file", "sqlite-memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path}/store.db" if request.param == "file" else ":memory:"
    with open_store(url) as opened:
        yield opened


def state(device_id: str, time: float, **data: StateValue) -> Event:
    return Event(kind=KIND, time=time, device_id=device_id, data=data, source="test")


def reports(store: Store, device_id: str, key: str, values: list[StateValue]) -> None:
    """Append one report per value, at times 0, 10, 20, ..."""
    store.append(
        state(device_id, 10.0 * i, **{key: value}) for i, value in enumerate(values)
    )


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
    1.0,
    0.1,
    -2.5e-300,
    math.inf,
    -math.inf,
    "",
    "on",
    "Küche ☃",
    "1",
    None,
]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v) for v in VALUES])
def test_every_value_type_round_trips_exactly(store: Store, value: StateValue) -> None:
    store.append([state("d", 5.0, k=value)])
    store.flush()
    ((ts, got),) = store.history("d", "k", start=0, end=10)
    (event,) = store.events(start=0, end=10)
    assert (ts, type(got), got) == (5.0, type(value), value)
    assert type(event.data["k"]) is type(value)
    assert event.data == {"k": value}


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
    assert store.count_events() == 0


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
    assert store.history("a", "t", start=0, end=100, limit=2) == [(10.0, 1), (20.0, 2)]
    assert store.history("a", "h", start=0, end=100) == [(10.0, 50)]
    assert store.history("a", "missing", start=0, end=100) == []


def test_a_second_report_at_the_same_time_replaces_the_first(store: Store) -> None:
    store.append([state("a", 1.0, t=1), state("a", 1.0, t=2)])
    assert store.history("a", "t", start=0, end=10) == [(1.0, 2)]
    assert store.count_events() == 2


def test_other_event_kinds_do_not_enter_the_state_history(store: Store) -> None:
    store.append(
        [
            Event(kind=EventKind.ACTION, time=1.0, device_id="a", data={"t": 1}),
            Event(kind=KIND, time=2.0, device_id=None, data={"t": 2}),
        ]
    )
    assert store.history("a", "t", start=0, end=10) == []
    assert store.count_events() == 2


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
        ([1, 1.0, 2], 1, None, (0.0, 1.0)),
        ([1, True, True], True, None, (10.0, True)),
        ([None, 5, None, None], None, None, (20.0, None)),
    ],
    ids=[
        "repeats-do-not-move-the-change",
        "never-changed-is-first-report",
        "to-value",
        "to-value-latest",
        "to-value-before",
        "any-before",
        "never-that-value",
        "int-equals-float",
        "bool-is-not-int",
        "to-none-as-latest",
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


def test_events_filters_and_round_trips(store: Store) -> None:
    appended = [
        state("a", 1.0, t=1.5, on=True),
        Event(kind=EventKind.ACTION, time=2.0, device_id="a", data={"service": "on"}),
        Event(kind=EventKind.ALERT, time=3.0, data={"msg": "hot"}, source="rule:r"),
        state("b", 4.0, t=2),
    ]
    store.append(appended)
    assert store.events(start=0, end=10) == appended
    assert store.events(start=2, end=4) == appended[1:3]
    assert store.events(start=0, end=10, device_id="a") == appended[:2]
    assert (
        store.events(start=0, end=10, kinds={EventKind.ALERT, EventKind.ACTION})
        == (appended[1:3])
    )
    assert store.events(start=0, end=10, kinds=[]) == []
    assert store.events(start=0, end=10, limit=1) == appended[:1]


def test_purge_deletes_older_events_and_history(store: Store) -> None:
    reports(store, "s", "t", [1, 2, 3, 4])
    assert store.purge(before=20.0) == 2
    assert store.count_events() == 2
    assert store.history("s", "t", start=0, end=100) == [(20.0, 3), (30.0, 4)]
    assert store.purge(before=0.0) == 0


META: list[JsonValue] = [None, True, 3, 2.5, "x", [1, "a", None], {"a": {"b": [1.5]}}]


@pytest.mark.parametrize("value", META, ids=[repr(v) for v in META])
def test_meta_round_trips(store: Store, value: JsonValue) -> None:
    store.put_meta("key", "old")
    store.put_meta("key", value)
    assert store.get_meta("key") == value
    assert store.get_meta("missing") is None
    assert store.get_meta("missing", {"d": 1}) == {"d": 1}


@pytest.mark.parametrize(
    ("value", "error"),
    [(math.nan, ValueError), ({1, 2}, TypeError)],
    ids=["nan", "set"],
)
def test_meta_refuses_what_json_cannot_hold(
    store: Store, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        store.put_meta("key", value)  # type: ignore[arg-type]


def test_queries_see_unflushed_events(store: Store) -> None:
    store.append([state("s", 1.0, t=1)])
    assert store.count_events() == 1
    assert store.history("s", "t", start=0, end=10) == [(1.0, 1)]


def test_closed_store_refuses_calls(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    with pytest.raises(StoreClosedError):
        store.append([state("s", 1.0, t=1)])
    store.open()
    store.close()
    store.close()
    with pytest.raises(StoreClosedError):
        store.count_events()
    with pytest.raises(StoreClosedError):
        store.flush()


def test_flushed_events_and_meta_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "s.db"
    with SqliteStore(path) as store:
        reports(store, "s", "t", [1, 2.5, "x"])
        store.put_meta("version", {"model": 3})
    with SqliteStore(path) as store:
        assert store.history("s", "t", start=0, end=100) == [
            (0.0, 1),
            (10.0, 2.5),
            (20.0, "x"),
        ]
        assert store.get_meta("version") == {"model": 3}


def test_background_thread_commits_unflushed_events(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SqliteStore(path, flush_interval=0.02) as store:
        store.append([state("s", 1.0, t=1)])
        other = sqlite3.connect(path)
        deadline = time.monotonic() + 2.0
        count = 0
        while count == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
            (count,) = other.execute("SELECT count(*) FROM events").fetchone()
        other.close()
    assert count == 1


def test_full_buffer_is_written_before_flush(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.db", batch_size=3, flush_interval=None) as store:
        reports(store, "s", "t", [1, 2, 3, 4])
        assert store.count_events() == 4


@pytest.mark.parametrize(
    ("kwargs"),
    [{"batch_size": 0}, {"flush_interval": 0.0}, {"flush_interval": -1.0}],
    ids=["batch-size-zero", "interval-zero", "interval-negative"],
)
def test_settings_are_checked(tmp_path: Path, kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        SqliteStore(tmp_path / "s.db", **kwargs)  # type: ignore[arg-type]


def test_wal_mode_and_full_sync(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        store.flush()
    conn = sqlite3.connect(tmp_path / "s.db")
    (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    conn.close()
    assert mode == "wal"


def test_sqlite_store_is_a_store(tmp_path: Path) -> None:
    store: Store = SqliteStore(tmp_path / "s.db")  # checked by mypy
    assert not store_is_open(store)


def store_is_open(store: Store) -> bool:
    return isinstance(store, SqliteStore) and store.is_open


def test_many_processes_opening_one_new_file_all_get_it(tmp_path: Path) -> None:
    """Switching a new file to WAL is not covered by SQLite's busy timeout: retried."""

    def open_one(path: Path) -> int:
        with SqliteStore(path) as store:
            return store.schema_version

    for round_ in range(10):  # about one round in twenty failed before the retry
        path = tmp_path / f"new-{round_}.db"
        with ThreadPoolExecutor(8) as pool:
            versions = list(pool.map(open_one, [path] * 8))
        assert len(set(versions)) == 1
