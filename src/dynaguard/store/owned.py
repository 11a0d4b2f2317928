"""An owner's collection of one entity type: every operation is keyed by the owner's partition and
is exactly one DynamoDB request on the success path."""

from __future__ import annotations

from typing import Any, Generic

from dynaguard.store._engine import ConditionFailed, Engine
from dynaguard.store.codec import from_wire, to_wire
from dynaguard.store.cursor import CursorSealer
from dynaguard.store.entity import (
    RESERVED_ATTRIBUTES,
    EntityType,
    FieldsT,
    Page,
    Record,
    now_iso,
    record_from,
)
from dynaguard.store.errors import NotFound, VersionConflict
from dynaguard.store.keys import (
    Key,
    Owner,
    entity_key,
    entity_prefix,
    is_item_id,
    new_item_id,
    owner_partition,
    tenant_partition,
)
from dynaguard.store.paging import query_page

_OWNED = "attribute_exists(pk) AND owner_id = :owner AND org_id = :org"
_OWNED_AT_VERSION = _OWNED + " AND version = :expected"


class OwnedCollection(Generic[FieldsT]):
    """The entities of one type that one principal owns. There is no way to name another owner."""

    def __init__(
        self, engine: Engine, owner: Owner, entity: EntityType[FieldsT], sealer: CursorSealer
    ) -> None:
        self._engine = engine
        self._owner = owner
        self._entity = entity
        self._sealer = sealer
        self._partition = owner_partition(owner)

    def _key(self, item_id: str) -> Key:
        if not is_item_id(item_id):
            raise NotFound
        return entity_key(self._owner, self._entity.kind, item_id)

    def _ownership_values(self) -> dict[str, Any]:
        return {":owner": {"S": self._owner.sub}, ":org": {"S": self._owner.org_id}}

    def create(self, fields: FieldsT) -> Record[FieldsT]:
        """Store a new entity with a server-generated id; owner and org come from the principal."""
        item_id = new_item_id()
        key = entity_key(self._owner, self._entity.kind, item_id)
        stamp = now_iso()
        attributes = {
            **fields.model_dump(mode="json"),
            "pk": key.pk,
            "sk": key.sk,
            "gsi1pk": tenant_partition(self._owner),
            "gsi1sk": key.sk,
            "kind": self._entity.kind,
            "item_id": item_id,
            "owner_id": self._owner.sub,
            "org_id": self._owner.org_id,
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        }
        self._engine.call(
            "put_item", Item=to_wire(attributes), ConditionExpression="attribute_not_exists(pk)"
        )
        return record_from(self._entity, attributes)

    def get(self, item_id: str) -> Record[FieldsT]:
        """The entity, or NotFound whether it is missing or someone else's."""
        response = self._engine.call("get_item", Key=self._key(item_id).wire())
        item = response.get("Item")
        if item is None:
            raise NotFound
        return record_from(self._entity, from_wire(item))

    def update(
        self, item_id: str, changes: dict[str, Any], expected_version: int | None = None
    ) -> Record[FieldsT]:
        """Apply `changes` in one conditional UpdateItem that re-states ownership (and version)."""
        unknown = set(changes) - self._entity.field_names
        if unknown or RESERVED_ATTRIBUTES & set(changes):
            raise ValueError(f"not updatable: {sorted(unknown)}")
        key = self._key(item_id)
        names = {f"#f{index}": name for index, name in enumerate(changes)}
        values = {f":v{index}": value for index, value in enumerate(changes.values())}
        assignments = [f"#f{index} = :v{index}" for index in range(len(changes))]
        assignments += ["version = version + :one", "updated_at = :now"]
        wire_values = {**to_wire(values), **to_wire({":one": 1, ":now": now_iso()})}
        wire_values.update(self._ownership_values())
        condition = _OWNED
        if expected_version is not None:
            condition = _OWNED_AT_VERSION
            wire_values[":expected"] = {"N": str(expected_version)}
        params: dict[str, Any] = {
            "Key": key.wire(),
            "UpdateExpression": "SET " + ", ".join(assignments),
            "ConditionExpression": condition,
            "ExpressionAttributeValues": wire_values,
            "ReturnValues": "ALL_NEW",
        }
        if names:
            params["ExpressionAttributeNames"] = names
        try:
            response = self._engine.call("update_item", **params)
        except ConditionFailed:
            raise self._why_refused(key, expected_version) from None
        return record_from(self._entity, from_wire(response["Attributes"]))

    def delete(self, item_id: str, expected_version: int | None = None) -> None:
        """Delete in one conditional DeleteItem that re-states ownership (and version)."""
        key = self._key(item_id)
        values = self._ownership_values()
        condition = _OWNED
        if expected_version is not None:
            condition = _OWNED_AT_VERSION
            values[":expected"] = {"N": str(expected_version)}
        try:
            self._engine.call(
                "delete_item",
                Key=key.wire(),
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ConditionFailed:
            raise self._why_refused(key, expected_version) from None

    def _why_refused(self, key: Key, expected_version: int | None) -> Exception:
        """After a failed condition: NotFound, or VersionConflict if the caller gave a version and
        the item exists in the caller's own partition. Only this failure path reads again, and only
        the caller's own key, so it reveals nothing about anyone else's items."""
        if expected_version is None:
            return NotFound()
        response = self._engine.call("get_item", Key=key.wire(), ConsistentRead=True)
        return VersionConflict() if "Item" in response else NotFound()

    def page(self, limit: int, cursor: str | None = None) -> Page[FieldsT]:
        """One page of the owner's entities in creation order: one Query on their own partition."""
        binding = f"owned|{self._partition}|{self._entity.kind}"
        params: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": self._partition},
                ":prefix": {"S": entity_prefix(self._entity.kind)},
            },
        }
        return query_page(
            self._engine,
            self._sealer,
            self._entity,
            params,
            binding=binding,
            limit=limit,
            cursor=cursor,
        )
