"""Entity types and records: what a user of the library declares, and what the store hands back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar, cast, get_args

from pydantic import BaseModel, ValidationError

from dynaguard.store.codec import model_values
from dynaguard.store.errors import InvalidRequest
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
        "write_token",
    }
)
"""Attributes the store maintains; an application model may not declare them. `write_token` is
the id of the last write, which makes a write recognisable when the SDK resends it."""


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

    def validate_changes(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The changes as they would be stored, each validated against its field in the model.

        Pydantic's assignment validation runs per field (its type, constraints and field
        validators) on a bare instance, so a partial update is held to the same rules as a create
        without reading the stored item; the result is the JSON form `create` would store.
        Validators that span several fields (`model_validator`) cannot run on a partial update:
        an application that needs them replaces the whole entity instead."""
        if not changes:
            raise InvalidRequest("an update needs at least one field")
        unknown = sorted(set(changes) - self.field_names)
        if unknown:
            raise InvalidRequest(f"not fields of {self.fields.__name__}: {unknown}")
        validator = self.fields.__pydantic_validator__
        stored: dict[str, Any] = {}
        for name, value in changes.items():
            try:
                instance = cast(
                    BaseModel,
                    validator.validate_assignment(self.fields.model_construct(), name, value),
                )
            except ValidationError as error:
                first = error.errors()[0]
                raise InvalidRequest(f"{name}: {first['msg']}") from None
            stored[name] = model_values(instance, include={name})[name]
        return stored


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
    stored_fields: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """The fields' JSON form as read from the table, when the item held every field: what
    `as_dict` answers without dumping `fields` again (None for a record built any other way)."""

    @property
    def etag(self) -> str:
        """The HTTP entity tag: the version, quoted (what `If-Match` must echo)."""
        return f'"{self.version}"'

    def as_dict(self) -> dict[str, Any]:
        """A flat JSON-ready dict: the fields, then the store's attributes. Numbers that are not
        whole stay `Decimal`, exactly as stored (`dynaguard.fastapi.ExactJSONResponse` writes
        them digit for digit). A record read from the table answers its fields as stored (they
        were validated and put in JSON form on the way in), not by dumping `fields` again."""
        stored = self.stored_fields
        return {
            "item_id": self.item_id,
            "org_id": self.org_id,
            "owner_id": self.owner_id,
            **(model_values(self.fields) if stored is None else stored),
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


RECORD_ATTRIBUTES = ("item_id", "org_id", "owner_id", "version", "created_at", "updated_at")
"""The store's attributes a Record carries besides the entity's fields."""


def record_from(entity: EntityType[FieldsT], attributes: dict[str, Any]) -> Record[FieldsT]:
    """Build a Record from a decoded DynamoDB item of this entity type. Every write validates the
    fields (a create the whole model, an update each changed field, `EntityType.validate_changes`)
    and the codec refuses what DynamoDB cannot hold, so reads do not validate again: a list page
    is up to 100 of these, and validating a 16 KiB `data` field costs more than the Query."""
    names = entity.fields.model_fields
    values = {name: attributes[name] for name in names if name in attributes}
    return Record(
        item_id=attributes["item_id"],
        org_id=attributes["org_id"],
        owner_id=attributes["owner_id"],
        version=int(attributes["version"]),
        created_at=attributes["created_at"],
        updated_at=attributes["updated_at"],
        fields=entity.fields.model_construct(**values),
        stored_fields=values if len(values) == len(names) else None,
    )
