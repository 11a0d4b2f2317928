"""What the probe reaches without a policy file: ids linked by path position, shared objects
attacked anonymously without a `--role` identity, and credential routes that stay skipped when no
throwaway account can be registered."""

from typing import Any

from dynaguard.probe.engine.identities import build_identities
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
