"""One page of a Query, with the cursor sealed to the binding that produced it."""

from __future__ import annotations

from typing import Any

from dynaguard.store._engine import Engine
from dynaguard.store.codec import from_wire
from dynaguard.store.cursor import CursorSealer
from dynaguard.store.entity import EntityType, FieldsT, Page, record_from


def query_page(
    engine: Engine,
    sealer: CursorSealer,
    entity: EntityType[FieldsT],
    params: dict[str, Any],
    *,
    binding: str,
    limit: int,
    cursor: str | None,
) -> Page[FieldsT]:
    """Run one Query; a cursor only opens under the same binding (caller, org, kind, filter)."""
    page_params = {**params, "Limit": limit}
    if cursor is not None:
        page_params["ExclusiveStartKey"] = sealer.open(cursor, binding)
    response = engine.call("query", **page_params)
    records = [record_from(entity, from_wire(item)) for item in response["Items"]]
    last = response.get("LastEvaluatedKey")
    return Page(records, sealer.seal(last, binding) if last else None)
