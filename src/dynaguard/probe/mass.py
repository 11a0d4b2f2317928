"""Mass assignment: create and update with extra fields naming another identity or tenant, then
check whether the object now reflects them or the named victim can see it."""

from __future__ import annotations

from typing import Any

from dynaguard.probe.context import ProbeContext
from dynaguard.probe.graph import OWNER_KEYS, TENANT_KEYS, Resource, fill, harvest_ids
from dynaguard.probe.identities import Identity
from dynaguard.probe.operations import Operation
from dynaguard.probe.setup import creators
from dynaguard.probe.transport import Exchange


def run(ctx: ProbeContext) -> None:
    """Runs last (before cleanup): the objects it makes would confuse the other checks."""
    ctx.phase("mass assignment")
    for operation in creators(ctx):
        if operation.method != "POST" or not _takes_object(operation):
            continue
        for attacker in ctx.named:
            victim = _victim(ctx, attacker)
            if victim is None or not ctx.policy.access(operation).may_call(attacker):
                continue
            _create(ctx, operation, attacker, victim)
    for operation in ctx.operations:
        if operation.method != "PATCH" or not operation.path_params or not _takes_object(operation):
            continue
        for resource, values in ctx.targets(operation):
            attacker = ctx.identity(resource.owner)
            victim = _victim(ctx, attacker)
            if victim is not None:
                _update(ctx, operation, attacker, victim, resource, values)


def _takes_object(operation: Operation) -> bool:
    schema = operation.body_schema or {}
    return schema.get("type") == "object" or "properties" in schema or "allOf" in schema


def _victim(ctx: ProbeContext, attacker: Identity) -> Identity | None:
    """Prefer a victim in another tenant (the worst case), else any other named identity."""
    others = [identity for identity in ctx.named if identity.name != attacker.name]
    others.sort(key=lambda other: not ctx.cross_tenant(attacker.name, other.name))
    return others[0] if others else None


def _extras(victim: Identity) -> dict[str, Any]:
    user = victim.first("user") or victim.name
    tenant = victim.first("tenant") or victim.tenant
    extras: dict[str, Any] = {key: user for key in OWNER_KEYS if key != "sub"}
    if tenant is not None:
        extras.update({key: tenant for key in TENANT_KEYS})
    extras.update({"role": "admin", "roles": ["admin"], "is_admin": True, "isAdmin": True})
    return extras


def _reflected(data: Any, attacker: Identity, victim: Identity) -> str | None:
    """Which injected value the service's answer reflects, if any."""
    if not isinstance(data, dict):
        return None
    user = victim.first("user") or victim.name
    mine = attacker.attributes.get("user", set()) | {attacker.name}
    for key in OWNER_KEYS:
        if str(data.get(key)) == user and user not in mine:
            return f"{key}={user}"
    tenant = victim.first("tenant") or victim.tenant
    own_tenant = attacker.attributes.get("tenant", set()) | {attacker.tenant or ""}
    for key in TENANT_KEYS:
        if tenant is not None and str(data.get(key)) == tenant and tenant not in own_tenant:
            return f"{key}={tenant}"
    if "admin" not in attacker.roles:
        if data.get("is_admin") is True or data.get("isAdmin") is True:
            return "is_admin=true"
        if data.get("role") == "admin" or "admin" in (data.get("roles") or []):
            return "role=admin"
    return None


def _create(ctx: ProbeContext, operation: Operation, attacker: Identity, victim: Identity) -> None:
    canary = ctx.canaries.new(attacker.name)
    body = ctx.body_for(operation, attacker, canary)
    if not isinstance(body, dict):
        return
    exchange = ctx.call(attacker, operation, body={**body, **_extras(victim)}, scan=False)
    if not exchange.ok:
        return
    resource = Resource(attacker.name, operation, canary, harvest_ids(exchange.data))
    ctx.resources.append(resource)
    _judge(ctx, operation, attacker, victim, resource, canary, exchange)


def _update(
    ctx: ProbeContext,
    operation: Operation,
    attacker: Identity,
    victim: Identity,
    resource: Resource,
    values: dict[str, str],
) -> None:
    canary = ctx.canaries.new(attacker.name)
    body = ctx.body_for(operation, attacker, canary)
    if not isinstance(body, dict):
        return
    exchange = ctx.call(attacker, operation, values, body={**body, **_extras(victim)}, scan=False)
    if exchange.ok:
        _judge(ctx, operation, attacker, victim, resource, canary, exchange)


def _judge(
    ctx: ProbeContext,
    operation: Operation,
    attacker: Identity,
    victim: Identity,
    resource: Resource,
    canary: str,
    exchange: Exchange,
) -> None:
    reflected = _reflected(exchange.data, attacker, victim)
    if reflected is not None:
        ctx.report(
            "mass-assignment",
            operation,
            attacker.name,
            victim.name,
            f"{attacker.name}'s {operation.method} with injected fields came back with {reflected}",
            [exchange],
        )
        return
    reader = next(
        (
            op
            for op in ctx.operations
            if op.method == "GET" and op.path_params and fill(op, resource) is not None
        ),
        None,
    )
    if reader is None or ctx.has_finding("bola-read", victim.name, attacker.name):
        return
    values = fill(reader, resource) or {}
    check = ctx.call(victim, reader, values, scan=False)
    if check.ok and canary in check.full_text:
        ctx.report(
            "mass-assignment",
            operation,
            attacker.name,
            victim.name,
            f"after {attacker.name}'s {operation.method} naming {victim.name} as owner, "
            f"{victim.name} can read the object",
            [exchange, check],
        )
