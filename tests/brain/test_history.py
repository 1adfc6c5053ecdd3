"""Questions over history, against stored histories with known answers.

The first tests write a hand-made day into a real SQLite store, so every answer is
known exactly. The last one runs the home simulator for a day and checks the answers
against a brute-force scan of the same events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from resolve._compact import compact
from thingmind.brain import HistoryDesk, parse_period
from thingmind.brain._history import live_questions
from thingmind.core import Event, EventKind, ManualClock
from thingmind.nlu import Intent
from thingmind.registry import Registry, parse_home
from thingmind.resolve import Context, Resolver
from thingmind.store import SqliteStore

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

HOME = """
areas:
  - {id: bedroom, name: Bedroom}
  - {id: garage, name: Garage}
  - {id: hallway, name: Hallway, aliases: [hall]}
  - {id: living_room, name: Living room}
devices:
  - {id: sensor.bedroom_temperature, name: Bedroom temperature, area: bedroom,
     type: sensor, device_class: temperature, state: {value: 19.0, unit: "°C"}}
  - {id: binary_sensor.garage_door, name: Garage door, area: garage, type: binary_sensor,
     device_class: garage_door, state: {"on": false}}
  - {id: binary_sensor.front_door, name: Front door, area: hallway, type: binary_sensor,
     device_class: door, state: {"on": false}}
  - {id: switch.heater, name: Heater, area: living_room, type: switch, state: {"on": false}}
  - {id: sensor.heater_power, name: Heater power, area: living_room, type: sensor,
     device_class: power, state: {value: 0, unit: W}}
