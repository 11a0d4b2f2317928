"""Phase one: every identity creates objects with canaries, then reads its lists and /me routes."""

from __future__ import annotations

from dynaguard.probe.context import ProbeContext
from dynaguard.probe.graph import Resource, harvest_ids, location_path, remember_self
from dynaguard.probe.identities import Identity
from dynaguard.probe.operations import Operation

_COPIES = {"POST": 2, "PUT": 1}


def creators(ctx: ProbeContext) -> list[Operation]:
    """Writes without path parameters: POST creates, PUT `/me`-style upserts."""
    return [
        op
        for op in ctx.operations
        if op.method in _COPIES and not op.path_params and not op.is_health_or_docs
    ]


def listings(ctx: ProbeContext) -> list[Operation]:
    """Reads without path parameters: lists, searches, `/me` routes."""
    return [
        op
        for op in ctx.operations
        if op.method == "GET" and not op.path_params and not op.is_health_or_docs
    ]


def create(ctx: ProbeContext, identity: Identity, operation: Operation) -> Resource | None:
    """Create one object as `identity`, planting a fresh canary; None if the service refused."""
    canary = ctx.canaries.new(identity.name)
    body = ctx.body_for(operation, identity, canary)
    exchange = ctx.call(identity, operation, body=body)
    if not exchange.ok:
        return None
    resource = Resource(
        owner=identity.name,
        origin=operation,
        canary=canary,
        ids=harvest_ids(exchange.data),
        location=location_path(exchange.response_headers.get("location"), ctx.transport.base_path),
    )
    for kind, value in remember_self(exchange.data).items():
        identity.remember(kind, value)
    ctx.resources.append(resource)
    ctx.transport.reserved = sum(1 for r in ctx.resources if r.alive and r.probe_created)
    return resource


def run(ctx: ProbeContext) -> None:
    """Create objects as each named identity (two per POST, for paging), then exercise reads."""
    ctx.phase("creating objects")
    for operation in creators(ctx):
        for identity in ctx.named:
            if not ctx.policy.access(operation).may_call(identity):
                continue
            for _ in range(_COPIES[operation.method]):
                if create(ctx, identity, operation) is None:
                    break
    ctx.phase("reading lists and /me routes")
    for operation in listings(ctx):
        for identity in ctx.identities:
            exchange = ctx.call(identity, operation)
            if exchange.ok and not identity.anonymous:
                _harvest_self(ctx, identity, operation, exchange.data, exchange.full_text)


def _has_records(value: object) -> bool:
    return isinstance(value, list) and any(isinstance(entry, dict) for entry in value)


def _harvest_self(
    ctx: ProbeContext, identity: Identity, operation: Operation, data: object, text: str
) -> None:
    """A `/me`-style object answer (no arrays) is the caller's own: keep its ids and attributes."""
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
    mine = owners.get(identity.name, set())
    for resource in ctx.resources:
        if resource.canary in mine:
            for key, value in ids.items():
                resource.ids.setdefault(key, value)
            return
    if ids:
        ctx.resources.append(Resource(identity.name, operation, None, ids, probe_created=False))
