"""The OpenAPI document and the bytes on the wire cannot drift: every successful response the
service sends is validated against the schema its route declares, strictly (no undeclared
property, every required one present), and every declared success response is exercised."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .conftest import Service

Exercised = set[tuple[str, str, str]]
ITEM = {
    "item_id": "i",
    "org_id": "o",
    "owner_id": "u",
    "name": "n",
    "data": {},
    "version": 1,
    "visibility": "private",
    "created_at": "t",
    "updated_at": "t",
}


def _strict(schema: Any) -> Any:
    """The schema with `additionalProperties: false` wherever an object lists its properties and
    says nothing about others (pydantic leaves that open; the wire must not add fields)."""
    if isinstance(schema, dict):
        strict = {key: _strict(value) for key, value in schema.items()}
        if "properties" in strict and "additionalProperties" not in strict:
            strict["additionalProperties"] = False
        return strict
    if isinstance(schema, list):
        return [_strict(value) for value in schema]
    return schema


class WireChecker:
    """Validates responses against the document of the app that sent them."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = _strict(copy.deepcopy(document))
        self.exercised: Exercised = set()

    def _route(self, path: str) -> str:
        for template in self._document["paths"]:
            parts, wanted = template.strip("/").split("/"), path.split("?")[0].strip("/").split("/")
            if len(parts) == len(wanted) and all(
                p == w or p.startswith("{") for p, w in zip(parts, wanted, strict=True)
            ):
                return str(template)
        raise AssertionError(f"{path} is not in the OpenAPI document")

    def check(self, method: str, path: str, response: Any) -> None:
        template = self._route(path)
        status = str(response.status_code)
        declared = self._document["paths"][template][method.lower()]["responses"]
        assert status in declared, f"{method} {template} answered {status}, not declared"
        content = declared[status].get("content")
        if content is None:
            assert response.content == b"", f"{method} {template} {status} declares no body"
        else:
            schema = content["application/json"]["schema"]
            validator = Draft202012Validator({**self._document, **schema})
            try:
                validator.validate(response.json())
            except ValidationError as error:
                raise AssertionError(f"{method} {template} {status}: {error.message}") from None
        self.exercised.add((method.lower(), template, status))

    def declared_successes(self) -> Exercised:
        return {
            (method, template, status)
            for template, operations in self._document["paths"].items()
            for method, operation in operations.items()
            for status in operation["responses"]
            if status.startswith("2")
        }


@pytest.fixture
def wire(service: Service) -> WireChecker:
    return WireChecker(service.http.app.openapi())  # type: ignore[attr-defined]


def _exchange(service: Service, wire: WireChecker, method: str, path: str, **kw: Any) -> Any:
    response = service.http.request(method, path, **kw)
    wire.check(method, path, response)
    return response


def test_every_success_response_matches_its_declared_schema(
    service: Service, wire: WireChecker
) -> None:
    alice = service.auth("alice", "acme")
    admin = service.auth("root", "acme", "admin")
    call = lambda method, path, **kw: _exchange(service, wire, method, path, **kw)  # noqa: E731

    call("GET", "/healthz")
    call("GET", "/readyz")
    profile = {"email": "alice@example.com", "display_name": "Alice"}
    call("PUT", "/profiles/me", headers=alice, json=profile)
    call("GET", "/profiles/me", headers=alice)
    call("GET", "/profiles/alice", headers=admin)
    created = call("POST", "/org/items", headers=alice, json={"name": "a", "data": {"n": 1}})
    item_id = created.json()["item_id"]
    call("POST", "/org/items", headers=alice, json={"name": "b"})
    call("GET", f"/org/items/{item_id}", headers=alice)
    first = call("GET", "/org/items?limit=1", headers=alice).json()
    call("GET", f"/org/items?limit=1&cursor={first['next_cursor']}", headers=alice)
    call("PATCH", f"/org/items/{item_id}", headers=alice, json={"name": "c"})
    call("GET", "/org/admin/items?limit=5", headers=admin)
    call("GET", f"/org/admin/items/{item_id}", headers=admin)

    bob = service.auth("bob", "acme")
    call("PUT", f"/org/items/{item_id}/grants/bob", headers=alice, json={"role": "editor"})
    call("GET", f"/org/items/{item_id}/grants", headers=alice)
    call("PATCH", f"/org/items/{item_id}", headers=alice, json={"visibility": "org"})
    call("GET", "/shared/items", headers=bob)
    call("GET", "/shared/org-items", headers=bob)
    call("GET", f"/shared/items/alice/{item_id}", headers=bob)
    call("PATCH", f"/shared/items/alice/{item_id}", headers=bob, json={"name": "e"})
    call("DELETE", f"/org/items/{item_id}/grants/bob", headers=alice)
    call("PUT", "/org/teams/red", headers=admin, json={"name": "Red"})
    call("PUT", "/org/teams/red", headers=admin, json={"name": "Red team"})
    call("GET", "/org/teams", headers=admin)
    call("PUT", "/org/teams/red/members/bob", headers=admin)
    call("GET", "/org/teams/red/members", headers=bob)
    call("GET", "/teams/mine", headers=bob)
    call("PUT", f"/org/items/{item_id}/team-grants/red", headers=alice, json={"role": "editor"})
    call("GET", f"/org/items/{item_id}/grants", headers=alice)
    call("GET", "/shared/items", headers=bob)
    call("GET", f"/shared/items/alice/{item_id}", headers=bob)
    call("PATCH", f"/shared/items/alice/{item_id}", headers=bob, json={"name": "f"})
    call("DELETE", f"/org/items/{item_id}/team-grants/red", headers=alice)
    call("DELETE", "/org/teams/red/members/bob", headers=admin)
    call("DELETE", "/org/teams/red", headers=admin)
    call("DELETE", f"/org/items/{item_id}", headers=alice)
    other = call("POST", "/org/items", headers=alice, json={"name": "d"}).json()["item_id"]
    call("DELETE", f"/org/admin/items/{other}", headers=admin)
    call("DELETE", "/profiles/me", headers=alice)

    assert wire.declared_successes() - wire.exercised == set()


def test_the_strict_check_catches_an_undeclared_field(service: Service, wire: WireChecker) -> None:
    """Positive control: a body with one field more than its schema fails the check."""

    class Valid:
        status_code = 200
        content = b"{}"

        @staticmethod
        def json() -> dict[str, Any]:
            return ITEM

    class Forged:
        status_code = 200
        content = b"{}"

        @staticmethod
        def json() -> dict[str, Any]:
            return {**ITEM, "extra": 1}

    wire.check("GET", "/org/items/x", Valid())
    with pytest.raises(AssertionError, match="'extra' was unexpected"):
        wire.check("GET", "/org/items/x", Forged())
