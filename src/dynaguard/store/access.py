"""The conditions of shared writes: each re-states, inside DynamoDB, the org, the owner, the item
and the caller's grant as the item itself records it, so a write can never act on a grant that a
concurrent revoke has already removed (no check in Python stands between a read and a write)."""

from __future__ import annotations

from dynaguard.store._engine import Condition
from dynaguard.store.codec import Wire
from dynaguard.store.keys import Owner
from dynaguard.store.visibility import GRANTS

EDITOR = "editor"
VIEWER = "viewer"
ROLES = frozenset({VIEWER, EDITOR})

_ITEM_OF = "attribute_exists(pk) AND owner_id = :owner AND org_id = :org"


def _names(user_id: str) -> dict[str, str]:
    return {"#grants": GRANTS, "#grantee": user_id, "#role": "role"}


def editable_by(caller: Owner, owner_id: str, expected_version: int | None) -> Condition:
    """The item is `owner_id`'s, in the caller's org, and grants the caller the editor role (and,
    if given, is at that version)."""
    values: Wire = {
        ":owner": {"S": owner_id},
        ":org": {"S": caller.org_id},
        ":editor": {"S": EDITOR},
    }
    expression = _ITEM_OF + " AND #grants.#grantee.#role = :editor"
    if expected_version is not None:
        values[":expected"] = {"N": str(expected_version)}
        expression += " AND version = :expected"
    return Condition(expression, values, _names(caller.sub))


def grantable_by(owner: Owner, grantee_id: str, max_grants: int) -> Condition:
    """The item is the owner's, in their org, has a grant map, and either already grants
    `grantee_id` (a replacement) or holds fewer than `max_grants` grants."""
    values: Wire = {
        ":owner": {"S": owner.sub},
        ":org": {"S": owner.org_id},
        ":max": {"N": str(max_grants)},
    }
    expression = (
        _ITEM_OF + " AND attribute_exists(#grants)"
        " AND (attribute_exists(#grants.#grantee) OR size(#grants) < :max)"
    )
    names = _names(grantee_id)
    del names["#role"]
    return Condition(expression, values, names)


def first_grant_by(owner: Owner) -> Condition:
    """The item is the owner's, in their org, and was stored before it had a grant map."""
    values: Wire = {":owner": {"S": owner.sub}, ":org": {"S": owner.org_id}}
    return Condition(_ITEM_OF + " AND attribute_not_exists(#grants)", values, {"#grants": GRANTS})


def revocable_by(owner: Owner, grantee_id: str) -> Condition:
    """The item is the owner's, in their org, and currently grants `grantee_id` something."""
    values: Wire = {":owner": {"S": owner.sub}, ":org": {"S": owner.org_id}}
    names = _names(grantee_id)
    del names["#role"]
    return Condition(_ITEM_OF + " AND attribute_exists(#grants.#grantee)", values, names)
