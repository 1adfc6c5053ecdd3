"""The generative fallback: what the encoder is unsure of goes to a language model.

The fine-tuned encoder answers first. When it is unsure (its clause confidence is below
:attr:`FallbackConfig.threshold`) or the resolver cannot settle what it understood (a
device or place that matches nothing, no value, no command at all), the sentence goes to
an OpenAI-compatible chat server (:class:`~thingmind.brain.ChatClient`):

1. the prompt names only the few devices that matter for the sentence
   (:func:`relevant_devices`: the encoder's spans and the sentence's words, matched
   fuzzily against the site's names; :attr:`FallbackConfig.max_devices` at most), never
   the whole site;
2. the answer is constrained to :func:`command_schema` (intents of
   :class:`~thingmind.nlu.Intent`, and for each slot the words that say it);
3. :func:`parse_answer` checks it and turns it into the same
   :class:`~thingmind.nlu.ParsedCommand` the encoder produces. Every slot must be words
   of the sentence: a span the model wrote that the person did not say is dropped, and
   so is a command none of whose words were said. The model's output is data, never an
   instruction;
4. that parse goes through the same resolver and gate as any other. It replaces the
   encoder's reading only when it settles the request;
5. a timeout, an unreachable server or an answer that does not fit the schema ends in
   a clear question to the person, and nothing is done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from thingmind.brain._fallback_answer import (
    SCHEMA_NAME,
    InvalidAnswerError,
    command_schema,
    parse_answer,
)
from thingmind.brain._llm import LlmError, LlmFailure
from thingmind.nlu import MAX_WORDS, ParsedCommand, Slot, words_of
from thingmind.registry import normalize_name
from thingmind.resolve import FailReason, Failure, Resolution

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from thingmind.brain._llm import ChatClient
    from thingmind.registry import Device, Registry
    from thingmind.resolve import Context

_LOGGER = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.9
"""Encoder confidence below which the fallback is asked (docs/fallback.md has the
figures on the development sets that set it)."""
DEFAULT_UNSETTLED = frozenset({
    FailReason.NOT_ABOUT_SITE,
    FailReason.NO_SUCH_DEVICE,
    FailReason.NO_SUCH_AREA,
    FailReason.NO_VALUE,
    FailReason.NOTHING_IN_SCOPE,
})  # fmt: skip
"""Resolver failures that mean "not understood" rather than "understood, and no"."""
_DEVICE_CUTOFF = 60.0  # 0-100: below this a device is not worth a line of the prompt
_FILLER = frozenset({
    "a", "an", "the", "to", "of", "in", "on", "at", "by", "and", "or", "but", "for",
    "with", "please", "can", "could", "would", "you", "i", "me", "my", "it", "it's",
    "is", "are", "be", "that", "this", "some", "up", "down", "off", "all", "turn",
    "switch", "set", "make", "get", "put",
})  # fmt: skip
"""Words that say nothing about which device is meant."""


class FallbackTrigger(StrEnum):
    """Why the fallback was asked."""

    UNSURE = "unsure"
    """The encoder's confidence was below the threshold."""
    UNSETTLED = "unsettled"
    """The resolver could not settle what the encoder understood."""


