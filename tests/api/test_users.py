"""Users and tokens over HTTP: owner only; export, erasure, tokens made and revoked.

The site is the security suite's (owner, anna the resident, a guest, ...), with the
real gate, an audit trail and users' tokens in an SQLite file; Schemathesis runs over
these routes of that fully wired app.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from security._world import HOME_YAML, POLICY, Pins, ScriptedParser, noon
from thingmind.api import CredentialsAuth, ErrorCode, create_app
from thingmind.brain import Brain, Confirmations, CorrectionsOfUsers, Security
from thingmind.bus import EventBus
from thingmind.core import Event, EventKind, ManualClock
from thingmind.registry import LocalDriver, Registry, parse_home
from thingmind.resolve import Gate
from thingmind.store import AuditLog, Credentials, SqliteStore, UserData, database_for

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi import FastAPI

BOOTSTRAP = "bootstrap-owner-token"
OWNER = {"Authorization": f"Bearer {BOOTSTRAP}"}


class Wired:
    """The app, its audit trail and corrections log, and users' tokens."""

    def __init__(self, tmp_path: Path, *, with_users: bool = True) -> None:
        home = parse_home(HOME_YAML, source="security._world")
        self.store = SqliteStore(tmp_path / "site.db", flush_interval=None)
        self.store.open()
        self.db = database_for(self.store)
        self.clock = ManualClock(noon())
        self.audit = AuditLog(self.db, clock=self.clock)
        credentials = Credentials(
            self.db,
            clock=self.clock,
            hasher=PasswordHasher(time_cost=1, memory_cost=64, parallelism=1),
        )
        self.corrections = tmp_path / "corrections.jsonl"
        self.corrections.write_text(
            json.dumps({"user": "anna", "sentence": "the porch light"}) + "\n",
            encoding="utf-8",
        )
        self.data = UserData(
            self.db,
            store=self.store,
            audit=self.audit,
            credentials=credentials,
            others=[CorrectionsOfUsers(self.corrections)],
            clock=self.clock,
        )
        security = Security(
            gate=Gate(home, POLICY),
            confirmations=Confirmations(clock=self.clock, ttl=60, pins=Pins()),
            audit=self.audit,
            clock=self.clock,
        )
        driver = LocalDriver(Registry(home))
        bus = EventBus()
        brain = Brain(
            home=home,
            parser=ScriptedParser(),
            driver=driver,
            bus=bus,
            store=self.store,
            clock=self.clock,
            security=security,
        )
        self.app: FastAPI = create_app(
            brain=brain,
            driver=driver,
            bus=bus,
            store=self.store,
            auth=CredentialsAuth(credentials, bootstrap=BOOTSTRAP),
            clock=self.clock,
            audit=self.audit,
            dashboard=False,
            users=self.data if with_users else None,
        )
        self.tokens = {u: credentials.add_token(u) for u in ("anna", "guest")}

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def close(self) -> None:
        self.db.close()
        self.store.close()


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[Wired]:
    made = Wired(tmp_path)
    yield made
    made.close()


@pytest.fixture
def client(wired: Wired) -> Iterator[TestClient]:
    with TestClient(wired.app, raise_server_exceptions=False) as client:
        yield client


def test_the_owner_lists_users_with_roles_and_tokens(client: TestClient) -> None:
    response = client.get("/api/users", headers=OWNER)
    users = {u["id"]: (u["role"], u["tokens"]) for u in response.json()}
    assert response.status_code == 200
    assert users["anna"] == ("resident", 1)
    assert users["guest"] == ("guest", 1)
    assert users["owner"] == ("owner", 0)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/users"),
        ("GET", "/api/users/anna/export"),
        ("DELETE", "/api/users/guest/data"),
        ("GET", "/api/tokens"),
        ("POST", "/api/tokens"),
        ("DELETE", "/api/tokens/abc"),
    ],
    ids=["users", "export", "delete", "tokens", "new-token", "revoke"],
)
def test_only_the_owner_may(
    wired: Wired, client: TestClient, method: str, path: str
) -> None:
    body = {"user": "anna"} if method == "POST" else None
    response = client.request(method, path, headers=wired.auth("anna"), json=body)
    assert (response.status_code, response.json()["error"]) == (
        403,
        ErrorCode.FORBIDDEN,
    )


def test_a_token_is_shown_once_then_listed_without_its_secret(
    client: TestClient,
) -> None:
    made = client.post(
        "/api/tokens", headers=OWNER, json={"user": "anna", "label": "tablet"}
    )
    token = made.json()["token"]
    works = client.get("/api/devices", headers={"Authorization": f"Bearer {token}"})
    listed = client.get("/api/tokens", headers=OWNER, params={"user": "anna"})
    assert made.status_code == 201
    assert works.status_code == 200
    assert sorted(t["label"] for t in listed.json()) == ["", "tablet"]
    assert token.split("_", 2)[2] not in listed.text
    assert "argon2" not in listed.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "mallory"}, "body.user"),
        ({"user": "tab\there"}, "body.user"),
        ({"user": "anna", "label": "x" * 201}, "body.label"),
        ({"user": "anna", "secret": "mine"}, "body.secret"),
    ],
    ids=["not-in-policy", "bad-id", "long-label", "extra-field"],
)
def test_a_bad_token_request_names_its_field(
    client: TestClient, body: dict[str, str], field: str
) -> None:
    response = client.post("/api/tokens", headers=OWNER, json=body)
    assert (response.status_code, response.json()["field"]) == (422, field)


