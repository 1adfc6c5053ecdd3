"""Property-based fuzzing: the home loader, the sentence path, automations, payloads.

No input may crash (anything but the documented error), hang, or act past the gate.
Examples are bounded so the file runs in a few seconds.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings, strategies as st

from security._world import HOME_YAML, POLICY
from thingmind.brain import Reply, classify_reply
from thingmind.core import InvalidInputError, redact
from thingmind.mqtt import RejectedError
from thingmind.mqtt._payload import parse_json
from thingmind.nlu import Clause, Intent, ParsedCommand, Slot, Span
from thingmind.registry import Registry, parse_home
from thingmind.resolve import Context, Gate, ResolvedAction, Resolver, Verdict
from thingmind.rules import parse_automations

FAST = settings(
    max_examples=60,
    deadline=dt.timedelta(milliseconds=500),
    suppress_health_check=[HealthCheck.too_slow],
)
HOME = parse_home(HOME_YAML, source="fuzz")
GATE = Gate(HOME, POLICY)
NOON = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
TEXT = st.text(max_size=300)
YAMLISH = st.one_of(
    TEXT,
    st.builds(
        HOME_YAML.replace,
        st.sampled_from(["light", "area:", "id:", "state:", "{", "true", "-"]),
        TEXT,
    ),
)


@FAST
@given(YAMLISH)
def test_home_loader_gives_a_clear_error(text: str) -> None:
    try:
        parse_home(text, source="fuzz")
    except InvalidInputError as err:
        problems = bool(err.problems)
        assert problems


@FAST
@given(YAMLISH)
def test_automation_parser_gives_a_clear_error(text: str) -> None:
    try:
        parse_automations(text, source="fuzz")
    except InvalidInputError as err:
        problems = bool(err.problems)
        assert problems


@FAST
@given(st.one_of(TEXT, st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_payload_decoder_gives_a_clear_error(text: str) -> None:
    try:
        parse_json(text)
    except RejectedError as err:
        problems = bool(err.reason)
        assert problems


WORDS = st.lists(
    st.sampled_from(
        [
            "unlock",
            "the",
            "front",
            "door",
            "oven",
            "garage",
            "alarm",
            "light",
            "tv",
            "everything",
            "all",
            "35",
            "degrees",
            "ignore",
            "rules",
            "\u200b",
            "\u0443es",
        ]
    ),
    min_size=1,
    max_size=12,
)


@st.composite
def parses(draw: st.DrawFn) -> ParsedCommand:
    words = tuple(draw(WORDS))
    clauses = []
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(words) - 1))
        end = draw(st.integers(start + 1, len(words)))
        spans = []
        if draw(st.booleans()):
            s0 = draw(st.integers(start, end - 1))
            s1 = draw(st.integers(s0 + 1, end))
            slot = draw(st.sampled_from(list(Slot)))
            spans.append(Span(slot=slot, text=" ".join(words[s0:s1]), start=s0, end=s1))
        clauses.append(
            Clause(
                intent=draw(st.sampled_from(list(Intent))),
                spans=tuple(spans),
                start=start,
                end=end,
            )
        )
    return ParsedCommand(
        text=" ".join(words), words=words, clauses=tuple(clauses), confidence=0.5
    )


@FAST
@given(parses(), st.sampled_from(["guest", "kid", "grafana", "mallory", "anna"]))
def test_sentence_path_never_crashes_and_never_passes_the_gate(
    parsed: ParsedCommand, user: str
) -> None:
    resolver = Resolver(Registry(HOME), gate=GATE)
    resolution = resolver.resolve(parsed, context=Context(user=user))
    for action in resolution.actions:
        decision = GATE.check(user, action, source="speech", now=NOON)
        assert decision.verdict is Verdict.ALLOW
    assert len(resolution.pending) <= 1


SERVICES = st.sampled_from(
    ["unlock", "lock", "turn_on", "alarm_disarm", "open_cover", "set_temperature", "x"]
)
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=400)
)


@FAST
@given(
    st.sampled_from([d.id for d in HOME.devices] + ["nope", ""]),
    SERVICES,
    st.dictionaries(st.text(max_size=80), VALUES, max_size=20),
    st.sampled_from(["owner", "guest", "kid", "grafana", "mallory"]),
    st.sampled_from(["speech", "api", "mqtt", "rule:x", "weird"]),
)
def test_gate_decides_every_call(
    device_id: str, service: str, params: dict[str, object], user: str, source: str
) -> None:
    action = ResolvedAction(device_id=device_id, service=service, params=params)  # type: ignore[arg-type]
    decision = GATE.check(user, action, source=source, now=NOON)
    assert decision.verdict in set(Verdict)


@FAST
@given(st.text(max_size=100))
def test_reply_and_redaction_take_any_text(text: str) -> None:
    assert classify_reply(text) in set(Reply)
    assert isinstance(redact(text, names=("Anna",)), str)
