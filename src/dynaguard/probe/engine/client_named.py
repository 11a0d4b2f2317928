"""Objects whose id the client names in a create-by-PUT (`PUT /teams/{team_id}`, S3 buckets): no
response hands the probe such an id, so each identity tries to create one under a fresh id of its
own, and a 2xx makes that id a known object of that identity."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from dynaguard.probe.spec.graph import Resource, fill, fill_names, stem
from dynaguard.probe.spec.operations import Operation

PREFIX = "dgprobe"  # ids the probe chose itself start with this, so a person can spot them


def names_new_object(operations: list[Operation], operation: Operation) -> bool:
    """A PUT whose last path parameter names the object the route addresses (`{team_id}` of
    `/org/teams/{team_id}`, not `{user_id}` of `/teams/{t}/members/{user_id}`), in a collection
    no POST creates: the client, not the server, chooses the id."""
    if operation.method != "PUT" or not operation.path.endswith("}"):
        return False
    named = stem(operation.path_params[-1])
    if named not in ("", operation.collection):
        return False
    return not any(
        op.method == "POST" and op.collection == operation.collection for op in operations
    )


def fresh_id(schema: dict[str, Any]) -> str | None:
    """A new id valid for the parameter's schema (type, format, pattern, length), or None."""
    kind = schema.get("type")
    if kind == "integer":
        return str(secrets.randbelow(10**9) + 10**9)
    if kind not in (None, "string"):
        return None
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    token = secrets.token_hex(5)
    pattern = schema.get("pattern")
    shortest = int(schema.get("minLength", 0))
    longest = int(schema.get("maxLength", 64))
    for value in (f"{PREFIX}-{token}", f"{PREFIX}{token}", f"{PREFIX}_{token}", token):
        value = value[:longest]
        if len(value) < shortest:
            value += "0" * (shortest - len(value))
        if isinstance(pattern, str) and re.search(pattern, value) is None:
            continue
        return value
    return None


def unknown(resources: list[Resource], operation: Operation) -> bool:
    """No live object fills the route: only then does the probe make one up."""
    return not any(r.alive and fill(operation, r) is not None for r in resources)


def path_values(operation: Operation, own: list[Resource], value: str) -> dict[str, str] | None:
    """The chosen id for the last parameter, parents (`/projects/{p}/teams/{t}`) from the
    identity's own objects; None if a parent is unknown."""
    last = operation.path_params[-1]
    rest = operation.path_params[:-1]
    if not rest:
        return {last: value}
    for resource in own:
        parents = fill_names(rest, operation.collection, resource)
        if parents is not None:
            return {**parents, last: value}
    return None


def with_sibling(
    resources: list[Resource], operation: Operation, resource: Resource
) -> dict[str, str] | None:
    """`PUT /items/{item_id}/team-grants/{team_id}`: `resource` fills the leading parameters (the
    parent) and what it does not fill after them comes from a client-named object of the same
    owner whose collection the parameter names."""
    values: dict[str, str] = {}
    borrowed = 0
    for name in operation.path_params:
        value = None if borrowed else fill_names([name], operation.collection, resource)
        if value is None:
            borrowed += 1
            value = next(
                (
                    found
                    for other in resources
                    if other.alive
                    and other.owner == resource.owner
                    and other is not resource
                    and other.collection == stem(name)
                    and names_new_object([], other.origin)
                    and (found := fill_names([name], other.collection, other)) is not None
                ),
                None,
            )
        if value is None:
            return None
        values.update(value)
    return values if 0 < borrowed < len(operation.path_params) else None
