"""The API passes the one gate: tokens name users, service calls are checked.

The site is the security suite's (a front door lock, a guest who may use the living
room's lights); the brain has the real gate, confirmations and an audit trail, and
the API authenticates users' tokens from the credentials store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
import pytest

from security._world import HOME_YAML, POLICY, Pins, ScriptedParser, noon
from thingmind.api import CredentialsAuth, ErrorCode, create_app
from thingmind.brain import Brain, Confirmations, Security
from thingmind.bus import EventBus
from thingmind.core import ManualClock
from thingmind.registry import LocalDriver, Registry, parse_home
from thingmind.resolve import Gate
from thingmind.store import AuditLog, Credentials, SqliteStore, database_for

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

BOOTSTRAP = "bootstrap-owner-token"


class Api:
    """A test client with its brain, audit trail and users' tokens."""

    def __init__(self, client: TestClient, brain: Brain, audit: AuditLog) -> None:
        self.client = client
        self.brain = brain
        self.audit = audit
        self.tokens: dict[str, str] = {}

    def headers(self, user: str) -> dict[str, str]:
        token = BOOTSTRAP if user == "owner" else self.tokens[user]
        return {"Authorization": f"Bearer {token}"}

    def state(self, device_id: str) -> dict[str, object]:
        return dict(self.brain.registry.state(device_id))


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    home = parse_home(HOME_YAML, source="security._world")
    store = SqliteStore(tmp_path / "site.db")
    store.open()
    db = database_for(store)
    credentials = Credentials(
        db, hasher=PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )
    audit = AuditLog(db)
    clock = ManualClock(noon())
    security = Security(
        gate=Gate(home, POLICY),
        confirmations=Confirmations(clock=clock, ttl=60, pins=Pins()),
        audit=audit,
        clock=clock,
    )
    driver = LocalDriver(Registry(home))
    bus = EventBus()
    brain = Brain(
        home=home,
        parser=ScriptedParser(),
        driver=driver,
        bus=bus,
        store=store,
        clock=clock,
        security=security,
    )
    app = create_app(
        brain=brain,
        driver=driver,
        bus=bus,
        store=store,
        auth=CredentialsAuth(credentials, bootstrap=BOOTSTRAP),
        clock=clock,
        audit=audit,
        dashboard=False,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        wired = Api(client, brain, audit)
        for user in ("guest", "anna", "mallory"):
            wired.tokens[user] = credentials.add_token(user)
        yield wired
    db.close()
    store.close()


def _call(
    api: Api, user: str, device_id: str, service: str
) -> tuple[int, dict[str, object]]:
    response = api.client.post(
        f"/api/devices/{device_id}/services/{service}",
        headers=api.headers(user),
        json={"params": {}},
    )
    return response.status_code, response.json()


def test_guest_token_cannot_unlock_the_front_door(api: Api) -> None:
    status, body = _call(api, "guest", "lock.front_door", "unlock")
    assert status == 404  # a device the guest may not see is not found either
    assert body["error"] == ErrorCode.NOT_FOUND
    assert api.state("lock.front_door")["locked"] is True


def test_guest_may_use_the_living_room_light(api: Api) -> None:
    status, body = _call(api, "guest", "light.living_room", "turn_on")
    assert status == 200
    assert body["done"] is True
    assert api.state("light.living_room")["on"] is True


def test_guest_is_refused_a_visible_device_it_may_not_use(api: Api) -> None:
    status, body = _call(api, "guest", "cover.blinds", "open_cover")
    assert status == 403
    assert body["error"] == ErrorCode.FORBIDDEN
    assert body["reason"] == "not_permitted"
    assert api.state("cover.blinds")["open"] is False


def test_unknown_users_token_changes_nothing(api: Api) -> None:
    status, body = _call(api, "mallory", "light.living_room", "turn_on")
    assert (status, body["error"]) == (404, ErrorCode.NOT_FOUND)  # sees nothing
    assert api.state("light.living_room")["on"] is False


def test_owner_unlock_is_held_until_the_pin(api: Api) -> None:
    status, body = _call(api, "owner", "lock.front_door", "unlock")
    assert status == 202
    assert body["done"] is False
    assert body["pending"] is not None
    assert api.state("lock.front_door")["locked"] is True
    said_yes = api.client.post(
        "/api/conversation/process", headers=api.headers("owner"), json={"text": "yes"}
    )
    assert said_yes.json()["refused"] is True  # remote: a yes is not enough
    assert api.state("lock.front_door")["locked"] is True
    pin = api.client.post(
        "/api/conversation/process", headers=api.headers("owner"), json={"text": "4321"}
    )
    assert pin.status_code == 200
    assert api.state("lock.front_door")["locked"] is False


def test_wrong_token_is_unauthorized(api: Api) -> None:
    response = api.client.get(
        "/api/devices", headers={"Authorization": "Bearer tm_nope_nope"}
    )
    assert response.status_code == 401


def test_guest_lists_only_what_it_may_see(api: Api) -> None:
    response = api.client.get("/api/devices", headers=api.headers("guest"))
    ids = {d["id"] for d in response.json()}
    assert "lock.front_door" not in ids
    assert "light.living_room" in ids


def test_audit_is_for_the_owner_only(api: Api) -> None:
    _call(api, "guest", "cover.blinds", "open_cover")
    refused = api.client.get("/api/audit", headers=api.headers("guest"))
    assert refused.status_code == 403
    shown = api.client.get("/api/audit", headers=api.headers("owner"))
    assert shown.status_code == 200
    records = [r["record"] for r in shown.json()]
    assert {"user": "guest", "source": "api", "decision": "deny"}.items() <= records[
        -1
    ].items()


def test_corrections_need_learning(api: Api) -> None:
    response = api.client.post(
        "/api/conversation/correct", headers=api.headers("owner"), json={}
    )
    assert response.status_code == 422
    assert response.json()["error"] == ErrorCode.UNSUPPORTED


def test_models_need_a_registry(api: Api) -> None:
    response = api.client.get("/api/models", headers=api.headers("owner"))
    assert response.status_code == 404
