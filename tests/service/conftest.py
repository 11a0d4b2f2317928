"""Fixtures for the reference service: the app on DynamoDB Local, tokens from the dev issuer, and a
counter of DynamoDB requests (a botocore event hook on the app's own client)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.service import create_app
from dynaguard.store.connection import dynamodb_client
from tests.counting import RequestCounter

Headers = dict[str, str]


@dataclass
class Service:
    http: TestClient
    issuer: DevIssuer
    calls: RequestCounter

    def auth(self, sub: str, org: str, *roles: str) -> Headers:
        return {"Authorization": f"Bearer {self.issuer.issue(sub, org, roles)}"}


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    client = dynamodb_client(settings)
    calls = RequestCounter()
    client.meta.events.register("before-call.dynamodb", calls)
    with TestClient(create_app(settings, client)) as http:
        yield Service(http, DevIssuer.load_or_create(settings), calls)


@pytest.fixture
def auth(service: Service) -> Callable[..., Headers]:
    return service.auth
