"""Phase one: learn who each identity is, create objects (parents first), then read lists and
`/me` routes to find the ids of what each identity owns."""

from __future__ import annotations

from typing import Any

from dynaguard.probe.engine import client_named
from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.session import is_me_like
from dynaguard.probe.engine.singletons import Snapshots, take, writes_credentials
from dynaguard.probe.spec.graph import (
    Resource,
    fill,
    harvest_ids,
    location_path,
    records_with,
    remember_self,
    scalars,
)
from dynaguard.probe.spec.operations import Operation
from dynaguard.probe.spec.safety import is_login

_COPIES = {"POST": 2, "PUT": 1}
_RETRY = frozenset({400, 409, 422})
_REPAIRS = 2
_SHARED = 4


def creators(ctx: ProbeContext) -> list[Operation]:
    """POST creates (nested ones after their parents) and `PUT /me`-style upserts."""
    found = [
        op
        for op in ctx.operations
        if (op.method == "POST" or (op.method == "PUT" and not op.path_params))
        and not op.is_health_or_docs
        and not is_login(op)
    ]
    return sorted(found, key=lambda op: len(op.path_params))


def listings(ctx: ProbeContext) -> list[Operation]:
    """Reads without path parameters: lists, searches, `/me` routes."""
    return [
        op
        for op in ctx.operations
        if op.method == "GET" and not op.path_params and not op.is_health_or_docs
    ]


def parents_for(
    ctx: ProbeContext, identity: Identity, operation: Operation
) -> list[dict[str, str]]:
    """Path values for a nested create, from the identity's own objects (one per parent)."""
    if not operation.path_params:
        return [{}]
    found: list[dict[str, str]] = []
    for resource in ctx.resources:
        if resource.owner not in (identity.name, "anonymous") or not resource.alive:
            continue
        values = fill(operation, resource)
        if values is not None and values not in found:
            found.append(values)
    return found[:1]


def create(
    ctx: ProbeContext,
    identity: Identity,
    operation: Operation,
    values: dict[str, str] | None = None,
) -> Resource | None:
    """Create one object as `identity` with a fresh canary: required fields first, all fields on
    a retry. None (and the status, for the coverage table) if the service refused both."""
    if values is None:
        parents = parents_for(ctx, identity, operation)
        values = parents[0] if parents else None
    if values is None:
        ctx.create_status[operation.key] = 0
        return None
    canary = ctx.canaries.new(identity.name)
    exchange = None
    body: Any = None
    for full in (False, True):
        body = ctx.body_for(operation, identity, canary, full=full)
        exchange = ctx.call(identity, operation, values, body=body, canary=canary)
        if exchange.ok or exchange.status not in _RETRY or operation.body_schema is None:
            break
    assert exchange is not None
    for _ in range(_REPAIRS):  # the error answer names the fields to fix
        if exchange.ok or exchange.status not in _RETRY:
            break
        fixed = ctx.repaired(operation, identity, canary, body, exchange)
        if fixed is None:
            break
        body = fixed
        exchange = ctx.call(identity, operation, values, body=body, canary=canary)
    ctx.create_status[operation.key] = exchange.status
    if not exchange.ok:
        return None
    resource = Resource(
        owner=identity.name,
        origin=operation,
        canary=canary,
        ids=harvest_ids(exchange.data),
        location=location_path(exchange.response_headers.get("location"), ctx.transport.base_path),
        path_values=dict(values),
        sent=scalars(body),
        probe_created=operation.method == "POST"
        or client_named.names_new_object(ctx.operations, operation),
    )
    for kind, value in remember_self(exchange.data).items():
        if kind in ("user", "tenant"):
            identity.remember(kind, value)
    ctx.resources.append(resource)
    ctx.transport.reserved = sum(1 for r in ctx.resources if r.alive and r.probe_created)
    return resource


def create_named(ctx: ProbeContext, operation: Operation) -> None:
    """A create-by-PUT whose id the client chooses (`PUT /teams/{team_id}`): when no object fills
    it yet, each identity (privileged ones included) tries one under a fresh id of its own."""
    if not client_named.unknown(ctx.resources, operation):
        return
    last = operation.path_params[-1]
    schema = next((p.schema for p in operation.params if p.name == last), {})
    for identity in ctx.named:
        if not ctx.policy.access(operation).may_call(identity):
            continue
        value = client_named.fresh_id(schema)
        own = [r for r in ctx.resources if r.alive and r.owner == identity.name]
        values = None if value is None else client_named.path_values(operation, own, value)
        if values is not None:
            create(ctx, identity, operation, values)


