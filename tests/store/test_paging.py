"""A list page asks DynamoDB only for what a record is built from (the fields and the store's
public attributes), and its records are the same as reading each item alone."""

from __future__ import annotations

from typing import Any

from dynaguard.auth.testing import principal
from dynaguard.service.models import ITEMS, ItemFields
from dynaguard.store import CursorSealer, Store
from dynaguard.store.entity import RECORD_ATTRIBUTES


class _Queries:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.sent.append(dict(params))


def test_a_page_projects_the_record_and_matches_single_reads(ddb: Any, table_name: str) -> None:
    store = Store(ddb, table_name, CursorSealer(b"s" * 32, ttl_seconds=60))
    alice = store.owned(principal("alice", "acme"), ITEMS)
    shared = alice.create(ItemFields(name="shared", data={"n": 1}, visibility="org"))
    store.grants(principal("alice", "acme"), ITEMS).put(shared.item_id, "bob", "editor")
    alice.create(ItemFields(name="plain"))
    queries = _Queries()
    ddb.meta.events.register("provide-client-params.dynamodb.Query", queries)
    try:
        first = alice.page(1)
        second = alice.page(1, first.next_cursor)
    finally:
        ddb.meta.events.unregister("provide-client-params.dynamodb.Query", queries)
    projected = {
        queries.sent[0]["ExpressionAttributeNames"][name]
        for name in queries.sent[0]["ProjectionExpression"].split(", ")
    }
    assert projected == {*RECORD_ATTRIBUTES, "name", "data", "visibility"}
    records = [*first.records, *second.records]
    assert [record.as_dict() for record in records] == [
        alice.get(record.item_id).as_dict() for record in records
    ]
    assert {record.fields.name for record in records} == {"shared", "plain"}
