"""Questions over history, answered from the store.

"What was the lowest temperature in the bedroom last night?", "how long was the garage
door open today?", "when did the front door last open?", "how much power did the heater
use this week?": the device is found as for any question, the period is read from the
sentence in the site's local time, and the answer comes from the stored events, with
the value, its unit and its time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
import itertools
import logging
import math
import re
from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.nlu import Clause, Intent, ParsedCommand, Slot
from thingmind.resolve import label, parse_number
from thingmind.rules import (
    MAIN_KEY,
    ComposeError,
    canon,
    expected_value,
    find_devices,
    state_value,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import tzinfo

    from thingmind.core import Clock
    from thingmind.registry import Device, Home
    from thingmind.resolve import Context, Resolver
    from thingmind.store import Store

_LOGGER = logging.getLogger(__name__)
_I = Intent

_NUMERIC = frozenset({_I.ASK_MIN, _I.ASK_MAX, _I.ASK_AVERAGE, _I.ASK_TOTAL})
_UNIT_SECONDS = {
    "minute": 60, "minutes": 60, "min": 60, "mins": 60, "hour": 3600, "hours": 3600,
    "day": 86400, "days": 86400, "week": 604800, "weeks": 604800,
}  # fmt: skip
_MAX_ROWS = 500_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """A span of time a question asks about, in epoch seconds."""

    start: float
    end: float
    said: str
    """How to say it in the answer ("last night", "in the last 24 hours")."""


def parse_period(text: str, *, now: float, zone: tzinfo) -> Period | None:
    """Read a period in the site's local time: "last night", "this week", "in the last 3 hours".

    Args:
        text: The PERIOD span's words.
        now: The time of the question, epoch seconds.
        zone: The site's time zone.

    Returns:
        The period (never reaching past ``now``), or None when the words are not one.
    """
    said = " ".join(text.casefold().split())
    local = datetime.fromtimestamp(now, tz=zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)

    def at(day: datetime, hour: int) -> float:
        return (day + timedelta(hours=hour)).timestamp()

    def span(start: float, end: float) -> Period:
        return Period(start=start, end=min(end, now), said=said)

    yesterday = midnight - timedelta(days=1)
    monday = midnight - timedelta(days=local.weekday())
    relative = re.search(r"(last|past|previous)\s+(\S+)?\s*(\S+)$", said)
    if (
        relative
        and relative.group(3) in _UNIT_SECONDS
        and said
        not in {
            "last week",
            "past week",
        }
    ):
        count = parse_number([relative.group(2)]) if relative.group(2) else 1.0
        if relative.group(2) in {"few", "couple"}:
            count = 3.0 if relative.group(2) == "few" else 2.0
        if count is None:
            return None
        return span(now - count * _UNIT_SECONDS[relative.group(3)], now)
    if said in {"today", "so far today", "since midnight", "this day"}:
        return span(midnight.timestamp(), now)
    if said == "yesterday":
        return span(yesterday.timestamp(), midnight.timestamp())
    if said in {"last night", "overnight", "during the night"}:
        return span(at(yesterday, 18), at(midnight, 8))
    if said in {"tonight", "this evening so far"}:
        return span(at(midnight, 18), now)
    if said in {"this morning", "since this morning"}:
        return span(at(midnight, 5), at(midnight, 12) if "since" not in said else now)
    if said == "this afternoon":
        return span(at(midnight, 12), at(midnight, 18))
    if said == "this evening":
        return span(at(midnight, 17), at(midnight, 24))
    if said in {"yesterday evening", "last evening"}:
        return span(at(yesterday, 17), at(yesterday, 24))
    if said == "yesterday morning":
        return span(at(yesterday, 5), at(yesterday, 12))
    if said in {"this week", "so far this week"}:
        return span(monday.timestamp(), now)
    if said in {"last week", "past week", "previous week"}:
        return span((monday - timedelta(days=7)).timestamp(), monday.timestamp())
    if said == "this month":
        return span(midnight.replace(day=1).timestamp(), now)
    if said == "last month":
        first = midnight.replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        return span(previous.timestamp(), first.timestamp())
    if said in {"over the weekend", "this weekend", "at the weekend", "last weekend"}:
        saturday = monday - timedelta(days=2)
        if local.weekday() >= 5 and said != "last weekend":
            saturday = monday + timedelta(days=5)
        return span(saturday.timestamp(), (saturday + timedelta(days=2)).timestamp())
    return None


_PRESENT = frozenset({"is", "are", "'s", "isn't", "aren't", "now", "currently"})
_PAST = frozenset({
    "did", "was", "were", "has", "have", "had", "been", "used", "got", "went", "last",
    "ago", "yesterday", "today", "since",
})  # fmt: skip
_LIVE = {_I.ASK_TOTAL: _I.ASK_VALUE, _I.ASK_AVERAGE: _I.ASK_VALUE}


def live_questions(parsed: ParsedCommand) -> ParsedCommand:
    """Read "how much power is the dryer using?" as a question about now, not history.

    A question about an amount with no period and said in the present tense asks for
    the live reading; the model's history reading of it is put back.

    Args:
        parsed: The sentence as the model read it.

    Returns:
        The sentence, with such clauses asked as live values.
    """
    out = []
    changed = False
    for clause in parsed.clauses:
        words = {w.casefold() for w in parsed.words[clause.start : clause.end]}
        if (
            clause.intent in _LIVE
            and not clause.slots(Slot.PERIOD)
            and words & _PRESENT
            and not words & _PAST
        ):
            clause = Clause(  # noqa: PLW2901
                intent=_LIVE[clause.intent],
                spans=clause.spans,
                start=clause.start,
                end=clause.end,
                confidence=clause.confidence,
            )
            changed = True
        out.append(clause)
    if not changed:
        return parsed
    return replace(parsed, clauses=tuple(out))


def _default_period(intent: Intent, *, now: float, zone: tzinfo) -> Period:
    if intent is _I.ASK_LAST:
        return Period(start=0.0, end=now, said="")
    if intent in {_I.ASK_DURATION, _I.ASK_TIMES}:
        got = parse_period("today", now=now, zone=zone)
        assert got is not None  # noqa: S101 - "today" always parses
        return got
    return Period(start=now - 86_400.0, end=now, said="in the last 24 hours")


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryAnswer:
    """The answer to a question over history."""

    answer: str
    """What thingmind says."""
    reads: tuple[str, ...] = ()
    """The devices whose history the answer used."""
    refused: bool = False
    """True when the question could not be answered."""
    clarify: bool = False
    """True when thingmind asks which device was meant."""


class HistoryDesk:
    """Answers questions over the stored history of a site."""

    def __init__(
        self,
        resolver: Resolver,
        store: Store,
        *,
        clock: Clock | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        """Prepare for a site.

        Args:
            resolver: The site's resolver (finds devices, applies read permissions).
            store: Where history is kept.
            clock: The site's clock (default: wall clock).
            zone: The site's time zone: "today" and "last night" are local.
        """
        self._resolver = resolver
        self._store = store
        self._clock = clock
        self.zone = zone
        """The site's time zone (settable)."""

    def now(self) -> float:
        """The site's time."""
        if self._clock is not None:
            return self._clock.now()
        return datetime.now(tz=UTC).timestamp()

    @staticmethod
    def wants(parsed: ParsedCommand) -> bool:
        """True when a sentence asks about history."""
        return any(c.intent.is_history for c in parsed.clauses)

    def answer(self, parsed: ParsedCommand, *, context: Context) -> HistoryAnswer:
        """Answer every history question of a sentence.

        Args:
            parsed: The sentence as understood.
            context: Who asks and where.

        Returns:
            The answer, the devices read, and whether it was refused.
        """
        said: list[str] = []
        reads: list[str] = []
        refused = False
        for clause in parsed.clauses:
            if not clause.intent.is_history:
                continue
            try:
                text, used = self._one(parsed, clause, context=context)
            except ComposeError as err:
                said.append(str(err))
                refused = True
                continue
            said.append(text)
            reads.extend(used)
        return HistoryAnswer(
            answer=" ".join(said), reads=tuple(dict.fromkeys(reads)), refused=refused
        )

    # -------------------------------------------------------------- one clause

    def _one(
        self, parsed: ParsedCommand, clause: Clause, *, context: Context
    ) -> tuple[str, list[str]]:
        now = self.now()
        period = _default_period(clause.intent, now=now, zone=self.zone)
        spans = clause.slots(Slot.PERIOD)
        if spans:
            got = parse_period(spans[0].text, now=now, zone=self.zone)
            if got is None:
                msg = f'I could not tell what time "{spans[0].text}" means.'
                raise ComposeError(msg)
            period = got
        if clause.intent in _NUMERIC:
            devices = find_devices(
                self._resolver, parsed, clause, proxy=_I.ASK_VALUE, context=context
            )
            if clause.intent is _I.ASK_TOTAL:
                meter = self._meter(devices[0])
                return self._total(meter, period), [meter.id]
            chosen = self._numeric(devices)
            answers = [self._extreme(clause.intent, d, period) for d in chosen]
            return " ".join(answers), [d.id for d in chosen]
        devices = find_devices(
            self._resolver, parsed, clause, proxy=_I.ASK_STATE, context=context
        )
        state_words = " ".join(s.text for s in clause.slots(Slot.STATE))
        device, value = self._stateful(devices, state_words)
        if clause.intent is _I.ASK_LAST:
            return self._last(device, value, state_words, period), [device.id]
        return self._duration(clause.intent, device, value, state_words, period), [
            device.id
        ]

    def _numeric(self, devices: Sequence[Device]) -> list[Device]:
        """The devices whose numbers answer: a room's own sensor before an appliance's.

        "The temperature in the kitchen" is the kitchen's thermometer, not the
        freezer's, when the kitchen has one; otherwise every sensor found answers (at
        most three), and a thermostat's own reading only when no sensor measures.
        """
        sensors = [d for d in devices if d.type is Domain.SENSOR]
        if not sensors:
            sensors = [d for d in devices if "current_temperature" in d.state]
        if not sensors:
            names = ", ".join(label(d) for d in devices)
            msg = f"I keep no numbers for {names}."
            raise ComposeError(msg)
        home = self._resolver.registry.home
        own = [d for d in sensors if _named_for_its_area(d, home)]
        return own[:1] if len(own) == 1 else sensors[:3]

    def _meter(self, device: Device) -> Device:
        """The power or energy sensor that measures a device (or the device itself)."""
        if device.type is Domain.SENSOR and device.device_class in {"power", "energy"}:
            return device
        registry = self._resolver.registry
        words = set(re.findall(r"[a-z0-9]+", device.name.casefold()))
        best: tuple[int, Device] | None = None
        for other in registry.devices():
            if other.type is not Domain.SENSOR or other.device_class not in {
                "power",
                "energy",
            }:
                continue
            shared = words & set(re.findall(r"[a-z0-9]+", other.name.casefold()))
            score = len(shared) * 2 + (1 if other.area == device.area else 0)
            if shared and (best is None or score > best[0]):
                best = (score, other)
        if best is None:
            msg = f"I have no power or energy meter for {label(device)}."
            raise ComposeError(msg)
        return best[1]

    def _stateful(
        self, devices: Sequence[Device], words: str
    ) -> tuple[Device, StateValue | tuple[StateValue, ...]]:
        for device in devices:
            if device.type not in MAIN_KEY or device.type is Domain.SENSOR:
                continue
            value = state_value(device, words) if words else None
            if value is None and not words:
                value = state_value(device, "open" if _opens(device) else "on")
            if value is not None:
                return device, value
        names = ", ".join(label(d) for d in devices)
        msg = f'I could not tell what "{words or "on"}" means for {names}.'
        raise ComposeError(msg)

    # -------------------------------------------------------------- reading

    def _series(
        self, device: Device, key: str, period: Period
    ) -> list[tuple[float, StateValue]]:
        """The value in force at the start, then every reported value in the period."""
        before = (
            self._store.last_change(device.id, key, before=period.start)
            if period.start > 0
            else None
        )
        rows = self._store.history(
            device.id, key, start=period.start, end=period.end, limit=_MAX_ROWS
        )
        head = [(period.start, before[1])] if before is not None else []
        return head + rows

    def _extreme(self, intent: Intent, device: Device, period: Period) -> str:
        key = "value" if device.type is Domain.SENSOR else "current_temperature"
        points = [
            (t, float(v))
            for t, v in self._series(device, key, period)
            if isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isfinite(v)
        ]
        name = label(device)
        when = _period_words(period)
        if not points:
            return _sentence(f"I have no readings of {name}{when}")
        unit = _unit(device)
        if intent is _I.ASK_AVERAGE:
            mean = _time_weighted_mean(points, period.end)
            return _sentence(f"{name} averaged {_num(mean)}{unit}{when}")
        pick = min if intent is _I.ASK_MIN else max
        t, v = pick(points, key=lambda p: p[1])
        word = "lowest" if intent is _I.ASK_MIN else "highest"
        return _sentence(
            f"The {word} reading of {name}{when} was {_num(v)}{unit}, {self._at(t)}"
        )

    def _total(self, meter: Device, period: Period) -> str:
        points = [
            (t, float(v))
            for t, v in self._series(meter, "value", period)
            if isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isfinite(v)
        ]
        name = label(meter)
        when = _period_words(period)
        if not points:
            return _sentence(f"I have no readings of {name}{when}")
        unit = str(meter.state.get("unit", "") or "").strip()
        if meter.device_class == "energy":
            used = points[-1][1] - points[0][1]
            if used < 0:  # the meter was reset: add the increases only
                used = sum(max(0.0, b[1] - a[1]) for a, b in itertools.pairwise(points))
            return _sentence(
                f"{name} counted {_num(used)} {unit or 'kWh'}{when}".replace("  ", " ")
            )
        scale = 1000.0 if unit.casefold() == "kw" else 1.0
        joules = _integral(points, period.end) * scale  # watt-seconds
        kwh = joules / 3_600_000.0
        mean = _time_weighted_mean(points, period.end)
        return _sentence(
            f"{name} measured {_num(kwh, 2)} kWh{when} "
            f"(an average of {_num(mean * scale)} W)"
        )

    def _last(
        self,
        device: Device,
        value: StateValue | tuple[StateValue, ...],
        words: str,
        period: Period,
    ) -> str:
        key = MAIN_KEY[device.type]
        wanted = _wanted(device, key, value)
        found: tuple[float, StateValue] | None = None
        for target in wanted:
            if not isinstance(target, bool | int | float | str):
                continue
            got = self._store.last_change(
                device.id, key, value=target, before=period.end
            )
            if (
                got is not None
                and got[0] >= period.start
                and (found is None or got[0] > found[0])
            ):
                found = got
        name = label(device)
        state = words or _state_said(device, value)
        if found is None:
            return _sentence(f"{name} has not been {state}{_period_words(period)}")
        return _sentence(f"{name} was last {state} {self._at(found[0])}")

    def _duration(
        self,
        intent: Intent,
        device: Device,
        value: StateValue | tuple[StateValue, ...],
        words: str,
        period: Period,
    ) -> str:
        key = MAIN_KEY[device.type]
        wanted = _wanted(device, key, value)
        series = self._series(device, key, period)
        total = 0.0
        times = 0
        inside_since: float | None = None
        for t, v in series:
            now_in = canon(v) in wanted
            if now_in and inside_since is None:
                inside_since = t
                if t > period.start:  # not the value already in force at the start
                    times += 1
            elif not now_in and inside_since is not None:
                total += t - inside_since
                inside_since = None
        if inside_since is not None:
            total += period.end - inside_since
        name = label(device)
        state = words or _state_said(device, value)
        when = _period_words(period)
        if intent is _I.ASK_TIMES:
            count = "once" if times == 1 else f"{times} times"
            return _sentence(f"{name} was {state} {count}{when}")
        if total <= 0:
            return _sentence(f"{name} was not {state}{when}")
        return _sentence(f"{name} was {state} for {_duration_words(total)}{when}")

    def _at(self, t: float) -> str:
        local = datetime.fromtimestamp(t, tz=self.zone)
        today = datetime.fromtimestamp(self.now(), tz=self.zone).date()
        if local.date() == today:
            return f"at {local:%H:%M} today"
        if local.date() == today - timedelta(days=1):
            return f"at {local:%H:%M} yesterday"
        return f"on {local:%a %d %b} at {local:%H:%M}"


