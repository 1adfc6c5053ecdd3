"""Checking an automation's conditions against the engine's view of the site.

The engine keeps the latest value of every state key and when it last changed; a
:class:`ConditionChecker` reads both (it never writes them) to say whether each
condition holds, and records what it saw for the run's trace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.rules._model import (
    AndCondition,
    Condition,
    NotCondition,
    NumericStateCondition,
    OrCondition,
    StateCondition,
    SunCondition,
    TimeCondition,
    entity_domain,
)
from thingmind.rules._states import (
    as_number,
    canon,
    expected_value,
    state_key,
    state_text,
)
from thingmind.rules._trace import ConditionResult

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.core import StateValue
    from thingmind.rules._sun import SiteLocation

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConditionChecker:
    """Says whether conditions hold now, for the rules engine."""

    __slots__ = ("_since", "_site", "_start", "_states")

    def __init__(
        self,
        *,
        states: Mapping[str, Mapping[str, StateValue]],
        since: Mapping[tuple[str, str], float],
        start: float,
        site: SiteLocation,
    ) -> None:
        """Read the engine's live state.

        Args:
            states: Device id to state key to value; the engine updates it in place.
            since: (device id, state key) to when that value was set, Unix seconds;
                the engine updates it in place.
            start: When the engine started: a value set before has held since then.
            site: Location and time zone, for time and sun conditions.
        """
        self._states = states
        self._since = since
        self._start = start
        self._site = site

    def check(
        self, condition: Condition, path: str, now: float, out: list[ConditionResult]
    ) -> bool:
        """Return whether ``condition`` holds at ``now``.

        Args:
            condition: The condition; ``and``/``or``/``not`` check every part.
            path: Where it is in the automation (``conditions[1]``).
            now: The engine's time, Unix seconds.
            out: Receives the verdict of the condition and of each of its parts.

        Returns:
            True when it holds.
        """
        if isinstance(condition, AndCondition | OrCondition | NotCondition):
            parts = [
                self.check(part, f"{path}.conditions[{i}]", now, out)
                for i, part in enumerate(condition.conditions)
            ]
            if isinstance(condition, AndCondition):
                held = all(parts)
            elif isinstance(condition, OrCondition):
                held = any(parts)
            else:
                held = not any(parts)
            detail = f"{sum(parts)} of {len(parts)} parts held"
        elif isinstance(condition, StateCondition | NumericStateCondition):
            held, detail = self._check_state(condition, now)
        elif isinstance(condition, TimeCondition):
            held, detail = self._check_time(condition, now)
        else:
            held, detail = self._check_sun(condition, now)
        out.append(
            ConditionResult(path=path, kind=condition.kind, held=held, detail=detail)
        )
        return held

    def _check_state(
        self, condition: StateCondition | NumericStateCondition, now: float
    ) -> tuple[bool, str]:
        seen: list[str] = []
        held = True
        for entity_id in condition.entity_ids:
            domain = entity_domain(entity_id)
            if domain is None:  # pragma: no cover - checked at load
                return False, f"{entity_id} is not a device"
            key = state_key(domain, condition.attribute)
            value = self._states.get(entity_id, {}).get(key)
            seen.append(f"{entity_id} is {state_text(key, value)}")
            if isinstance(condition, NumericStateCondition):
                number = as_number(value)
                ok = number is not None and (
                    (condition.above is None or number > condition.above)
                    and (condition.below is None or number < condition.below)
                )
            else:
                accepted = {expected_value(domain, key, v) for v in condition.states}
                ok = canon(value) in accepted
                if ok and condition.for_seconds:
                    since = self._since.get((entity_id, key), self._start)
                    lasted = now - since
                    seen[-1] += f" for {duration_text(lasted)}"
                    ok = lasted >= condition.for_seconds
            held = held and ok
        return held, "; ".join(seen)

    def _check_time(self, condition: TimeCondition, now: float) -> tuple[bool, str]:
        secs, weekday, _ = self._site.seconds_of_day(now)
        detail = f"local time {clock_text(secs)} {_WEEKDAYS[weekday]}"
        if condition.weekdays and weekday not in {d.number for d in condition.weekdays}:
            return False, detail
        after, before = condition.after, condition.before
        if after is not None and before is not None and after > before:
            return secs >= after or secs < before, detail
        held = (after is None or secs >= after) and (before is None or secs < before)
        return held, detail

    def _check_sun(self, condition: SunCondition, now: float) -> tuple[bool, str]:
        _, _, day = self._site.seconds_of_day(now)
        held = True
        parts: list[str] = []
        for event, offset, is_after in (
            (condition.after, condition.after_offset_seconds, True),
            (condition.before, condition.before_offset_seconds, False),
        ):
            if event is None:
                continue
            when = self._site.sun_time(day, event)
            if when is None:
                parts.append(f"no {event} today")
                held = False
                continue
            edge = when + offset
            parts.append(f"{event} {clock_text(self._site.seconds_of_day(when)[0])}")
            held = held and (now >= edge if is_after else now < edge)
        now_text = clock_text(self._site.seconds_of_day(now)[0])
        return held, f"now {now_text}; " + ", ".join(parts)


def duration_text(seconds: float) -> str:
    """Write a duration as ``H:MM:SS`` (``0:05:00``), rounded to the second."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def clock_text(seconds: float) -> str:
    """Write seconds since local midnight as ``HH:MM:SS``."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{(whole // 60) % 60:02d}:{whole % 60:02d}"
