"""Tests of backend registration and store URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from thingmind.store import (
    MEMORY,
    SqliteStore,
    Store,
    UnknownBackendError,
    _backends,
    backend_names,
    open_store,
    register_backend,
    sqlite_from_url,
)

if TYPE_CHECKING:
    from pathlib import Path


def test_sqlite_is_registered() -> None:
    assert "sqlite" in backend_names()


@pytest.mark.parametrize(
    ("url", "path", "batch_size", "flush_interval"),
    [
        (":memory:", MEMORY, 5000, 0.2),
        ("sqlite://", MEMORY, 5000, 0.2),
        ("sqlite:///:memory:", MEMORY, 5000, 0.2),
        ("sqlite:///data/t.db", "data/t.db", 5000, 0.2),
        ("sqlite:////var/t.db", "/var/t.db", 5000, 0.2),
        ("sqlite:////var/t.db?batch_size=10&flush_interval=1.5", "/var/t.db", 10, 1.5),
        ("sqlite:////var/t.db?flush_interval=none", "/var/t.db", 5000, None),
    ],
    ids=[
        "memory",
        "empty",
        "memory-path",
        "relative",
        "absolute",
        "options",
        "no-flusher",
    ],
)
def test_sqlite_urls(
    url: str, path: str, batch_size: int, flush_interval: float | None
) -> None:
    store = sqlite_from_url(url)
    assert (store.path, store.batch_size, store.flush_interval) == (
        path,
        batch_size,
        flush_interval,
    )


@pytest.mark.parametrize(
    "url",
    ["sqlite:relative.db", "sqlite://host/t.db", "sqlite:///t.db?colour=red", "t.db"],
    ids=["no-slashes", "host", "unknown-option", "not-a-url"],
)
def test_bad_sqlite_urls(url: str) -> None:
    with pytest.raises(ValueError, match="sqlite"):
        sqlite_from_url(url)


def test_open_store_opens(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/t.db")
    assert isinstance(store, SqliteStore)
    assert store.is_open
    assert store.path == f"{tmp_path}/t.db"
    store.close()


def test_unknown_scheme() -> None:
    with pytest.raises(UnknownBackendError):
        open_store("mongodb://localhost/x")


def test_registering_a_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_backends, "_BACKENDS", dict(_backends._BACKENDS))
    made: list[str] = []

    def factory(url: str) -> Store:
        made.append(url)
        return SqliteStore(MEMORY, flush_interval=None)

    register_backend("fakedb", factory)
    with pytest.raises(ValueError, match="fakedb"):
        register_backend("fakedb", factory)
    with open_store("fakedb://db/site") as store:
        assert store.count_events() == 0
    assert made == ["fakedb://db/site"]
    assert "fakedb" in backend_names()


@pytest.mark.parametrize(
    "name", ["", "Sqlite", "my backend"], ids=["empty", "upper", "space"]
)
def test_backend_names_are_schemes(name: str) -> None:
    with pytest.raises(ValueError, match="backend name"):
        register_backend(name, sqlite_from_url)
