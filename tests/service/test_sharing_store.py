"""Sharing in the data layer: the exact DynamoDB requests of every sharing route, the conditions
that carry the grant into DynamoDB, sealed and bound cursors, deletes ending every grant, the
key schema under arbitrary input, and the table check for the new index."""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynaguard.auth.testing import principal
from dynaguard.errors import DynaguardError
from dynaguard.service.models import ITEMS, MAX_GRANTS, ItemFields
from dynaguard.store import CursorSealer, InvalidRequest, NotFound, Store
from dynaguard.store._engine import QueryPage
from dynaguard.store.keys import (
    grant_record_key,
    is_item_id,
    is_key_segment,
    new_item_id,
    shared_item_key,
    visible_partition,
)
from dynaguard.store.table import create_table

from .conftest import Service


@dataclass
class Sent:
    """Every DynamoDB request a client sent: operation name and API parameters (registered on
    `provide-client-params`, which sees the parameters as the caller passed them)."""

    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.requests.append((model.name, params))

    @property
    def operations(self) -> list[str]:
        return [name for name, _ in self.requests]


def _item(service: Service, owner: str = "alice", **extra: Any) -> str:
    response = service.http.post(
        "/org/items", json={"name": "x", **extra}, headers=service.auth(owner, "acme")
    )
    assert response.status_code == 201
    return str(response.json()["item_id"])


def _grant(service: Service, item_id: str, user: str, role: str, owner: str = "alice") -> int:
    path = f"/org/items/{item_id}/grants/{user}"
    return service.http.put(
        path, json={"role": role}, headers=service.auth(owner, "acme")
    ).status_code


def test_exact_requests_per_sharing_route(service: Service) -> None:
    http, calls = service.http, service.calls
    alice, eddie = service.auth("alice", "acme"), service.auth("eddie", "acme")
    vera, admin = service.auth("vera", "acme"), service.auth("carol", "acme", "admin")
    item_id = _item(service)
    shared = f"/shared/items/alice/{item_id}"

    def count(
        method: str, path: str, headers: dict[str, str], **kwargs: Any
    ) -> tuple[int, list[str]]:
        calls.reset()
        status = http.request(method, path, headers=headers, **kwargs).status_code
        return status, list(calls.operations)

    grants = f"/org/items/{item_id}/grants"
    # nothing to fetch; the last page of direct grants also looks up the caller's teams (none)
    assert count("GET", "/shared/items", eddie) == (200, ["Query", "Query"])
    assert count("PUT", f"{grants}/eddie", alice, json={"role": "editor"}) == (
        200,
        ["UpdateItem", "PutItem"],  # the item's grant map, then eddie's index record
    )
    assert count("PUT", f"{grants}/vera", alice, json={"role": "viewer"}) == (
        200,
        ["UpdateItem", "PutItem"],
    )
    assert count("PUT", f"{grants}/alice", alice, json={"role": "viewer"}) == (422, ["GetItem"])
    assert count("PUT", f"{grants}/eddie", eddie, json={"role": "viewer"}) == (404, ["GetItem"])
    assert count("GET", grants, alice) == (200, ["GetItem", "GetItem"])  # user, team grants
    assert count("GET", shared, eddie) == (200, ["GetItem"])
    assert count("PATCH", shared, {**eddie, "If-Match": '"1"'}, json={"name": "y"}) == (
        200,
        ["UpdateItem"],
    )
    # a refused shared write gets the item back from the refusal itself: no second request
    assert count("PATCH", shared, {**eddie, "If-Match": '"1"'}, json={"name": "z"}) == (
        412,
        ["UpdateItem"],
    )
    assert count("PATCH", shared, vera, json={"name": "z"}) == (403, ["UpdateItem"])
    assert count("GET", "/shared/items", eddie) == (200, ["Query", "BatchGetItem", "Query"])
    assert count("PATCH", f"/org/items/{item_id}", alice, json={"visibility": "org"}) == (
        200,
        ["UpdateItem"],
    )
    assert count("POST", "/org/items", alice, json={"name": "v", "visibility": "org"}) == (
        201,
        ["PutItem"],
    )
    assert count("GET", "/shared/org-items", vera) == (200, ["Query", "BatchGetItem"])
    assert count("GET", f"/org/admin/items/{item_id}", admin) == (200, ["Query"])
    assert count("DELETE", f"{grants}/eddie", alice) == (204, ["UpdateItem", "DeleteItem"])
    assert count("DELETE", f"{grants}/eddie", alice) == (404, ["UpdateItem", "DeleteItem"])
    assert count("GET", "/shared/items/alice/not-an-id", eddie) == (404, [])
    assert count("GET", f"/shared/items/a%23b/{item_id}", eddie) == (404, [])


