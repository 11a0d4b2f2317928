"""Last phase: delete, as their owner, what the probe created (budget is held back for it)."""

from __future__ import annotations

from dynaguard.probe.context import ProbeContext
from dynaguard.probe.errors import BudgetExhausted
from dynaguard.probe.graph import fill


def run(ctx: ProbeContext) -> None:
    """Try the owner first, then the others (mass assignment may have moved ownership)."""
    ctx.phase("cleaning up")
    ctx.transport.cleaning = True
    deleters = [op for op in ctx.operations if op.method == "DELETE" and op.path_params]
    deleters.sort(key=lambda op: not ctx.policy.access(op).owner_allowed)
    left = 0
    try:
        for resource in ctx.resources:
            if not (resource.alive and resource.probe_created):
                continue
            callers = [ctx.identity(resource.owner), *ctx.others(resource.owner)]
            done = False
            for operation in deleters:
                values = fill(operation, resource)
                if values is None:
                    continue
                for caller in callers:
                    if caller.anonymous:
                        continue
                    if ctx.call(caller, operation, values, scan=False).ok:
                        resource.alive, done = False, True
                        break
                if done:
                    break
            if not done:
                left += 1
    except BudgetExhausted:
        left += sum(1 for r in ctx.resources if r.alive and r.probe_created)
    if left:
        ctx.notes.append(f"{left} object(s) the probe created could not be deleted")