# ------------------------------------------------------------------ helpers


_CLASS_WORDS = frozenset({
    "temperature", "temp", "humidity", "power", "energy", "co2", "pressure", "sensor",
    "level", "reading", "meter", "illuminance", "light", "lux", "noise",
})  # fmt: skip


def _named_for_its_area(device: Device, home: Home) -> bool:
    """True for "Kitchen temperature" in the kitchen, false for "Freezer temperature"."""
    if device.area is None or not home.has_area(device.area):
        return False
    area = home.area(device.area)
    place = {
        w
        for n in (area.name, *area.aliases)
        for w in re.findall(r"[a-z0-9]+", n.casefold())
    }
    words = set(re.findall(r"[a-z0-9]+", device.name.casefold()))
    return bool(words & place) and words <= place | _CLASS_WORDS


def _opens(device: Device) -> bool:
    return device.type in {Domain.COVER, Domain.VALVE} or (
        device.type is Domain.BINARY_SENSOR
        and (device.device_class or "") in {"door", "window", "garage_door", "opening"}
    )


def _wanted(
    device: Device, key: str, value: StateValue | tuple[StateValue, ...]
) -> set[object]:
    values = value if isinstance(value, tuple) else (value,)
    return {expected_value(device.type, key, v) for v in values}


def _state_said(device: Device, value: StateValue | tuple[StateValue, ...]) -> str:
    if isinstance(value, tuple):
        return "armed"
    if device.type is Domain.BINARY_SENSOR and _opens(device):
        return "open" if value == "on" else "closed"
    return str(value)


