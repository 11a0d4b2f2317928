"""The writes of one grant: an entry of a grant map on the item, and its index record.

Every check of a grant reads the map on the item (a shared read's consistent GetItem, a shared
write's condition), so the entry is set or removed by one conditional UpdateItem of the item: a
single-item write. DynamoDB Local persists a single-item write before it answers, which it does
not always do for a TransactWriteItems (a SIGKILL right after an acknowledged transaction can
undo it), and Amazon DynamoDB makes both durable; so an acknowledged grant or revoke survives an
engine crash on both.

The index record in the grantee's partition only lets them find the item in a list, and every
list re-reads the items it names, so it is written after the entry (put on a grant, deleted on a
revoke): a record left stale or missing by a crash between the two writes never grants anything,
and the owner's retry of the same grant or revoke writes or removes it. Which map (`map_name`)
and which condition are the caller's, so any kind of grantee can use these writes."""

from __future__ import annotations

from typing import Any

from dynaguard.store._engine import Condition, Engine
from dynaguard.store.codec import Wire, from_wire, to_wire
from dynaguard.store.keys import Key, grant_records_of


def _names(map_name: str, member_id: str) -> dict[str, str]:
    return {"#grants": map_name, "#grantee": member_id}


def set_entry(
    engine: Engine,
    key: Key,
    map_name: str,
    member_id: str,
    entry: dict[str, Any],
    condition: Condition,
) -> None:
    """`map_name.member_id = entry` on the item at `key` if `condition` holds (ConditionFailed
    otherwise). The condition may refer to `#grants` and `#grantee`."""
    engine.update_item(
        key.wire(),
        "SET #grants.#grantee = :grant",
        to_wire({":grant": entry}),
        condition,
        _names(map_name, member_id),
    )


def remove_entry(
    engine: Engine, key: Key, map_name: str, member_id: str, condition: Condition
) -> None:
    """Remove `map_name.member_id` from the item at `key` if `condition` holds."""
    engine.update_item(
        key.wire(), "REMOVE #grants.#grantee", {}, condition, _names(map_name, member_id)
    )


def put_index(engine: Engine, attributes: dict[str, Any]) -> None:
    """Write (or rewrite) an index record; call it after the entry it points to was set."""
    engine.put_item(to_wire(attributes), None)


def delete_index(engine: Engine, key: Key) -> None:
    """Delete an index record, present or not; call it after its entry was removed."""
    engine.delete_item(key.wire(), None)


def delete_indexes_of(engine: Engine, deleted: Wire | None, map_name: str, kind: str) -> None:
    """After an item's delete, the index records of every grantee its map named (`deleted` is
    the item as it was, DeleteItem's old image): they could no longer grant anything, since
    lists re-read the items, but they would take storage and shorten the grantees' pages."""
    if deleted is None:
        return
    stored = from_wire(deleted)
    grants = stored.get(map_name)
    if not isinstance(grants, dict) or not grants:
        return
    for key in grant_records_of(stored, kind, grants):
        delete_index(engine, key)
