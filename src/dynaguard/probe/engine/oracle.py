"""What the owner's own reads say about an object: which operations consume ids, why one could
not be fed, which read witnesses an object (its item GET, else a relation's parent, the owner's
list or a sub-collection of the same name), and the verdict on a 2xx whose effect the owner
cannot see (a per-caller action, or a status-only note). Every check judges through these, and
through `judge.py` (anonymous replay, sensitive-data scan, canary leaks: run on every answer by
`ProbeContext.call`), `session.py` (identity health) and `ProbeContext.earn` (earned coverage); no
check imports another."""

from __future__ import annotations

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.relations import is_relation_route, moved, only_counters
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.findings import STATUS_ONLY
from dynaguard.probe.spec.graph import Resource, fill
from dynaguard.probe.spec.operations import Operation


def consumers(ctx: ProbeContext, method: str | tuple[str, ...]) -> list[Operation]:
    methods = (method,) if isinstance(method, str) else method
    return [op for op in ctx.operations if op.method in methods and op.path_params]


def no_target(ctx: ProbeContext, operation: Operation, check: str) -> None:
    """Say why: no id at all, or the create that should have made one was refused."""
    names = ", ".join(operation.path_params)
    refused = [
        f"{key} had no parent object" if status == 0 else f"{key} answered {status}"
        for key, status in ctx.create_status.items()
        if status // 100 != 2 and collection_of(key) == operation.collection
    ]
    why = f" (create failed: {'; '.join(refused)})" if refused else ""
    ctx.coverage.skip(operation, check, f"no id found for {names}{why}")


def collection_of(key: str) -> str:
    method, path = key.split(" ", 1)
    return Operation(method, path, None, ()).collection


def witness_of(
    ctx: ProbeContext, operation: Operation, resource: Resource
) -> tuple[Operation, dict[str, str]] | None:
    """The owner's item GET, else the list or parent read the object appears in."""
    reader = ctx.reader_for(operation)
    if reader is not None:
        values = fill(reader, resource)
        if values is not None:
            return reader, values
    for witness in ctx.witness_for(operation):
        values = fill(witness, resource) if witness.path_params else {}
        if values is not None:
            return witness, values
    return None


def unobserved(
    ctx: ProbeContext,
    operation: Operation,
    attacker: Identity,
    owner: Identity,
    exchange: Exchange,
    reads: tuple[Exchange, Exchange] | None,
) -> None:
    """A 2xx whose effect the owner cannot see: a per-caller action when only counters or
    caller-relative fields moved (or the route acts on the caller's relation), else a
    status-only note."""
    if reads is not None:
        before, after = reads
        relation = is_relation_route(operation)
        if (relation or moved(before.data, after.data)) and only_counters(before.data, after.data):
            ctx.per_caller.setdefault(
                operation.key,
                f"{attacker.name}'s {exchange.status} moved only counters or caller-relative "
                f"fields of {owner.name}'s object",
            )
            return
    ctx.report(
        "unenforced-2xx",
        operation,
        attacker.name,
        owner.name,
        f"{exchange.status} to {attacker.name}, but "
        + (f"{owner.name}'s object is unchanged" if reads else "no GET route to verify"),
        [exchange, *(reads[1:] if reads else ())],
        proof=STATUS_ONLY,
    )
