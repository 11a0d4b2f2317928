"""Function-level attacks: routes the policy reserves for some roles, called by everyone else."""

from __future__ import annotations

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.findings import STATE, STATUS_ONLY
from dynaguard.probe.spec.graph import fill
from dynaguard.probe.spec.operations import Operation

_SAFE = ("GET",)


def run(ctx: ProbeContext) -> None:
    """A 2xx to an identity whose roles the policy does not grant is a BFLA finding."""
    ctx.phase("function-level checks")
    for operation in ctx.operations:
        access = ctx.policy.access(operation)
        if access.level != "roles":
            continue
        if operation.method not in _SAFE and not ctx.destructive:
            ctx.coverage.skip(operation, "function", "needs --destructive")
            continue
        for identity in ctx.named:
            if access.may_call(identity):
                continue
            values = _values(ctx, operation, identity)
            if values is None:
                ctx.coverage.skip(operation, "function", "no id found for its path")
                continue
            ctx.coverage.tested(operation, "function")
            canary = ctx.canaries.new(identity.name)
            body = ctx.body_for(operation, identity, canary)
            exchange = ctx.call(identity, operation, values, body=body)
            if exchange.ok:
                witness = _privileged_answer(ctx, operation, values, exchange)
                proof = STATE if witness is not None else STATUS_ONLY
                seen = "the same answer as the privileged identity" if witness else "no proof"
                ctx.report(
                    "bfla",
                    operation,
                    identity.name,
                    None,
                    f"{identity.name} (roles: {', '.join(sorted(identity.roles)) or 'none'}) got "
                    f"{exchange.status} from {operation.method} {exchange.path} ({seen}); policy "
                    f"allows {', '.join(sorted(access.roles))}",
                    [exchange, *([witness] if witness else [])],
                    proof=proof,
                )
                if operation.method == "DELETE":
                    _forget(ctx, operation, values)


def _privileged_answer(
    ctx: ProbeContext, operation: Operation, values: dict[str, str], exchange: Exchange
) -> Exchange | None:
    """A read is proven when the privileged identity's own answer is the same non-empty data
    (or the answer carries other identities' canaries); a write stays status-only here."""
    if operation.method != "GET" or exchange.data in (None, [], {}, ""):
        return None
    access = ctx.policy.access(operation)
    for identity in ctx.named:
        if identity.name != exchange.identity and access.role_allows(identity):
            answer = ctx.call(identity, operation, values, scan=False)
            if answer.ok and answer.data == exchange.data:
                return answer
    others = set(ctx.canaries.owners_in(exchange.full_text)) - {exchange.identity}
    return exchange if others else None


def _values(ctx: ProbeContext, operation: Operation, identity: Identity) -> dict[str, str] | None:
    """Fill path parameters from the caller's own objects first, so this tests the function and
    not object ownership."""
    if not operation.path_params:
        return {}
    ranked = sorted(ctx.resources, key=lambda r: r.owner != identity.name)
    for resource in ranked:
        if resource.alive and resource.owner != "anonymous":
            values = fill(operation, resource)
            if values is not None:
                return values
    return None


def _forget(ctx: ProbeContext, operation: Operation, values: dict[str, str]) -> None:
    for resource in ctx.resources:
        if fill(operation, resource) == values:
            resource.alive = False
