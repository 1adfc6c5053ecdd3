"""Where the site is, its local time, and its sun times (computed with astral)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
import functools
import math
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from astral import Observer
from astral.sun import sunrise, sunset

from thingmind.rules._model import SunEvent

_SEARCH_DAYS = 400  # polar sites: look this far ahead for the next sunrise


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteLocation:
    """Where the site is: for sun times and for local time of day."""

    latitude: float
    """Degrees north (negative south), -90 to 90."""
    longitude: float
    """Degrees east (negative west), -180 to 180."""
    timezone: str
    """IANA time zone name ("Europe/London")."""
    elevation: float = 0.0
    """Metres above sea level."""
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    """The time zone, loaded."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.latitude) and -90 <= self.latitude <= 90):
            msg = f"latitude must be within -90..90, got {self.latitude!r}"
            raise ValueError(msg)
        if not (math.isfinite(self.longitude) and -180 <= self.longitude <= 180):
            msg = f"longitude must be within -180..180, got {self.longitude!r}"
            raise ValueError(msg)
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            msg = f"{self.timezone!r} is not a known time zone"
            raise ValueError(msg) from err
        object.__setattr__(self, "zone", zone)

    @property
    def _place(self) -> tuple[float, float, float, str]:
        return (self.latitude, self.longitude, self.elevation, self.timezone)

    def local(self, ts: float) -> datetime:
        """Return Unix seconds as an aware local datetime."""
        return datetime.fromtimestamp(ts, self.zone)

    def sun_time(self, day: date, event: SunEvent) -> float | None:
        """Return when the sun rises or sets on a local date, as Unix seconds.

        Args:
            day: The site's local date.
            event: Sunrise or sunset.

        Returns:
            Unix seconds, or None when the sun does not rise or set that day (polar
            day or night).
        """
        return _sun_time(self._place, day, event)

    def next_sun_time(
        self, event: SunEvent, after: float, offset: float = 0.0
    ) -> float | None:
        """Return the first ``event + offset`` strictly after ``after`` (Unix seconds).

        Args:
            event: Sunrise or sunset.
            after: Unix seconds.
            offset: Signed seconds added to the sun time.

        Returns:
            Unix seconds, or None when the sun neither rises nor sets for over a year.
        """
        day = self.local(after - offset).date() - timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            when = self.sun_time(day, event)
            if when is not None and when + offset > after:
                return when + offset
            day += timedelta(days=1)
        return None

    def next_time_of_day(self, seconds: float, after: float) -> float:
        """Return the first local wall time ``seconds`` after midnight after ``after``.

        Args:
            seconds: Seconds after local midnight.
            after: Unix seconds.

        Returns:
            Unix seconds.
        """
        whole = int(seconds)
        clock = time(
            whole // 3600,
            (whole // 60) % 60,
            whole % 60,
            round((seconds - whole) * 1e6),
        )
        day = self.local(after).date()
        for step in range(3):
            when = datetime.combine(day + timedelta(days=step), clock, tzinfo=self.zone)
            stamp = when.timestamp()
            if stamp > after:
                return stamp
        return after + 86_400.0  # unreachable: one of three days is always later

    def seconds_of_day(self, ts: float) -> tuple[float, int, date]:
        """Return local seconds after midnight, weekday (Monday 0) and date of ``ts``."""
        local = self.local(ts)
        secs = (
            local.hour * 3600
            + local.minute * 60
            + local.second
            + local.microsecond / 1e6
        )
        return secs, local.weekday(), local.date()


@functools.lru_cache(maxsize=4096)
def _sun_time(
    place: tuple[float, float, float, str], day: date, event: SunEvent
) -> float | None:
    latitude, longitude, elevation, timezone = place
    observer = Observer(latitude=latitude, longitude=longitude, elevation=elevation)
    compute = sunrise if event is SunEvent.SUNRISE else sunset
    try:
        when = compute(observer, day, tzinfo=ZoneInfo(timezone))
    except ValueError:  # astral: the sun never reaches the horizon that day
        return None
    return when.timestamp()
