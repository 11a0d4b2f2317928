"""Property-based fuzzing of the whole OpenAPI document with a valid token (Schemathesis):
no input produces a 5xx, and no operation that declares bearer auth works without it."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import ignored_auth, not_a_server_error

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.service import create_app
from dynaguard.store.connection import dynamodb_client

EXAMPLES_PER_OPERATION = 20


def test_no_server_errors_and_auth_is_enforced(settings: Settings) -> None:
    app = create_app(settings, dynamodb_client(settings))
    token = DevIssuer.load_or_create(settings).issue("alice", "acme", ["admin"])
    bearer = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    calls: list[int] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case: Any) -> None:
            response = case.call_and_validate(
                headers=bearer, checks=[not_a_server_error, ignored_auth]
            )
            calls.append(response.status_code)

        fuzz()
    assert len(calls) >= len(operations) * 5
    assert all(status < 500 for status in calls)
