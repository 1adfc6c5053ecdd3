"""The fallback's answer: its JSON schema, and how an answer becomes a parse.

The answer is data. :func:`parse_answer` checks it against :func:`command_schema` and
places every slot on the sentence's own words; what the person did not say is dropped
(docs/fallback.md).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from thingmind.core import ThingmindError
from thingmind.nlu import MAX_WORDS, Clause, Intent, ParsedCommand, Slot, Span, words_of

if TYPE_CHECKING:
    from collections.abc import Sequence

_LOGGER = logging.getLogger(__name__)

MAX_COMMANDS = 4
"""The most commands one answer may hold."""
MAX_SLOT_CHARS = 80
"""The longest text one slot of an answer may have."""
SCHEMA_NAME = "thingmind_commands"
"""The schema's name in requests."""
_FUZZY_SPAN = 85.0  # 0-100: "kitchn light" still locates "kitchen light"


class InvalidAnswerError(ThingmindError):
    """The model's answer does not fit the command schema; the message says where."""


# ============================================================================ schema


def command_schema() -> dict[str, Any]:
    """The JSON schema of the fallback's answer.

    ``{"commands": [{"intent": "turn_on", "target": "porch light", ...}]}``: each
    command has an intent of :class:`~thingmind.nlu.Intent` and, for each slot of
    :class:`~thingmind.nlu.Slot` the sentence says, the words that say it.

    Returns:
        A JSON schema (draft 2020-12 subset that llama.cpp, vLLM and Ollama take).
    """
    slots = {s.value: {"type": "string", "maxLength": MAX_SLOT_CHARS} for s in Slot}
    command = {
        "type": "object",
        "properties": {
            "intent": {"type": "string", "enum": [i.value for i in Intent]},
            **slots,
        },
        "required": ["intent"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "commands": {
                "type": "array",
                "items": command,
                "minItems": 0,
                "maxItems": MAX_COMMANDS,
            }
        },
        "required": ["commands"],
        "additionalProperties": False,
    }


# ============================================================================ answer


