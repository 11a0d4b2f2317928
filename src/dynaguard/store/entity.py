"""Entity types and records: what a user of the library declares, and what the store hands back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel

from dynaguard.store.keys import check_kind

FieldsT = TypeVar("FieldsT", bound=BaseModel)

RESERVED_ATTRIBUTES = frozenset(
    {
        "pk",
        "sk",
        "gsi1pk",
        "gsi1sk",
        "gsi2pk",
        "gsi2sk",
        "grants",
        "kind",
        "item_id",
        "owner_id",
        "org_id",
        "version",
        "created_at",
        "updated_at",
    }
)


Visibility = Literal["private", "org"]
"""Who besides the owner and the grantees may read an item: nobody, or every member of its org."""

VISIBILITY_FIELD = "visibility"
MAX_GRANTS_LIMIT = 100


@dataclass(frozen=True)
class Sharing:
    """How an entity type may be shared inside its owner's org.

    `max_grants`: at most this many grantees per item (a grant past it is refused). With
    `org_visibility`, the fields model must declare `visibility: Visibility = "private"`; the owner
    sets it like any field, and an org-visible item is readable by every member of the org."""

    max_grants: int = 50
    org_visibility: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.max_grants <= MAX_GRANTS_LIMIT:
            raise ValueError(f"max_grants must lie between 1 and {MAX_GRANTS_LIMIT}")


@dataclass(frozen=True)
class EntityType(Generic[FieldsT]):
    """An owned entity: its sort-key prefix and the model of the fields a client may set, and
    whether (and how) its owner may share it.

    Ownership attributes are the store's; a model that declares one of them is refused."""

    kind: str
    fields: type[FieldsT]
    sharing: Sharing | None = None

    def __post_init__(self) -> None:
        check_kind(self.kind)
        clash = RESERVED_ATTRIBUTES & set(self.fields.model_fields)
        if clash:
            raise ValueError(f"{self.fields.__name__} declares reserved attributes {sorted(clash)}")
        declared = self.fields.model_fields.get(VISIBILITY_FIELD)
        if self.sharing is not None and self.sharing.org_visibility:
            if declared is None or set(get_args(declared.annotation)) != {"private", "org"}:
                raise ValueError(
                    f"{self.fields.__name__} must declare "
                    f'`{VISIBILITY_FIELD}: Visibility = "private"` for org visibility'
                )
            if declared.default != "private":
                raise ValueError(f"{VISIBILITY_FIELD} must default to private")

    @property
    def org_visible(self) -> bool:
        """True if items of this type may be made visible to their whole org."""
        return self.sharing is not None and self.sharing.org_visibility

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
