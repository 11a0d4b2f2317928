"""The conditions every write carries: they re-state, inside DynamoDB, what the key already says
(this owner, this org) so that a check and its write can never drift apart."""

from __future__ import annotations

from dynaguard.store._engine import Condition
from dynaguard.store.codec import Wire
from dynaguard.store.keys import Owner

ABSENT = "attribute_not_exists(pk)"
"""A create: the key must not exist yet."""

_OWNED = "attribute_exists(pk) AND owner_id = :owner AND org_id = :org"


def _identity(owner: Owner) -> Wire:
    return {":owner": {"S": owner.sub}, ":org": {"S": owner.org_id}}


def owned_by(
    owner: Owner, expected_version: int | None = None, write_token: str | None = None
) -> Condition:
    """The item exists, is `owner`'s and in `owner`'s org (and, if given, at that version, and
    not already written by the write carrying `write_token`: a resend is never applied twice)."""
    values = _identity(owner)
    expression = _OWNED
    if expected_version is not None:
        values[":expected"] = {"N": str(expected_version)}
        expression += " AND version = :expected"
    condition = Condition(expression, values)
    return condition if write_token is None else not_yet_written(condition, write_token)


def not_yet_written(condition: Condition, write_token: str) -> Condition:
    """`condition`, and the item does not already carry `write_token`: the SDK's resend of an
    update that was applied fails here instead of applying twice (see idempotency.py)."""
    return Condition(
        condition.expression + " AND (attribute_not_exists(write_token) OR write_token <> :token)",
        {**condition.values, ":token": {"S": write_token}},
        condition.names,
    )


def absent_or_expired(now: int) -> Condition:
    """An Idempotency-Key record may be written if there is none, or only an expired one."""
    values: Wire = {":now": {"N": str(now)}}
    return Condition("attribute_not_exists(pk) OR expires_at < :now", values)


def claim_of(item_id: str) -> Condition:
    """An Idempotency-Key record exists and names `item_id` (its claim is being completed)."""
    values: Wire = {":item": {"S": item_id}}
    return Condition("attribute_exists(pk) AND item_id = :item", values)


def absent_or_owned_by(owner: Owner) -> Condition:
    """A create-or-replace of `owner`'s singleton record (a profile)."""
    values = _identity(owner)
    return Condition("attribute_not_exists(pk) OR (owner_id = :owner AND org_id = :org)", values)


def in_org(org_id: str) -> Condition:
    """The item exists and belongs to `org_id` (an admin's delete inside their own org)."""
    values: Wire = {":org": {"S": org_id}}
    return Condition("attribute_exists(pk) AND org_id = :org", values)
