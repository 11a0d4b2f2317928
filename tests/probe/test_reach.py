"""What the probe reaches without a policy file: ids linked by path position, shared objects
attacked anonymously without a `--role` identity, credential routes that stay skipped when no
throwaway account can be registered, and creates refused for constraints the document does not
state, repaired from the error answer."""

from typing import Annotated, Any, Literal

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from dynaguard.probe.engine.identities import build_identities
from dynaguard.probe.engine.numbers import moved_to
from dynaguard.probe.runner import ProbeOptions, run_probe
from dynaguard.probe.spec.graph import Resource, fill
from dynaguard.probe.spec.operations import Operation

from .realistic import catalogue_admin, member_accounts


def test_an_id_is_linked_by_its_position_after_the_collection() -> None:
    listed = Resource("anonymous", Operation("GET", "/catalog", None, ()), None, {"id": "501"})
    assert fill(Operation("GET", "/catalog/{entry_id}", None, ()), listed) == {"entry_id": "501"}
    assert fill(Operation("GET", "/orders/{order_id}", None, ()), listed) is None
    nested = Resource(
        "alice",
        Operation("POST", "/shops/{shop_id}/stock", None, ()),
        None,
        {"id": "9"},
        path_values={"shop_id": "4"},
    )
    found = fill(Operation("PUT", "/shops/{shop_id}/stock/{line}", None, ()), nested)
    assert found == {"shop_id": "4", "line": "9"}


def _catalogue(served: Any, vulnerable: bool, roles: list[str]) -> set[tuple[str, str]]:
    url = served(catalogue_admin.create_app(vulnerable))
    tokens = [f"{name}={token}" for name, token in catalogue_admin.TOKENS.items()]
    identities = build_identities(tokens, [], roles, [])
    result = run_probe(ProbeOptions(url, identities, destructive=True, rps=0))
    return {(f.kind, f.operation) for f in result.findings}


def test_without_a_privileged_identity_only_the_anonymous_change_is_judged(served: Any) -> None:
    found = _catalogue(served, True, [])
    assert found == {("unauthenticated", "PATCH /catalog/{entry_id}")}
    assert _catalogue(served, False, []) == set()


def test_an_ordinary_identity_marked_by_role_is_not_privileged(served: Any) -> None:
    found = _catalogue(served, True, ["admin=customer"])
    assert found == {("unauthenticated", "PATCH /catalog/{entry_id}")}


def test_without_a_sign_up_route_the_password_change_stays_skipped(served: Any) -> None:
    app = member_accounts.create_app(True)
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/register"]
    app.openapi_schema = None
    url = served(app)
    result = run_probe(ProbeOptions(url, member_accounts.identities(url), destructive=True, rps=0))
    found = {(f.kind, f.operation) for f in result.findings}
    assert ("bola-write", "PUT /users/{user_id}/password") not in found
    assert "PUT /users/{user_id}/password" in result.untested
    assert member_accounts.still_logs_in(url)


def _vouchers(strip: bool) -> FastAPI:
    """`POST /vouchers` whose code must match `^[A-Z]{4}-[0-9]{4}$` and whose category is one of two
    words; with `strip` the document says neither (plain strings), only the 422 answer does."""
    app = FastAPI()
    vouchers: dict[int, dict[str, Any]] = {}

    class VoucherIn(BaseModel):
        code: str = Field(pattern=r"^[A-Z]{4}-[0-9]{4}$")
        category: Literal["gift", "refund"]
        note: str = ""

    def user(authorization: Annotated[str, Header()] = "") -> str:
        if authorization not in ("Bearer t-alice", "Bearer t-bob"):
            raise HTTPException(401, "bad token")
        return authorization.removeprefix("Bearer t-")

    @app.post("/vouchers", status_code=201)
    def create(body: VoucherIn, me: Annotated[str, Depends(user)]) -> dict[str, Any]:
        vouchers[len(vouchers) + 1] = {"id": len(vouchers) + 1, "owner": me, **body.model_dump()}
        return vouchers[len(vouchers)]

    @app.get("/vouchers/{voucher_id}")
    def one(voucher_id: int, me: Annotated[str, Depends(user)]) -> dict[str, Any]:
        found = vouchers.get(voucher_id)
        if found is None or found["owner"] != me:
            raise HTTPException(404, "no such voucher")
        return found

    schema = app.openapi()
    if strip:
        props = schema["components"]["schemas"]["VoucherIn"]["properties"]
        props["code"] = {"type": "string"}
        props["category"] = {"type": "string"}
    app.openapi_schema = schema
    return app


@pytest.mark.parametrize("strip", [False, True])
def test_a_refused_create_is_repaired_from_its_error_answer(served: Any, strip: bool) -> None:
    app = _vouchers(strip)
    url = served(app)
    identities = build_identities(["alice=Bearer t-alice", "bob=Bearer t-bob"], [], [], [])
    result = run_probe(ProbeOptions(url, identities, rps=0))
    rows = {row["operation"]: row["checks"] for row in result.coverage}
    assert rows["GET /vouchers/{voucher_id}"] == {"read": "tested"}, rows
    assert result.findings == []


def test_the_number_oracle_needs_every_number_the_attacker_sent() -> None:
    after = {"data": {"order": {"quantity": 7, "price": 3}}, "items": [{"quantity": 9}]}
    assert moved_to({"quantity": 7, "price": 3}, after) == "price=3, quantity=7"
    assert moved_to({"quantity": 7, "price": 4}, after) == ""
    assert moved_to({"quantity": 9}, {"items": [{"quantity": 9}]}) == ""  # not in a list
    assert moved_to({}, after) == ""
