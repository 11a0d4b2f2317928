"""An owner's collection of one entity type: every operation is keyed by the owner's partition and
is exactly one DynamoDB request on the success path. Every write stays correct when the SDK sends
it twice (`idempotency.py`); only the failure path reads again, and only the caller's own key."""

from __future__ import annotations

import contextlib
import time
from typing import Any, Generic

from dynaguard.store._engine import ConditionFailed, Engine
from dynaguard.store.codec import Wire, from_wire, model_values, to_wire
from dynaguard.store.conditions import ABSENT, absent_or_expired, claim_of, owned_by
from dynaguard.store.cursor import CursorSealer, cursor_binding
from dynaguard.store.deadline import store_deadline
from dynaguard.store.entity import EntityType, FieldsT, Page, Record, now_iso, record_from
from dynaguard.store.errors import (
    IdempotencyKeyReused,
    NotFound,
    StoreUnavailable,
    VersionConflict,
)
from dynaguard.store.grant_map import delete_indexes_of
from dynaguard.store.idempotency import (
    DONE,
    PENDING,
    expiry,
    fingerprint,
    key_digest,
    new_write_token,
)
from dynaguard.store.keys import (
    Key,
    Owner,
    entity_key,
    entity_prefix,
    idempotency_key,
    is_item_id,
    new_item_id,
    owner_partition,
    tenant_partition,
)
from dynaguard.store.paging import PageQuery, query_page
from dynaguard.store.visibility import GRANTS, on_create, on_update


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

    def create(self, fields: FieldsT, *, idempotency_key: str | None = None) -> Record[FieldsT]:
        """Store a new entity with a server-generated id; owner and org come from the principal.

        With `idempotency_key` (a client's `Idempotency-Key`), a repeated create with the same key
        returns the entity the first one created (as it is now) instead of a second one; the same
        key with different fields is IdempotencyKeyReused."""
        digest = key_digest(idempotency_key) if idempotency_key is not None else None
        values = model_values(fields)
        token = new_write_token()
        item = self._new_item(values, new_item_id(), token)
        if digest is not None:
            return self._create_once(item, values, digest, token)
        try:
            self._engine.put_item(item, ABSENT)
        except ConditionFailed:
            return self._confirm(self._key(item["item_id"]["S"]), token)
        return record_from(self._entity, from_wire(item))

    def _new_item(self, values: dict[str, Any], item_id: str, token: str) -> Wire:
        """A new entity of the owner's with `item_id`, as it will be stored."""
        key = entity_key(self._owner, self._entity.kind, item_id)
        stamp = now_iso()
        attributes = {
            **values,
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
            "write_token": token,
        }
        attributes.update(on_create(self._entity, self._owner, key.sk, attributes))
        return to_wire(attributes)

    def _create_once(
        self, item: Wire, values: dict[str, Any], digest: str, token: str
    ) -> Record[FieldsT]:
        """A create with an Idempotency-Key, as single-item writes sharing one deadline (see
        `idempotency.py`): claim the key (its record names the new item's id), create the item,
        mark the claim done. A retry that finds the claim still pending finishes the create with
        the claimed id, so a crash between the writes never yields a second item."""
        marker = idempotency_key(self._owner, self._entity.kind, digest)
        now = int(time.time())
        print_ = fingerprint(to_wire(values))
        claim = {
            "pk": marker.pk,
            "sk": marker.sk,
            "kind": "IDEMPOTENCY",
            "owner_id": self._owner.sub,
            "org_id": self._owner.org_id,
            "item_id": item["item_id"]["S"],
            "fingerprint": print_,
            "state": PENDING,
            "expires_at": expiry(now),
        }
        with store_deadline():
            try:
                self._engine.put_item(to_wire(claim), absent_or_expired(now))
            except ConditionFailed:
                return self._replay(marker, print_, values, token)
            return self._complete(marker, item)

    def _complete(self, marker: Key, item: Wire) -> Record[FieldsT]:
        """The claimed create's item (unless an attempt with the same key already made it: the
        id exists nowhere else), then its claim marked done."""
        stored = item
        try:
            self._engine.put_item(item, ABSENT)
        except ConditionFailed:
            found = self._engine.get_item(self._key(item["item_id"]["S"]).wire(), consistent=True)
            if found is None:  # it was made, then deleted, before the claim was marked done
                raise NotFound from None
            stored = found
        # a failed condition: the claim expired and the key names another create; ours is done
        with contextlib.suppress(ConditionFailed):
            self._engine.update_item(
                marker.wire(),
                "SET #state = :done",
                {":done": {"S": DONE}},
                claim_of(item["item_id"]["S"]),
                {"#state": "state"},
            )
        return record_from(self._entity, from_wire(stored))

    def _replay(
        self, marker: Key, print_: str, values: dict[str, Any], token: str
    ) -> Record[FieldsT]:
        """A create whose key was claimed before: the entity the first create made, as it is now;
        or, if that create never finished (a crash between its writes), finish it now."""
        found = self._engine.get_item(marker.wire(), consistent=True)
        if found is None:
            raise StoreUnavailable("a create with this Idempotency-Key is in progress; retry")
        previous = from_wire(found)
        if previous["fingerprint"] != print_:
            raise IdempotencyKeyReused
        if previous.get("state") == PENDING:
            return self._complete(marker, self._new_item(values, previous["item_id"], token))
        return self.get(previous["item_id"], consistent=True)

    def _confirm(self, key: Key, token: str) -> Record[FieldsT]:
        """A create's condition failed: an id is never reused, so only a resend of this very
        create can have put the item there. One consistent read of our own key confirms it."""
        found = self._engine.get_item(key.wire(), consistent=True)
        if found is None or from_wire(found).get("write_token") != token:
            raise StoreUnavailable("the write could not be confirmed; retry")
        return record_from(self._entity, from_wire(found))

    def get(self, item_id: str, *, consistent: bool = False) -> Record[FieldsT]:
        """The entity, or NotFound whether it is missing or someone else's."""
        item = self._engine.get_item(self._key(item_id).wire(), consistent=consistent)
        if item is None:
            raise NotFound
        return record_from(self._entity, from_wire(item))

    def update(
        self, item_id: str, changes: dict[str, Any], expected_version: int | None = None
    ) -> Record[FieldsT]:
        """Apply `changes` in one conditional UpdateItem that re-states ownership (and version).

        Each change is validated against its field of the entity's model (InvalidRequest, a 422,
        otherwise), so a stored entity always satisfies its model."""
        stored = self._entity.validate_changes(changes)
        key = self._key(item_id)
        token = new_write_token()
        names = {f"#f{index}": name for index, name in enumerate(stored)}
        values = {f":v{index}": value for index, value in enumerate(stored.values())}
        assignments = [f"#f{index} = :v{index}" for index in range(len(stored))]
        assignments += ["version = version + :one", "updated_at = :now", "write_token = :token"]
        index_set, index_remove, index_values = on_update(self._entity, self._owner, key.sk, stored)
        update = "SET " + ", ".join(assignments + index_set)
        if index_remove:
            update += " REMOVE " + ", ".join(index_remove)
        try:
            attributes = self._engine.update_item(
                key.wire(),
                update,
                to_wire({**values, **index_values, ":one": 1, ":now": now_iso()}),
                owned_by(self._owner, expected_version, token),
                names,
            )
        except ConditionFailed:
            return self._applied_or_refused(key, expected_version, token)
        return record_from(self._entity, from_wire(attributes))

    def _applied_or_refused(
        self, key: Key, expected_version: int | None, token: str
    ) -> Record[FieldsT]:
        """After a failed update condition, one consistent read of the caller's own key: carrying
        our token, the update was applied (by an earlier attempt of this very request); present
        otherwise, the version did not match (VersionConflict); absent, NotFound. The read can
        only find the caller's own item, so it reveals nothing about anyone else's."""
        found = self._engine.get_item(key.wire(), consistent=True)
        if found is None:
            raise NotFound
        attributes = from_wire(found)
        if attributes.get("write_token") == token:
            return record_from(self._entity, attributes)
        if expected_version is None:
            raise NotFound
        raise VersionConflict

    def delete(self, item_id: str, expected_version: int | None = None) -> None:
        """Delete in one conditional DeleteItem that re-states ownership (and version); then, for
        a shared item, one DeleteItem per grantee's index record (`grant_map.py`)."""
        key = self._key(item_id)
        try:
            deleted = self._engine.delete_item(
                key.wire(), owned_by(self._owner, expected_version), return_old=True
            )
        except ConditionFailed as failed:
            self._deleted_or_refused(key, expected_version, failed.resent)
            return
        if self._entity.sharing is not None:
            delete_indexes_of(self._engine, deleted, GRANTS, self._entity.kind)

    def _deleted_or_refused(self, key: Key, expected_version: int | None, resent: bool) -> None:
        """After a failed delete condition: if the SDK resent the delete and the caller's own key
        is now empty, an earlier attempt deleted it and the delete succeeded. Otherwise NotFound,
        or VersionConflict if the caller gave a version and the item exists."""
        if expected_version is None and not resent:
            raise NotFound
        found = self._engine.get_item(key.wire(), consistent=True) is not None
        if not found and resent:
            return
        raise VersionConflict if found and expected_version is not None else NotFound

    def page(self, limit: int, cursor: str | None = None) -> Page[FieldsT]:
        """One page of the owner's entities in creation order: one Query on their own partition."""
        query = PageQuery(
            "pk = :pk AND begins_with(sk, :prefix)",
            {":pk": {"S": self._partition}, ":prefix": {"S": entity_prefix(self._entity.kind)}},
        )
        return query_page(
            self._engine,
            self._sealer,
            self._entity,
            query,
            binding=cursor_binding("owned", self._partition, self._entity.kind),
            limit=limit,
            cursor=cursor,
        )