def test_the_grant_limit_is_a_409_and_a_replacement_still_passes(service: Service) -> None:
    item_id = _item(service)
    for n in range(MAX_GRANTS):
        assert _grant(service, item_id, f"user{n}", "viewer") == 200
    service.calls.reset()
    assert _grant(service, item_id, "one-too-many", "viewer") == 409
    assert service.calls.operations == ["UpdateItem", "GetItem"]
    assert _grant(service, item_id, "user0", "editor") == 200  # a replacement, not a new grant
    listed = service.http.get(
        f"/org/items/{item_id}/grants", headers=service.auth("alice", "acme")
    ).json()["grants"]
    assert len(listed) == MAX_GRANTS
    assert [g["role"] for g in listed if g["user_id"] == "user0"] == ["editor"]
    assert (
        service.http.get("/shared/items", headers=service.auth("one-too-many", "acme")).json()[
            "items"
        ]
        == []
    )


def test_grant_inputs_are_checked_before_any_request(service: Service) -> None:
    item_id = _item(service)
    alice = service.auth("alice", "acme")
    service.calls.reset()
    for user, body, status in [
        ("bob", {"role": "owner"}, 422),
        ("bob", {"role": "editor", "org_id": "globex"}, 422),
        ("a%23b", {"role": "editor"}, 422),
    ]:
        response = service.http.put(f"/org/items/{item_id}/grants/{user}", json=body, headers=alice)
        assert response.status_code == status, (user, body)
    assert (
        service.http.put(
            "/org/items/nope/grants/bob", json={"role": "viewer"}, headers=alice
        ).status_code
        == 404
    )
    assert service.calls.operations == []


def test_every_shared_write_restates_org_owner_item_and_grant(
    settings_store: tuple[Store, Sent],
) -> None:
    """The UpdateItem an editor's PATCH sends names the caller's org, the owner from the path,
    the item's key, and the caller's editor grant ON THE ITEM (and the version): DynamoDB
    decides, nothing is checked in Python before the write."""
    store, sent = settings_store
    alice, eddie = principal("alice", "acme"), principal("eddie", "acme")
    record = store.owned(alice, ITEMS).create(ItemFields(name="n"))
    store.grants(alice, ITEMS).put(record.item_id, "eddie", "editor")
    sent.requests.clear()
    store.shared(eddie, ITEMS).update("alice", record.item_id, {"name": "m"}, expected_version=1)
    [(operation, params)] = sent.requests
    assert operation == "UpdateItem"
    assert params["Key"] == {
        "pk": {"S": "ORG#acme#USER#alice"},
        "sk": {"S": f"ITEM#{record.item_id}"},
    }
    condition = params["ConditionExpression"]
    names, values = params["ExpressionAttributeNames"], params["ExpressionAttributeValues"]
    assert "owner_id = :owner AND org_id = :org" in condition
    assert "#grants.#grantee.#role = :editor" in condition
    assert "version = :expected" in condition
    assert names["#grants"] == "grants" and names["#grantee"] == "eddie"
    assert values[":org"] == {"S": "acme"} and values[":owner"] == {"S": "alice"}
    assert values[":editor"] == {"S": "editor"} and values[":expected"] == {"N": "1"}

    sent.requests.clear()
    store.grants(alice, ITEMS).revoke(record.item_id, "eddie")
    assert sent.operations == ["UpdateItem", "DeleteItem"]  # the map, then the index record
    [(_, update), (_, delete)] = sent.requests
    assert "attribute_exists(#grants.#grantee)" in update["ConditionExpression"]
    assert update["UpdateExpression"] == "REMOVE #grants.#grantee"
    assert update["ExpressionAttributeNames"]["#grantee"] == "eddie"
    assert update["Key"]["pk"] == {"S": "ORG#acme#USER#alice"}
    assert delete["Key"]["pk"] == {"S": "ORG#acme#USER#eddie"}


