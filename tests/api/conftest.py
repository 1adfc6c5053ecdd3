"""An API over the fixture home: a table parser, a local device layer, SQLite in memory.

The parser is a table from sentences to parses (the resolver's compact notation), so
these tests pin the HTTP contract, not the language model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
import pytest

from resolve._compact import compact
from thingmind.api import create_app
from thingmind.brain import Brain
from thingmind.bus import EventBus
from thingmind.core import Event, EventKind, ManualClock
from thingmind.nlu import ParsedCommand
from thingmind.registry import Home, LocalDriver, Registry
from thingmind.store import MEMORY, SqliteStore

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

TOKEN = "test-token-0123456789"  # noqa: S105
"""The token the test app accepts."""
AUTH = {"Authorization": f"Bearer {TOKEN}"}
"""Headers that authenticate."""
T0 = 1_705_276_800.0
"""The site's clock at the start of each test (2024-01-15 00:00 UTC)."""
READINGS = 2000
"""Garden temperature readings in the store, one a minute before T0."""


class TableParser:
    """Returns the parse written for each sentence."""

    version = "table"

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table

    def parse(self, text: str) -> ParsedCommand:
        parsed = compact(self._table.get(text, ""))
        return ParsedCommand(
            text=text,
            words=parsed.words,
            clauses=parsed.clauses,
            confidence=parsed.confidence,
            model_version=self.version,
        )


TABLE = {
    "turn on the floor lamp": "turn_on: turn on the [floor lamp](target)",
    "turn off the lights": "turn_off: turn off the [lights](target)",
    "turn on the sauna": "turn_on: turn on the [sauna](target)",
    "turn off the bathroom light": "turn_off: turn off the [bathroom light](target)",
    "is the front door locked": "ask_state: is the [front door lock](target) [locked](state)",
    "tell me a joke": "",
}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def make_store() -> SqliteStore:
    """An in-memory store with garden temperatures (one a minute) and one alert."""
    store = SqliteStore(MEMORY, flush_interval=None)
    store.open()
    store.append(
        Event(
            kind=EventKind.STATE_CHANGED,
            time=T0 - READINGS * 60 + i * 60,
            device_id="sensor.garden_temperature",
            data={"value": 10.0 + (i % 60) / 10},
            source="sim",
        )
        for i in range(READINGS)
    )
    store.append(
        [
            Event(
                kind=EventKind.ALERT,
                time=T0 - 3600,
                device_id="sensor.garden_temperature",
                data={"message": "garden too warm", "severity": "warning"},
                source="rule:garden",
            )
        ]
    )
    store.flush()
    return store


def make_app(home: Home, store: SqliteStore, clock: ManualClock) -> FastAPI:
    """The API over ``home``: a table parser and a local device layer."""
    devices = LocalDriver(Registry(home))  # the device layer has its own state
    bus = EventBus()
    brain = Brain(
        home=home,
        parser=TableParser(TABLE),
        driver=devices,
        bus=bus,
        store=store,
        clock=clock,
    )
    return create_app(
        brain=brain,
        driver=devices,
        bus=bus,
        store=store,
        auth=TOKEN,
        clock=clock,
        model_version="table",
    )


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    store = make_store()
    yield store
    store.close()


@pytest.fixture
def app(home: Home, store: SqliteStore, clock: ManualClock) -> FastAPI:
    return make_app(home, store, clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
