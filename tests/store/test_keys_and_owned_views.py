"""The guarded data layer on its own: key schema properties, one DynamoDB request per owner
operation, sealed cursors, and a user-declared entity type getting the same guarantees."""

from __future__ import annotations

import string
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from dynaguard.auth.testing import principal
from dynaguard.service.models import ProfileFields
from dynaguard.store import (
    BadCursor,
    CursorSealer,
    EntityType,
    NotFound,
    Store,
    VersionConflict,
)
from dynaguard.store.keys import (
    entity_key,
    is_item_id,
    is_key_segment,
    new_item_id,
    owner_partition,
)
from dynaguard.store.table import TTL_ATTRIBUTE
from tests.counting import RequestCounter


class Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


THINGS = EntityType(kind="THING", fields=Fields)
segments = st.text(alphabet=string.ascii_letters + string.digits + "._@:+-", min_size=1).filter(
    is_key_segment
)
anything = st.text(min_size=0, max_size=200)


@given(segments, segments, segments, segments)
def test_distinct_owners_never_share_a_partition(o1: str, u1: str, o2: str, u2: str) -> None:
    same = owner_partition(principal(u1, o1)) == owner_partition(principal(u2, o2))
    assert same == ((o1, u1) == (o2, u2))


@given(segments, segments)
@settings(max_examples=50)
def test_distinct_items_never_share_a_key(org: str, user: str) -> None:
    first, second = new_item_id(), new_item_id()
    assert first < second, "ids are time-ordered"
    caller = principal(user, org)
    assert entity_key(caller, "THING", first) != entity_key(caller, "THING", second)


@given(anything, anything, anything)
def test_no_input_moves_a_key_into_another_partition(org: str, user: str, item: str) -> None:
    """Whatever the strings, a key is either refused or lands in exactly the owner's partition."""
    try:
        key = entity_key(principal(user, org), "THING", item)
    except ValueError:
        assert not (is_key_segment(org) and is_key_segment(user) and is_item_id(item))
        return
    assert key.pk == f"ORG#{org}#USER#{user}"
    assert key.pk.count("#") == 3
    assert key.sk == f"THING#{item}"


@pytest.mark.parametrize("hostile", ["a#b", "", "x\n", "ü", "a" * 129, "../x", "#", " a"])
def test_hostile_segments_are_refused(hostile: str) -> None:
    with pytest.raises(ValueError):
        owner_partition(principal(hostile, "acme"))
    with pytest.raises(ValueError):
        owner_partition(principal("alice", hostile))


@pytest.fixture
def store(ddb: Any, table_name: str) -> Store:
    return Store(ddb, table_name, CursorSealer(b"s" * 32, ttl_seconds=60))


@pytest.fixture
def calls(ddb: Any) -> Iterator[RequestCounter]:
    counter = RequestCounter()
    ddb.meta.events.register("before-call.dynamodb", counter)
    yield counter
    ddb.meta.events.unregister("before-call.dynamodb", counter)


def test_each_owner_operation_is_exactly_one_request(store: Store, calls: RequestCounter) -> None:
    alice = store.owned(principal("alice", "acme"), THINGS)
    record = alice.create(Fields(name="a"))
    alice.get(record.item_id)
    alice.update(record.item_id, {"name": "b"}, expected_version=1)
    alice.page(10)
    alice.delete(record.item_id, expected_version=2)
    profiles = store.profiles(principal("alice", "acme"), ProfileFields)
    profiles.put_own(ProfileFields(email="a@example.com", display_name="A"))
    profiles.get_own()
    profiles.delete_own()
    assert calls.operations == [
        "PutItem",
        "GetItem",
        "UpdateItem",
        "Query",
        "DeleteItem",
        "PutItem",
        "GetItem",
        "DeleteItem",
    ]


def test_foreign_and_missing_are_the_same(store: Store) -> None:
    record = store.owned(principal("alice", "acme"), THINGS).create(Fields(name="a"))
    bob = store.owned(principal("bob", "acme"), THINGS)
    for attempt in (
        lambda: bob.get(record.item_id),
        lambda: bob.update(record.item_id, {"name": "x"}),
        lambda: bob.update(record.item_id, {"name": "x"}, expected_version=1),
        lambda: bob.delete(record.item_id),
        lambda: bob.delete(record.item_id, expected_version=1),
        lambda: bob.get(new_item_id()),
        lambda: bob.get("not-an-id"),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert store.owned(principal("alice", "acme"), THINGS).get(record.item_id).fields.name == "a"


def test_stale_version_is_a_conflict_only_for_the_owner(store: Store) -> None:
    alice = store.owned(principal("alice", "acme"), THINGS)
    record = alice.create(Fields(name="a"))
    alice.update(record.item_id, {"name": "b"}, expected_version=1)
    with pytest.raises(VersionConflict):
        alice.update(record.item_id, {"name": "c"}, expected_version=1)
    with pytest.raises(VersionConflict):
        alice.delete(record.item_id, expected_version=1)
    assert alice.get(record.item_id).fields.name == "b"


def test_cursor_pages_are_bound_to_caller_and_query(store: Store) -> None:
    alice = store.owned(principal("alice", "acme"), THINGS)
    created = [alice.create(Fields(name=str(n))).item_id for n in range(5)]
    seen: list[str] = []
    page = alice.page(2)
    while True:
        seen += [r.item_id for r in page.records]
        if page.next_cursor is None:
            break
        page = alice.page(2, page.next_cursor)
    assert seen == created, "creation order, every item once"

    cursor = alice.page(2).next_cursor
    assert cursor is not None
    with pytest.raises(BadCursor):
        store.owned(principal("bob", "acme"), THINGS).page(2, cursor)
    with pytest.raises(BadCursor):
        store.owned(principal("alice", "globex"), THINGS).page(2, cursor)
    other_kind = EntityType(kind="OTHER", fields=Fields)
    with pytest.raises(BadCursor):
        store.owned(principal("alice", "acme"), other_kind).page(2, cursor)
    tampered = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
    with pytest.raises(BadCursor):
        alice.page(2, tampered)
    with pytest.raises(BadCursor):
        alice.page(2, "%%%not-base64")


def test_expired_cursor_is_refused(ddb: Any, table_name: str) -> None:
    short = Store(ddb, table_name, CursorSealer(b"s" * 32, ttl_seconds=1))
    alice = short.owned(principal("alice", "acme"), THINGS)
    for n in range(3):
        alice.create(Fields(name=str(n)))
    cursor = alice.page(1).next_cursor
    assert cursor is not None
    time.sleep(2.1)
    with pytest.raises(BadCursor, match="expired"):
        alice.page(1, cursor)


def test_entity_types_refuse_reserved_fields() -> None:
    class Sneaky(BaseModel):
        owner_id: str

    with pytest.raises(ValueError, match="reserved"):
        EntityType(kind="SNEAKY", fields=Sneaky)
    with pytest.raises(ValueError):
        EntityType(kind="bad#kind", fields=Fields)


def test_tenant_view_needs_an_admin(store: Store) -> None:
    with pytest.raises(PermissionError):
        store.tenant(principal("bob", "acme"), THINGS)


def test_the_table_expires_idempotency_records(ddb: Any, table_name: str) -> None:
    """Regression (issue 19): Idempotency-Key records were kept forever. `create_table` (the
    table fixture's, `dynaguard table create`'s and `serve`'s) turns on DynamoDB's time to live
    on the records' `expires_at`, also on a table that existed without it."""
    described = ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert described["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    assert described["AttributeName"] == TTL_ATTRIBUTE == "expires_at"
