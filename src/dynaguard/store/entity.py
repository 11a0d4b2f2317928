"""Entity types and records: what a user of the library declares, and what the store hands back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from dynaguard.store.keys import check_kind

FieldsT = TypeVar("FieldsT", bound=BaseModel)

RESERVED_ATTRIBUTES = frozenset(
    {
        "pk",
        "sk",
        "gsi1pk",
        "gsi1sk",
        "kind",
        "item_id",
        "owner_id",
        "org_id",
        "version",
        "created_at",
        "updated_at",
    }
)


@dataclass(frozen=True)
class EntityType(Generic[FieldsT]):
    """An owned entity: its sort-key prefix and the model of the fields a client may set.

    Ownership attributes are the store's; a model that declares one of them is refused."""

    kind: str
    fields: type[FieldsT]

    def __post_init__(self) -> None:
        check_kind(self.kind)
        clash = RESERVED_ATTRIBUTES & set(self.fields.model_fields)
        if clash:
            raise ValueError(f"{self.fields.__name__} declares reserved attributes {sorted(clash)}")

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(self.fields.model_fields)


@dataclass(frozen=True)
class Record(Generic[FieldsT]):
    """A stored entity with the ownership and concurrency attributes the store maintains."""

    item_id: str
    org_id: str
    owner_id: str
    version: int
    created_at: str
    updated_at: str
    fields: FieldsT

    @property
    def etag(self) -> str:
        """The HTTP entity tag: the version, quoted (what `If-Match` must echo)."""
        return f'"{self.version}"'

    def as_dict(self) -> dict[str, Any]:
        """A flat JSON-ready dict: the fields, then the store's attributes."""
        return {
            "item_id": self.item_id,
            "org_id": self.org_id,
            "owner_id": self.owner_id,
            **self.fields.model_dump(mode="json"),
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class Page(Generic[FieldsT]):
    """One page of a list and the sealed cursor of the next one (None on the last page)."""

    records: list[Record[FieldsT]]
    next_cursor: str | None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_from(entity: EntityType[FieldsT], attributes: dict[str, Any]) -> Record[FieldsT]:
    """Build a Record from a decoded DynamoDB item of this entity type. The fields were validated
    on the way in, so they are not validated again on every read (a list page is 20 of these)."""
    values = {name: attributes[name] for name in entity.field_names if name in attributes}
    return Record(
        item_id=attributes["item_id"],
        org_id=attributes["org_id"],
        owner_id=attributes["owner_id"],
        version=int(attributes["version"]),
        created_at=attributes["created_at"],
        updated_at=attributes["updated_at"],
        fields=entity.fields.model_construct(**values),
    )