def _check_answer(content: str) -> list[dict[str, str]]:
    """Parse and validate the answer's JSON; return its commands (slots as text)."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError as err:
        msg = f"answer is not JSON ({err.msg} at character {err.pos})"
        raise InvalidAnswerError(msg) from err
    if not isinstance(data, dict):
        msg = f"answer must be a JSON object, got {type(data).__name__}"
        raise InvalidAnswerError(msg)
    extra = sorted(set(data) - {"commands"})
    if extra:
        msg = f"answer has unknown member(s) {', '.join(map(repr, extra))}"
        raise InvalidAnswerError(msg)
    commands = data.get("commands")
    if not isinstance(commands, list):
        msg = "answer.commands must be a list"
        raise InvalidAnswerError(msg)
    if len(commands) > MAX_COMMANDS:
        msg = f"answer.commands has {len(commands)} items, at most {MAX_COMMANDS}"
        raise InvalidAnswerError(msg)
    slot_names = {s.value for s in Slot}
    out: list[dict[str, str]] = []
    for k, item in enumerate(commands):
        where = f"answer.commands[{k}]"
        if not isinstance(item, dict):
            msg = f"{where} must be an object"
            raise InvalidAnswerError(msg)
        intent = item.get("intent")
        if not isinstance(intent, str) or intent not in Intent.__members__.values():
            msg = f"{where}.intent {intent!r} is not one of thingmind's intents"
            raise InvalidAnswerError(msg)
        command = {"intent": intent}
        for key, value in item.items():
            if key == "intent":
                continue
            if key not in slot_names:
                msg = f"{where}.{key} is not a slot"
                raise InvalidAnswerError(msg)
            if value is None:
                continue
            if not isinstance(value, str):
                msg = f"{where}.{key} must be text, got {type(value).__name__}"
                raise InvalidAnswerError(msg)
            if len(value) > MAX_SLOT_CHARS:
                msg = f"{where}.{key} is longer than {MAX_SLOT_CHARS} characters"
                raise InvalidAnswerError(msg)
            if value.strip():
                command[key] = value.strip()
        out.append(command)
    return out


def _locate(
    words: Sequence[str], phrase: Sequence[str], taken: Sequence[bool], start: int
) -> tuple[int, int] | None:
    """Where the phrase's words are in the sentence, from ``start`` on (then anywhere).

    Exact (case-insensitive) first, then the closest window of the same length that
    scores at least the fuzzy cutoff; words already taken by a span are skipped.
    """
    n = len(phrase)
    if n == 0 or n > len(words):
        return None
    target = [w.casefold() for w in phrase]
    lowered = [w.casefold() for w in words]
    free = [i for i in range(len(words) - n + 1) if not any(taken[i : i + n])]
    order = [i for i in free if i >= start] + [i for i in free if i < start]
    for i in order:
        if lowered[i : i + n] == target:
            return i, i + n
    joined = " ".join(target)
    best: tuple[float, int] | None = None
    for i in order:
        score = fuzz.ratio(joined, " ".join(lowered[i : i + n]))
        if score >= _FUZZY_SPAN and (best is None or score > best[0]):
            best = (score, i)
    return None if best is None else (best[1], best[1] + n)


def parse_answer(
    text: str, content: str, *, model_version: str = "llm"
) -> ParsedCommand:
    """Turn the model's answer into a parse of the sentence.

    Each slot's words are located in the sentence's own words (:func:`words_of`, the
    encoder's split): the spans are the person's words, never the model's. A slot whose
    words are not in the sentence is dropped, and so is a command that named slots of
    which none was found. Commands become clauses in sentence order; the words between
    two commands belong to the second ("and lock the").

    Args:
        text: The sentence.
        content: The model's answer (JSON text).
        model_version: Recorded on the parse.

    Returns:
        The parse; its confidence is the share of the answer's slots found in the
        sentence (1.0 when it names none).

    Raises:
        InvalidAnswerError: When the answer does not fit :func:`command_schema`.
    """
    commands = _check_answer(content)
    words = [w for w, _, _ in words_of(text)][:MAX_WORDS]
    taken = [False] * len(words)
    said = found = 0
    located: list[tuple[Intent, list[Span]]] = []
    cursor = 0
    for command in commands:
        spans: list[Span] = []
        for key, value in command.items():
            if key == "intent":
                continue
            said += 1
            phrase = [w for w, _, _ in words_of(value)]
            where = _locate(words, phrase, taken, cursor)
            if where is None:
                _LOGGER.debug("fallback %s %r is not in the sentence", key, value)
                continue
            a, b = where
            taken[a:b] = [True] * (b - a)
            found += 1
            spans.append(
                Span(slot=Slot(key), text=" ".join(words[a:b]), start=a, end=b)
            )
        if len(command) > 1 and not spans:
            # every word it gave is missing from the sentence: it is about something
            # the person did not say, so it is not carried out in any form
            continue
        spans.sort(key=lambda s: s.start)
        if spans:
            cursor = spans[-1].end
        located.append((Intent(command["intent"]), spans))
    clauses = _clauses(located, len(words))
    return ParsedCommand(
        text=text,
        words=tuple(words),
        clauses=tuple(clauses),
        confidence=found / said if said else 1.0,
        model_version=model_version,
    )


def _clauses(located: list[tuple[Intent, list[Span]]], n: int) -> list[Clause]:
    """Lay commands over the sentence's words, in order, without overlap."""
    if n == 0:
        return []
    # sentence order: by first span; a command without spans keeps its place after
    # the one before it
    keyed: list[tuple[float, int, Intent, list[Span]]] = []
    last = -1.0
    for k, (intent, spans) in enumerate(located):
        key = float(spans[0].start) if spans else last + 0.5
        last = key
        keyed.append((key, k, intent, spans))
    keyed.sort(key=lambda t: (t[0], t[1]))
    # A command starts where the one before it stops naming things: the words
    # between ("and lock the") are the next command's, as the encoder tags them.
    starts: list[int] = []
    prev_end: int | None = None
    for k, (_, _, _, spans) in enumerate(keyed):
        if k == 0:
            start = 0
        elif prev_end is not None:
            start = min(prev_end, spans[0].start) if spans else prev_end
        else:
            start = spans[0].start if spans else starts[-1] + 1
        start = max(start, starts[-1] + 1) if starts else start
        starts.append(start)
        prev_end = max((s.end for s in spans), default=None)
    out: list[Clause] = []
    for k, (_, _, intent, spans) in enumerate(keyed):
        start = starts[k]
        end = starts[k + 1] if k + 1 < len(starts) else n
        if start >= min(end, n):
            continue  # no word left for it
        end = min(end, n)
        inside = tuple(s for s in spans if start <= s.start and s.end <= end)
        out.append(Clause(intent=intent, spans=inside, start=start, end=end))
    return out