def test_deleting_an_item_ends_every_grant(service: Service) -> None:
    alice, admin = service.auth("alice", "acme"), service.auth("carol", "acme", "admin")
    first, second = _item(service, visibility="org"), _item(service)
    for item_id in (first, second):
        assert _grant(service, item_id, "vera", "viewer") == 200
        assert _grant(service, item_id, "eddie", "editor") == 200
    assert service.http.delete(f"/org/items/{first}", headers=alice).status_code == 204
    assert service.http.delete(f"/org/admin/items/{second}", headers=admin).status_code == 204
    for user in ("vera", "eddie"):
        headers = service.auth(user, "acme")
        assert service.http.get("/shared/items", headers=headers).json()["items"] == []
        assert service.http.get("/shared/org-items", headers=headers).json()["items"] == []
        for item_id in (first, second):
            assert (
                service.http.get(f"/shared/items/alice/{item_id}", headers=headers).status_code
                == 404
            )
            patch = service.http.patch(
                f"/shared/items/alice/{item_id}", json={"name": "back"}, headers=headers
            )
            assert patch.status_code == 404


def _grant_records(ddb: Any, table: str, user: str) -> list[Any]:
    items: list[Any] = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :shared)",
        ExpressionAttributeValues={
            ":pk": {"S": f"ORG#acme#USER#{user}"},
            ":shared": {"S": "shared#"},
        },
        ConsistentRead=True,
    )["Items"]
    return items


def test_deleting_an_item_deletes_its_grantees_index_records(
    settings_store: tuple[Store, Sent], ddb: Any, table_name: str
) -> None:
    """Regression (issue 19): an item's delete left every grantee's index record behind (lists
    stayed correct, but storage grew and pages came back short). The owner's and the admin's
    delete both remove them."""
    store, sent = settings_store
    alice, admin = principal("alice", "acme"), principal("carol", "acme", ("admin",))
    items = store.owned(alice, ITEMS)
    first, second = items.create(ItemFields(name="a")), items.create(ItemFields(name="b"))
    for record in (first, second):
        for user in ("vera", "eddie"):
            store.grants(alice, ITEMS).put(record.item_id, user, "viewer")
    assert len(_grant_records(ddb, table_name, "vera")) == 2
    sent.requests.clear()
    items.delete(first.item_id)
    assert sent.operations == ["DeleteItem", "DeleteItem", "DeleteItem"]  # item, 2 records
    store.tenant(admin, ITEMS).delete(second.item_id)
    for user in ("vera", "eddie"):
        assert _grant_records(ddb, table_name, user) == []


def test_making_an_item_private_removes_it_from_the_org_list(service: Service) -> None:
    alice, bob = service.auth("alice", "acme"), service.auth("bob", "acme")
    item_id = _item(service, visibility="org")
    assert [
        i["item_id"] for i in service.http.get("/shared/org-items", headers=bob).json()["items"]
    ] == [item_id]
    made_private = service.http.patch(
        f"/org/items/{item_id}", json={"visibility": "private"}, headers=alice
    )
    assert made_private.json()["visibility"] == "private"
    assert service.http.get("/shared/org-items", headers=bob).json()["items"] == []
    assert service.http.get(f"/shared/items/alice/{item_id}", headers=bob).status_code == 404


def _stale_index_page(store: Store, owner: str, item_id: str) -> None:
    """Make the store's next index Query answer with a page naming `item_id` (an index that has
    not caught up yet; DynamoDB Local updates its indexes at once, so only a stub shows this)."""
    engine = store._engine  # the stub stands in for a lagging index

    def stale_query(*_: Any, **__: Any) -> QueryPage:
        return QueryPage([{"owner_id": {"S": owner}, "item_id": {"S": item_id}}], None)

    engine.query = stale_query  # type: ignore[method-assign]


