"""Schemathesis against the OpenAPI schema: no server error, no response off schema.

Every operation gets generated requests (valid and invalid), sent with the token; each
response must not be a 5xx, must have a documented status code and content type, and
must match its documented schema.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
import pytest

from api.conftest import AUTH, T0, make_app, make_store
from conftest import HOME_YAML
from thingmind.core import ManualClock
from thingmind.registry import parse_home

schemathesis = pytest.importorskip("schemathesis")
checks = pytest.importorskip("schemathesis.checks")

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 25
"""Generated requests per operation: enough to reach each validation path, quickly."""

# One app for the whole module: schemathesis parametrizes at collection time.
APP = make_app(
    parse_home(HOME_YAML, source="conftest.HOME_YAML"), make_store(), ManualClock(T0)
)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@schema.parametrize()  # type: ignore[untyped-decorator]
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_keeps_its_schema(case: Any) -> None:
    case.call_and_validate(
        headers=AUTH,
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
        ],
    )
