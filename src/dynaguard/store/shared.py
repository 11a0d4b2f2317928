"""Items other members shared with the caller: directly (a grant on the item) or with the whole
org (`visibility: org`). A `SharedView` is bound to one verified caller; every key it builds is
`ORG#<caller's org>#USER#<owner_id>` / `<KIND>#<item_id>`, so no input reaches another org.

Whether the caller may read is decided on the item as DynamoDB returns it (one consistent read,
so a revoke is seen at once); whether the caller may write is decided by DynamoDB itself, in the
UpdateItem's condition on the item's own grant map."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from dynaguard.store._engine import ConditionFailed, Engine
from dynaguard.store.access import EDITOR, ROLES, editable_by
from dynaguard.store.codec import Wire, from_wire, to_wire
from dynaguard.store.conditions import not_yet_written, owned_by
from dynaguard.store.cursor import CursorSealer, cursor_binding
from dynaguard.store.entity import (
    RESERVED_ATTRIBUTES,
    VISIBILITY_FIELD,
    EntityType,
    FieldsT,
    Record,
    now_iso,
    record_from,
)
from dynaguard.store.errors import Forbidden, InvalidRequest, NotFound, VersionConflict
from dynaguard.store.idempotency import new_write_token
from dynaguard.store.keys import (
    Key,
    Owner,
    entity_prefix,
    is_item_id,
    is_key_segment,
    owner_partition,
    shared_item_key,
    shared_prefix,
    visible_partition,
)
from dynaguard.store.table import GSI_VISIBLE
from dynaguard.store.visibility import GRANTS

MAX_SHARED_PAGE_LIMIT = 100
"""A shared page re-reads its items in one BatchGetItem, which takes at most 100 keys."""

OWNER = "owner"
ORG = "org"
"""`my_role` values besides the grant roles: the caller owns the item, or reads it as a member of
an org it is visible to."""


@dataclass(frozen=True)
class SharedRecord(Generic[FieldsT]):
    """An item as seen by someone it is shared with, with the role that lets them see it."""

    record: Record[FieldsT]
    my_role: str

    @property
    def etag(self) -> str:
        return self.record.etag

    def as_dict(self) -> dict[str, Any]:
        return {**self.record.as_dict(), "my_role": self.my_role}


@dataclass(frozen=True)
class SharedPage(Generic[FieldsT]):
    """One page of shared items and the sealed cursor of the next one (None on the last page).
    A page may hold fewer items than asked for: grants of deleted items are dropped."""

    records: list[SharedRecord[FieldsT]]
    next_cursor: str | None


def role_of(caller: Owner, entity: EntityType[FieldsT], attributes: dict[str, Any]) -> str | None:
    """The caller's role on a stored item: owner, a granted role, org (visible to the org), or
    None. Everything is read from the item itself, never from a grant record."""
    if attributes.get("org_id") != caller.org_id or attributes.get("kind") != entity.kind:
        return None
    if attributes.get("owner_id") == caller.sub:
        return OWNER
    grants = attributes.get(GRANTS)
    grant = grants.get(caller.sub) if isinstance(grants, dict) else None
    if isinstance(grant, dict) and grant.get("role") in ROLES:
        return str(grant["role"])
    if entity.org_visible and attributes.get(VISIBILITY_FIELD) == ORG:
        return ORG
    return None


class SharedView(Generic[FieldsT]):
    """What one caller may do with items of `entity` that others own in the caller's org."""

    def __init__(
        self, engine: Engine, caller: Owner, entity: EntityType[FieldsT], sealer: CursorSealer
    ) -> None:
        if entity.sharing is None:
            raise ValueError(f"entity kind {entity.kind} does not declare sharing")
        self._engine = engine
        self._caller = caller
        self._entity = entity
        self._sealer = sealer

    def _key(self, owner_id: str, item_id: str) -> Key:
        if not (is_key_segment(owner_id) and is_item_id(item_id)):
            raise NotFound
        return shared_item_key(self._caller, owner_id, self._entity.kind, item_id)

    def _shared(self, item: Wire | None) -> SharedRecord[FieldsT] | None:
        if item is None:
            return None
        return self._shared_from(from_wire(item))

    def _shared_from(self, attributes: dict[str, Any]) -> SharedRecord[FieldsT] | None:
        role = role_of(self._caller, self._entity, attributes)
        if role is None:
            return None
        return SharedRecord(record_from(self._entity, attributes), role)

    def get(self, owner_id: str, item_id: str) -> SharedRecord[FieldsT]:
        """The item if it is shared with the caller (or the caller's own); else NotFound. One
        consistent GetItem: a grant revoked a moment ago is already gone."""
        key = self._key(owner_id, item_id)
        shared = self._shared(self._engine.get_item(key.wire(), consistent=True))
        if shared is None:
            raise NotFound
        return shared

    def update(
        self,
        owner_id: str,
        item_id: str,
        changes: dict[str, Any],
        expected_version: int | None = None,
    ) -> SharedRecord[FieldsT]:
        """Apply `changes` as an editor, in one UpdateItem whose condition re-states the org, the
        owner, the item's grant of the editor role to the caller (and the version). Visibility
        and grants stay the owner's."""
        editable = self._entity.field_names - {VISIBILITY_FIELD}
        unknown = set(changes) - editable
        if unknown or RESERVED_ATTRIBUTES & set(changes):
            raise InvalidRequest(f"not updatable by an editor: {sorted(unknown)}")
        stored = self._entity.validate_changes(changes)
        key = self._key(owner_id, item_id)
        token = new_write_token()
        if owner_id == self._caller.sub:
            condition = owned_by(self._caller, expected_version, token)
        else:
            condition = not_yet_written(
                editable_by(self._caller, owner_id, expected_version), token
            )
        names = {f"#f{index}": name for index, name in enumerate(stored)}
        values = {f":v{index}": value for index, value in enumerate(stored.values())}
        assignments = [f"#f{index} = :v{index}" for index in range(len(stored))]
        assignments += ["version = version + :one", "updated_at = :now", "write_token = :token"]
        try:
            attributes = self._engine.update_item(
                key.wire(),
                "SET " + ", ".join(assignments),
                to_wire({**values, ":one": 1, ":now": now_iso()}),
                condition,
                names,
            )
        except ConditionFailed:
            return self._applied_or_refused(key, expected_version, token)
        shared = self._shared(attributes)
        if shared is None:  # pragma: no cover - the condition guarantees the role
            raise NotFound
        return shared

    def _applied_or_refused(
        self, key: Key, expected_version: int | None, token: str
    ) -> SharedRecord[FieldsT]:
        """After a failed condition (failure path only), one consistent read of the same key:
        carrying our write token, an earlier attempt of this very request was applied (the SDK
        resent it); otherwise the refusal the caller may know of (see `_why_refused`)."""
        found = self._engine.get_item(key.wire(), consistent=True)
        shared = self._shared(found)
        if (
            shared is not None
            and found is not None
            and from_wire(found).get("write_token") == token
        ):
            return shared
        raise self._why_refused(shared, expected_version)

    @staticmethod
    def _why_refused(
        shared: SharedRecord[FieldsT] | None, expected_version: int | None
    ) -> Exception:
        """What the caller may know of a refused write, from the item as they could read it:
        nothing (404), that it is read-only to them (403), or that their version is stale (412).
        Nobody learns more than a read would show them."""
        if shared is None:
            return NotFound()
        if shared.my_role not in (EDITOR, OWNER):
            return Forbidden()
        if expected_version is not None and shared.record.version != expected_version:
            return VersionConflict()
        return NotFound()

    def page(self, limit: int, cursor: str | None = None) -> SharedPage[FieldsT]:
        """Items shared with the caller directly: one Query on the caller's own partition (their
        grant records) and one consistent BatchGetItem of those items, keeping only the items
        that still exist and still grant the caller a role. A limit outside
        1..MAX_SHARED_PAGE_LIMIT is InvalidRequest (422), before anything is sent."""
        _check_limit(limit)
        binding = cursor_binding("shared", self._caller.org_id, self._caller.sub, self._entity.kind)
        start = self._sealer.open(cursor, binding) if cursor is not None else None
        page = self._engine.query(
            "pk = :pk AND begins_with(sk, :prefix)",
            {
                ":pk": {"S": owner_partition(self._caller)},
                ":prefix": {"S": shared_prefix(self._entity.kind)},
            },
            limit=limit,
            start=start,
            projection="owner_id, item_id",
        )
        records = self._fetch(page.items, lambda role, _: role in ROLES)
        last = page.last_key
        return SharedPage(records, self._sealer.seal(dict(last), binding) if last else None)

    def org_page(self, limit: int, cursor: str | None = None) -> SharedPage[FieldsT]:
        """Items visible to the caller's whole org: one Query on the sparse `gsi2` partition of
        the caller's org and one consistent BatchGetItem, keeping only items still visible. A
        limit outside 1..MAX_SHARED_PAGE_LIMIT is InvalidRequest (422)."""
        _check_limit(limit)
        if not self._entity.org_visible:
            return SharedPage([], None)
        binding = cursor_binding("org", self._caller.org_id, self._caller.sub, self._entity.kind)
        start = self._sealer.open(cursor, binding) if cursor is not None else None
        page = self._engine.query(
            "gsi2pk = :pk AND begins_with(gsi2sk, :prefix)",
            {
                ":pk": {"S": visible_partition(self._caller)},
                ":prefix": {"S": entity_prefix(self._entity.kind)},
            },
            index=GSI_VISIBLE,
            limit=limit,
            start=start,
        )
        records = self._fetch(page.items, lambda _, visibility: visibility == ORG)
        last = page.last_key
        return SharedPage(records, self._sealer.seal(dict(last), binding) if last else None)

    def _fetch(
        self, pointers: list[Wire], keep: Callable[[str, Any], bool]
    ) -> list[SharedRecord[FieldsT]]:
        """The items `pointers` (owner_id, item_id) name, rebuilt as keys in the caller's org,
        read in one consistent BatchGetItem, in the pointers' order."""
        keys: list[Key] = []
        for pointer in pointers:
            found = from_wire(pointer)
            owner_id, item_id = found.get("owner_id"), found.get("item_id")
            if (
                isinstance(owner_id, str)
                and isinstance(item_id, str)
                and is_key_segment(owner_id)
                and is_item_id(item_id)
            ):
                keys.append(shared_item_key(self._caller, owner_id, self._entity.kind, item_id))
        items = self._engine.batch_get_item([key.wire() for key in keys], consistent=True)
        found_items = [from_wire(item) for item in items]
        by_key = {(item["pk"], item["sk"]): item for item in found_items}
        records = []
        for key in keys:
            attributes = by_key.get((key.pk, key.sk))
            if attributes is None:
                continue
            shared = self._shared_from(attributes)
            if shared is not None and keep(shared.my_role, attributes.get(VISIBILITY_FIELD)):
                records.append(shared)
        return records


def _check_limit(limit: int) -> None:
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int)
        or not 1 <= limit <= MAX_SHARED_PAGE_LIMIT
    ):
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_SHARED_PAGE_LIMIT}")