def learn_identities(ctx: ProbeContext) -> None:
    """Token claims and `/me`-like answers tell each identity's user id, username and email; an
    identity resource then feeds routes keyed by them (`/accounts/{username}/settings`)."""
    me_routes = [op for op in listings(ctx) if is_me_like(op)]
    for identity in ctx.named:
        identity.learn_from_claims()
        for operation in me_routes:
            exchange = ctx.call(identity, operation, scan=False)
            if exchange.ok:
                for kind, value in remember_self(exchange.data, me_route=True).items():
                    identity.remember(kind, value)
        ids: dict[str, str] = {}
        for kind, key in (("user", "id"), ("user", "user_id"), ("username", "username")):
            known = identity.first(kind)
            if known is not None:
                ids[key] = known
        user = identity.first("user")
        if "username" not in ids and user is not None and not user.isdigit() and "-" not in user:
            ids["username"] = user  # a `sub` that is a name, not a number or a uuid
        email = identity.first("email")
        if email is not None:
            ids["email"] = email
        if identity.first("tenant") is not None and identity.tenant is None:
            identity.tenant = identity.first("tenant")
        if ids and me_routes:
            ctx.resources.append(
                Resource(
                    identity.name, me_routes[0], None, ids, probe_created=False, collection="user"
                )
            )


def run(ctx: ProbeContext, snapshots: Snapshots) -> None:
    """Create objects as each named identity (two per POST, for paging), then exercise reads."""
    ctx.phase("learning identities")
    learn_identities(ctx)
    ctx.phase("reading the public catalogue")
    for operation in listings(ctx):
        if operation.declared_public:
            exchange = ctx.call(ctx.anonymous, operation, scan=False)
            _public_records(ctx, operation, exchange.data if exchange.ok else None)
    ctx.phase("creating objects")
    named = [op for op in ctx.operations if client_named.names_new_object(ctx.operations, op)]
    for operation in sorted([*creators(ctx), *named], key=lambda op: len(op.path_params)):
        if operation.method == "PUT" and writes_credentials(operation):
            ctx.coverage.skip(operation, "write", "its body carries credentials")
            continue
        if operation in named:
            create_named(ctx, operation)
            continue
        for identity in ctx.named:
            if not ctx.policy.access(operation).may_call(identity):
                continue
            if operation.method == "PUT":
                take(ctx, snapshots, identity, operation)
            for _ in range(_COPIES[operation.method]):
                if create(ctx, identity, operation) is None:
                    break
    ctx.phase("reading lists and /me routes")
    for operation in listings(ctx):
        answers: dict[str, Any] = {}
        for identity in ctx.identities:
            exchange = ctx.call(identity, operation)
            if identity.anonymous:
                continue
            ctx.coverage.tested(operation, "leak")
            if exchange.ok:
                answers[identity.name] = exchange.data
                harvest_answer(ctx, identity, operation, exchange.data, exchange.full_text)
        _own_records(ctx, operation, answers)


def _own_records(ctx: ProbeContext, operation: Operation, answers: dict[str, Any]) -> None:
    """Objects that existed before the run (seeded data): a list record only one identity's
    answer shows is that identity's own, and its ids become attack targets (never deleted)."""
    if operation.key in ctx.public or operation.declared_public:
        return
    seen: dict[tuple[tuple[str, str], ...], set[str]] = {}
    records: dict[str, list[dict[str, str]]] = {}
    for name, data in answers.items():
        for record in records_with(data, "")[:20]:
            ids = harvest_ids(record)
            key = tuple(sorted(ids.items()))
            if ids and not ctx.canaries.owners_in(str(record)):
                seen.setdefault(key, set()).add(name)
                records.setdefault(name, []).append(ids)
    for name, found in records.items():
        unique = [ids for ids in found if seen[tuple(sorted(ids.items()))] == {name}]
        for ids in unique[:2]:
            ctx.resources.append(Resource(name, operation, None, ids, probe_created=False))


def _public_records(ctx: ProbeContext, operation: Operation, data: Any) -> None:
    """A catalogue every caller may read (declared without security, answered to anonymous):
    its first records' ids feed parents of nested creates (`/products/{id}/reviews`) and the
    function-level checks on shared objects (one object per caller for deletes)."""
    if data is None or not operation.declared_public:
        return
    for record in records_with(data, "")[:_SHARED]:
        ids = harvest_ids(record)
        if ids:
            ctx.resources.append(Resource("anonymous", operation, None, ids, probe_created=False))


def _has_records(value: object) -> bool:
    return isinstance(value, list) and any(isinstance(entry, dict) for entry in value)


def harvest_answer(
    ctx: ProbeContext, identity: Identity, operation: Operation, data: Any, text: str
) -> None:
    """Ids from the identity's own data: list entries carrying its canaries, and `/me`-style
    objects that hold no one else's canary."""
    mine = [r for r in ctx.resources if r.owner == identity.name and r.canary]
    for resource in mine:
        if resource.canary and resource.canary in text:
            for record in records_with(data, resource.canary)[:1]:
                for key, value in harvest_ids(record).items():
                    resource.ids.setdefault(key, value)
    if not isinstance(data, dict) or any(_has_records(value) for value in data.values()):
        return
    owners = ctx.canaries.owners_in(text)
    if set(owners) - {identity.name}:
        return
    ids = harvest_ids(data)
    for kind, value in remember_self(data).items():
        identity.remember(kind, value)
        if kind == "tenant" and identity.tenant is None:
            identity.tenant = value
    own = owners.get(identity.name, set())
    for resource in mine:
        if resource.canary in own:
            for key, value in ids.items():
                resource.ids.setdefault(key, value)
            return
    if ids:
        ctx.resources.append(Resource(identity.name, operation, None, ids, probe_created=False))
