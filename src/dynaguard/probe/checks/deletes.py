"""Foreign deletes (only with --destructive): others DELETE the owner's objects, children before
parents and user accounts last; the owner's re-read is the verdict. A delete that removes an
identity's own account marks that identity lost."""

from __future__ import annotations

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.oracle import consumers, no_target, unobserved, witness_of
from dynaguard.probe.engine.setup import create
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.spec.graph import Resource, fill, harvest_ids, own_id, records_with
from dynaguard.probe.spec.operations import Operation

_GONE = (404, 410)


def _present(ctx: ProbeContext, exchange: Exchange, resource: Resource, item: bool) -> bool:
    """Is the object still there? An item read answers 2xx; a list still names it (by its
    canary, or by a record carrying its id: a foreign update may have replaced the canary)."""
    if item:
        return exchange.status not in _GONE
    if not exchange.ok:
        return True
    if resource.canary and resource.canary in exchange.full_text:
        return True
    ident = own_id(resource)
    return ident is not None and any(
        ident in harvest_ids(record).values() for record in records_with(exchange.data, "")
    )


def run(ctx: ProbeContext) -> None:
    """Others DELETE the owner's objects; the owner re-reads. Only with --destructive."""
    if not ctx.destructive:
        for operation in consumers(ctx, "DELETE"):
            ctx.coverage.skip(operation, "delete", "needs --destructive")
        if consumers(ctx, "DELETE"):
            ctx.notes.append("foreign DELETE checks skipped: pass --destructive to run them")
        return
    ctx.phase("foreign deletes")
    for operation in sorted(consumers(ctx, "DELETE"), key=_delete_order):
        owners = {resource.owner: resource for resource, _ in ctx.targets(operation)}
        if not owners:
            no_target(ctx, operation, "delete")
        for owner_name, first in owners.items():
            owner = ctx.identity(owner_name)
            for attacker in ctx.others(owner_name):
                if owner_name in ctx.lost:
                    break
                if attacker.name in ctx.lost:
                    continue
                if ctx.may_see_others(attacker, operation, owner_name):
                    continue
                target = _live_target(ctx, operation, owner_name, first)
                if target is None:
                    break
                resource, values = target
                witness = witness_of(ctx, operation, resource)
                if witness is None:
                    ctx.coverage.skip(operation, "delete", "no GET, list or parent read to confirm")
                    break
                reader, read_values = witness
                item = reader.path == operation.path or reader.path_params == operation.path_params
                before = ctx.call(owner, reader, read_values, scan=False)
                if not _present(ctx, before, resource, item):
                    ctx.coverage.skip(
                        operation, "delete", f"the object is not visible in {reader.key}"
                    )
                    break
                exchange = ctx.call(attacker, operation, values)
                check = ctx.call(owner, reader, read_values)
                ctx.earn(operation, "delete", exchange)
                if not _present(ctx, check, resource, item):
                    resource.alive = False
                    if is_account(resource):
                        ctx.lost.add(owner_name)
                        ctx.changed.append(
                            f"{ctx.transport.target}{ctx.transport.base_path}{exchange.path}: "
                            f"{owner_name}'s own account was deleted by {attacker.name}'s "
                            f"{operation.key}; {owner_name} took no further part in the run"
                        )
                    if not ctx.may_see_others(attacker, operation, owner_name):
                        ctx.report(
                            "bola-delete",
                            operation,
                            attacker.name,
                            owner_name,
                            f"{attacker.name}'s DELETE (status {exchange.status}) removed "
                            f"{owner_name}'s object: the owner's {reader.key} no longer shows it",
                            [exchange, check],
                        )
                elif exchange.ok and not ctx.may_see_others(attacker, operation, owner_name):
                    unobserved(ctx, operation, attacker, owner, exchange, (before, check))


ACCOUNT_COLLECTIONS = frozenset({"user", "account", "member", "profile", "me"})


def is_account(resource: Resource) -> bool:
    """The identity's own account (learned from `/me`-like routes, not made by the probe)."""
    return not resource.probe_created and resource.collection in ACCOUNT_COLLECTIONS


def _delete_order(operation: Operation) -> tuple[bool, int]:
    """Children before parents; deletes of user accounts last of all."""
    return (operation.collection in ACCOUNT_COLLECTIONS, -len(operation.path_params))


def _live_target(
    ctx: ProbeContext, operation: Operation, owner: str, first: Resource
) -> tuple[Resource, dict[str, str]] | None:
    """A live object of `owner` for this route, re-created if an earlier attack deleted it."""
    for resource, values in ctx.targets(operation):
        if resource.owner == owner:
            return resource, values
    if not first.probe_created:
        return None
    fresh = create(ctx, ctx.identity(owner), first.origin, first.path_values or None)
    if fresh is None:
        return None
    filled = fill(operation, fresh)
    return (fresh, filled) if filled is not None else None
