"""Last phase: delete, as their owner, what the probe created (budget is held back for it), and
name every object left behind by its URL so a person can remove it."""

from __future__ import annotations

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.errors import BudgetExhausted
from dynaguard.probe.spec.graph import Resource, fill
from dynaguard.probe.spec.operations import Operation


def url_of(ctx: ProbeContext, resource: Resource) -> str:
    """Where the object lives: its Location, else the first item route its ids fill."""
    base = ctx.transport.target + ctx.transport.base_path
    if resource.location:
        return base + resource.location
    routes = [op for op in ctx.operations if op.path_params and op.method in ("GET", "DELETE")]
    routes.sort(key=lambda op: (op.collection != resource.collection, not op.path.endswith("}")))
    for operation in routes:
        if operation.collection == resource.collection:
            values = fill(operation, resource)
            if values is not None:
                return base + operation.render(values)
    ids = ", ".join(f"{k}={v}" for k, v in resource.ids.items()) or f"canary {resource.canary}"
    return f"{base}{resource.origin.path} ({ids})"


def run(ctx: ProbeContext) -> list[str]:
    """Try the owner first, then the others (mass assignment may have moved ownership)."""
    ctx.phase("cleaning up")
    ctx.transport.cleaning = True
    deleters = [op for op in ctx.operations if op.method == "DELETE" and op.path_params]
    deleters.sort(key=lambda op: not ctx.policy.access(op).owner_allowed)
    left: list[Resource] = []
    pending = [r for r in ctx.resources if r.alive and r.probe_created]
    pending.sort(key=lambda r: -len(r.path_values))  # children (likes, comments) before parents
    for index, resource in enumerate(pending):
        try:
            if not _delete(ctx, resource, deleters):
                left.append(resource)
        except BudgetExhausted:
            left.extend(pending[index:])
            break
    return [f"{url_of(ctx, r)} (created by {r.owner} via {r.origin.key})" for r in left]


def _delete(ctx: ProbeContext, resource: Resource, deleters: list[Operation]) -> bool:
    callers = [ctx.identity(resource.owner), *ctx.others(resource.owner)]
    ranked = sorted(deleters, key=lambda op: op.collection != resource.collection)
    for operation in ranked:
        values = fill(operation, resource)
        if values is None:
            continue
        for caller in callers:
            if caller.anonymous:
                continue
            answer = ctx.call(caller, operation, values, scan=False)
            gone = answer.status in (404, 410) and caller.name == resource.owner
            if answer.ok or gone:  # the owner's own delete finds nothing: already gone
                resource.alive = False
                return True
    return False