def test_the_org_list_drops_an_item_a_stale_index_still_names(
    settings_store: tuple[Store, Sent],
) -> None:
    """Regression (issue 19): replacing the org list's re-check of each item with "keep it" left
    every sharing test passing. A stale `gsi2` page names an item made private since (shared
    with vera directly, so she may read it, just not as an org-visible item); the consistent
    re-read drops it from the org list, and keeps one that is still visible."""
    store, _ = settings_store
    alice, vera = principal("alice", "acme"), principal("vera", "acme")
    items = store.owned(alice, ITEMS)
    hidden = items.create(ItemFields(name="h", visibility="org"))
    store.grants(alice, ITEMS).put(hidden.item_id, "vera", "viewer")
    items.update(hidden.item_id, {"visibility": "private"})
    _stale_index_page(store, "alice", hidden.item_id)
    assert store.shared(vera, ITEMS).org_page(20).records == []
    visible = items.create(ItemFields(name="v", visibility="org"))
    _stale_index_page(store, "alice", visible.item_id)
    [kept] = store.shared(vera, ITEMS).org_page(20).records
    assert kept.record.item_id == visible.item_id and kept.my_role == "org"


def test_the_shared_list_drops_an_item_a_stale_grant_record_still_names(
    settings_store: tuple[Store, Sent],
) -> None:
    """A grant record left behind (a revoke interrupted between its two writes) names an item
    that no longer grants the caller anything: the list drops it."""
    store, _ = settings_store
    alice, eddie = principal("alice", "acme"), principal("eddie", "acme")
    record = store.owned(alice, ITEMS).create(ItemFields(name="n"))
    store.grants(alice, ITEMS).put(record.item_id, "eddie", "viewer")
    store.grants(alice, ITEMS).revoke(record.item_id, "eddie")
    _stale_index_page(store, "alice", record.item_id)
    assert store.shared(eddie, ITEMS).page(20).records == []


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_shared_page_limits_outside_1_to_100_are_refused(
    settings_store: tuple[Store, Sent], limit: int
) -> None:
    """Regression (issue 19): above 100 the BatchGetItem raised (a 500), at 0 DynamoDB refused
    the Query (a 503). Both lists refuse with InvalidRequest (422) before any request."""
    store, sent = settings_store
    shared = store.shared(principal("vera", "acme"), ITEMS)
    sent.requests.clear()
    for page in (shared.page, shared.org_page):
        with pytest.raises(InvalidRequest, match="limit"):
            page(limit)
    assert sent.requests == []


def test_shared_cursors_are_sealed_and_bound(service: Service) -> None:
    for _ in range(3):
        item_id = _item(service, visibility="org")
        assert _grant(service, item_id, "eddie", "viewer") == 200
    eddie = service.auth("eddie", "acme")
    first = service.http.get("/shared/items?limit=1", headers=eddie).json()
    cursor = first["next_cursor"]
    assert cursor and len(first["items"]) == 1
    second = service.http.get("/shared/items", params={"limit": 1, "cursor": cursor}, headers=eddie)
    assert second.status_code == 200 and second.json()["items"] != first["items"]
    org_cursor = service.http.get("/shared/org-items?limit=1", headers=eddie).json()["next_cursor"]
    assert org_cursor
    for headers, path, bad in [
        (service.auth("bob", "acme"), "/shared/items", cursor),  # another caller
        (service.auth("eddie", "globex"), "/shared/items", cursor),  # same id, other org
        (eddie, "/shared/org-items", cursor),  # another list
        (eddie, "/shared/items", org_cursor),
        (eddie, "/org/items", cursor),
        (eddie, "/shared/items", cursor[::-1]),
    ]:
        response = service.http.get(path, params={"cursor": bad}, headers=headers)
        assert response.status_code == 400, (path, headers)


def test_an_item_stored_before_sharing_gets_its_grant_map_on_first_grant(
    service: Service, ddb: Any, settings: Any
) -> None:
    item_id = _item(service)
    ddb.update_item(
        TableName=settings.table,
        Key={"pk": {"S": "ORG#acme#USER#alice"}, "sk": {"S": f"ITEM#{item_id}"}},
        UpdateExpression="REMOVE grants, visibility",
    )
    service.calls.reset()
    assert _grant(service, item_id, "eddie", "editor") == 200
    assert service.calls.operations == ["UpdateItem", "GetItem", "UpdateItem", "PutItem"]
    eddie = service.auth("eddie", "acme")
    patched = service.http.patch(
        f"/shared/items/alice/{item_id}", json={"name": "ok"}, headers=eddie
    )
    assert patched.status_code == 200
    assert patched.json()["visibility"] == "private"


