"""An owner's collection of one entity type: every operation is keyed by the owner's partition and
is exactly one DynamoDB request on the success path."""

from __future__ import annotations

from typing import Any, Generic

from dynaguard.store._engine import ConditionFailed, Engine
from dynaguard.store.codec import from_wire, to_wire
from dynaguard.store.conditions import ABSENT, owned_by
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
from dynaguard.store.paging import PageQuery, query_page
from dynaguard.store.visibility import on_create, on_update


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
        attributes.update(on_create(self._entity, self._owner, key.sk, attributes))
        self._engine.put_item(to_wire(attributes), ABSENT)
        return record_from(self._entity, attributes)

    def get(self, item_id: str) -> Record[FieldsT]:
        """The entity, or NotFound whether it is missing or someone else's."""
        item = self._engine.get_item(self._key(item_id).wire())
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
        index_set, index_remove, index_values = on_update(
            self._entity, self._owner, key.sk, changes
        )
        update = "SET " + ", ".join(assignments + index_set)
        if index_remove:
            update += " REMOVE " + ", ".join(index_remove)
        try:
            attributes = self._engine.update_item(
                key.wire(),
                update,
                to_wire({**values, **index_values, ":one": 1, ":now": now_iso()}),
                owned_by(self._owner, expected_version),
                names,
            )
        except ConditionFailed:
            raise self._why_refused(key, expected_version) from None
        return record_from(self._entity, from_wire(attributes))

    def delete(self, item_id: str, expected_version: int | None = None) -> None:
        """Delete in one conditional DeleteItem that re-states ownership (and version)."""
        key = self._key(item_id)
        try:
            self._engine.delete_item(key.wire(), owned_by(self._owner, expected_version))
        except ConditionFailed:
            raise self._why_refused(key, expected_version) from None

    def _why_refused(self, key: Key, expected_version: int | None) -> Exception:
        """After a failed condition: NotFound, or VersionConflict if the caller gave a version and
        the item exists in the caller's own partition. Only this failure path reads again, and only
        the caller's own key, so it reveals nothing about anyone else's items."""
        if expected_version is None:
            return NotFound()
        found = self._engine.get_item(key.wire(), consistent=True) is not None
        return VersionConflict() if found else NotFound()

    def page(self, limit: int, cursor: str | None = None) -> Page[FieldsT]:
        """One page of the owner's entities in creation order: one Query on their own partition."""
        binding = f"owned|{self._partition}|{self._entity.kind}"
        query = PageQuery(
            "pk = :pk AND begins_with(sk, :prefix)",
            {":pk": {"S": self._partition}, ":prefix": {"S": entity_prefix(self._entity.kind)}},
        )
        return query_page(
            self._engine,
            self._sealer,
            self._entity,
            query,
            binding=binding,
            limit=limit,
            cursor=cursor,
        )
