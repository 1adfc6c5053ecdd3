"""The WebSocket stream: state changes and actions as they happen; token checked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from starlette.websockets import WebSocketDisconnect

from api.conftest import AUTH, TOKEN

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def test_stream_sends_state_changes_and_actions(client: TestClient) -> None:
    with client.websocket_connect(f"/api/stream?token={TOKEN}") as ws:
        assert ws.receive_json()["type"] == "hello"
        client.post("/api/devices/light.floor_lamp/services/turn_on", headers=AUTH)
        first, second = ws.receive_json(), ws.receive_json()
    assert first["type"] == "state_changed"
    assert (first["device_id"], first["data"]) == ("light.floor_lamp", {"on": True})
    assert second["type"] == "action"
    assert second["data"] == {"service": "turn_on"}
    assert second["source"] == "user:owner"


def test_stream_filters_kinds(client: TestClient) -> None:
    with client.websocket_connect(f"/api/stream?token={TOKEN}&kinds=action") as ws:
        ws.receive_json()
        client.post(
            "/api/conversation/process",
            headers=AUTH,
            json={"text": "turn on the floor lamp"},
        )
        message = ws.receive_json()
    assert message["type"] == "action"
    assert message["device_id"] == "light.floor_lamp"


@pytest.mark.parametrize(
    ("query", "code"),
    [("", 4401), ("?token=wrong-token-1", 4401), (f"?token={TOKEN}&kinds=nope", 4400)],
    ids=["no-token", "wrong-token", "bad-kinds"],
)
def test_stream_refuses(client: TestClient, query: str, code: int) -> None:
    with (
        client.websocket_connect(f"/api/stream{query}") as ws,
        pytest.raises(WebSocketDisconnect) as info,
    ):
        ws.receive_json()
    assert info.value.code == code
