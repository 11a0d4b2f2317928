"""One page of a Query, with the cursor sealed to the binding that produced it."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dynaguard.store._engine import Engine
from dynaguard.store.codec import from_wire
from dynaguard.store.cursor import Binding, CursorSealer
from dynaguard.store.entity import RECORD_ATTRIBUTES, EntityType, FieldsT, Page, record_from
from dynaguard.store.errors import InvalidRequest

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef


@dataclass(frozen=True, slots=True)
class PageQuery:
    """Which partition (and sort-key range) a list reads, on the table or on an index."""

    key_condition: str
    values: Mapping[str, AttributeValueTypeDef]
    index: str | None = None


MAX_PAGE_LIMIT = 1000
"""A page holds at most this many entities (DynamoDB also stops a page at 1 MB)."""


@functools.cache
def record_projection(entity: EntityType[FieldsT]) -> tuple[str, dict[str, str]]:
    """The ProjectionExpression (and its names) of what a Record of `entity` is built from: its
    fields and the store's public attributes. A page leaves keys, index keys, grant maps and write
    tokens in the table, which is most of what DynamoDB would send and botocore would parse."""
    wanted = [*RECORD_ATTRIBUTES, *entity.fields.model_fields]
    names = {f"#r{index}": name for index, name in enumerate(wanted)}
    return ", ".join(names), names


def query_page(
    engine: Engine,
    sealer: CursorSealer,
    entity: EntityType[FieldsT],
    query: PageQuery,
    *,
    binding: Binding,
    limit: int,
    cursor: str | None,
) -> Page[FieldsT]:
    """Run one Query; a cursor only opens under the same binding (caller, org, kind, filter).
    A limit outside 1..MAX_PAGE_LIMIT is InvalidRequest (422), before anything is sent."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_LIMIT:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_PAGE_LIMIT}")
    start = sealer.open(cursor, binding) if cursor is not None else None
    projection, names = record_projection(entity)
    page = engine.query(
        query.key_condition,
        query.values,
        index=query.index,
        limit=limit,
        start=start,
        projection=projection,
        names=names,
    )
    records = [record_from(entity, from_wire(item)) for item in page.items]
    last = page.last_key
    return Page(records, sealer.seal(dict(last), binding) if last else None)