"""
ZONE = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 11, 25, tzinfo=ZONE)
"""Wednesday 25 November 2026, local midnight."""


def at(hours: float, *, day: datetime = DAY) -> float:
    return (day + timedelta(hours=hours)).timestamp()


def state(device: str, t: float, **data: object) -> Event:
    return Event(kind=EventKind.STATE_CHANGED, time=t, device_id=device, data=data)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "history.db") as s:
        events = [
            # the bedroom the night before: 20.0 at 18:00, down to 16.5 at 04:30
            state("sensor.bedroom_temperature", at(-6), value=20.0),
            state("sensor.bedroom_temperature", at(-2), value=18.0),
            state("sensor.bedroom_temperature", at(4.5), value=16.5),
            state("sensor.bedroom_temperature", at(7.0), value=18.5),
            state("sensor.bedroom_temperature", at(12.0), value=21.0),
            # the garage door today: open 08:00-08:30 and 17:00-18:15
            state("binary_sensor.garage_door", at(-30), on=False),
            state("binary_sensor.garage_door", at(8), on=True),
            state("binary_sensor.garage_door", at(8.5), on=False),
            state("binary_sensor.garage_door", at(17), on=True),
            state("binary_sensor.garage_door", at(17.25), on=True),  # repeated report
            state("binary_sensor.garage_door", at(18.25), on=False),
            # the front door: last opened 13:10
            state("binary_sensor.front_door", at(9), on=True),
            state("binary_sensor.front_door", at(9.1), on=False),
            state("binary_sensor.front_door", at(13 + 10 / 60), on=True),
            state("binary_sensor.front_door", at(13.5), on=False),
            # the heater: 2000 W from 06:00 to 08:00 this Wednesday, 1000 W Monday 1 h
            state("sensor.heater_power", at(-48), value=0.0),
            state("sensor.heater_power", at(-48 + 6), value=1000.0),
            state("sensor.heater_power", at(-48 + 7), value=0.0),
            state("sensor.heater_power", at(6), value=2000.0),
            state("sensor.heater_power", at(8), value=0.0),
        ]
        s.append(events)
        s.flush()
        yield s


@pytest.fixture
def desk(store: SqliteStore) -> HistoryDesk:
    registry = Registry(parse_home(HOME, source="history-home"))
    clock = ManualClock(at(20))  # Wednesday 20:00
    return HistoryDesk(Resolver(registry), store, clock=clock, zone=ZONE)


def ask(desk: HistoryDesk, text: str) -> str:
    got = desk.answer(compact(text), context=Context(area="bedroom"))
    assert not got.refused, got.answer
    return got.answer


def test_lowest_temperature_last_night(desk: HistoryDesk) -> None:
    answer = ask(
        desk,
        "ask_min: what was the lowest [temperature](attribute) in the"
        " [bedroom](location) [last night](period)",
    )
    assert answer == (
        "The lowest reading of the bedroom temperature last night was 16.5°C,"
        " at 04:30 today."
    )


def test_highest_today_includes_the_value_in_force_at_midnight(
    desk: HistoryDesk,
) -> None:
    answer = ask(
        desk,
        "ask_max: how warm did it get in the [bedroom](location) [today](period)",
    )
    assert "21°C" in answer
    assert "at 12:00 today" in answer


def test_average_is_weighted_by_time(desk: HistoryDesk) -> None:
    # 18.0 for 4.5 h, 16.5 for 2.5 h, 18.5 for 5 h, 21.0 for 8 h (midnight to 20:00)
    expected = (18.0 * 4.5 + 16.5 * 2.5 + 18.5 * 5 + 21.0 * 8) / 20
    answer = ask(
        desk,
        "ask_average: what was the average [temperature](attribute) in the"
        " [bedroom](location) [today](period)",
    )
    assert f"{round(expected, 1):g}°C" in answer


def test_how_long_was_the_garage_door_open_today(desk: HistoryDesk) -> None:
    answer = ask(
        desk,
        "ask_duration: how long was the [garage door](target) [open](state) [today](period)",
    )
    assert answer == "The garage door was open for 1 hour 45 minutes today."


def test_how_many_times(desk: HistoryDesk) -> None:
    answer = ask(
        desk,
        "ask_times: how many times was the [garage door](target) [opened](state)"
        " [today](period)",
    )
    assert answer == "The garage door was opened 2 times today."


def test_when_did_the_front_door_last_open(desk: HistoryDesk) -> None:
    answer = ask(desk, "ask_last: when did the [front door](target) last [open](state)")
    assert answer == "The front door was last open at 13:10 today."


def test_how_much_power_did_the_heater_use_this_week(desk: HistoryDesk) -> None:
    # Monday 1 kWh + Wednesday 4 kWh, found through the heater's power meter
    got = desk.answer(
        compact(
            "ask_total: how much power did the [heater](target) use [this week](period)"
        ),
        context=Context(),
    )
    assert got.reads == ("sensor.heater_power",)
    assert "5 kWh this week" in got.answer


def test_nothing_recorded_is_said(desk: HistoryDesk) -> None:
    answer = ask(
        desk,
        "ask_last: when was the [front door](target) last [open](state)"
        " [in the last 30 minutes](period)",
    )
    assert answer == "The front door has not been open in the last 30 minutes."


@pytest.mark.parametrize(
    ("said", "start_h", "end_h"),
    [
        ("today", 0, 20),
        ("yesterday", -24, 0),
        ("last night", -6, 8),
        ("this morning", 5, 12),
        ("in the last 3 hours", 17, 20),
        ("over the past 2 days", -28, 20),
        ("this week", -48, 20),  # Monday 00:00
        ("last week", -48 - 168, -48),
    ],
)
def test_periods_are_local(said: str, start_h: float, end_h: float) -> None:
    got = parse_period(said, now=at(20), zone=ZONE)
    assert got is not None
    assert (got.start, got.end) == (at(start_h), at(end_h))


def test_an_unknown_period_is_refused(desk: HistoryDesk) -> None:
    got = desk.answer(
        compact(
            "ask_min: lowest [temperature](attribute) in the [bedroom](location)"
            " [during the reign of Elizabeth](period)"
        ),
        context=Context(),
    )
    assert got.refused
    assert "during the reign of elizabeth" in got.answer.casefold()


# ---------------------------------------------------------------- a simulated day


SIM_START = 1_705_276_800.0  # Monday 2024-01-15 00:00 UTC, the simulator's default


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner  # noqa: PLC0415

    from thingmind.cli import app  # noqa: PLC0415

    db = tmp_path_factory.mktemp("sim") / "day.db"
    result = CliRunner().invoke(
        app, ["sim", "home", "--hours", "24", "--fast", "--seed", "3", "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    return db


def test_a_simulated_day_answers_match_a_scan_of_its_events(simulated: Path) -> None:
    from importlib.resources import files  # noqa: PLC0415

    home_yaml = files("thingmind.sim").joinpath("scenarios/home.yaml").read_text()
    registry = Registry(parse_home(home_yaml, source="home.yaml"))
    utc = ZoneInfo("UTC")
    end = SIM_START + 24 * 3600
    with SqliteStore(simulated) as store:
        desk = HistoryDesk(Resolver(registry), store, clock=ManualClock(end), zone=utc)
        rows = store.history(
            "sensor.living_room_temperature", "value", start=SIM_START, end=end
        )
        assert len(rows) > 10
        low_t, low = min(rows, key=lambda r: float(r[1]))  # type: ignore[arg-type]
        got = desk.answer(
            compact(
                "ask_min: what was the lowest [temperature](attribute) in the"
                " [living room](location) [in the last 24 hours](period)"
            ),
            context=Context(),
        )
        assert not got.refused, got.answer
        assert got.reads == ("sensor.living_room_temperature",)
        assert isinstance(low, float)
        assert f"was {round(low, 1):g}°C" in got.answer
        assert datetime.fromtimestamp(low_t, tz=utc).strftime("%H:%M") in got.answer

        # motion in the living room: count the off->on changes in the events
        motion = store.history(
            "binary_sensor.living_room_motion", "on", start=SIM_START, end=end
        )
        before = store.last_change(
            "binary_sensor.living_room_motion", "on", before=SIM_START
        )
        previous = before[1] if before is not None else False
        starts = 0
        for _, value in motion:
            if value is True and previous is not True:
                starts += 1
            previous = value
        got = desk.answer(
            compact(
                "ask_times: how many times was [motion](target) [detected](state) in"
                " the [living room](location) [in the last 24 hours](period)"
            ),
            context=Context(),
        )
        assert not got.refused, got.answer
        count = "once" if starts == 1 else f"{starts} times"
        assert count in got.answer


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ask_total: how much power is the [heater](target) using", Intent.ASK_VALUE),
        ("ask_total: how much power did the [heater](target) use", Intent.ASK_TOTAL),
        (
            "ask_total: how much power is the [heater](target) using [today](period)",
            Intent.ASK_TOTAL,
        ),
        ("ask_min: what's the lowest the [bedroom](location) has been", Intent.ASK_MIN),
    ],
    ids=["present-is-live", "past-is-history", "period-is-history", "min-stays"],
)
def test_present_tense_amounts_are_live_questions(text: str, intent: Intent) -> None:
    (clause,) = live_questions(compact(text)).clauses
    assert clause.intent is intent


def test_the_rooms_own_thermometer_answers_not_the_freezer(simulated: Path) -> None:
    from importlib.resources import files  # noqa: PLC0415

    home_yaml = files("thingmind.sim").joinpath("scenarios/home.yaml").read_text()
    registry = Registry(parse_home(home_yaml, source="home.yaml"))
    end = SIM_START + 24 * 3600
    with SqliteStore(simulated) as store:
        desk = HistoryDesk(
            Resolver(registry), store, clock=ManualClock(end), zone=ZoneInfo("UTC")
        )
        got = desk.answer(
            compact(
                "ask_min: what was the lowest [temperature](attribute) in the"
                " [kitchen](location) [today](period)"
            ),
            context=Context(),
        )
    assert got.reads == ("sensor.kitchen_temperature",)
