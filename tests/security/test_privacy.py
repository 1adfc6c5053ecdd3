"""Privacy: no outbound connection, redaction of personal data, retention purge."""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient
import pytest

from resolve._compact import compact
from security._world import HOME_YAML, POLICY, Pins, ScriptedParser, make_world
from thingmind.api import create_app
from thingmind.brain import Brain, Confirmations, Security
from thingmind.bus import EventBus
from thingmind.core import Event, EventKind, ManualClock, RedactingFilter, redact
from thingmind.registry import LocalDriver, Registry, parse_home
from thingmind.resolve import Context, Gate
from thingmind.store import AuditLog, SqliteStore

if TYPE_CHECKING:
    from pathlib import Path

TOKEN = "privacy-token-0123456789"  # noqa: S105
AUTH = {"Authorization": f"Bearer {TOKEN}"}
T0 = 1_705_276_800.0


class Outbound:
    """Records (and blocks) every connection and name lookup the process attempts."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def connect(self, sock: socket.socket, address: Any) -> None:
        del sock
        self.attempts.append(f"connect {address!r}")
        msg = "outbound connections are blocked in this test"
        raise ConnectionRefusedError(msg)

    def lookup(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        del args, kwargs
        self.attempts.append(f"getaddrinfo {host!r}")
        msg = "name lookups are blocked in this test"
        raise socket.gaierror(msg)


def script_into(parser: ScriptedParser, text: str, notation: str) -> None:
    parser.script[text] = compact(notation)


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch) -> Outbound:
    spy = Outbound()
    monkeypatch.setattr(socket.socket, "connect", spy.connect)
    monkeypatch.setattr(socket.socket, "connect_ex", spy.connect)
    monkeypatch.setattr(socket, "getaddrinfo", spy.lookup)
    return spy


def test_the_spy_sees_a_connection(outbound: Outbound) -> None:
    with pytest.raises(OSError):  # noqa: PT011  (refused or lookup failed)
        socket.create_connection(("example.com", 80), timeout=1)
    assert outbound.attempts


def test_the_service_opens_no_connection(outbound: Outbound, tmp_path: Path) -> None:
    home = parse_home(HOME_YAML, source="privacy")
    clock = ManualClock(T0)
    store = SqliteStore(tmp_path / "thingmind.db", flush_interval=None)
    store.open()
    audit = AuditLog.for_store(store, clock=clock)
    gate = Gate(home, POLICY)
    security = Security(
        gate=gate,
        confirmations=Confirmations(clock=clock, pins=Pins()),
        audit=audit,
        clock=clock,
    )
    devices = LocalDriver(Registry(home))
    bus = EventBus()
    parser = ScriptedParser()
    brain = Brain(
        home=home,
        parser=parser,
        driver=devices,
        bus=bus,
        store=store,
        clock=clock,
        security=security,
    )
    app = create_app(
        brain=brain,
        driver=devices,
        bus=bus,
        store=store,
        auth=TOKEN,
        clock=clock,
        dashboard=False,
    )
    script_into(
        parser,
        "turn on the living room light",
        "turn_on: turn on the [living room light](target)",
    )
    with TestClient(app) as client:
        said = client.post(
            "/api/conversation/process",
            headers=AUTH,
            json={"text": "turn on the living room light"},
        )
        listed = client.get("/api/devices", headers=AUTH)
    brain.flush()
    verified = audit.verify()
    audit.close()
    store.close()
    assert (said.status_code, listed.status_code) == (200, 200)
    assert verified.ok
    assert outbound.attempts == []


def test_the_fallback_connects_only_to_its_configured_server(
    outbound: Outbound,
) -> None:
    from thingmind.brain import ChatClient, GenerativeFallback, LlmSettings  # noqa: PLC0415

    home = parse_home(HOME_YAML, source="privacy")
    fallback = GenerativeFallback(
        client=ChatClient(LlmSettings(url="http://127.0.0.42:8089", timeout_s=2.0))
    )
    brain = Brain(
        home=home,
        parser=ScriptedParser(),  # understands nothing: the fallback is asked
        driver=LocalDriver(Registry(home)),
        bus=EventBus(),
        fallback=fallback,
    )
    result = brain.handle_text("please brighten the reading corner")
    fallback.close()
    assert result.fallback is not None
    assert result.clarify
    assert outbound.attempts
    assert all("127.0.0.42" in attempt for attempt in outbound.attempts)


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("call me at +44 20 7946 0958", (), "call me at <phone>"),
        ("mail anna.b@example.org now", (), "mail <email> now"),
        ("my name is Bartholomew", (), "my name is <name>"),
        ("tell Anna the door is open", ("Anna",), "tell <name> the door is open"),
        ("set the heating to 21 degrees", ("Anna",), "set the heating to 21 degrees"),
        ("dial 555-0100-22", (), "dial <phone>"),
    ],
    ids=["phone", "email", "intro", "known-name", "untouched", "short-phone"],
)
def test_redaction(text: str, names: tuple[str, ...], expected: str) -> None:
    assert redact(text, names=names) == expected


def test_logs_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("thingmind.test.privacy")
    logger.addFilter(RedactingFilter(names=("Anna",)))
    with caplog.at_level(logging.INFO, logger="thingmind.test.privacy"):
        logger.info("user %s (%s) said %s", "Anna", "anna@example.org", "hi")
    assert caplog.records[0].getMessage() == "user <name> (<email>) said hi"


def test_retention_purges_history_older_than_ten_days(tmp_path: Path) -> None:
    day = 86_400.0
    now = T0 + 30 * day
    store = SqliteStore(tmp_path / "thingmind.db", flush_interval=None)
    store.open()
    store.append(
        Event(
            kind=EventKind.STATE_CHANGED,
            time=now - age * day,
            device_id="light.kitchen",
            data={"on": age % 2 == 0},
            source="sim",
        )
        for age in range(20)
    )
    store.flush()
    deleted = store.purge(before=now - 10 * day)
    left = store.count_events()
    store.close()
    assert (deleted, left) == (9, 11)


def test_the_audit_trail_keeps_sentences_redacted() -> None:
    world = make_world()
    text = "tell Anna at anna@example.org or +44 20 7946 0958 the door is open"
    world.conversation.handle(text, context=Context(user="anna", source="speech"))
    other = {"user": "guest", "source": "api", "text": "call Anna on 555-0100-22"}
    world.security.record(other)
    kept = [(r["text"], r["user"]) for r in world.records]
    assert kept == [
        ("tell <name> at <email> or <phone> the door is open", "anna"),
        ("call <name> on <phone>", "guest"),
    ]
