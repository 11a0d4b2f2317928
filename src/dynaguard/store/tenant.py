"""An org admin's view of one entity type across the admin's own org (never another org)."""

from __future__ import annotations

from typing import Generic

from dynaguard.store._engine import ConditionFailed, Engine
from dynaguard.store.codec import Wire, from_wire
from dynaguard.store.conditions import in_org
from dynaguard.store.cursor import CursorSealer, cursor_binding
from dynaguard.store.entity import EntityType, FieldsT, Page, Record, record_from
from dynaguard.store.errors import NotFound
from dynaguard.store.grant_map import delete_indexes_of
from dynaguard.store.keys import (
    Owner,
    entity_prefix,
    entity_sort_key,
    is_item_id,
    is_key_segment,
    member_partition,
    tenant_partition,
)
from dynaguard.store.paging import PageQuery, query_page
from dynaguard.store.table import GSI_TENANT
from dynaguard.store.visibility import GRANTS


class TenantView(Generic[FieldsT]):
    """Admin operations; the org in every key and condition is the admin's own, from the token."""

    def __init__(
        self, engine: Engine, admin: Owner, entity: EntityType[FieldsT], sealer: CursorSealer
    ) -> None:
        if not admin.is_admin:
            raise PermissionError("a tenant view needs an org admin")
        self._engine = engine
        self._admin = admin
        self._entity = entity
        self._sealer = sealer
        self._tenant = tenant_partition(admin)

    def page(
        self, limit: int, cursor: str | None = None, owner_id: str | None = None
    ) -> Page[FieldsT]:
        """Every entity of the org (GSI on `ORG#<org>`), or one member's (their partition)."""
        prefix = entity_prefix(self._entity.kind)
        if owner_id is None:
            query = PageQuery(
                "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
                {":pk": {"S": self._tenant}, ":prefix": {"S": prefix}},
                GSI_TENANT,
            )
        else:
            if not is_key_segment(owner_id):
                return Page([], None)
            query = PageQuery(
                "pk = :pk AND begins_with(sk, :prefix)",
                {":pk": {"S": member_partition(self._admin, owner_id)}, ":prefix": {"S": prefix}},
            )
        binding = cursor_binding(
            "tenant",
            self._tenant,
            self._admin.sub,
            self._entity.kind,
            *(() if owner_id is None else (owner_id,)),
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

    def _find(self, item_id: str, projection: str | None = None) -> Wire:
        """The item `item_id` of the admin's own org, from the org's `gsi1` partition (one Query
        whose key condition names the admin's org), or NotFound."""
        if not is_item_id(item_id):
            raise NotFound
        found = self._engine.query(
            "gsi1pk = :pk AND gsi1sk = :sk",
            {
                ":pk": {"S": self._tenant},
                ":sk": {"S": entity_sort_key(self._entity.kind, item_id)},
            },
            index=GSI_TENANT,
            projection=projection,
        )
        if not found.items:
            raise NotFound
        return found.items[0]

    def get(self, item_id: str) -> Record[FieldsT]:
        """One item of the admin's org, by id: one Query of the org's `gsi1` partition (the key
        condition names the admin's org, so an item of another org is simply not found)."""
        attributes = from_wire(self._find(item_id))
        if attributes.get("org_id") != self._admin.org_id:
            raise NotFound
        return record_from(self._entity, attributes)

    def delete(self, item_id: str) -> None:
        """Find the item in the org's GSI partition, then delete it on the condition that it is
        still in the admin's org: a GSI lookup plus one conditional DeleteItem (and, for a
        shared item, one DeleteItem per grantee's index record)."""
        found = self._find(item_id, projection="pk, sk")
        key = {"pk": found["pk"], "sk": found["sk"]}
        try:
            deleted = self._engine.delete_item(key, in_org(self._admin.org_id), return_old=True)
        except ConditionFailed as failed:
            # A resent delete whose first attempt was applied finds the item gone: done.
            if not failed.resent or self._engine.get_item(key, consistent=True) is not None:
                raise NotFound from None
            return
        if self._entity.sharing is not None:
            delete_indexes_of(self._engine, deleted, GRANTS, self._entity.kind)