def _time_weighted_mean(points: Sequence[tuple[float, float]], end: float) -> float:
    if len(points) == 1 or end <= points[0][0]:
        return (
            points[0][1]
            if len(points) == 1
            else sum(v for _, v in points) / len(points)
        )
    span = max(end - points[0][0], 1e-9)
    return _integral(points, end) / span


def _integral(points: Sequence[tuple[float, float]], end: float) -> float:
    """Value x seconds, each value holding until the next report."""
    total = 0.0
    for (t, v), (t2, _) in zip(points, [*points[1:], (end, 0.0)], strict=True):
        total += v * max(0.0, t2 - t)
    return total


def _unit(device: Device) -> str:
    unit = str(device.state.get("unit", "") or "")
    if unit in {"C", "F"}:
        unit = f"°{unit}"
    if not unit:
        return ""
    return unit if unit in {"%", "°C", "°F"} else f" {unit}"


def _num(value: float, digits: int = 1) -> str:
    rounded = round(value, digits)
    return str(int(rounded)) if float(rounded).is_integer() else f"{rounded:g}"


def _period_words(period: Period) -> str:
    return f" {period.said}" if period.said else ""


def _duration_words(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if not parts:
        parts.append(f"{secs} second{'s' if secs != 1 else ''}")
    return " ".join(parts)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
