"""One page of a Query, with the cursor sealed to the binding that produced it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dynaguard.store._engine import Engine
from dynaguard.store.codec import from_wire
from dynaguard.store.cursor import CursorSealer
from dynaguard.store.entity import EntityType, FieldsT, Page, record_from

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef


@dataclass(frozen=True, slots=True)
class PageQuery:
    """Which partition (and sort-key range) a list reads, on the table or on an index."""

    key_condition: str
    values: Mapping[str, AttributeValueTypeDef]
    index: str | None = None


def query_page(
    engine: Engine,
    sealer: CursorSealer,
    entity: EntityType[FieldsT],
    query: PageQuery,
    *,
    binding: str,
    limit: int,
    cursor: str | None,
) -> Page[FieldsT]:
    """Run one Query; a cursor only opens under the same binding (caller, org, kind, filter)."""
    start = sealer.open(cursor, binding) if cursor is not None else None
    page = engine.query(
        query.key_condition, query.values, index=query.index, limit=limit, start=start
    )
    records = [record_from(entity, from_wire(item)) for item in page.items]
    last = page.last_key
    return Page(records, sealer.seal(dict(last), binding) if last else None)