# --- the store on its own ------------------------------------------------------------------


@pytest.fixture
def settings_store(ddb: Any, table_name: str) -> Iterator[tuple[Store, Sent]]:
    sent = Sent()
    ddb.meta.events.register("provide-client-params.dynamodb", sent)
    yield Store(ddb, table_name, CursorSealer(b"s" * 32, ttl_seconds=60)), sent
    ddb.meta.events.unregister("provide-client-params.dynamodb", sent)


segments = st.text(alphabet=string.ascii_letters + string.digits + "._@:+|-#", min_size=1)
anything = st.text(min_size=0, max_size=140)


@given(segments, segments, anything, anything)
def test_no_input_moves_a_shared_key_outside_the_callers_org(
    org: str, sub: str, owner_id: str, item_id: str
) -> None:
    caller = principal(sub, org)
    try:
        key = shared_item_key(caller, owner_id, "ITEM", item_id)
    except ValueError:
        assert not (is_key_segment(org) and is_key_segment(owner_id) and is_item_id(item_id))
    else:
        assert key.pk == f"ORG#{org}#USER#{owner_id}" and key.pk.count("#") == 3
        assert key.sk == f"ITEM#{item_id}" and key.sk.count("#") == 1
    try:
        record = grant_record_key(caller, owner_id, "ITEM", item_id)
    except ValueError:
        assert not (
            is_key_segment(org)
            and is_key_segment(sub)
            and is_key_segment(owner_id)
            and is_item_id(item_id)
            and owner_id != sub
        )
    else:
        assert record.pk == f"ORG#{org}#USER#{owner_id}" and record.pk.count("#") == 3
        assert record.sk == f"shared#ITEM#{sub}#{item_id}" and record.sk.count("#") == 3
    try:
        assert visible_partition(caller) == f"ORG#{org}#VISIBLE"
    except ValueError:
        assert not is_key_segment(org)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    owner_id=st.one_of(anything, st.sampled_from(["alice", "eddie", "a#b", "ORG#globex"])),
    item_id=st.one_of(anything, st.just(new_item_id())),
    user=st.one_of(anything, st.sampled_from(["bob", "eddie", "x#USER#y"])),
)
def test_no_request_leaves_the_callers_org(
    settings_store: tuple[Store, Sent], owner_id: str, item_id: str, user: str
) -> None:
    """Whatever ids a request carries, every key the store sends to DynamoDB is in acme."""
    store, sent = settings_store
    sent.requests.clear()
    eddie = principal("eddie", "acme")
    shared, grants = store.shared(eddie, ITEMS), store.grants(eddie, ITEMS)
    for attempt in (
        lambda: shared.get(owner_id, item_id),
        lambda: shared.update(owner_id, item_id, {"name": "x"}, 1),
        lambda: grants.put(item_id, user, "viewer"),
        lambda: grants.revoke(item_id, user),
        lambda: grants.list(item_id),
    ):
        try:
            attempt()
        except (NotFound, ValueError):
            pass
        except Exception as error:  # InvalidGrant and friends are refusals too
            assert type(error).__module__ == "dynaguard.store.errors"
    for _, params in sent.requests:
        keys = [params.get("Key")] + [
            action[kind].get("Key") or action[kind].get("Item")
            for action in params.get("TransactItems", [])
            for kind in action
        ]
        for key in keys:
            if key is not None:
                assert key["pk"]["S"].startswith("ORG#acme#USER#"), key
                assert key["pk"]["S"].count("#") == 3, key


def test_an_existing_table_without_the_visible_index_is_a_one_line_error(
    ddb: Any, table_name: str
) -> None:
    legacy = f"{table_name}-legacy"
    ddb.create_table(
        TableName=legacy,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("pk", "sk", "gsi1pk", "gsi1sk")
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    try:
        with pytest.raises(DynaguardError) as refused:
            create_table(ddb, legacy)
        message = str(refused.value)
        assert "\n" not in message and "gsi2" in message and legacy in message
    finally:
        ddb.delete_table(TableName=legacy)
