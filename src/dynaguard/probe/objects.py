"""Object-level attacks: every other identity reads, updates and deletes each owner's objects,
and the verdict comes from the owner's re-read (state), not from the attacker's status code."""

from __future__ import annotations

from dynaguard.probe.context import ProbeContext
from dynaguard.probe.graph import Resource, fill
from dynaguard.probe.operations import Operation
from dynaguard.probe.setup import create

_GONE = (404, 410)


def _consumers(ctx: ProbeContext, method: str | tuple[str, ...]) -> list[Operation]:
    methods = (method,) if isinstance(method, str) else method
    return [op for op in ctx.operations if op.method in methods and op.path_params]


def reads(ctx: ProbeContext) -> None:
    """Owner reads first (the baseline); others read the same ids. Canaries prove leaks; without
    a canary, an identical non-empty body does."""
    ctx.phase("foreign reads")
    for operation in _consumers(ctx, "GET"):
        for resource, values in ctx.targets(operation):
            owner = ctx.identity(resource.owner)
            baseline = ctx.call(owner, operation, values)
            if not baseline.ok:
                continue
            for attacker in ctx.others(owner.name):
                exchange = ctx.call(attacker, operation, values)
                same_body = exchange.ok and baseline.data and exchange.data == baseline.data
                if (
                    same_body
                    and not ctx.canaries.owners_in(baseline.full_text)
                    and not ctx.may_see_others(attacker, operation, owner.name)
                ):
                    ctx.report(
                        "bola-read",
                        operation,
                        attacker.name,
                        owner.name,
                        f"{attacker.name} got the same body as {owner.name} from "
                        f"{operation.method} {exchange.path}",
                        [baseline, exchange],
                    )


def writes(ctx: ProbeContext) -> None:
    """Others PATCH/PUT the owner's objects with their own canary; the owner re-reads."""
    ctx.phase("foreign updates")
    for operation in _consumers(ctx, ("PATCH", "PUT")):
        reader = ctx.reader_for(operation)
        for resource, values in ctx.targets(operation):
            owner = ctx.identity(resource.owner)
            for attacker in ctx.others(owner.name):
                if ctx.may_see_others(attacker, operation, owner.name):
                    continue
                canary = ctx.canaries.new(attacker.name)
                body = ctx.body_for(operation, attacker, canary)
                exchange = ctx.call(attacker, operation, values, body=body)
                ctx.canaries.owners[canary] = owner.name
                if reader is None:
                    if exchange.ok:
                        ctx.report(
                            "unenforced-2xx",
                            operation,
                            attacker.name,
                            owner.name,
                            f"{exchange.status} to {attacker.name}; no GET route to verify",
                            [exchange],
                        )
                    continue
                check = ctx.call(owner, reader, values)
                if canary in check.full_text:
                    ctx.report(
                        "bola-write",
                        operation,
                        attacker.name,
                        owner.name,
                        f"{attacker.name}'s {operation.method} (status {exchange.status}) changed "
                        f"{owner.name}'s object: the owner now reads {canary}",
                        [exchange, check],
                    )
                elif exchange.ok:
                    ctx.report(
                        "unenforced-2xx",
                        operation,
                        attacker.name,
                        owner.name,
                        f"{exchange.status} to {attacker.name}, but {owner.name}'s object is "
                        "unchanged",
                        [exchange, check],
                    )


def deletes(ctx: ProbeContext) -> None:
    """Others DELETE the owner's objects; the owner re-reads. Only with --destructive."""
    if not ctx.destructive:
        if _consumers(ctx, "DELETE"):
            ctx.notes.append("foreign DELETE checks skipped: pass --destructive to run them")
        return
    ctx.phase("foreign deletes")
    for operation in _consumers(ctx, "DELETE"):
        reader = ctx.reader_for(operation)
        if reader is None:
            ctx.notes.append(f"{operation.key}: no GET route to confirm deletes; not tested")
            continue
        owners = {resource.owner: resource for resource, _ in ctx.targets(operation)}
        for owner_name, first in owners.items():
            owner = ctx.identity(owner_name)
            for attacker in ctx.others(owner_name):
                target = _live_target(ctx, operation, owner_name, first)
                if target is None:
                    break
                resource, values = target
                exchange = ctx.call(attacker, operation, values)
                check = ctx.call(owner, reader, values)
                if check.status in _GONE:
                    resource.alive = False
                    if not ctx.may_see_others(attacker, operation, owner_name):
                        ctx.report(
                            "bola-delete",
                            operation,
                            attacker.name,
                            owner_name,
                            f"{attacker.name}'s DELETE (status {exchange.status}) removed "
                            f"{owner_name}'s object: the owner now gets {check.status}",
                            [exchange, check],
                        )
                elif exchange.ok and not ctx.may_see_others(attacker, operation, owner_name):
                    ctx.report(
                        "unenforced-2xx",
                        operation,
                        attacker.name,
                        owner_name,
                        f"DELETE answered {exchange.status} to {attacker.name}, but "
                        f"{owner_name} still reads the object",
                        [exchange, check],
                    )


def _live_target(
    ctx: ProbeContext, operation: Operation, owner: str, first: Resource
) -> tuple[Resource, dict[str, str]] | None:
    """A live object of `owner` for this route, re-created if an earlier attack deleted it."""
    for resource, values in ctx.targets(operation):
        if resource.owner == owner:
            return resource, values
    if not first.probe_created:
        return None
    fresh = create(ctx, ctx.identity(owner), first.origin)
    if fresh is None:
        return None
    filled = fill(operation, fresh)
    return (fresh, filled) if filled is not None else None
