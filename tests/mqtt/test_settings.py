"""The ``mqtt:`` configuration section: every key typed, every mistake named."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from thingmind.mqtt import (
    BrokerConfigError,
    Protocol,
    correlation_id,
    mqtt_settings_from_dict,
)

if TYPE_CHECKING:
    from pathlib import Path


def test_a_section_sets_broker_and_topics(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cret\n", encoding="utf-8")
    settings = mqtt_settings_from_dict(
        "mqtts://broker.lan",
        {
            "client_id": "thingmind-home-1",
            "protocol": "3.1.1",
            "username": "thingmind",
            "password_file": str(secret),
            "shared_group": "thingmind-home",
            "anonymous_user": "kiosk",
            "z2m_base": None,
            "announce_wait": 2,
            "backoff_initial": 0.2,
            "backoff_max": 5.5,
        },
        site="home",
    )
    broker = settings.broker
    assert (broker.tls, broker.port, broker.client_id, broker.protocol) == (
        True,
        8883,
        "thingmind-home-1",
        Protocol.V311,
    )
    assert (broker.username, broker.password) == ("thingmind", "s3cret")
    assert (settings.shared_group, settings.anonymous_user, settings.z2m_base) == (
        "thingmind-home",
        "kiosk",
        None,
    )
    timing = (settings.announce_wait, settings.backoff_initial, settings.backoff_max)
    assert timing == (2.0, 0.2, 5.5)


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ({"clientid": "x"}, "mqtt.clientid"),
        ({"protocol": "4"}, "mqtt.protocol"),
        ({"keepalive": "30"}, "mqtt.keepalive"),
        ({"birth": "yes"}, "mqtt.birth"),
        ({"root": ""}, "mqtt.root"),
        ({"password_file": "/nonexistent/thingmind.password"}, "mqtt.password_file"),
        ({"shared_group": "a/b"}, "shared_group"),
        ({"announce_wait": "10s"}, "mqtt.announce_wait"),
        ({"announce_wait": 86400}, "mqtt.announce_wait: 86400 is outside"),
        ({"backoff_max": True}, "mqtt.backoff_max"),
        ({"backoff_initial": 5, "backoff_max": 1}, "backoff_initial <= backoff_max"),
    ],
    ids=[
        "unknown",
        "protocol",
        "keepalive",
        "birth",
        "empty",
        "password",
        "group",
        "wait-text",
        "wait-long",
        "backoff-bool",
        "backoff-order",
    ],
)
def test_a_bad_key_is_named(section: dict[str, object], named: str) -> None:
    with pytest.raises(BrokerConfigError, match=named):
        mqtt_settings_from_dict("mqtt://127.0.0.1", section, site="home")


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"req-1", "req-1"), (b"\x00\xff", "00ff"), (b"", None), (b"x" * 200, None)],
    ids=["text", "binary", "empty", "too-long"],
)
def test_correlation_data_as_request_id(data: bytes, expected: str | None) -> None:
    assert correlation_id(data) == expected
