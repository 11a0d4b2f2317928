"""DynamoDB requests per HTTP request, per variant and operation: a botocore `before-call` hook
on the very client each app talks through, with the app driven in process by TestClient."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import examples.seed_remediation_app
import examples.vulnerable_app
from bench.seed import User
from bench.testclient import TestClient
from bench.variants import FACTORIES, SECURE
from dynaguard.config import Settings
from dynaguard.store.connection import dynamodb_client, dynamodb_table_resource


@dataclass
class _Counter:
    operations: list[str] = field(default_factory=list)

    def __call__(self, model: Any, **_: Any) -> None:
        self.operations.append(model.name)


@contextmanager
def _counted_resources(counter: _Counter) -> Iterator[None]:
    """The seed's apps build their own Table resource (their own client); hook that one too."""

    def hooked(settings: Settings, endpoint: str | None = None) -> Any:
        table = dynamodb_table_resource(settings, endpoint)
        table.meta.client.meta.events.register("before-call.dynamodb", counter)
        return table

    with (
        mock.patch.object(examples.vulnerable_app, "dynamodb_table_resource", hooked),
        mock.patch.object(examples.seed_remediation_app, "dynamodb_table_resource", hooked),
    ):
        yield


def count_calls(
    variant: str, settings: Settings, users: list[User], per_operation: int = 20
) -> dict[str, float]:
    """Mean DynamoDB requests per successful HTTP request, for each operation."""
    counter = _Counter()
    client = dynamodb_client(settings)
    client.meta.events.register("before-call.dynamodb", counter)
    with _counted_resources(counter):
        app = FACTORIES[variant](settings, client)
    layout = "secure" if variant == SECURE else "seed"
    rng = random.Random(5)
    results: dict[str, float] = {}
    with TestClient(app) as http:

        def measure(name: str, send: Callable[[User, int], tuple[int, int]]) -> None:
            counter.operations.clear()
            for index in range(per_operation):
                user = rng.choice(users)
                status, expected = send(user, index)
                if status != expected:
                    raise RuntimeError(f"{variant} {name}: HTTP {status}, expected {expected}")
            results[name] = len(counter.operations) / per_operation

        def item_of(user: User) -> str:
            return rng.choice(user.items[layout])

        doomed: list[tuple[User, str]] = []

        def create(user: User, index: int) -> tuple[int, int]:
            response = http.post("/org/items", json={"name": f"c{index}"}, headers=user.headers)
            doomed.append((user, str(response.json().get("item_id"))))
            return response.status_code, 201

        def delete(_: User, index: int) -> tuple[int, int]:
            owner, item_id = doomed[index]
            return http.delete(f"/org/items/{item_id}", headers=owner.headers).status_code, 204

        def read(user: User, _: int) -> tuple[int, int]:
            return http.get(f"/org/items/{item_of(user)}", headers=user.headers).status_code, 200

        def update(user: User, index: int) -> tuple[int, int]:
            path = f"/org/items/{item_of(user)}"
            response = http.patch(path, json={"name": f"u{index}"}, headers=user.headers)
            return response.status_code, 200

        def idem_create(user: User, index: int) -> tuple[int, int]:
            headers = {**user.headers, "Idempotency-Key": f"calls-{rng.getrandbits(64):x}"}
            response = http.post("/org/items", json={"name": f"i{index}"}, headers=headers)
            return response.status_code, 201

        def profile_read(user: User, _: int) -> tuple[int, int]:
            return http.get("/profiles/me", headers=user.headers).status_code, 200

        def org_list(user: User, _: int) -> tuple[int, int]:
            return http.get("/shared/org-items?limit=20", headers=user.headers).status_code, 200

        def list_page(user: User, _: int) -> tuple[int, int]:
            return http.get("/org/items?limit=20", headers=user.headers).status_code, 200

        def shared_of() -> tuple[User, str]:
            """A user holding editor grants and one item shared with them."""
            holders = [u for u in users if u.shared]
            holder = rng.choice(holders)
            return holder, f"/shared/items/{rng.choice(holder.shared)}"

        def shared_read(_: User, __: int) -> tuple[int, int]:
            holder, path = shared_of()
            return http.get(path, headers=holder.headers).status_code, 200

        def shared_update(_: User, index: int) -> tuple[int, int]:
            holder, path = shared_of()
            response = http.patch(path, json={"name": f"s{index}"}, headers=holder.headers)
            return response.status_code, 200

        def team_of() -> tuple[User, str]:
            """A member of a team holding editor grants, and one item shared with the team."""
            holder = rng.choice([u for u in users if u.team_shared])
            return holder, f"/shared/items/{rng.choice(holder.team_shared)}"

        def team_read(_: User, __: int) -> tuple[int, int]:
            holder, path = team_of()
            return http.get(path, headers=holder.headers).status_code, 200

        def team_update(_: User, index: int) -> tuple[int, int]:
            holder, path = team_of()
            response = http.patch(path, json={"name": f"t{index}"}, headers=holder.headers)
            return response.status_code, 200

        measure("read", read)
        measure("update", update)
        measure("create", create)
        measure("idem_create", idem_create)
        measure("delete", delete)
        measure("list", list_page)
        measure("profile_read", profile_read)
        if variant == SECURE and any(user.shared for user in users):
            measure("shared_read", shared_read)
            measure("shared_update", shared_update)
            measure("org_list", org_list)
        if variant == SECURE and any(user.team_shared for user in users):
            measure("team_read", team_read)
            measure("team_update", team_update)
    return results
