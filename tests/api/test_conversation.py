"""The conversation endpoint: Home Assistant's shape, plus exactly what was done."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from api.conftest import AUTH

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def _say(client: TestClient, text: str, **extra: Any) -> Any:
    response = client.post(
        "/api/conversation/process", headers=AUTH, json={"text": text, **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_action_done_lists_the_actions_and_changes(client: TestClient) -> None:
    body = _say(client, "turn on the floor lamp", language="en")
    response = body["response"]
    assert response["response_type"] == "action_done"
    assert response["language"] == "en"
    assert response["speech"]["plain"]["speech"]
    assert response["data"]["success"] == [
        {"type": "entity", "name": "Floor lamp", "id": "light.floor_lamp"}
    ]
    assert body["actions"] == [
        {
            "device_id": "light.floor_lamp",
            "name": "Floor lamp",
            "service": "turn_on",
            "params": {},
            "changes": {"on": True},
        }
    ]
    assert body["refused"] is False
    assert body["understood"]["intents"] == ["turn_on"]
    assert body["latency_ms"] > 0
    state = client.get("/api/devices/light.floor_lamp/state", headers=AUTH).json()
    assert state["on"] is True


def test_speaker_area_scopes_the_command(client: TestClient) -> None:
    body = _say(client, "turn off the lights", area_id="living_room")
    assert {a["device_id"] for a in body["actions"]} == {
        "light.living_room_ceiling",
        "light.floor_lamp",
    }


def test_conversation_id_remembers_the_area(client: TestClient) -> None:
    first = _say(client, "tell me a joke", area_id="bathroom", conversation_id="c1")
    assert first["conversation_id"] == "c1"
    body = _say(client, "turn off the lights", conversation_id="c1")
    assert [a["device_id"] for a in body["actions"]] == ["light.bathroom"]


def test_a_new_conversation_gets_an_id(client: TestClient) -> None:
    assert len(_say(client, "tell me a joke")["conversation_id"]) == 32


def test_ambiguous_name_asks_which(client: TestClient) -> None:
    body = _say(client, "turn off the bathroom light")
    assert body["continue_conversation"] is True
    assert body["response"]["response_type"] == "query_answer"
    assert body["actions"] == []


def test_question_is_a_query_answer(client: TestClient) -> None:
    body = _say(client, "is the front door locked")
    assert body["response"]["response_type"] == "query_answer"
    assert body["response"]["data"]["success"][0]["id"] == "lock.front_door"
    assert body["actions"] == []


@pytest.mark.parametrize(
    ("text", "code"),
    [("tell me a joke", "no_intent_match"), ("turn on the sauna", "no_valid_targets")],
    ids=["not-about-site", "no-such-device"],
)
def test_errors_carry_home_assistant_codes(
    client: TestClient, text: str, code: str
) -> None:
    body = _say(client, text)
    assert body["response"]["response_type"] == "error"
    assert body["response"]["data"]["code"] == code


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"text": ""}, "body.text", "validation_error"),
        ({}, "body.text", "validation_error"),
        ({"text": "hi", "language": "fr"}, "body.language", "unsupported"),
        ({"text": "hi", "area_id": "attic"}, "body.area_id", "validation_error"),
        ({"text": "hi", "device_id": "light.x"}, "body.device_id", "validation_error"),
        ({"text": "hi", "agent": "x"}, "body.agent", "validation_error"),
    ],
    ids=["empty", "missing", "language", "area", "device", "unknown-field"],
)
def test_bad_requests_name_the_field(
    client: TestClient, body: dict[str, Any], field: str, error: str
) -> None:
    response = client.post("/api/conversation/process", headers=AUTH, json=body)
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["error"]) == (field, error)


def test_metrics_count_turns(client: TestClient) -> None:
    _say(client, "turn on the floor lamp")
    text = client.get("/metrics", headers=AUTH).text
    assert 'thingmind_conversation_turns_total{outcome="action_done"} 1.0' in text
    assert "thingmind_conversation_seconds_count 1.0" in text
