"""Sun times and local time at two (three) sites, against published almanac times."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from thingmind.rules import SiteLocation, SunEvent

LONDON = SiteLocation(latitude=51.5074, longitude=-0.1278, timezone="Europe/London")
SYDNEY = SiteLocation(
    latitude=-33.8688, longitude=151.2093, timezone="Australia/Sydney"
)
NEW_YORK = SiteLocation(
    latitude=40.7128, longitude=-74.0060, timezone="America/New_York"
)
TROMSO = SiteLocation(latitude=69.6492, longitude=18.9553, timezone="Europe/Oslo")

# Published local times (timeanddate.com), to the minute.
PUBLISHED = [
    (LONDON, date(2024, 6, 21), SunEvent.SUNRISE, "04:43"),
    (LONDON, date(2024, 6, 21), SunEvent.SUNSET, "21:21"),
    (LONDON, date(2024, 12, 21), SunEvent.SUNRISE, "08:03"),
    (LONDON, date(2024, 12, 21), SunEvent.SUNSET, "15:53"),
    (SYDNEY, date(2024, 6, 21), SunEvent.SUNRISE, "07:00"),
    (SYDNEY, date(2024, 6, 21), SunEvent.SUNSET, "16:53"),
    (SYDNEY, date(2024, 12, 21), SunEvent.SUNRISE, "05:41"),
    (SYDNEY, date(2024, 12, 21), SunEvent.SUNSET, "20:05"),
    (NEW_YORK, date(2024, 6, 21), SunEvent.SUNRISE, "05:25"),
    (NEW_YORK, date(2024, 6, 21), SunEvent.SUNSET, "20:31"),
]


@pytest.mark.parametrize(
    ("site", "day", "event", "published"),
    PUBLISHED,
    ids=[f"{s.timezone}-{d}-{e}" for s, d, e, _ in PUBLISHED],
)
def test_sun_time_matches_published_within_two_minutes(
    site: SiteLocation, day: date, event: SunEvent, published: str
) -> None:
    when = site.sun_time(day, event)
    assert when is not None
    local = site.local(when)
    assert local.date() == day
    hours, minutes = (int(part) for part in published.split(":"))
    expected = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=site.zone)
    assert abs(when - expected.timestamp()) <= 120


def test_polar_day_has_no_sunset() -> None:
    assert TROMSO.sun_time(date(2024, 6, 21), SunEvent.SUNSET) is None
    after = datetime(2024, 6, 21, tzinfo=UTC).timestamp()
    nxt = TROMSO.next_sun_time(SunEvent.SUNSET, after)
    assert nxt is not None
    assert TROMSO.local(nxt).date() > date(2024, 7, 20)  # midnight sun lasts weeks


def test_next_sun_time_with_offset_is_strictly_after() -> None:
    sunset = SYDNEY.sun_time(date(2024, 6, 21), SunEvent.SUNSET)
    assert sunset is not None
    assert SYDNEY.next_sun_time(SunEvent.SUNSET, sunset - 3601, -3600) == sunset - 3600
    later = SYDNEY.next_sun_time(SunEvent.SUNSET, sunset - 3600, -3600)
    assert later is not None
    assert SYDNEY.local(later).date() == date(2024, 6, 22)


def test_time_of_day_follows_daylight_saving() -> None:
    """07:30 in London is 07:30 UTC before the clocks change and 06:30 UTC after."""
    before = datetime(2024, 3, 30, 0, 0, tzinfo=UTC).timestamp()
    first = LONDON.next_time_of_day(7.5 * 3600, before)
    second = LONDON.next_time_of_day(7.5 * 3600, first)
    assert first == datetime(2024, 3, 30, 7, 30, tzinfo=UTC).timestamp()
    assert second == datetime(2024, 3, 31, 6, 30, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"latitude": 91.0, "longitude": 0.0, "timezone": "UTC"}, "latitude"),
        ({"latitude": 0.0, "longitude": 200.0, "timezone": "UTC"}, "longitude"),
        ({"latitude": 0.0, "longitude": 0.0, "timezone": "Mars/Olympus"}, "time zone"),
    ],
    ids=["latitude", "longitude", "timezone"],
)
def test_bad_site_is_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SiteLocation(**kwargs)  # type: ignore[arg-type]