class FallbackOutcome(StrEnum):
    """What came of asking the fallback."""

    USED = "used"
    """Its reading settled the request and was carried out (through the gate)."""
    KEPT = "kept"
    """Its reading settled nothing; the encoder's result stands."""
    TIMEOUT = "timeout"
    """No answer in time: the person is asked."""
    UNAVAILABLE = "unavailable"
    """The server could not be reached or answered an error: the person is asked."""
    INVALID = "invalid"
    """The answer did not fit the schema: the person is asked."""

    @property
    def asked(self) -> bool:
        """True when the turn ended in a question to the person."""
        return self in {
            FallbackOutcome.TIMEOUT,
            FallbackOutcome.UNAVAILABLE,
            FallbackOutcome.INVALID,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackConfig:
    """When the fallback is asked, and what it is shown."""

    threshold: float = field(
        default=DEFAULT_THRESHOLD,
        metadata={"help": "ask when the encoder's confidence is below this (0-1)"},
    )
    max_devices: int = field(
        default=5, metadata={"help": "devices named in the prompt, at most"}
    )
    unsettled: frozenset[FailReason] = field(
        default=DEFAULT_UNSETTLED,
        metadata={"help": "resolver failures that send the sentence to the fallback"},
    )

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            msg = f"fallback threshold must be within 0-1, got {self.threshold}"
            raise ValueError(msg)
        if not 0 <= self.max_devices <= 20:
            msg = f"fallback max_devices must be within 0-20, got {self.max_devices}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackReport:
    """What the fallback did for one sentence."""

    trigger: FallbackTrigger
    """Why it was asked."""
    outcome: FallbackOutcome
    """What came of it."""
    latency_ms: float
    """Time spent on it (the request, the checks and the second resolution)."""
    devices: tuple[str, ...] = ()
    """The ids of the devices named in the prompt."""
    request: Mapping[str, Any] | None = None
    """The JSON body sent (None when nothing was sent)."""
    answer: str = ""
    """The model's answer, as received."""
    parsed: ParsedCommand | None = None
    """The answer as a parse (None when it did not fit the schema)."""
    error: str = ""
    """What went wrong, for timeouts, unreachable servers and invalid answers."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Reviewed:
    """A turn's reading after the fallback had its say."""

    parsed: ParsedCommand
    """The parse to carry out (the encoder's, or the fallback's)."""
    resolution: Resolution
    """Its resolution (or a question to the person)."""
    report: FallbackReport | None = None
    """What the fallback did (None when it was not asked)."""


# ============================================================================ prompt


def _device_score(names: Sequence[str], queries: Sequence[tuple[str, float]]) -> float:
    best = 0.0
    for name in names:
        norm = normalize_name(name)
        if not norm:
            continue
        for query, weight in queries:
            # token_set: "lamp" fits "floor lamp"; token_sort: the whole name said wins
            score = 0.6 * fuzz.token_set_ratio(
                query, norm
            ) + 0.4 * fuzz.token_sort_ratio(query, norm)
            best = max(best, score * weight)
    return best


def relevant_devices(
    registry: Registry,
    text: str,
    parsed: ParsedCommand | None = None,
    *,
    limit: int = 5,
    speaker_area: str | None = None,
) -> list[Device]:
    """The few devices a sentence may be about, best first.

    Queries are the encoder's target and except spans (trusted most) and the
    sentence's word n-grams without filler words; each device scores its best
    fuzzy match of its name or an alias, with a bonus for devices in a place the
    sentence names (or the speaker's area, when it names none).

    Args:
        registry: The site.
        text: The sentence.
        parsed: The encoder's reading, when there is one.
        limit: The most devices returned.
        speaker_area: The area the speaker is in.

    Returns:
        At most ``limit`` devices, each scoring at least the cutoff.
    """
    if limit <= 0:
        return []
    queries: list[tuple[str, float]] = []
    if parsed is not None:
        queries.extend(
            (normalize_name(span.text), 1.0)
            for clause in parsed.clauses
            for span in clause.spans
            if span.slot in {Slot.TARGET, Slot.EXCEPT}
        )
    words = [w.casefold() for w, _, _ in words_of(text)][:MAX_WORDS]
    content = [w for w in words if w.isalnum() and w not in _FILLER]
    for n in (1, 2, 3):
        queries.extend(
            (" ".join(content[i : i + n]), 0.9) for i in range(len(content) - n + 1)
        )
    queries = [(q, w) for q, w in dict.fromkeys(queries) if q]
    places: set[str] = set()
    for query, _ in queries:
        places.update(m.id for m in registry.find_areas(query, limit=2))
    if not places and speaker_area is not None:
        places.add(speaker_area)
    scored: list[tuple[float, int, Device]] = []
    for order, device in enumerate(registry.devices()):
        score = _device_score(device.names, queries) if queries else 0.0
        if device.area is not None and device.area in places:
            score += 10.0
        if score >= _DEVICE_CUTOFF:
            scored.append((score, order, device))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [d for _, _, d in scored[:limit]]


_INTENT_LINES = (
    "turn_on turn_off toggle: switch a device; set_value: an absolute level "
    "(brightness, speed, position, volume, temperature); increase decrease: up or "
    "down; set_color set_mode; open close stop; lock unlock; play pause next_track "
    "previous_track mute unmute; clean return_home (vacuums); arm disarm (alarms); "
    "too_dark too_bright too_cold too_hot too_loud: a feeling about the room; "
    "ask_state ask_value ask_any ask_all ask_which ask_count: questions about now"
)
_SYSTEM = "\n".join(
    [
        "You read one sentence said to the assistant of a building and write the "
        "commands it asks for as JSON, nothing else.",
        f"Intents: {_INTENT_LINES}.",
        "For each command give its intent and, copied word for word from the "
        "sentence, the words that name: target (the device), location (a room or "
        "floor), value (a number or a level), unit, color, mode, attribute, amount, "
        "except. Leave out what the sentence does not say. Never write words that "
        "are not in the sentence.",
        'Answer {"commands": []} when the sentence asks nothing of the devices.',
    ]
)
"""The fixed part of the prompt (first, so a server can keep its KV cache)."""
_EXAMPLE_Q = "please dim the hall lamp to 30 percent and lock the back door"
_EXAMPLE_DEVICES = (("Hall lamp", "light", "Hallway"), ("Back door", "lock", "Kitchen"))
_EXAMPLE_A = json.dumps(
    {
        "commands": [
            {
                "intent": "set_value",
                "target": "hall lamp",
                "value": "30",
                "unit": "percent",
            },
            {"intent": "lock", "target": "back door"},
        ]
    }
)


def _ask(text: str, devices: Sequence[tuple[str, str, str]], here: str) -> str:
    lines = [
        f"- {name} ({kind}{', in ' + area if area else ''})"
        for name, kind, area in devices
    ]
    return "\n".join(
        [
            "Devices that may be meant:",
            *(lines or ["- (none found)"]),
            *([f"The speaker is in: {here}."] if here else []),
            f"Sentence: {text}",
        ]
    )


def build_messages(
    text: str,
    devices: Sequence[Device],
    *,
    registry: Registry,
    speaker_area: str | None = None,
) -> list[dict[str, str]]:
    """The chat that asks the model to read one sentence.

    The instructions and an example exchange come first and never change, so a
    server that keeps the previous prompt's KV cache (llama.cpp does) reads only the
    last message anew; that message names the devices and holds the sentence.

    Args:
        text: The sentence (the only thing from the person that is sent).
        devices: The devices to name (see :func:`relevant_devices`).
        registry: The site, for type and area names.
        speaker_area: The speaker's area id.

    Returns:
        ``system``, an example exchange, and the devices and the sentence as the
        last ``user`` turn.
    """
    home = registry.home

    def area_name(area_id: str | None) -> str:
        return home.area(area_id).name if area_id and home.has_area(area_id) else ""

    named = [(d.name, d.type.value, area_name(d.area)) for d in devices]
    return [
        {"role": "system", "content": _SYSTEM},
        {"role": "user", "content": _ask(_EXAMPLE_Q, _EXAMPLE_DEVICES, "")},
        {"role": "assistant", "content": _EXAMPLE_A},
        {"role": "user", "content": _ask(text, named, area_name(speaker_area))},
    ]


# ============================================================================ the cascade


def _question(text: str) -> str:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return (
        f"Sorry, I'm not sure what you meant by \u201c{shown}\u201d. Could you say it "
        "again, naming the device and what to do?"
    )


class GenerativeFallback:
    """Asks a language model about what the encoder is unsure of (see the module)."""

    def __init__(
        self,
        *,
        client: ChatClient,
        config: FallbackConfig | None = None,
    ) -> None:
        """Wire the fallback.

        Args:
            client: The chat server's client.
            config: When to ask and what to show (default: :class:`FallbackConfig`).
        """
        self.client = client
        self.config = config or FallbackConfig()
        self.name = f"llm:{client.settings.model or 'default'}"
        """Recorded as the model version of the parses it makes."""

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    def trigger(
        self, parsed: ParsedCommand, resolution: Resolution
    ) -> FallbackTrigger | None:
        """Whether the encoder's reading goes to the fallback, and why.

        Args:
            parsed: The encoder's reading.
            resolution: What the resolver made of it.

        Returns:
            The trigger, or None when the encoder's reading stands.
        """
        if parsed.clauses and parsed.confidence < self.config.threshold:
            return FallbackTrigger.UNSURE
        if not resolution.clarify and self._unsettled(resolution):
            return FallbackTrigger.UNSETTLED
        return None

    def _unsettled(self, resolution: Resolution) -> bool:
        return any(f.reason in self.config.unsettled for f in resolution.failures)

    def _settles(self, resolution: Resolution) -> bool:
        """True when a resolution does something, answers, or refuses for a reason."""
        if resolution.clarify or self._unsettled(resolution):
            return False
        return bool(
            resolution.actions
            or resolution.reads
            or resolution.pending
            or resolution.failures
        )

    def ask(
        self,
        text: str,
        *,
        parsed: ParsedCommand | None,
        registry: Registry,
        context: Context,
    ) -> tuple[ParsedCommand | None, FallbackReport]:
        """Ask the model to read a sentence (no resolution, nothing done).

        Args:
            text: The sentence.
            parsed: The encoder's reading, whose spans help choose the devices.
            registry: The site.
            context: Who speaks, from where.

        Returns:
            The model's reading (None when it gave none) and a report whose trigger is
            :attr:`FallbackTrigger.UNSURE` and outcome :attr:`FallbackOutcome.KEPT`
            when it answered (the caller decides whether it is used).
        """
        t0 = time.perf_counter()
        area = context.area
        if area is None and context.device is not None:
            home = registry.home
            area = (
                home.device(context.device).area
                if home.has_device(context.device)
                else None
            )
        devices = relevant_devices(
            registry, text, parsed, limit=self.config.max_devices, speaker_area=area
        )
        ids = tuple(d.id for d in devices)
        messages = build_messages(text, devices, registry=registry, speaker_area=area)

        def report(outcome: FallbackOutcome, **kw: Any) -> FallbackReport:
            return FallbackReport(
                trigger=FallbackTrigger.UNSURE,
                outcome=outcome,
                latency_ms=(time.perf_counter() - t0) * 1000,
                devices=ids,
                **kw,
            )

        try:
            reply = self.client.complete(
                messages, schema=command_schema(), schema_name=SCHEMA_NAME
            )
        except LlmError as err:
            _LOGGER.warning("generative fallback: %s", err)
            outcome = (
                FallbackOutcome.TIMEOUT
                if err.failure is LlmFailure.TIMEOUT
                else FallbackOutcome.UNAVAILABLE
            )
            return None, report(outcome, error=str(err))
        try:
            reading = parse_answer(text, reply.content, model_version=self.name)
        except InvalidAnswerError as err:
            _LOGGER.warning("generative fallback answered outside the schema: %s", err)
            return None, report(
                FallbackOutcome.INVALID,
                request=reply.request,
                answer=reply.content,
                error=str(err),
            )
        return reading, report(
            FallbackOutcome.KEPT,
            request=reply.request,
            answer=reply.content,
            parsed=reading,
        )

    def review(
        self,
        text: str,
        parsed: ParsedCommand,
        resolution: Resolution,
        *,
        resolve: Callable[[ParsedCommand], Resolution],
        registry: Registry,
        context: Context,
    ) -> Reviewed:
        """Give the fallback its say on one turn, before anything is carried out.

        Args:
            text: The sentence.
            parsed: The encoder's reading.
            resolution: The resolver's result for it.
            resolve: The conversation's resolver (with its gate) for the speaker.
            registry: The site.
            context: Who speaks, from where.

        Returns:
            The reading to carry out and its resolution: the encoder's when the
            fallback is not asked or settles nothing, the fallback's when it settles
            the request, or a question when it could not answer.
        """
        trigger = self.trigger(parsed, resolution)
        if trigger is None:
            return Reviewed(parsed=parsed, resolution=resolution)
        reading, report = self.ask(
            text, parsed=parsed, registry=registry, context=context
        )
        return self.decide(
            text,
            parsed,
            resolution,
            reading=reading,
            report=replace(report, trigger=trigger),
            resolve=resolve,
        )

    def decide(
        self,
        text: str,
        parsed: ParsedCommand,
        resolution: Resolution,
        *,
        reading: ParsedCommand | None,
        report: FallbackReport,
        resolve: Callable[[ParsedCommand], Resolution],
    ) -> Reviewed:
        """Choose between the encoder's reading and the fallback's (no request).

        Args:
            text: The sentence.
            parsed: The encoder's reading.
            resolution: The resolver's result for it.
            reading: The fallback's reading (None when it gave none).
            report: What the request came to (its outcome says why there is no
                reading).
            resolve: The conversation's resolver (with its gate) for the speaker.

        Returns:
            The fallback's reading and its resolution when it settles the request;
            a question when there is no reading; the encoder's otherwise. Automations
            and questions over history are not acted on from a fallback's reading:
            the resolver does not carry them out. The report's latency grows by the
            time taken here.
        """
        t0 = time.perf_counter()

        def done(outcome: FallbackOutcome) -> FallbackReport:
            spent = (time.perf_counter() - t0) * 1000
            return replace(
                report, outcome=outcome, latency_ms=report.latency_ms + spent
            )

        if reading is None:
            failures = resolution.failures or (
                Failure(reason=FailReason.AMBIGUOUS, clause=0, detail="not understood"),
            )
            asked = Resolution(answer=_question(text), clarify=True, failures=failures)
            return Reviewed(
                parsed=parsed, resolution=asked, report=done(report.outcome)
            )
        if any(c.intent.is_rule_part or c.intent.is_history for c in reading.clauses):
            _LOGGER.info(
                "generative fallback read %r as an automation or history", text
            )
            return Reviewed(
                parsed=parsed, resolution=resolution, report=done(FallbackOutcome.KEPT)
            )
        second = resolve(reading)
        if not self._settles(second):
            return Reviewed(
                parsed=parsed, resolution=resolution, report=done(FallbackOutcome.KEPT)
            )
        _LOGGER.info("generative fallback settled %r (%s)", text, report.trigger.value)
        return Reviewed(
            parsed=reading,
            resolution=second,
            report=done(FallbackOutcome.USED),
        )