def test_a_revoked_token_stops_working_at_once(
    wired: Wired, client: TestClient
) -> None:
    before = client.get("/api/devices", headers=wired.auth("guest"))  # now cached
    token_id = wired.tokens["guest"].split("_", 2)[1]
    revoked = client.delete(f"/api/tokens/{token_id}", headers=OWNER)
    after = client.get("/api/devices", headers=wired.auth("guest"))
    again = client.delete(f"/api/tokens/{token_id}", headers=OWNER)
    assert before.status_code == 200
    assert (revoked.status_code, revoked.json()["revoked"] is not None) == (200, True)
    assert after.status_code == 401
    assert (again.status_code, again.json()["field"]) == (404, "path.token_id")


def _anna_switched_a_light(wired: Wired) -> None:
    """Anna's service call, as the brain keeps it from the bus (source user:anna)."""
    wired.store.append(
        [
            Event(
                kind=EventKind.ACTION,
                time=wired.clock.now(),
                device_id="light.living_room",
                data={"service": "turn_on"},
                source="user:anna",
            )
        ]
    )


def test_the_export_holds_the_users_data(wired: Wired, client: TestClient) -> None:
    client.post(
        "/api/devices/light.living_room/services/turn_on", headers=wired.auth("anna")
    )
    _anna_switched_a_light(wired)
    response = client.get("/api/users/anna/export", headers=OWNER)
    document: Any = response.json()
    assert response.status_code == 200
    assert document["user"] == "anna"
    assert [t["user"] for t in document["tokens"]] == ["anna"]
    assert [a["record"]["user"] for a in document["audit"]] == ["anna"]
    assert [e["device_id"] for e in document["events"]] == ["light.living_room"]
    assert document["corrections"] == [{"user": "anna", "sentence": "the porch light"}]
    assert wired.tokens["anna"].split("_", 2)[2] not in response.text


def test_deleting_a_users_data_keeps_the_trail_verifiable(
    wired: Wired, client: TestClient
) -> None:
    client.post(
        "/api/devices/light.living_room/services/turn_on", headers=wired.auth("anna")
    )
    _anna_switched_a_light(wired)
    deleted = client.delete("/api/users/anna/data", headers=OWNER)
    after = client.get("/api/devices", headers=wired.auth("anna"))
    exported: Any = client.get("/api/users/anna/export", headers=OWNER).json()
    verified = wired.audit.verify()
    assert deleted.status_code == 200
    assert (deleted.json()["tokens"], deleted.json()["events"]) == (1, 1)
    assert deleted.json()["audit_records"] >= 1
    assert deleted.json()["other"] == {"corrections": 1}
    assert after.status_code == 401
    assert (exported["tokens"], exported["events"], exported["corrections"]) == (
        [],
        [],
        [],
    )
    assert exported["audit"] == []
    assert (verified.ok, verified.erased >= 1) == (True, True)


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/users/nobody/export", 404, "path.user_id"),
        ("/api/users/nobody/data", 404, "path.user_id"),
        ("/api/users/owner/data", 409, "path.user_id"),
    ],
    ids=["export-unknown", "delete-unknown", "delete-self"],
)
def test_unknown_users_and_self_deletion_are_refused(
    client: TestClient, path: str, status: int, field: str
) -> None:
    method = "GET" if path.endswith("export") else "DELETE"
    response = client.request(method, path, headers=OWNER)
    assert (response.status_code, response.json()["field"]) == (status, field)


def test_without_users_data_the_routes_say_so(tmp_path: Path) -> None:
    wired = Wired(tmp_path, with_users=False)
    with TestClient(wired.app, raise_server_exceptions=False) as client:
        tokens = client.get("/api/tokens", headers=OWNER)
        users = client.get("/api/users", headers=OWNER)
    wired.close()
    assert (tokens.status_code, tokens.json()["error"]) == (404, ErrorCode.NOT_FOUND)
    assert [u["id"] for u in users.json()] == sorted(POLICY.users)


# ------------------------------------------------------------------ schemathesis

schemathesis = pytest.importorskip("schemathesis")
checks = pytest.importorskip("schemathesis.checks")


OPERATIONS = r"^/api/(users|tokens)"
"""The routes of this module, for Schemathesis."""


@pytest.mark.slow
def test_users_routes_keep_their_schema(wired: Wired) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", wired.app)
    operations = [
        result.ok()
        for result in schema.include(path_regex=OPERATIONS).get_all_operations()
    ]

    @given(data=st.data())
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    def check(data: st.DataObject) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        case.call_and_validate(
            headers=OWNER,
            checks=[
                checks.not_a_server_error,
                checks.status_code_conformance,
                checks.content_type_conformance,
                checks.response_schema_conformance,
            ],
        )

    assert len(operations) == 6
    check()
