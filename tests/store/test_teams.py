"""Teams in the data layer, driven through the library's own views: what a team write sends to
DynamoDB (the membership and the team checked inside the transaction, the item's update
conditioned on the team's grant), which writes are single-item, and which inputs never reach a
key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from dynaguard.auth.testing import principal
from dynaguard.service.models import ITEMS, ItemFields
from dynaguard.store import CursorSealer, InvalidRequest, NotFound, Store


@dataclass
class Sent:
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.requests.append((model.name, params))

    @property
    def operations(self) -> list[str]:
        return [name for name, _ in self.requests]


@pytest.fixture
def store_and_sent(ddb: Any, table_name: str) -> Iterator[tuple[Store, Sent]]:
    sent = Sent()
    ddb.meta.events.register("provide-client-params.dynamodb", sent)
    yield Store(ddb, table_name, CursorSealer(b"s" * 32, ttl_seconds=60)), sent
    ddb.meta.events.unregister("provide-client-params.dynamodb", sent)


ALICE = principal("alice", "acme")
MIA = principal("mia", "acme")
CAROL = principal("carol", "acme", ["admin"])


def test_a_team_write_is_checked_inside_dynamodb(store_and_sent: tuple[Store, Sent]) -> None:
    store, sent = store_and_sent
    team, created = store.teams(CAROL).put("red", "Red")
    assert created
    store.teams(CAROL).add_member("red", "mia")
    record = store.owned(ALICE, ITEMS).create(ItemFields(name="n"))
    store.team_grants(ALICE, ITEMS).put(record.item_id, "red", "editor")
    sent.requests.clear()
    updated = store.shared(MIA, ITEMS).update("alice", record.item_id, {"name": "m"})
    assert (updated.my_role, updated.via_team, updated.record.version) == ("editor", "red", 2)
    assert sent.operations == ["UpdateItem", "TransactWriteItems"]
    refused_with_the_item = sent.requests[0][1]
    assert refused_with_the_item["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    _, params = sent.requests[-1]
    membership, team_check, update = params["TransactItems"]
    assert membership["ConditionCheck"]["Key"] == {
        "pk": {"S": "ORG#acme#USER#mia"},
        "sk": {"S": "team#red"},
    }
    assert team_check["ConditionCheck"]["Key"] == {
        "pk": {"S": "ORG#acme#TEAMS"},
        "sk": {"S": "TEAM#red"},
    }
    for check in (membership, team_check):
        assert "generation = :generation" in check["ConditionCheck"]["ConditionExpression"]
        values = check["ConditionCheck"]["ExpressionAttributeValues"]
        assert values[":generation"] == {"S": team.generation}
    condition = update["Update"]["ConditionExpression"]
    names = update["Update"]["ExpressionAttributeNames"]
    assert "owner_id = :owner AND org_id = :org" in condition
    assert "#grants.#team.#role = :editor" in condition
    assert "#grants.#team.#generation = :generation" in condition
    assert "version = :read_version" in condition
    assert names["#team"] == "team#red"
    assert store.owned(ALICE, ITEMS).get(record.item_id).fields.name == "m"


def test_every_access_decision_is_a_single_item_write(store_and_sent: tuple[Store, Sent]) -> None:
    """Granting, revoking, removing a member and deleting a team are single-item requests (a
    transaction acknowledged by DynamoDB Local can be lost to a crash; these cannot)."""
    store, sent = store_and_sent
    store.teams(CAROL).put("red", "Red")
    record = store.owned(ALICE, ITEMS).create(ItemFields(name="n"))
    sent.requests.clear()
    store.teams(CAROL).add_member("red", "mia")
    store.team_grants(ALICE, ITEMS).put(record.item_id, "red", "viewer")
    store.team_grants(ALICE, ITEMS).revoke(record.item_id, "red")
    store.teams(CAROL).remove_member("red", "mia")
    store.teams(CAROL).delete("red")
    assert "TransactWriteItems" not in sent.operations
    writes = [(name, p) for name, p in sent.requests if name in ("UpdateItem", "DeleteItem")]
    decisive = {(name, p["Key"]["sk"]["S"]) for name, p in writes if "ConditionExpression" in p}
    assert decisive == {
        ("UpdateItem", f"ITEM#{record.item_id}"),  # grant and revoke: the item's own grant map
        ("DeleteItem", "team#red"),  # the membership record
        ("DeleteItem", "TEAM#red"),  # the team record
    }


def test_only_an_admin_manages_teams(store_and_sent: tuple[Store, Sent]) -> None:
    store, sent = store_and_sent
    with pytest.raises(PermissionError):
        store.teams(ALICE)
    assert sent.requests == []


@pytest.mark.parametrize("hostile", ["a#b", "RED", "-red", "", "r" * 64, "../x", "red ", "réd"])
def test_a_hostile_team_id_never_reaches_a_key(
    store_and_sent: tuple[Store, Sent], hostile: str
) -> None:
    store, sent = store_and_sent
    record = store.owned(ALICE, ITEMS).create(ItemFields(name="n"))
    sent.requests.clear()
    with pytest.raises(InvalidRequest):
        store.teams(CAROL).put(hostile, "x")
    for call in (
        lambda: store.teams(CAROL).delete(hostile),
        lambda: store.teams(CAROL).add_member(hostile, "mia"),
        lambda: store.teams(CAROL).remove_member(hostile, "mia"),
        lambda: store.my_teams(MIA).members(hostile),
        lambda: store.team_grants(ALICE, ITEMS).put(record.item_id, hostile, "viewer"),
        lambda: store.team_grants(ALICE, ITEMS).revoke(record.item_id, hostile),
    ):
        with pytest.raises(NotFound):
            call()
    assert sent.requests == []


def test_teams_of_another_org_are_other_teams(store_and_sent: tuple[Store, Sent]) -> None:
    store, _ = store_and_sent
    olga = principal("olga", "globex", ["admin"])
    store.teams(CAROL).put("red", "acme red")
    store.teams(olga).put("red", "globex red")
    store.teams(olga).add_member("red", "mia")  # a `mia` of globex
    assert [t.name for t in store.teams(CAROL).all()] == ["acme red"]
    assert store.my_teams(MIA).mine() == []
    assert [t.org_id for t in store.my_teams(principal("mia", "globex")).mine()] == ["globex"]
    record = store.owned(ALICE, ITEMS).create(ItemFields(name="n"))
    store.team_grants(ALICE, ITEMS).put(record.item_id, "red", "viewer")
    with pytest.raises(NotFound):
        store.shared(principal("mia", "globex"), ITEMS).get("alice", record.item_id)
