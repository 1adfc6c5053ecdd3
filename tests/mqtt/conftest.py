"""Broker fixtures: a broker from THINGMIND_TEST_BROKER and a unique topic root per test."""

from __future__ import annotations

import os
import uuid

import pytest

from thingmind.mqtt import BrokerSettings, MqttSettings, parse_broker_url

BROKER_ENV = "THINGMIND_TEST_BROKER"


@pytest.fixture
def broker() -> BrokerSettings:
    """The test broker; the test is skipped when none is configured."""
    url = os.environ.get(BROKER_ENV)
    if not url:
        pytest.skip(
            f'no MQTT broker: set {BROKER_ENV} (eval "$(scripts/services.sh start)")'
        )
    return parse_broker_url(url)


@pytest.fixture
def unique() -> str:
    """A topic root no other test uses."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def settings(broker: BrokerSettings, unique: str) -> MqttSettings:
    """Bridge settings with every topic under the test's own root."""
    return MqttSettings(
        broker=BrokerSettings(
            host=broker.host, port=broker.port, client_id=f"{unique}-thingmind"
        ),
        site="test",
        root=f"{unique}/thingmind",
        discovery_prefix=f"{unique}/homeassistant",
        z2m_base=f"{unique}/z2m",
        backoff_initial=0.05,
        backoff_max=0.5,
    )
