"""Identifier substitution: a body or query field that names the caller (`{"username": ...}` in an
id-less `PUT /account`) or one of its objects (`{"note_id": ...}`) gets the victim's value.

The verdict is the victim's own re-read, compared with a control call that used the attacker's own
values, so a shared feed that shows everyone's posts is not mistaken for a write."""

from __future__ import annotations

from typing import Any

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.setup import listings
from dynaguard.probe.engine.singletons import Snapshots, take, writes_credentials
from dynaguard.probe.spec.graph import is_id_key, value_for
from dynaguard.probe.spec.operations import Operation
from dynaguard.probe.spec.safety import is_login

IDENTITY_FIELDS = {
    "username": "username", "user_name": "username", "login": "username", "email": "email",
    "user_id": "user", "userId": "user", "uid": "user", "account_id": "user", "accountId": "user",
}  # fmt: skip
_SKIP = frozenset({"owner_id", "ownerId", "org_id", "orgId", "tenant_id", "tenantId"})


def fields(operation: Operation) -> list[str]:
    """Body and query fields that reference an identity or an object (id-less operations)."""
    if operation.path_params:
        return []
    if is_login(operation):
        return []
    names = operation.body_fields + [param.name for param in operation.query_params]
    return [n for n in names if n not in _SKIP and (n in IDENTITY_FIELDS or is_id_key(n))]


def _value(ctx: ProbeContext, field: str, owner: Identity, operation: Operation) -> str | None:
    if field in IDENTITY_FIELDS:
        return owner.first(IDENTITY_FIELDS[field])
    for resource in ctx.resources:
        if resource.owner == owner.name and resource.alive:
            value = value_for(field, resource, True, operation.collection)
            if value is not None:
                return value
    return None


def _put(body: Any, field: str, value: str) -> Any:
    if isinstance(body, dict):
        if len(body) == 1 and isinstance(next(iter(body.values())), dict):
            key = next(iter(body))
            return {key: _put(body[key], field, value)}
        return {**body, field: value}
    return body


def _request(
    ctx: ProbeContext, operation: Operation, caller: Identity, named: dict[str, str], canary: str
) -> tuple[Any, dict[str, str]]:
    body = ctx.body_for(operation, caller, canary)
    params: dict[str, str] = {}
    query_names = {param.name for param in operation.query_params}
    for field, value in named.items():
        if field in query_names:
            params[field] = value
        else:
            body = _put(body if body is not None else {}, field, value)
    return body, params


def _victim_reads(ctx: ProbeContext, victim: Identity) -> str:
    texts = [ctx.call(victim, op, scan=False).full_text for op in listings(ctx)]
    return "\n".join(texts)


def run(ctx: ProbeContext, snapshots: Snapshots) -> None:
    ctx.phase("identifier substitution")
    for operation in ctx.operations:
        names = fields(operation)
        if not names:
            continue
        if operation.method != "GET" and writes_credentials(operation):
            ctx.coverage.skip(operation, "write", "its body carries credentials")
            continue
        check = "read" if operation.method == "GET" else "write"
        named = ctx.named
        for victim in named:
            for attacker in [i for i in named if i.name != victim.name][:1]:
                _attack(ctx, snapshots, operation, attacker, victim, names, check)


def _attack(
    ctx: ProbeContext,
    snapshots: Snapshots,
    operation: Operation,
    attacker: Identity,
    victim: Identity,
    names: list[str],
    check: str,
) -> None:
    theirs = {f: v for f in names if (v := _value(ctx, f, victim, operation)) is not None}
    mine = {f: v for f in names if (v := _value(ctx, f, attacker, operation)) is not None}
    if not theirs or theirs.keys() != mine.keys() or theirs == mine:
        ctx.coverage.skip(operation, check, f"no value of the victim's for {', '.join(names)}")
        return
    writes = operation.method in ("PUT", "PATCH") and not operation.path_params
    if writes:
        take(ctx, snapshots, attacker, operation)
        take(ctx, snapshots, victim, operation)
    control = ctx.canaries.new(attacker.name)
    body, params = _request(ctx, operation, attacker, mine, control)
    ctx.call(attacker, operation, params=params, body=body, canary=control)
    before = _victim_reads(ctx, victim) if check == "write" else ""
    canary = ctx.canaries.new(attacker.name)
    body, params = _request(ctx, operation, attacker, theirs, canary)
    exchange = ctx.call(
        attacker, operation, params=params, body=body, canary=canary, leak_kind="bola-read"
    )
    ctx.coverage.tested(operation, check)
    if check != "write" or control in before:
        return
    ctx.canaries.owners[canary] = victim.name
    after = _victim_reads(ctx, victim)
    if canary in after:
        fields_named = ", ".join(f"{k}={v}" for k, v in theirs.items())
        ctx.report(
            "bola-write",
            operation,
            attacker.name,
            victim.name,
            f"{attacker.name}'s {operation.method} {exchange.path} with {fields_named} "
            f"(status {exchange.status}) changed {victim.name}'s data: {victim.name} now reads "
            f"{canary}",
            [exchange],
        )
