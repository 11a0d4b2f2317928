"""What a shareable entity carries besides its fields: an empty grant map from its creation, and,
while its owner makes it visible to the org, the sparse `gsi2` index attributes that put it in the
org's list of visible items (absent otherwise, so that list never filters over private items)."""

from __future__ import annotations

from typing import Any

from dynaguard.store.entity import VISIBILITY_FIELD, EntityType, FieldsT
from dynaguard.store.keys import Owner, visible_partition

GRANTS = "grants"
"""The attribute holding an item's grants: a map user_id -> {role, granted_at}."""


def on_create(
    entity: EntityType[FieldsT], owner: Owner, sort_key: str, attributes: dict[str, Any]
) -> dict[str, Any]:
    """Attributes to add to a new item of `entity` (nothing for an entity that is not shared)."""
    if entity.sharing is None:
        return {}
    extra: dict[str, Any] = {GRANTS: {}}
    if entity.org_visible and attributes.get(VISIBILITY_FIELD) == "org":
        extra.update({"gsi2pk": visible_partition(owner), "gsi2sk": sort_key})
    return extra


def on_update(
    entity: EntityType[FieldsT], owner: Owner, sort_key: str, changes: dict[str, Any]
) -> tuple[list[str], list[str], dict[str, Any]]:
    """SET clauses, REMOVE clauses and values that move an item into or out of the org-visible
    index when its owner changes its visibility (nothing when the change does not touch it)."""
    if not entity.org_visible or VISIBILITY_FIELD not in changes:
        return [], [], {}
    if changes[VISIBILITY_FIELD] == "org":
        values = {":visible_pk": visible_partition(owner), ":visible_sk": sort_key}
        return ["gsi2pk = :visible_pk", "gsi2sk = :visible_sk"], [], values
    return [], ["gsi2pk", "gsi2sk"], {}
