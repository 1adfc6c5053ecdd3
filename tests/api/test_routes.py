"""The HTTP contract: site, devices, services, history, events, errors, auth, metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from api.conftest import AUTH, READINGS, T0, TOKEN
from thingmind.api import ErrorCode

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def _get(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, headers=AUTH, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_health_needs_no_token(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/sites"),
        ("GET", "/api/devices"),
        ("GET", "/api/devices/light.floor_lamp/history"),
        ("POST", "/api/devices/light.floor_lamp/services/turn_on"),
        ("POST", "/api/conversation/process"),
        ("GET", "/metrics"),
    ],
    ids=["sites", "devices", "history", "service", "conversation", "metrics"],
)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-000"},
        {"Authorization": f"Basic {TOKEN}"},
    ],
    ids=["none", "wrong", "basic"],
)
def test_everything_else_needs_the_token(
    client: TestClient, method: str, url: str, headers: dict[str, str]
) -> None:
    response = client.request(method, url, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == ErrorCode.UNAUTHORIZED
    assert body["field"] == "header.authorization"
    assert response.headers["www-authenticate"] == "Bearer"


def test_site_lists_one_site_with_its_clock(client: TestClient) -> None:
    sites = _get(client, "/api/sites")
    assert [s["id"] for s in sites] == ["home"]
    assert sites[0]["devices"] == 14
    assert sites[0]["time"] == T0
    assert _get(client, "/api/sites/home")["areas"] == 5


def test_floors_and_areas(client: TestClient) -> None:
    floors = _get(client, "/api/floors")
    assert [f["id"] for f in floors] == ["ground", "first"]
    assert floors[0]["areas"] == ["living_room", "guest_bathroom"]
    areas = _get(client, "/api/areas", floor="first")
    assert [a["id"] for a in areas] == ["bathroom", "kids_room"]
    kids = _get(client, "/api/areas/kids_room")
    assert kids["devices"] == ["light.kids_room", "fan.kids_room"]


def test_devices_carry_live_state_and_filters(client: TestClient) -> None:
    devices = {d["id"]: d for d in _get(client, "/api/devices")}
    assert devices["light.living_room_ceiling"]["state"]["on"] is True
    assert devices["light.living_room_ceiling"]["floor"] == "ground"
    assert devices["sensor.garden_temperature"]["read_only"] is True
    assert "turn_on" in devices["light.floor_lamp"]["services"]
    lights = _get(client, "/api/devices", type="light", floor="first")
    assert [d["id"] for d in lights] == ["light.bathroom", "light.kids_room"]


def test_services_describe_their_parameters(client: TestClient) -> None:
    services = {
        s["name"]: s for s in _get(client, "/api/devices/light.bathroom/services")
    }
    assert set(services) == {"turn_on", "turn_off", "toggle"}
    brightness = {p["name"]: p for p in services["turn_on"]["params"]}["brightness"]
    assert (brightness["kind"], brightness["minimum"], brightness["maximum"]) == (
        "number",
        0,
        100,
    )
    # light.bathroom has no colour: the parameter is not offered
    assert "color" not in {p["name"] for p in services["turn_on"]["params"]}


def test_service_call_changes_state_and_history(client: TestClient) -> None:
    response = client.post(
        "/api/devices/light.bathroom/services/turn_on",
        headers=AUTH,
        json={"params": {"brightness": 40}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changes"] == {"on": True, "brightness": 40}
    assert _get(client, "/api/devices/light.bathroom/state") == {
        "on": True,
        "brightness": 40,
    }
    toggled = client.post("/api/devices/light.bathroom/services/toggle", headers=AUTH)
    assert toggled.json()["state"]["on"] is False


@pytest.mark.parametrize(
    ("url", "params", "status", "code", "field", "reason"),
    [
        (
            "/api/devices/light.nope/services/turn_on",
            {},
            404,
            ErrorCode.NOT_FOUND,
            "path.device_id",
            None,
        ),
        (
            "/api/devices/light.bathroom/services/fly",
            {},
            404,
            ErrorCode.NOT_FOUND,
            "path.service",
            None,
        ),
        (
            "/api/devices/light.bathroom/services/turn_on",
            {"brightness": 150},
            422,
            ErrorCode.SERVICE_REFUSED,
            "body.params.brightness",
            "out_of_range",
        ),
        (
            "/api/devices/light.bathroom/services/turn_on",
            {"speed": 3},
            422,
            ErrorCode.SERVICE_REFUSED,
            "body.params.speed",
            "bad_value",
        ),
        (
            "/api/devices/sensor.garden_temperature/services/turn_on",
            {},
            404,
            ErrorCode.NOT_FOUND,
            "path.service",
            None,
        ),
    ],
    ids=["no-device", "no-service", "out-of-range", "unknown-param", "sensor"],
)
def test_refused_service_calls_name_the_field(  # noqa: PLR0917
    client: TestClient,
    url: str,
    params: dict[str, Any],
    status: int,
    code: ErrorCode,
    field: str,
    reason: str | None,
) -> None:
    response = client.post(url, headers=AUTH, json={"params": params})
    assert response.status_code == status
    body = response.json()
    assert (body["error"], body["field"], body["reason"]) == (code, field, reason)
    assert body["message"]


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code", "field"),
    [
        (
            {"json": {"params": {"brightness": [1]}}},
            422,
            "validation_error",
            "body.params.brightness",
        ),
        ({"json": {"parameters": {}}}, 422, "validation_error", "body.parameters"),
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "bad_request",
            "body.1",
        ),
    ],
    ids=["bad-value-type", "unknown-field", "broken-json"],
)
def test_bad_bodies_are_json_errors(
    client: TestClient,
    request_kwargs: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    headers = {**AUTH, **request_kwargs.pop("headers", {})}
    response = client.post(
        "/api/devices/light.bathroom/services/turn_on",
        headers=headers,
        **request_kwargs,
    )
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["field"].startswith(field)
    assert "Traceback" not in response.text


def test_unknown_route_and_method_are_json(client: TestClient) -> None:
    missing = client.get("/api/nothing", headers=AUTH)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    wrong = client.delete("/api/devices", headers=AUTH)
    assert (wrong.status_code, wrong.json()["error"]) == (405, "method_not_allowed")


def test_history_returns_raw_readings_for_short_ranges(client: TestClient) -> None:
    body = _get(
        client,
        "/api/devices/sensor.garden_temperature/history",
        start=T0 - 600,
        end=T0,
    )
    assert body["key"] == "value"
    assert body["unit"] == "°C"
    assert body["downsampled"] is False
    assert body["readings"] == 10
    assert [p["t"] for p in body["points"]] == [T0 - 600 + 60 * i for i in range(10)]


def test_history_downsamples_long_ranges(client: TestClient) -> None:
    body = _get(
        client,
        "/api/devices/sensor.garden_temperature/history",
        start=T0 - READINGS * 60,
        end=T0,
        max_points=100,
    )
    assert body["readings"] == READINGS
    assert body["downsampled"] is True
    assert len(body["points"]) == 100
    assert body["bucket_seconds"] == READINGS * 60 / 100
    assert sum(p["count"] for p in body["points"]) == READINGS
    assert all(p["min"] <= p["value"] <= p["max"] for p in body["points"])


def test_history_default_range_is_the_last_day(client: TestClient) -> None:
    body = _get(client, "/api/devices/sensor.garden_temperature/history")
    assert body["end"] - body["start"] == 86_400
    assert body["readings"] == 24 * 60 - 1  # [now + 1 s - 24 h, now + 1 s)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"key": "brightness"}, "query.key"),
        ({"start": T0, "end": T0 - 1}, "query.start"),
        ({"start": 0, "end": T0}, "query.start"),
        ({"start": "nan"}, "query.start"),
        ({"max_points": 1}, "query.max_points"),
    ],
    ids=["unknown-key", "reversed", "too-long", "nan", "too-few-points"],
)
def test_history_rejects_bad_queries(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.get(
        "/api/devices/sensor.garden_temperature/history", headers=AUTH, params=params
    )
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_alerts_and_events(client: TestClient) -> None:
    alerts = _get(client, "/api/alerts", device_id="sensor.garden_temperature")
    assert [a["data"]["message"] for a in alerts] == ["garden too warm"]
    events = _get(
        client, "/api/events", kind=["alert", "state_changed"], start=T0 - 7200, limit=5
    )
    assert len(events) == 5
    assert events[0]["kind"] == "state_changed"


def test_metrics_count_requests(client: TestClient) -> None:
    _get(client, "/api/devices")
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'thingmind_http_requests_total{method="GET",route="/api/devices",status="200"} 1.0'
        in text
    )
    assert "thingmind_devices 14.0" in text


def test_openapi_documents_json_errors(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    process = schema["paths"]["/api/conversation/process"]["post"]
    assert process["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_dashboard_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "thingmind" in page.text
    assert client.get("/static/vendor/uPlot.iife.min.js").status_code == 200
