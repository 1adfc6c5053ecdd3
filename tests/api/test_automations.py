"""Automations over HTTP: list, create from YAML, enable/disable, delete, traces; models.

The app runs a real :class:`~thingmind.brain.AutomationManager` over the fixture home
(its engine acts through the brain), with SQLite in memory for what is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
import pytest

from api.conftest import AUTH, T0, TOKEN, TableParser, make_store
from conftest import HOME_YAML
from thingmind.api import ErrorCode, create_app
from thingmind.brain import AlertNotifier, AutomationManager, Brain
from thingmind.bus import EventBus
from thingmind.core import Event, EventKind, ManualClock
from thingmind.registry import LocalDriver, Registry, parse_home
from thingmind.rules import SiteLocation

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi import FastAPI

    from thingmind.store import SqliteStore

FILE_YAML = """
- id: door_lamp
  alias: Door lamp
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  actions: [{action: light.turn_on, target: {entity_id: light.floor_lamp}}]
"""
FROST_YAML = """
- id: garden_frost
  alias: Garden frost
  triggers: [{trigger: numeric_state, entity_id: sensor.garden_temperature, below: 3}]
  actions: [{action: notify.phone, data: {message: Frost in the garden}}]
"""


DOOR_SENTENCE = "when the front door opens turn on the bathroom light"
PARSES = {
    DOOR_SENTENCE: "when: when the [front door](target) [opens](state)"
    " | turn_on: turn on the [bathroom light](target) in the [bathroom](location)"
}


class Served:
    """The app, its brain and automations."""

    def __init__(self, app: FastAPI, brain: Brain, manager: AutomationManager) -> None:
        self.app = app
        self.brain = brain
        self.manager = manager

    def feed(self, device_id: str, **data: Any) -> None:
        """A device reports new state: the brain and the engine see it."""
        self.brain.registry.set_state(device_id, data)
        self.manager.engine.process(
            Event(
                kind=EventKind.STATE_CHANGED,
                time=self.brain.clock.now(),
                device_id=device_id,
                data=data,
            )
        )


def serve(store: SqliteStore, files: list[Path]) -> Served:
    """The API with automations from ``files`` and the store."""
    home = parse_home(HOME_YAML, source="conftest.HOME_YAML")
    devices = LocalDriver(Registry(home))
    bus = EventBus()
    clock = ManualClock(T0)
    brain = Brain(
        home=home,
        parser=TableParser(PARSES),
        driver=devices,
        bus=bus,
        store=store,
        clock=clock,
    )
    manager = AutomationManager(
        brain,
        site=SiteLocation(latitude=51.5, longitude=-0.1, timezone="UTC"),
        files=files,
        store=store,
        notifier=AlertNotifier(bus=bus, clock=clock, store=store),
    )
    app = create_app(
        brain=brain,
        driver=devices,
        bus=bus,
        store=store,
        auth=TOKEN,
        clock=clock,
        dashboard=False,
        automations=manager,
    )
    return Served(app, brain, manager)


@pytest.fixture
def served(store: SqliteStore, tmp_path: Path) -> Served:
    path = tmp_path / "automations.yaml"
    path.write_text(FILE_YAML, encoding="utf-8")
    return serve(store, [path])


@pytest.fixture
def http(served: Served) -> Iterator[TestClient]:
    with TestClient(served.app, raise_server_exceptions=False) as client:
        yield client


def _ids(http: TestClient) -> dict[str, bool]:
    response = http.get("/api/automations", headers=AUTH)
    assert response.status_code == 200
    return {a["id"]: a["enabled"] for a in response.json()}


def test_lists_the_files_automations(http: TestClient) -> None:
    (door,) = http.get("/api/automations", headers=AUTH).json()
    assert door["id"] == "door_lamp"
    assert door["origin"] == "file"
    assert door["triggers"] == ["state"]
    assert "binary_sensor.front_door" in door["yaml"]
    assert door["last_run"] is None


def test_create_from_yaml_then_it_runs_and_leaves_traces(
    http: TestClient, served: Served
) -> None:
    created = http.post("/api/automations", headers=AUTH, json={"yaml": FROST_YAML})
    assert created.status_code == 201
    assert [a["id"] for a in created.json()] == ["garden_frost"]
    assert _ids(http) == {"door_lamp": True, "garden_frost": True}
    served.feed("sensor.garden_temperature", value=1.0)
    (trace,) = http.get("/api/automations/garden_frost/traces", headers=AUTH).json()
    assert trace["outcome"] == "finished"
    assert trace["trigger"] == "sensor.garden_temperature 1 is below 3"
    assert trace["actions"][0]["kind"] == "notify"
    alerts = http.get("/api/alerts", headers=AUTH, params={"start": T0 - 1}).json()
    assert [(a["data"]["message"], a["source"]) for a in alerts] == [
        ("Frost in the garden", "rule:garden_frost")
    ]
    shown = http.get("/api/automations/garden_frost", headers=AUTH).json()
    assert shown["last_run"]["outcome"] == "finished"


def test_yaml_problems_are_listed_with_automation_path_and_line(
    http: TestClient,
) -> None:
    bad = FROST_YAML.replace("below: 3", "below: cold").replace(
        "sensor.garden_temperature", "sensor.garden_temperature, light.nowhere"
    )
    response = http.post("/api/automations", headers=AUTH, json={"yaml": bad})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == ErrorCode.VALIDATION_ERROR
    assert body["field"] == "body.yaml"
    messages = [p["message"] for p in body["problems"]]
    assert messages[0].startswith('automations[0] "Garden frost": triggers[0]')
    assert "(line 4)" in messages[0]
    assert _ids(http) == {"door_lamp": True}


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "reason"),
    [
        ("POST", "/api/automations", {"yaml": FILE_YAML}, 409, "id_taken"),
        ("DELETE", "/api/automations/door_lamp", None, 409, "from_file"),
        ("PUT", "/api/automations/door_lamp", {"yaml": FILE_YAML}, 409, "from_file"),
        ("POST", "/api/automations/nothing/enable", None, 404, "unknown_automation"),
        ("GET", "/api/automations/nothing/traces", None, 404, "unknown_automation"),
    ],
    ids=["id-taken", "delete-file", "replace-file", "unknown", "traces"],
)
def test_refusals(  # noqa: PLR0917  (one parametrized case per argument)
    http: TestClient,
    method: str,
    url: str,
    body: dict[str, str] | None,
    status: int,
    reason: str,
) -> None:
    response = http.request(method, url, headers=AUTH, json=body)
    assert response.status_code == status
    assert response.json()["reason"] == reason
    assert _ids(http) == {"door_lamp": True}


def test_disable_enable_and_delete(http: TestClient, served: Served) -> None:
    http.post("/api/automations", headers=AUTH, json={"yaml": FROST_YAML})
    off = http.post("/api/automations/door_lamp/disable", headers=AUTH)
    assert off.status_code == 200
    assert off.json()["enabled"] is False
    served.feed("binary_sensor.front_door", on=True)
    assert http.get("/api/automations/door_lamp/traces", headers=AUTH).json() == []
    on = http.post("/api/automations/door_lamp/enable", headers=AUTH)
    assert on.json()["enabled"] is True
    deleted = http.delete("/api/automations/garden_frost", headers=AUTH)
    assert deleted.status_code == 204
    assert _ids(http) == {"door_lamp": True}


def test_replace_a_created_automation(http: TestClient) -> None:
    http.post("/api/automations", headers=AUTH, json={"yaml": FROST_YAML})
    new = FROST_YAML.replace("below: 3", "below: 0")
    replaced = http.put(
        "/api/automations/garden_frost", headers=AUTH, json={"yaml": new}
    )
    assert replaced.status_code == 200
    assert "below: 0" in replaced.json()["yaml"]


def test_created_automations_survive_a_restart(
    http: TestClient, store: SqliteStore, tmp_path: Path
) -> None:
    http.post("/api/automations", headers=AUTH, json={"yaml": FROST_YAML})
    http.post("/api/automations/door_lamp/disable", headers=AUTH)
    again = serve(store, [tmp_path / "automations.yaml"])
    with TestClient(again.app) as second:
        assert _ids(second) == {"door_lamp": False, "garden_frost": True}


def test_a_sentence_becomes_a_draft_that_runs_once_confirmed(
    http: TestClient, served: Served
) -> None:
    response = http.post(
        "/api/automations/draft", headers=AUTH, json={"text": DOOR_SENTENCE}
    )
    assert response.status_code == 200
    draft = response.json()
    assert draft["ok"] is True
    assert draft["summary"]
    assert "binary_sensor.front_door" in draft["yaml"]
    assert _ids(http) == {"door_lamp": True}  # nothing runs before the confirmation
    created = http.post("/api/automations", headers=AUTH, json={"yaml": draft["yaml"]})
    (automation,) = created.json()
    served.feed("binary_sensor.front_door", on=True)
    assert served.brain.registry.state("light.bathroom")["on"] is True
    traces = http.get(f"/api/automations/{automation['id']}/traces", headers=AUTH)
    assert [t["outcome"] for t in traces.json()] == ["finished"]


def test_a_sentence_that_sets_nothing_up_says_why(http: TestClient) -> None:
    response = http.post(
        "/api/automations/draft", headers=AUTH, json={"text": "tell me a joke"}
    )
    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert response.json()["problem"]


def test_draft_names_an_unknown_area(http: TestClient) -> None:
    response = http.post(
        "/api/automations/draft",
        headers=AUTH,
        json={"text": DOOR_SENTENCE, "area_id": "attic"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body.area_id"


def test_without_automations_the_routes_say_so(client: TestClient) -> None:
    response = client.get("/api/automations", headers=AUTH)
    assert response.status_code == 404
    assert response.json()["error"] == ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/models/training"),
        ("POST", "/api/models/training"),
        ("POST", "/api/models/v1/deploy"),
    ],
    ids=["progress", "start", "deploy"],
)
def test_models_need_a_registry(client: TestClient, method: str, url: str) -> None:
    response = client.request(method, url, headers=AUTH)
    assert response.status_code == 404
    assert response.json()["error"] == ErrorCode.NOT_FOUND


def test_stream_carries_rule_alerts(http: TestClient, served: Served) -> None:
    http.post("/api/automations", headers=AUTH, json={"yaml": FROST_YAML})
    with http.websocket_connect(f"/api/stream?token={TOKEN}&kinds=alert") as ws:
        assert ws.receive_json()["type"] == "hello"
        served.feed("sensor.garden_temperature", value=1.0)
        message = ws.receive_json()
    assert message["type"] == "alert"
    assert message["data"]["message"] == "Frost in the garden"
    assert message["source"] == "rule:garden_frost"


# ---------------------------------------------------------------- schemathesis

schemathesis = pytest.importorskip("schemathesis")
checks = pytest.importorskip("schemathesis.checks")


def _schema_app() -> FastAPI:
    store = make_store()
    return serve(store, []).app


schema = schemathesis.openapi.from_asgi("/api/openapi.json", _schema_app()).include(
    path_regex="^/api/(automations|models)"
)


@pytest.mark.slow
@schema.parametrize()  # type: ignore[untyped-decorator]
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_automation_routes_keep_their_schema(case: Any) -> None:
    case.call_and_validate(
        headers=AUTH,
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
        ],
    )
