"""Fixtures: the broker (THINGMIND_TEST_BROKER), a unique topic root, a PostgreSQL schema."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import urlencode
import uuid

import pytest

from thingmind.mqtt import BrokerSettings, MqttSettings, parse_broker_url

if TYPE_CHECKING:
    from collections.abc import Iterator

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


PG_ENV = "THINGMIND_TEST_PG"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (dropped afterwards); skipped without a server."""
    import psycopg  # noqa: PLC0415  # the [postgres] extra; needed only with a server

    dsn = os.environ.get(PG_ENV, "")
    if not dsn:
        pytest.skip(
            f'no PostgreSQL server: set {PG_ENV} (eval "$(scripts/services.sh start)")'
        )
    schema = f"thingmind_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in dsn else "?"
        yield dsn + sep + urlencode({"options": f"-csearch_path={schema}"})
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
